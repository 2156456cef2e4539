// writeSeries -> scanForSeries -> loadSeriesVolume gives back the same geometry (1e-4 mm) and
// the same voxel values, for oblique int16 CT, float MR and a 3-volume DWI series.
#include <QtTest>

#include "DicomTestUtil.h"
#include "TestData.h"
#include "fw/core/Error.h"
#include "fw/dicom/SeriesReader.h"
#include "fw/dicom/SeriesWriter.h"

using namespace fw;
using core::NullProgress;

namespace {

void compareGeometry(const core::ImageGeometry& a, const core::ImageGeometry& b) {
  QCOMPARE(a.size(), b.size());
  for (int i = 0; i < 3; ++i) {
    QVERIFY2(std::abs(a.origin()[i] - b.origin()[i]) < 1e-4,
             qPrintable(QString("origin %1 vs %2").arg(core::toString(a.origin(), 6).c_str(),
                                                       core::toString(b.origin(), 6).c_str())));
    QVERIFY2(std::abs(a.spacing()[i] - b.spacing()[i]) < 1e-4,
             qPrintable(QString("spacing %1 vs %2").arg(core::toString(a.spacing(), 6).c_str(),
                                                        core::toString(b.spacing(), 6).c_str())));
    for (int j = 0; j < 3; ++j) QVERIFY(std::abs(a.direction()(i, j) - b.direction()(i, j)) < 1e-6);
  }
}

// Largest |a - b| over all voxels.
double maxDifference(const core::Volume& a, const core::Volume& b) {
  const auto& s = a.geometry().size();
  double worst = 0;
  for (std::size_t k = 0; k < s[2]; ++k)
    for (std::size_t j = 0; j < s[1]; ++j)
      for (std::size_t i = 0; i < s[0]; ++i)
        worst = std::max(worst, std::abs(a.valueAt(i, j, k) - b.valueAt(i, j, k)));
  return worst;
}

std::vector<dicom::SeriesEntry> scan(const std::filesystem::path& p) {
  return dicom::scanForSeries(p, NullProgress::instance());
}

// Cancels at the n-th report.
class CancelAfter final : public core::ProgressSink {
 public:
  explicit CancelAfter(int n) : m_left(n) {}
  bool report(double, std::string_view) override { return --m_left > 0; }

 private:
  int m_left;
};

}  // namespace

class SeriesRoundTripTest : public QObject {
  Q_OBJECT
 private slots:
  void ctInt16Oblique();
  void ctWideRangeSigned();
  void mrFloat();
  void dwi4d();
  void twoSeriesOrdered();
  void leftHandedDirection();
  void cancelLeavesNothing();
  void headerScanIsCheap();
  void multiEchoOrder();
  void latin1CharacterSet();
};

void SeriesRoundTripTest::ctInt16Oblique() {
  const auto dir = test::scratchDir("rt_ct") / "ct";
  const auto g = test::obliqueGeometry();
  const auto ct = test::makeCt(g);
  dicom::SeriesWriteOptions o;
  o.modality = core::Modality::CT;
  o.identity = test::testIdentity("Head 1.0", 3);
  o.kvp = 120;
  const auto files = dicom::writeSeries({ct}, {}, o, dir, NullProgress::instance());
  QCOMPARE(files.size(), std::size_t(10));
  for (const auto& f : files) QVERIFY(std::filesystem::exists(f));

  const auto series = scan(dir);
  QCOMPARE(series.size(), std::size_t(1));
  const auto& e = series.front();
  QCOMPARE(e.modality, core::Modality::CT);
  QCOMPARE(e.volumeCount, std::size_t(1));
  QCOMPARE(e.files.size(), std::size_t(10));
  QCOMPARE(e.rows, std::size_t(24));
  QCOMPARE(e.columns, std::size_t(20));
  QCOMPARE(QString::fromStdString(e.identity.patientName), QString("Müller^Jürgen"));
  QCOMPARE(e.identity.seriesNumber, 3);
  QVERIFY(!e.identity.studyInstanceUid.empty());
  QVERIFY(!e.identity.frameOfReferenceUid.empty());
  QVERIFY2(e.warnings.empty(), e.warnings.empty() ? "" : e.warnings.front().c_str());

  std::vector<std::string> warnings;
  const auto v = dicom::loadSeriesVolume(e, NullProgress::instance(), 0, warnings);
  QVERIFY2(warnings.empty(), warnings.empty() ? "" : warnings.front().c_str());
  QCOMPARE(v->pixelType(), core::PixelType::Int16);
  QCOMPARE(QString::fromStdString(v->units()), QString("HU"));
  QCOMPARE(QString::fromStdString(v->name()), QString("Head 1.0"));
  QCOMPARE(QString::fromStdString(v->identity().seriesDescription), QString("Head 1.0"));
  compareGeometry(v->geometry(), g);
  QCOMPARE(maxDifference(*v, *ct), 0.0);
}

