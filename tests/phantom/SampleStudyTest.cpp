// The written sample study, read back with DCMTK: geometry and identity in the headers, CT
// numbers at known points, the rigid truth consistent with the T1 pixels, the DWI scheme and
// bundle anisotropy, the BOLD response, SWI veins and microbleeds, and determinism.
#include <QtTest>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <set>

#include "PhantomTestUtil.h"
#include "fw/core/Error.h"
#include "fw/core/Volume.h"
#include "fw/dicom/SeriesReader.h"
#include "fw/io/ImageFile.h"
#include "fw/phantom/HeadPhantom.h"
#include "fw/phantom/SampleStudy.h"

using namespace fw;
using phantom::Tissue;
namespace fs = std::filesystem;

namespace {

// One series on disk: headers of every file, pixels read on demand.
class DiskSeries {
 public:
  DiskSeries(const fs::path& folder, std::size_t slicesPerVolume) : m_nz(slicesPerVolume) {
    m_files = test::seriesFiles(folder);
    if (m_files.size() < 2) throw std::runtime_error("too few files in " + folder.string());
    const auto a = test::readDicomSlice(m_files[0], false), b = test::readDicomSlice(m_files[1], false);
    m_grid = test::SliceGrid::fromSlices(a, b);
    m_size = {static_cast<long>(a.cols), static_cast<long>(a.rows), static_cast<long>(m_nz)};
  }
  std::size_t fileCount() const { return m_files.size(); }
  const fs::path& file(std::size_t i) const { return m_files[i]; }
  const test::DicomSlice& slice(std::size_t volume, long k) {
    const std::size_t i = volume * m_nz + static_cast<std::size_t>(k);
    auto it = m_cache.find(i);
    if (it == m_cache.end()) it = m_cache.emplace(i, test::readDicomSlice(m_files[i])).first;
    return it->second;
  }
  bool voxel(const core::Vec3& world, std::array<long, 3>& idx) const { return m_grid.nearest(world, m_size, idx); }
  double value(const std::array<long, 3>& idx, std::size_t volume = 0) {
    const auto& s = slice(volume, idx[2]);
    return s.at(static_cast<unsigned>(idx[0]), static_cast<unsigned>(idx[1]));
  }
  // Value at a world point (nearest voxel); NaN outside.
  double at(const core::Vec3& world, std::size_t volume = 0) {
    std::array<long, 3> idx{};
    return voxel(world, idx) ? value(idx, volume) : std::nan("");
  }
  // Mean over the 3x3 in-plane neighbourhood of the nearest voxel.
  double mean3(const core::Vec3& world, std::size_t volume = 0) {
    std::array<long, 3> idx{};
    if (!voxel(world, idx)) return std::nan("");
    double sum = 0;
    for (long dj = -1; dj <= 1; ++dj)
      for (long di = -1; di <= 1; ++di) sum += value({idx[0] + di, idx[1] + dj, idx[2]}, volume);
    return sum / 9;
  }
  const std::array<long, 3>& size() const { return m_size; }

 private:
  std::size_t m_nz;
  std::vector<fs::path> m_files;
  test::SliceGrid m_grid;
  std::array<long, 3> m_size{};
  std::map<std::size_t, test::DicomSlice> m_cache;
};

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const double ma = std::accumulate(a.begin(), a.end(), 0.0) / a.size();
  const double mb = std::accumulate(b.begin(), b.end(), 0.0) / b.size();
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

core::Vec3 vec(const QJsonValue& v) {
  const auto a = v.toArray();
  return {a[0].toDouble(), a[1].toDouble(), a[2].toDouble()};
}

}  // namespace

class SampleStudyTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase();
  void layout();
  void ctGeometry();
  void t1Geometry();
  void sharedIdentity();
  void ctNumbers();
  void rigidTruthMatchesT1Pixels();
  void dwiHeadersMatchTruth();
  void dwiBundleAnisotropy();
  void boldResponse();
  void swiVeinsAndMicrobleeds();
  void truthMaps();
  void ctIsDeterministic();
  void refusesExistingFolder();
  void projectReaderLoadsIt();

 private:
  fs::path m_dir;
  QJsonObject m_truth;
  QJsonObject series(const QString& key) const {
    for (const auto& s : m_truth["series"].toArray())
      if (s.toObject()["key"].toString() == key) return s.toObject();
    return {};
  }
};

