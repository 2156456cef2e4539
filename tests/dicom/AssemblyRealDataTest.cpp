// Assembly on real data from ../shared/data, against dcm2niix: Siemens XA30 enhanced
// multi-frame MR (T1, 4D BOLD, field-map echoes and phase, DWI) and a GE head CT with 18.5
// degree gantry tilt and uneven slice spacing. Archives are extracted into the build tree.
// Exits 77 (skipped) when the XA30 set is absent; the tilt case skips on its own.
#include <QProcess>
#include <QStandardPaths>
#include <QtTest>

#include <cmath>

#include "ExternalTools.h"
#include "Archive.h"
#include "TestData.h"
#include "fw/core/Error.h"
#include "fw/dicom/SeriesReader.h"

using namespace fw;
using core::NullProgress;
namespace fs = std::filesystem;

namespace {

fs::path extract(const fs::path& archive, const std::string& name) {
  return test::extractArchive(archive, "asm_" + name);
}

dicom::SeriesEntry onlySeries(const fs::path& dir) {
  const auto r = dicom::scan(dir, NullProgress::instance());
  if (r.series.size() != 1)
    throw std::runtime_error("expected one series in " + dir.string() + ", found " + std::to_string(r.series.size()));
  return r.series.front();
}

// NIfTI voxel (i,j,k) -> RAS mm.
core::Vec3 niftiWorld(const test::Nifti& n, double i, double j, double k) {
  const auto& s = n.srow;
  return {s[0] * i + s[1] * j + s[2] * k + s[3], s[4] * i + s[5] * j + s[6] * k + s[7],
          s[8] * i + s[9] * j + s[10] * k + s[11]};
}

// Every reference voxel on a coarse lattice must be one of ours: the same world position
// (within mmTolerance) and the same value (within valueTolerance). Returns how many compared.
std::size_t compareWithNifti(const core::Volume& v, const test::Nifti& ref, std::size_t t, double mmTolerance,
                             double valueTolerance, std::string& failure) {
  const auto& g = v.geometry();
  if (g.voxelCount() != ref.dim[0] * ref.dim[1] * ref.dim[2]) {
    failure = "voxel count " + std::to_string(g.voxelCount()) + " vs dcm2niix " +
              std::to_string(ref.dim[0] * ref.dim[1] * ref.dim[2]);
    return 0;
  }
  std::size_t compared = 0;
  const std::size_t step = 7;
  for (std::size_t k = 0; k < ref.dim[2]; k += (k + 1 == ref.dim[2] ? 1 : std::max<std::size_t>(1, ref.dim[2] / 5)))
    for (std::size_t j = 0; j < ref.dim[1]; j += step)
      for (std::size_t i = 0; i < ref.dim[0]; i += step) {
        const core::Vec3 lps = core::rasToLps(niftiWorld(ref, double(i), double(j), double(k)));
        const core::Vec3 idx = g.worldToIndex(lps);
        core::Vec3 rounded{std::round(idx.x), std::round(idx.y), std::round(idx.z)};
        const double mm = core::norm(g.indexToWorld(rounded) - lps);
        if (mm > mmTolerance || rounded.x < 0 || rounded.y < 0 || rounded.z < 0 || rounded.x >= double(g.size()[0]) ||
            rounded.y >= double(g.size()[1]) || rounded.z >= double(g.size()[2])) {
          failure = "dcm2niix voxel " + std::to_string(i) + "," + std::to_string(j) + "," + std::to_string(k) +
                    " is not on our grid (" + std::to_string(mm) + " mm off, index " + core::toString(idx, 3) + ")";
          return 0;
        }
        const double ours = v.valueAt(std::size_t(rounded.x), std::size_t(rounded.y), std::size_t(rounded.z));
        const double theirs = ref.at(i, j, k, t);
        if (std::abs(ours - theirs) > valueTolerance) {
          failure = "value at dcm2niix voxel " + std::to_string(i) + "," + std::to_string(j) + "," + std::to_string(k) +
                    ": ours " + std::to_string(ours) + ", dcm2niix " + std::to_string(theirs);
          return 0;
        }
        ++compared;
      }
  return compared;
}

}  // namespace

class AssemblyRealDataTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase();
  void xa30EnhancedT1();
  void xa30Bold4d();
  void xa30FieldMapEchoesAndPhase();
  void xa30Dwi();
  void geGantryTilt();
  void studyforrestT1Speed();
  void siemensMosaicDwi();

 private:
  // The dcm2niix reference NIfTI of a series folder: the stored one, or (when the snapshot lacks
  // it) one made now with Debian's dcm2niix into the build tree.
  test::Nifti reference(const std::string& name);
  fs::path m_xa30, m_ref;
};

test::Nifti AssemblyRealDataTest::reference(const std::string& name) {
  const auto stored = m_ref / (name + ".nii");
  if (fs::exists(stored) && fs::file_size(stored) > 352) return test::readNifti(stored);
  const QString dcm2niix = QStandardPaths::findExecutable("dcm2niix");
  if (dcm2niix.isEmpty()) throw std::runtime_error("no stored reference for " + name + " and dcm2niix is not on PATH");
  const auto out = test::scratchDir("asm_ref_" + name);
  const auto r = test::runTool(dcm2niix, {"-z", "n", "-f", QString::fromStdString(name), "-o",
                                          QString::fromStdString(out.string()),
                                          QString::fromStdString((m_xa30 / name).string())});
  if (r.exitCode != 0 || !fs::exists(out / (name + ".nii")))
    throw std::runtime_error("dcm2niix failed on " + name + ": " + r.output.toStdString());
  return test::readNifti(out / (name + ".nii"));
}

void AssemblyRealDataTest::initTestCase() {
  test::requireSharedData("mr_session_xa30/xa30_enhanced_dicom.tar.xz");
  if (QStandardPaths::findExecutable("tar").isEmpty()) {
    std::fprintf(stderr, "SKIP: tar is not on PATH\n");
    std::exit(77);
  }
  m_xa30 = extract(test::sharedData() / "mr_session_xa30/xa30_enhanced_dicom.tar.xz", "xa30");
  m_ref = extract(test::sharedData() / "mr_session_xa30/dcm2niix_ref.tar.xz", "xa30_ref");
}

void AssemblyRealDataTest::xa30EnhancedT1() {
  const auto e = onlySeries(m_xa30 / "5_anat-T1w_acq-tfl");
  QCOMPARE(e.files.size(), std::size_t(1));
  QCOMPARE(e.frameCount, std::size_t(96));
  QCOMPARE(e.volumeCount, std::size_t(1));
  QCOMPARE(e.kind, dicom::SeriesKind::Image);
  const auto loaded = dicom::loadSeries(e, NullProgress::instance());
  for (const auto& w : loaded.warnings) qInfo("%s", w.c_str());
  QCOMPARE(loaded.volumes.size(), std::size_t(1));
  const auto& v = *loaded.volumes[0];
  const auto ref = test::readNifti(m_ref / "5_anat-T1w_acq-tfl.nii");
  std::string failure;
  const auto n = compareWithNifti(v, ref, 0, 1e-3, 0.5, failure);
  QVERIFY2(n > 100, failure.c_str());
  qInfo("T1: %zu voxels match dcm2niix (position within 1e-3 mm, same value); %s", n, core::pixelTypeName(v.pixelType()));
}

void AssemblyRealDataTest::xa30Bold4d() {
  const auto e = onlySeries(m_xa30 / "7_func-bold_task-fa_run-1");
  QCOMPARE(e.volumeCount, std::size_t(20));
  QCOMPARE(e.kind, dicom::SeriesKind::Functional);
  const auto loaded = dicom::loadSeries(e, NullProgress::instance());
  QCOMPARE(loaded.volumes.size(), std::size_t(20));
  QVERIFY(loaded.repetitionTimeMs.has_value());
  qInfo("TR %g ms", *loaded.repetitionTimeMs);
  for (std::size_t i = 0; i < loaded.meta.size(); ++i) {
    QVERIFY(loaded.meta[i].timeS.has_value());
    QVERIFY2(std::abs(*loaded.meta[i].timeS - double(i) * *loaded.repetitionTimeMs / 1000.0) < 0.05,
             qPrintable(QString("volume %1 at %2 s").arg(i).arg(*loaded.meta[i].timeS)));
  }
  QCOMPARE(loaded.volumes[0]->geometry().size()[2], std::size_t(33));
  const auto ref = reference("7_func-bold_task-fa_run-1");
  QCOMPARE(ref.dim[3], std::size_t(20));
  std::string failure;
  for (std::size_t t : {std::size_t(0), std::size_t(7), std::size_t(19)})
    QVERIFY2(compareWithNifti(*loaded.volumes[t], ref, t, 1e-3, 0.5, failure) > 100, failure.c_str());
}