void SeriesRoundTripTest::ctWideRangeSigned() {
  const auto dir = test::scratchDir("rt_ct_wide") / "ct";
  const auto g = test::obliqueGeometry();
  const auto ct = test::makeCt(g, true);
  dicom::SeriesWriteOptions o;
  o.identity = test::testIdentity("wide", 4);
  dicom::writeSeries({ct}, {}, o, dir, NullProgress::instance());
  const auto v = dicom::loadSeriesVolume(scan(dir).at(0), NullProgress::instance());
  QCOMPARE(v->pixelType(), core::PixelType::Int16);
  compareGeometry(v->geometry(), g);
  QCOMPARE(maxDifference(*v, *ct), 0.0);
}

void SeriesRoundTripTest::mrFloat() {
  const auto dir = test::scratchDir("rt_mr") / "mr";
  const auto g = test::obliqueGeometry();
  const auto mr = test::makeMrFloat(g);
  dicom::SeriesWriteOptions o;
  o.modality = core::Modality::MR;
  o.identity = test::testIdentity("T1 float", 5);
  o.repetitionTimeMs = 2300;
  o.echoTimeMs = 2.98;
  o.flipAngleDeg = 9;
  o.fieldStrengthT = 3;
  dicom::writeSeries({mr}, {}, o, dir, NullProgress::instance());
  const auto series = scan(dir);
  QCOMPARE(series.size(), std::size_t(1));
  QCOMPARE(series[0].modality, core::Modality::MR);
  const auto v = dicom::loadSeriesVolume(series[0], NullProgress::instance());
  QCOMPARE(v->pixelType(), core::PixelType::Float32);
  QVERIFY(v->units().empty());
  compareGeometry(v->geometry(), g);
  // 16-bit quantisation of the range: at most half a step (range / 65535 / 2) plus float error.
  const auto [lo, hi] = mr->valueRange();
  const double step = (hi - lo) / 65535.0;
  const double err = maxDifference(*v, *mr);
  QVERIFY2(err <= 0.5 * step * 1.001 + 1e-4, qPrintable(QString("max error %1, step %2").arg(err).arg(step)));
}