void SampleStudyTest::initTestCase() {
  m_dir = test::ensureSampleStudy();
  QJsonParseError err;
  m_truth = QJsonDocument::fromJson(QByteArray::fromStdString(test::readText(m_dir / "truth.json")), &err).object();
  QVERIFY2(err.error == QJsonParseError::NoError, qPrintable(err.errorString()));
  QCOMPARE(m_truth["phantomVersion"].toString(), QString(phantom::sampleStudyVersion()));
}

void SampleStudyTest::layout() {
  for (const auto& s : phantom::seriesSpecs()) {
    const auto files = test::seriesFiles(m_dir / "dicom" / s.key);
    QCOMPARE(files.size(), s.geometry.size()[2] * s.volumes);
    QCOMPARE(series(QString::fromStdString(s.key))["folder"].toString(), QString::fromStdString("dicom/" + s.key));
  }
  QVERIFY(fs::exists(m_dir / "README.txt"));
  for (const auto& m : m_truth["truthMaps"].toArray())
    QVERIFY2(fs::exists(m_dir / m.toObject()["file"].toString().toStdString()),
             qPrintable(m.toObject()["file"].toString()));
  // Nothing left behind beside the study.
  for (const auto& e : fs::directory_iterator(m_dir.parent_path()))
    QVERIFY2(e.path().filename().string().find(".partial") == std::string::npos, qPrintable(e.path().c_str()));
}

void SampleStudyTest::ctGeometry() {
  const auto files = test::seriesFiles(m_dir / "dicom" / "ct");
  QCOMPARE(files.size(), std::size_t(140));
  const auto first = test::readDicomSlice(files.front(), false);
  const auto second = test::readDicomSlice(files[1], false);
  const auto last = test::readDicomSlice(files.back(), false);
  QCOMPARE(first.rows, 256u);
  QCOMPARE(first.cols, 256u);
  QCOMPARE(first.rowSpacing, 0.9);
  QCOMPARE(first.colSpacing, 0.9);
  QVERIFY(norm(first.row - core::Vec3{1, 0, 0}) < 1e-9);
  QVERIFY(norm(first.col - core::Vec3{0, 1, 0}) < 1e-9);
  QCOMPARE(first.instance, 1L);
  QCOMPARE(last.instance, 140L);
  QVERIFY(std::abs(second.ipp.z - first.ipp.z - 1.25) < 1e-6);
  QVERIFY(std::abs(last.ipp.z - first.ipp.z - 139 * 1.25) < 1e-4);
  // Matches truth.json.
  const auto s = series("ct");
  QVERIFY(norm(first.ipp - vec(s["originLps"])) < 1e-6);
  QCOMPARE(s["size"].toArray()[2].toInt(), 140);
  // The head is inside the field of view, with a margin of air.
  QVERIFY(first.ipp.z < -75 && last.ipp.z > 92);
}

void SampleStudyTest::t1Geometry() {
  const auto files = test::seriesFiles(m_dir / "dicom" / "t1");
  const auto& spec = phantom::seriesSpec("t1");
  QCOMPARE(files.size(), spec.geometry.size()[2]);
  const auto first = test::readDicomSlice(files.front(), false);
  const auto second = test::readDicomSlice(files[1], false);
  QCOMPARE(std::size_t(first.cols), spec.geometry.size()[0]);
  QCOMPARE(std::size_t(first.rows), spec.geometry.size()[1]);
  QCOMPARE(first.rowSpacing, 1.0);
  QVERIFY(norm(first.row - spec.geometry.direction().column(0)) < 1e-5);
  QVERIFY(norm(first.col - spec.geometry.direction().column(1)) < 1e-5);
  QVERIFY(norm(first.ipp - spec.geometry.origin()) < 1e-4);
  QVERIFY(norm(second.ipp - first.ipp - spec.geometry.direction().column(2)) < 1e-4);
  // Oblique: the row direction is not a world axis.
  QVERIFY(std::abs(first.row.y) < 0.999 && std::abs(first.row.y) > 0.9);
  const auto dirs = series("t1")["directionColumns"].toArray();
  QVERIFY(norm(vec(dirs[0]) - first.row) < 1e-6);
}