// Series 8 holds both magnitude echoes (one multi-echo series of 2 volumes, dcm2niix's _e1 and
// _e2); series 9 the phase difference.
void AssemblyRealDataTest::xa30FieldMapEchoesAndPhase() {
  const auto mag = onlySeries(m_xa30 / "8_gre_field_mapping");
  QCOMPARE(mag.kind, dicom::SeriesKind::MultiEcho);
  QCOMPARE(mag.volumeCount, std::size_t(2));
  const auto loaded = dicom::loadSeries(mag, NullProgress::instance());
  QVERIFY(loaded.meta[0].echoTimeMs && loaded.meta[1].echoTimeMs);
  QVERIFY(*loaded.meta[0].echoTimeMs < *loaded.meta[1].echoTimeMs);
  std::string failure;
  QVERIFY2(compareWithNifti(*loaded.volumes[0], test::readNifti(m_ref / "8_gre_field_mapping_e1.nii"), 0, 1e-3, 0.5,
                            failure) > 100,
           failure.c_str());
  QVERIFY2(compareWithNifti(*loaded.volumes[1], test::readNifti(m_ref / "8_gre_field_mapping_e2.nii"), 0, 1e-3, 0.5,
                            failure) > 100,
           failure.c_str());
  const auto phase = onlySeries(m_xa30 / "9_gre_field_mapping");
  const auto ph = dicom::loadSeries(phase, NullProgress::instance());
  QCOMPARE(ph.volumes.size(), std::size_t(1));
  QVERIFY2(ph.meta[0].imageType.find("\\P\\") != std::string::npos, ph.meta[0].imageType.c_str());
  QVERIFY2(compareWithNifti(*ph.volumes[0], test::readNifti(m_ref / "9_gre_field_mapping_e2_ph.nii"), 0, 1e-3, 0.5,
                            failure) > 100,
           failure.c_str());
}

void AssemblyRealDataTest::xa30Dwi() {
  const auto e = onlySeries(m_xa30 / "10_DWI_dir80_PA");
  QCOMPARE(e.volumeCount, std::size_t(21));
  QCOMPARE(e.kind, dicom::SeriesKind::Diffusion);
  const auto loaded = dicom::loadSeries(e, NullProgress::instance());
  const auto bvals = test::readTable(m_ref / "10_DWI_dir80_PA.bval");
  QCOMPARE(bvals.at(0).size(), std::size_t(21));
  for (std::size_t v = 0; v < 21; ++v) {
    QVERIFY(loaded.meta[v].bValue.has_value());
    QCOMPARE(*loaded.meta[v].bValue, bvals[0][v]);
    if (bvals[0][v] > 0) {
      QVERIFY(loaded.meta[v].gradient.has_value());
      QVERIFY(std::abs(core::norm(*loaded.meta[v].gradient) - 1) < 1e-3);
    }
  }
  std::string failure;
  const auto ref = reference("10_DWI_dir80_PA");
  QCOMPARE(ref.dim[3], std::size_t(21));
  for (std::size_t t : {std::size_t(0), std::size_t(1), std::size_t(20)})
    QVERIFY2(compareWithNifti(*loaded.volumes[t], ref, t, 1e-3, 0.5, failure) > 100, failure.c_str());
}