void SeriesRoundTripTest::dwi4d() {
  const auto dir = test::scratchDir("rt_dwi") / "dwi";
  const auto g = test::obliqueGeometry();
  std::vector<core::VolumePtr> vols;
  std::vector<dicom::FrameInfo> frames(3);
  for (int v = 0; v < 3; ++v) vols.push_back(test::makeDwiVolume(g, v));
  frames[0].bValue = 0;
  frames[1].bValue = 1000;
  frames[1].gradientLps = core::Vec3{1, 0, 0};
  frames[2].bValue = 1000;
  frames[2].gradientLps = core::normalized(core::Vec3{0, 1, 1});
  dicom::SeriesWriteOptions o;
  o.modality = core::Modality::MR;
  o.identity = test::testIdentity("DWI", 7);
  o.imageType = "ORIGINAL\\PRIMARY\\OTHER";
  o.scanningSequence = "EP";
  o.sequenceVariant = "SK\\SP";
  o.repetitionTimeMs = 3000;
  o.echoTimeMs = 80;
  const auto files = dicom::writeSeries(vols, frames, o, dir, NullProgress::instance());
  QCOMPARE(files.size(), std::size_t(30));

  const auto series = scan(dir);
  QCOMPARE(series.size(), std::size_t(1));
  QCOMPARE(series[0].volumeCount, std::size_t(3));
  QCOMPARE(series[0].files.size(), std::size_t(30));
  for (std::size_t v = 0; v < 3; ++v) {
    const auto vol = dicom::loadSeriesVolume(series[0], NullProgress::instance(), v);
    QCOMPARE(vol->pixelType(), core::PixelType::UInt16);
    compareGeometry(vol->geometry(), g);
    QCOMPARE(maxDifference(*vol, *vols[v]), 0.0);
  }
  QVERIFY_THROWS_EXCEPTION(core::Error, dicom::loadSeriesVolume(series[0], NullProgress::instance(), 3));
  std::vector<std::string> warnings;
  const auto all = dicom::loadSeriesVolumes(series[0], NullProgress::instance(), warnings);
  QCOMPARE(all.size(), std::size_t(3));
  for (std::size_t v = 0; v < 3; ++v) {
    compareGeometry(all[v]->geometry(), g);
    QCOMPARE(maxDifference(*all[v], *vols[v]), 0.0);
    QCOMPARE(QString::fromStdString(all[v]->name()), QString("DWI [%1/3]").arg(v + 1));
  }
}

void SeriesRoundTripTest::twoSeriesOrdered() {
  const auto root = test::scratchDir("rt_two");
  const auto g = test::obliqueGeometry();
  dicom::SeriesWriteOptions o;
  o.identity = test::testIdentity("second", 12);
  o.identity.studyInstanceUid = dicom::newUid();
  dicom::writeSeries({test::makeCt(g)}, {}, o, root / "a" / "nested", NullProgress::instance());
  o.identity.seriesDescription = "first";
  o.identity.seriesNumber = 2;
  dicom::writeSeries({test::makeCt(g)}, {}, o, root / "b", NullProgress::instance());
  const auto series = scan(root);
  QCOMPARE(series.size(), std::size_t(2));
  QCOMPARE(QString::fromStdString(series[0].identity.seriesDescription), QString("first"));
  QCOMPARE(QString::fromStdString(series[1].identity.seriesDescription), QString("second"));
  QCOMPARE(series[0].identity.studyInstanceUid, series[1].identity.studyInstanceUid);
  QVERIFY(series[0].identity.seriesInstanceUid != series[1].identity.seriesInstanceUid);
}

// A left-handed grid (k against the slice normal) reads back as the same world grid with
// the slice axis reversed: same voxel at the same world point.
void SeriesRoundTripTest::leftHandedDirection() {
  const auto dir = test::scratchDir("rt_lh") / "ct";
  const auto base = test::obliqueGeometry();
  const core::Mat3 d = base.direction();
  const core::ImageGeometry g(base.size(), base.spacing(), base.origin(),
                              core::Mat3::fromColumns(d.column(0), d.column(1), -d.column(2)));
  const auto ct = test::makeCt(g);
  dicom::SeriesWriteOptions o;
  o.identity = test::testIdentity("lh", 1);
  dicom::writeSeries({ct}, {}, o, dir, NullProgress::instance());
  const auto v = dicom::loadSeriesVolume(scan(dir).at(0), NullProgress::instance());
  QVERIFY(v->geometry().direction().determinant() > 0);
  const auto& s = g.size();
  for (std::size_t k = 0; k < s[2]; ++k)
    for (std::size_t j = 0; j < s[1]; j += 5)
      for (std::size_t i = 0; i < s[0]; i += 3) {
        const auto w = g.indexToWorld({double(i), double(j), double(k)});
        const auto val = v->valueAtWorld(w);
        QVERIFY(val.has_value());
        QCOMPARE(*val, ct->valueAt(i, j, k));
      }
}