void SampleStudyTest::sharedIdentity() {
  std::set<std::string> seriesUids;
  std::string study, frame;
  for (const auto& s : phantom::seriesSpecs()) {
    const auto files = test::seriesFiles(m_dir / "dicom" / s.key);
    for (const auto& f : {files.front(), files.back()}) {
      const auto d = test::readDicomSlice(f, false);
      QCOMPARE(QString::fromStdString(d.text.at("PatientName")), QString("PHANTOM^HEAD"));
      QCOMPARE(QString::fromStdString(d.text.at("PatientID")), QString("FW-PHANTOM-001"));
      if (study.empty()) {
        study = d.text.at("StudyInstanceUID");
        frame = d.text.at("FrameOfReferenceUID");
      }
      QCOMPARE(d.text.at("StudyInstanceUID"), study);
      QCOMPARE(d.text.at("FrameOfReferenceUID"), frame);
      QCOMPARE(QString::fromStdString(d.text.at("SeriesDescription")), QString::fromStdString(s.description));
      QCOMPARE(QString::fromStdString(d.text.at("Modality")), QString(core::modalityCode(s.modality)));
      seriesUids.insert(d.text.at("SeriesInstanceUID"));
      QCOMPARE(QString::fromStdString(d.text.at("SeriesInstanceUID")),
               series(QString::fromStdString(s.key))["seriesInstanceUid"].toString());
    }
  }
  QCOMPARE(seriesUids.size(), phantom::seriesSpecs().size());
  QCOMPARE(QString::fromStdString(study), m_truth["study"].toObject()["studyInstanceUid"].toString());
}

void SampleStudyTest::ctNumbers() {
  const auto& ph = phantom::HeadPhantom::instance();
  DiskSeries ct(m_dir / "dicom" / "ct", 140);
  struct Probe {
    const char* what;
    core::Vec3 p;
    Tissue tissue;
    double lo, hi;
  };
  const Probe probes[] = {
      {"skull (outer table at the vertex)", {0, 0, 86}, Tissue::CorticalBone, 700, 2000},
      {"brain (white matter)", {-20, -30, 40}, Tissue::WhiteMatter, 20, 45},
      {"ventricle", {13, 2, 12}, Tissue::Ventricle, -10, 15},
      {"lesion", ph.lesion().centre, Tissue::Lesion, 60, 90},
      {"air", {0, -110, 0}, Tissue::Air, -1024, -950},
      {"scalp fat", {0, 0, 89}, Tissue::Fat, -130, -60},
  };
  for (const auto& pr : probes) {
    QCOMPARE(QString(phantom::tissueName(ph.tissueAt(pr.p))), QString(phantom::tissueName(pr.tissue)));
    // Thin layers are read at one voxel, regions as a 3x3 mean.
    const bool thin = pr.tissue == Tissue::CorticalBone || pr.tissue == Tissue::Fat;
    const double hu = thin ? ct.at(pr.p) : ct.mean3(pr.p);
    qInfo("%s: %.1f HU", pr.what, hu);
    QVERIFY2(hu >= pr.lo && hu <= pr.hi, qPrintable(QString("%1: %2 HU").arg(pr.what).arg(hu)));
  }
}