// dcm2niix makes the reference (_Tilt_Eq_1.nii: tilt corrected, then equidistant slices).
void AssemblyRealDataTest::geGantryTilt() {
  const auto archive = test::sharedData() / "ct_head_ge_tilt/GE_head_ct_28sl.tar.xz";
  if (!fs::exists(archive)) QSKIP("ct_head_ge_tilt is absent");
  const QString dcm2niix = QStandardPaths::findExecutable("dcm2niix");
  if (dcm2niix.isEmpty()) QSKIP("dcm2niix (Debian package dcm2niix) is not on PATH");
  const auto dir = extract(archive, "ge_tilt");
  const auto out = test::scratchDir("asm_ge_tilt_ref");
  const auto r = test::runTool(dcm2niix, {"-z", "n", "-f", "ref", "-o", QString::fromStdString(out.string()),
                                          QString::fromStdString(dir.string())});
  QVERIFY2(r.exitCode == 0, qPrintable(r.output));
  const auto refFile = out / "ref_Tilt_Eq_1.nii";
  QVERIFY2(fs::exists(refFile), qPrintable(r.output));
  const auto ref = test::readNifti(refFile);

  const auto e = onlySeries(dir);
  QCOMPARE(e.files.size(), std::size_t(28));
  QVERIFY(e.geometry.has_value());
  const auto loaded = dicom::loadSeries(e, NullProgress::instance());
  QString all;
  for (const auto& w : loaded.warnings) all += QString::fromStdString(w) + "\n";
  qInfo("%s", qPrintable(all));
  QVERIFY2(all.contains("gantry tilt of 18.5 degrees") && all.contains("uneven"), qPrintable(all));
  const auto& v = *loaded.volumes[0];
  const auto& g = v.geometry();
  QCOMPARE(g.size()[0], ref.dim[0]);
  QCOMPARE(g.size()[1], ref.dim[1]);
  QCOMPARE(g.size()[2], ref.dim[2]);
  // The grid is orthogonal (true millimetres everywhere).
  const auto& d = g.direction();
  QVERIFY(std::abs(core::dot(d.column(0), d.column(1))) < 1e-6 && std::abs(core::dot(d.column(1), d.column(2))) < 1e-6);

  // Voxel values, index for index (dcm2niix stores rows bottom-up: its j is our rows-1-j).
  const std::size_t nx = ref.dim[0], ny = ref.dim[1], nz = ref.dim[2];
  std::vector<double> diffs;
  for (std::size_t k = 0; k < nz; ++k)
    for (std::size_t j = 0; j < ny; j += 3)
      for (std::size_t i = 0; i < nx; i += 3) diffs.push_back(std::abs(v.valueAt(i, ny - 1 - j, k) - ref.at(i, j, k)));
  std::sort(diffs.begin(), diffs.end());
  double mean = 0;
  for (double x : diffs) mean += x;
  mean /= double(diffs.size());
  const double median = diffs[diffs.size() / 2], p95 = diffs[diffs.size() * 95 / 100], p99 = diffs[diffs.size() * 99 / 100];
  qInfo("tilt vs dcm2niix, |difference| in HU over %zu voxels: mean %.2f, median %.1f, 95%% %.1f, 99%% %.1f", diffs.size(),
        mean, median, p95, p99);
  QVERIFY(median <= 1.0);
  QVERIFY(p95 <= 20.0);

  // Placement: the first voxel and the row axis agree with dcm2niix's affine; its column and
  // slice columns keep the sheared source's values (not orthogonal), so they are reported only.
  const core::Vec3 ours0 = core::lpsToRas(g.indexToWorld({0, double(ny - 1), 0}));
  const core::Vec3 oursI = core::lpsToRas(g.indexToWorld({1, double(ny - 1), 0})) - ours0;
  const core::Vec3 oursJ = core::lpsToRas(g.indexToWorld({0, double(ny - 2), 0})) - ours0;
  const core::Vec3 oursK = core::lpsToRas(g.indexToWorld({0, double(ny - 1), 1})) - ours0;
  const core::Vec3 ref0 = niftiWorld(ref, 0, 0, 0);
  qInfo("first voxel: ours %s, dcm2niix %s (%.4f mm apart)", core::toString(ours0, 4).c_str(),
        core::toString(ref0, 4).c_str(), core::norm(ours0 - ref0));
  qInfo("j axis: ours %s, dcm2niix %s; k axis: ours %s, dcm2niix %s", core::toString(oursJ, 4).c_str(),
        core::toString(niftiWorld(ref, 0, 1, 0) - ref0, 4).c_str(), core::toString(oursK, 4).c_str(),
        core::toString(niftiWorld(ref, 0, 0, 1) - ref0, 4).c_str());
  QVERIFY(core::norm(oursI - (niftiWorld(ref, 1, 0, 0) - ref0)) < 1e-3);
}