void SeriesRoundTripTest::cancelLeavesNothing() {
  const auto root = test::scratchDir("rt_cancel");
  CancelAfter cancel(4);
  dicom::SeriesWriteOptions o;
  QVERIFY_THROWS_EXCEPTION(core::Cancelled,
                           dicom::writeSeries({test::makeCt(test::obliqueGeometry())}, {}, o, root / "ct", cancel));
  QVERIFY(std::filesystem::is_empty(root));  // neither the series nor its temporary folder

  // Cancelling a load throws Cancelled too.
  dicom::writeSeries({test::makeCt(test::obliqueGeometry())}, {}, o, root / "ct", NullProgress::instance());
  const auto series = scan(root);
  CancelAfter cancelLoad(3);
  QVERIFY_THROWS_EXCEPTION(core::Cancelled, dicom::loadSeriesVolume(series.at(0), cancelLoad));
}

// The scan reads headers only: a series whose pixel data has been cut away entirely still
// scans (the loader reports the truncation), so the scan never touched the pixels.
void SeriesRoundTripTest::headerScanIsCheap() {
  const auto dir = test::scratchDir("rt_hdr") / "ct";
  dicom::SeriesWriteOptions o;
  const auto files = dicom::writeSeries({test::makeCt(test::obliqueGeometry())}, {}, o, dir, NullProgress::instance());
  const auto before = std::filesystem::file_size(files[0]);
  std::filesystem::resize_file(files[0], before - 20 * 24 * 2 + 10);
  const auto series = scan(dir);
  QCOMPARE(series.size(), std::size_t(1));
  QCOMPARE(series[0].files.size(), std::size_t(10));
}

// Volumes written in echo order come back in that order, whatever the file order on disk.
void SeriesRoundTripTest::multiEchoOrder() {
  const auto dir = test::scratchDir("rt_echo") / "gre";
  const auto g = test::obliqueGeometry();
  std::vector<core::VolumePtr> vols;
  std::vector<dicom::FrameInfo> frames(3);
  for (int v = 0; v < 3; ++v) {
    vols.push_back(test::makeDwiVolume(g, 2 - v));
    frames[static_cast<std::size_t>(v)].echoTimeMs = 4.0 * (v + 1);
  }
  dicom::SeriesWriteOptions o;
  o.modality = core::Modality::MR;
  o.identity = test::testIdentity("GRE 3 echoes", 9);
  const auto files = dicom::writeSeries(vols, frames, o, dir, NullProgress::instance());
  // Shuffle the names so that directory order says nothing.
  for (std::size_t i = 0; i < files.size(); ++i)
    std::filesystem::rename(files[i], dir / ("x" + std::to_string((i * 7919) % 1000) + ".dcm"));
  const auto series = scan(dir);
  QCOMPARE(series.size(), std::size_t(1));
  QCOMPARE(series[0].volumeCount, std::size_t(3));
  for (std::size_t v = 0; v < 3; ++v)
    QCOMPARE(maxDifference(*dicom::loadSeriesVolume(series[0], NullProgress::instance(), v), *vols[v]), 0.0);
}

// Names stored in Latin-1 (ISO_IR 100) arrive as UTF-8.
void SeriesRoundTripTest::latin1CharacterSet() {
  if (QStandardPaths::findExecutable("dcmodify").isEmpty()) QSKIP("dcmodify (dcmtk) is not on PATH");
  const auto dir = test::scratchDir("rt_latin1") / "ct";
  dicom::SeriesWriteOptions o;
  o.identity = test::testIdentity("latin1", 1);
  const auto files = dicom::writeSeries({test::makeCt(test::obliqueGeometry())}, {}, o, dir, NullProgress::instance());
  const std::string cmd = "dcmodify -nb -m \"(0008,0005)=ISO_IR 100\" -m \"(0010,0010)=$(printf 'M\\374ller^J\\374rgen')\" " +
                          (dir / "*.dcm").string() + " >/dev/null 2>&1";
  QCOMPARE(std::system(cmd.c_str()), 0);
  const auto series = scan(dir);
  QCOMPARE(series.size(), std::size_t(1));
  QCOMPARE(QString::fromStdString(series[0].identity.patientName), QString("Müller^Jürgen"));
}

QTEST_GUILESS_MAIN(SeriesRoundTripTest)
#include "SeriesRoundTripTest.moc"