void SampleStudyTest::rigidTruthMatchesT1Pixels() {
  const auto& ph = phantom::HeadPhantom::instance();
  DiskSeries t1(m_dir / "dicom" / "t1", phantom::seriesSpec("t1").geometry.size()[2]);
  // The transform as truth.json states it.
  const auto rows = m_truth["ctToT1"].toObject()["matrix"].toArray();
  auto ctToT1 = [&](const core::Vec3& p) {
    core::Vec3 q;
    for (int r = 0; r < 3; ++r) {
      const auto row = rows[r].toArray();
      q[r] = row[0].toDouble() * p.x + row[1].toDouble() * p.y + row[2].toDouble() * p.z + row[3].toDouble();
    }
    return q;
  };
  const core::Vec3 wm{-20, -30, 40}, ventricle{13, 2, 12};
  const double tWm = t1.mean3(ctToT1(wm));
  const double tVentricle = t1.mean3(ctToT1(ventricle));
  const double tLesion = t1.mean3(ctToT1(ph.lesion().centre));
  qInfo("T1 at mapped points: white matter %.0f, ventricle %.0f, lesion %.0f", tWm, tVentricle, tLesion);
  QVERIFY2(tWm > 600, qPrintable(QString::number(tWm)));                  // white matter bright
  QVERIFY2(tVentricle < 250, qPrintable(QString::number(tVentricle)));    // CSF dark
  QVERIFY2(tLesion > 220 && tLesion < 450, qPrintable(QString::number(tLesion)));  // lesion darker than GM
  // Every landmark in truth.json maps to the same tissue in the T1 world.
  for (const auto& l : m_truth["landmarks"].toArray()) {
    const auto o = l.toObject();
    QVERIFY(norm(ctToT1(vec(o["ctLps"])) - vec(o["t1Lps"])) < 1e-6);
  }
  // The offset matters: read without the transform, the ventricle centre is not CSF.
  const Tissue unmoved = ph.tissueAt(phantom::studyTruth().ctToMr.inverse().apply(ventricle));
  QVERIFY(unmoved != Tissue::Ventricle);
  const double tUnmoved = t1.mean3(ventricle);
  QVERIFY2(tUnmoved > 300, qPrintable(QString::number(tUnmoved)));
}

void SampleStudyTest::dwiHeadersMatchTruth() {
  const auto& spec = phantom::seriesSpec("dwi");
  const std::size_t nz = spec.geometry.size()[2];
  const auto files = test::seriesFiles(m_dir / "dicom" / "dwi");
  const auto b = m_truth["dwi"].toObject()["bValues"].toArray();
  const auto g = m_truth["dwi"].toObject()["gradientsLps"].toArray();
  QCOMPARE(std::size_t(b.size()), spec.volumes);
  QCOMPARE(files.size(), nz * spec.volumes);
  QVERIFY(spec.volumes >= 31);
  for (std::size_t v = 0; v < spec.volumes; ++v) {
    for (std::size_t k : {std::size_t(0), nz - 1}) {
      const auto d = test::readDicomSlice(files[v * nz + k], false);
      QCOMPARE(d.bValue, b[int(v)].toDouble());
      if (d.bValue > 0) QVERIFY2(norm(d.gradient - vec(g[int(v)])) < 1e-5, qPrintable(QString::number(v)));
    }
  }
}

void SampleStudyTest::dwiBundleAnisotropy() {
  const auto& spec = phantom::seriesSpec("dwi");
  const auto& truth = phantom::studyTruth();
  DiskSeries dwi(m_dir / "dicom" / "dwi", spec.geometry.size()[2]);
  const auto bundles = m_truth["dwi"].toObject()["bundles"].toArray();
  QCOMPARE(bundles.size(), 3);
  for (const auto& bv : bundles) {
    const auto line = bv.toObject()["centrelineLps"].toArray();
    // Middle of a segment in the middle of the bundle (MR world), and the bundle direction.
    const int s = line.size() / 2 - 1;
    const core::Vec3 a = vec(line[s]), c = vec(line[s + 1]);
    const core::Vec3 p = (a + c) * 0.5, e = normalized(c - a);
    std::vector<double> signal, parallel2;
    std::size_t lowest = 0;
    double lowestValue = 1e9;
    for (std::size_t v = 0; v < spec.volumes; ++v) {
      if (truth.bValues[v] == 0) continue;
      const double x = dwi.at(p, v);
      signal.push_back(x);
      parallel2.push_back(std::pow(dot(truth.gradientsLps[v], e), 2));
      if (x < lowestValue) {
        lowestValue = x;
        lowest = v;
      }
    }
    const double r = correlation(signal, parallel2);
    const double lowestAlignment = std::abs(dot(truth.gradientsLps[lowest], e));
    const auto name = bv.toObject()["name"].toString();
    qInfo("%s: r(signal, (g.e)^2) = %.3f, lowest signal at |g.e| = %.3f", qPrintable(name), r, lowestAlignment);
    QVERIFY2(r < -0.9, qPrintable(name + QString(": r = %1").arg(r)));
    QVERIFY2(lowestAlignment > 0.85, qPrintable(name + QString(": |g.e| = %1").arg(lowestAlignment)));
  }
}