// 384 classic files, 384x274 each: scan + load time and the voxel data size, for the
// measurements in docs/dicom-assembly.md (run alone under /usr/bin/time -v for peak memory).
void AssemblyRealDataTest::studyforrestT1Speed() {
  const auto archive = test::sharedData() / "mr_t1_studyforrest/t1w_384sl_0p67mm.tar.xz";
  if (!fs::exists(archive)) QSKIP("mr_t1_studyforrest is absent");
  const auto dir = extract(archive, "studyforrest");
  QElapsedTimer timer;
  timer.start();
  const auto e = onlySeries(dir);
  const auto scanMs = timer.restart();
  const auto loaded = dicom::loadSeries(e, NullProgress::instance());
  const auto loadMs = timer.elapsed();
  const auto& v = *loaded.volumes.at(0);
  const double mb = double(v.geometry().voxelCount()) * (v.pixelType() == core::PixelType::Float32 ? 4 : 2) / 1048576.0;
  qInfo("studyforrest T1 %zux%zux%zu %s (%.1f MB): scan %lld ms, load %lld ms", v.geometry().size()[0],
        v.geometry().size()[1], v.geometry().size()[2], core::pixelTypeName(v.pixelType()), mb,
        static_cast<long long>(scanMs), static_cast<long long>(loadMs));
  QCOMPARE(e.files.size(), std::size_t(384));
  QVERIFY(v.pixelType() != core::PixelType::Float32);
}

// Two Siemens mosaic DWI files (b=0, b=1000): one tile per slice, placed as dcm2niix places them.
void AssemblyRealDataTest::siemensMosaicDwi() {
  const auto b0 = test::sharedData() / "unit_minis/siemens_dwi_0.dcm.gz";
  const auto b1000 = test::sharedData() / "unit_minis/siemens_dwi_1000.dcm.gz";
  const QString dcm2niix = QStandardPaths::findExecutable("dcm2niix");
  if (!fs::exists(b0) || !fs::exists(b1000)) QSKIP("unit_minis is absent");
  if (dcm2niix.isEmpty() || QStandardPaths::findExecutable("gzip").isEmpty()) QSKIP("dcm2niix or gzip is not on PATH");
  const auto dir = test::scratchDir("asm_mosaic");
  for (const auto& [src, name] : {std::pair{b0, "b0.dcm"}, std::pair{b1000, "b1000.dcm"}}) {
    QProcess gz;
    gz.setStandardOutputFile(QString::fromStdString((dir / name).string()));
    gz.start("gzip", {"-dc", QString::fromStdString(src.string())});
    QVERIFY(gz.waitForFinished(60000) && gz.exitCode() == 0);
  }
  const auto e = onlySeries(dir);
  QCOMPARE(e.kind, dicom::SeriesKind::Diffusion);
  QCOMPARE(e.volumeCount, std::size_t(2));
  const auto loaded = dicom::loadSeries(e, NullProgress::instance());
  const auto& g = loaded.volumes[0]->geometry();
  qInfo("mosaic: %zu x %zu x %zu tiles, b %g / %g", g.size()[0], g.size()[1], g.size()[2],
        loaded.meta[0].bValue.value_or(-1), loaded.meta[1].bValue.value_or(-1));
  QVERIFY(g.size()[2] > 1 && g.size()[0] < 896);
  const auto out = test::scratchDir("asm_mosaic_ref");
  const auto r = test::runTool(dcm2niix, {"-z", "n", "-f", "ref", "-o", QString::fromStdString(out.string()),
                                          QString::fromStdString(dir.string())});
  QVERIFY2(r.exitCode == 0 && fs::exists(out / "ref.nii"), qPrintable(r.output));
  const auto ref = test::readNifti(out / "ref.nii");
  std::string failure;
  for (std::size_t t = 0; t < 2 && t < ref.dim[3]; ++t)
    QVERIFY2(compareWithNifti(*loaded.volumes[t], ref, t, 1e-2, 0.5, failure) > 100, failure.c_str());
}

QTEST_GUILESS_MAIN(AssemblyRealDataTest)
#include "AssemblyRealDataTest.moc"