void SampleStudyTest::boldResponse() {
  const auto& spec = phantom::seriesSpec("bold");
  DiskSeries bold(m_dir / "dicom" / "bold", spec.geometry.size()[2]);
  const auto b = m_truth["bold"].toObject();
  std::vector<double> regressor;
  for (const auto& x : b["regressor"].toArray()) regressor.push_back(x.toDouble());
  QCOMPARE(regressor.size(), spec.volumes);
  const auto blob = b["activation"].toObject();
  const core::Vec3 centre = vec(blob["centreLps"]);
  // The same place in the other hemisphere: no task response there.
  const auto& act = phantom::HeadPhantom::instance().activation().centre;
  const core::Vec3 mirror = phantom::studyTruth().ctToMr.apply({-act.x, act.y, act.z});
  std::vector<double> in, out;
  for (std::size_t v = 0; v < spec.volumes; ++v) {
    in.push_back(bold.at(centre, v));
    out.push_back(bold.at(mirror, v));
  }
  const double rIn = correlation(in, regressor), rOut = correlation(out, regressor);
  qInfo("BOLD: r in blob %.3f, r in the other hemisphere %.3f", rIn, rOut);
  QVERIFY2(rIn > 0.5, qPrintable(QString("blob r = %1").arg(rIn)));
  QVERIFY2(std::abs(rOut) < 0.3, qPrintable(QString("other hemisphere r = %1").arg(rOut)));
  // The size of the response: about percentChange between rest and task.
  double on = 0, off = 0;
  int non = 0, noff = 0;
  for (std::size_t v = 0; v < spec.volumes; ++v) {
    if (regressor[v] > 0.95) on += in[v], ++non;
    if (regressor[v] < 0.02) off += in[v], ++noff;
  }
  const double percent = 100 * (on / non - off / noff) / (off / noff);
  qInfo("BOLD: %.2f %% signal change in the blob centre", percent);
  QVERIFY2(percent > 1.0 && percent < 3.0, qPrintable(QString("%1 %").arg(percent)));
}

void SampleStudyTest::swiVeinsAndMicrobleeds() {
  DiskSeries mag(m_dir / "dicom" / "swi_mag", phantom::seriesSpec("swi_mag").geometry.size()[2]);
  const auto swi = m_truth["swi"].toObject();
  auto neighbourhoodMedian = [&](const std::array<long, 3>& c) {
    std::vector<double> v;
    for (long dj = -6; dj <= 6; ++dj)
      for (long di = -6; di <= 6; ++di) v.push_back(mag.value({c[0] + di, c[1] + dj, c[2]}));
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
  };
  auto darkest = [&](const std::array<long, 3>& c) {
    double m = 1e9;
    for (long dk = -1; dk <= 1; ++dk)
      for (long dj = -1; dj <= 1; ++dj)
        for (long di = -1; di <= 1; ++di) m = std::min(m, mag.value({c[0] + di, c[1] + dj, c[2] + dk}));
    return m;
  };
  int veinsChecked = 0;
  for (const auto& vv : swi["veins"].toArray()) {
    const auto o = vv.toObject();
    if (!o["name"].toString().startsWith("medullary")) continue;
    const auto line = o["centrelineLps"].toArray();
    const core::Vec3 p = (vec(line[0]) + vec(line[1])) * 0.5;
    std::array<long, 3> idx{};
    if (!mag.voxel(p, idx) || idx[2] < 1 || idx[2] >= mag.size()[2] - 1) continue;
    const double vein = darkest(idx), around = neighbourhoodMedian(idx);
    qInfo("%s: darkest %.0f, neighbourhood median %.0f", qPrintable(o["name"].toString()), vein, around);
    QVERIFY2(vein < 0.75 * around, qPrintable(o["name"].toString() + QString(": %1 vs %2").arg(vein).arg(around)));
    ++veinsChecked;
  }
  QVERIFY(veinsChecked >= 3);
  for (const auto& bv : swi["microbleeds"].toArray()) {
    const auto o = bv.toObject();
    std::array<long, 3> idx{};
    QVERIFY(mag.voxel(vec(o["centreLps"]), idx));
    const double bleed = mag.value(idx), around = neighbourhoodMedian(idx);
    qInfo("%s: %.0f, neighbourhood median %.0f", qPrintable(o["name"].toString()), bleed, around);
    QVERIFY2(bleed < 0.4 * around, qPrintable(o["name"].toString() + QString(": %1 vs %2").arg(bleed).arg(around)));
  }
}

void SampleStudyTest::truthMaps() {
  // Label maps land on their series' grids (NIfTI, through the io module).
  const auto labels = io::readImageFile(m_dir / "truth" / "ct_labels.nii.gz");
  const auto& ctGrid = phantom::seriesSpec("ct").geometry;
  QCOMPARE(labels->geometry().size(), ctGrid.size());
  QVERIFY(norm(labels->geometry().origin() - ctGrid.origin()) < 1e-3);
  const auto& ph = phantom::HeadPhantom::instance();
  QCOMPARE(*labels->valueAtWorld(ph.lesion().centre), double(Tissue::Lesion));
  const auto act = io::readImageFile(m_dir / "truth" / "bold_activation.nii.gz");
  QVERIFY(*act->valueAtWorld(phantom::studyTruth().activationMr.centre) > 0.9);
  const auto vessels = io::readImageFile(m_dir / "truth" / "swi_vessels.nii.gz");
  QCOMPARE(*vessels->valueAtWorld(phantom::studyTruth().microbleedsMr[0].centre), 2.0);
  const auto bundles = io::readImageFile(m_dir / "truth" / "dwi_bundles.nii.gz");
  const auto& cst = phantom::studyTruth().bundlesMr[0].points;
  QCOMPARE(*bundles->valueAtWorld((cst[2] + cst[3]) * 0.5), 1.0);
}

void SampleStudyTest::ctIsDeterministic() {
  // The CT written by another process (the fixture) and one computed here are the same bits.
  const auto ct = phantom::makeCt();
  const auto again = phantom::makeCt();
  const std::size_t n = ct->geometry().voxelCount();
  const auto* a = static_cast<const std::int16_t*>(ct->rawData());
  const auto* b = static_cast<const std::int16_t*>(again->rawData());
  QVERIFY(std::memcmp(a, b, n * sizeof(std::int16_t)) == 0);
  const auto files = test::seriesFiles(m_dir / "dicom" / "ct");
  const std::size_t plane = 256 * 256;
  for (std::size_t k = 0; k < files.size(); ++k) {
    const auto s = test::readDicomSlice(files[k]);
    for (std::size_t i = 0; i < plane; ++i)
      if (s.values[i] != a[k * plane + i])
        QFAIL(qPrintable(QString("slice %1 voxel %2: %3 on disk, %4 in memory").arg(k).arg(i).arg(s.values[i]).arg(a[k * plane + i])));
  }
}

void SampleStudyTest::refusesExistingFolder() {
  QVERIFY_EXCEPTION_THROWN(phantom::writeSampleStudy(m_dir, core::NullProgress::instance()), core::Error);
  QVERIFY(fs::exists(m_dir / "truth.json"));
}

void SampleStudyTest::projectReaderLoadsIt() {
  // What the workstation does with `--sample`: scan the folder and load the CT.
  const auto entries = dicom::scanForSeries(m_dir / "dicom", core::NullProgress::instance());
  QCOMPARE(entries.size(), phantom::seriesSpecs().size());
  for (const auto& e : entries) {
    const auto& spec = phantom::seriesSpec(e.identity.seriesNumber == 1   ? "ct"
                                           : e.identity.seriesNumber == 2 ? "t1"
                                           : e.identity.seriesNumber == 3 ? "dwi"
                                           : e.identity.seriesNumber == 4 ? "bold"
                                           : e.identity.seriesNumber == 5 ? "swi_mag"
                                                                          : "swi_phase");
    QCOMPARE(e.identity.seriesDescription, spec.description);
    QCOMPARE(e.volumeCount, spec.volumes);
  }
  const auto ct = dicom::loadSeriesVolume(entries.front(), core::NullProgress::instance());
  const auto& g = phantom::seriesSpec("ct").geometry;
  QCOMPARE(ct->geometry().size(), g.size());
  QVERIFY(norm(ct->geometry().origin() - g.origin()) < 1e-4);
  QCOMPARE(ct->units(), std::string("HU"));
  QVERIFY(*ct->valueAtWorld(phantom::HeadPhantom::instance().lesion().centre) > 60);
}

QTEST_GUILESS_MAIN(SampleStudyTest)
#include "SampleStudyTest.moc"
