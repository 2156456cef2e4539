// Real series from ../shared/data load with the expected size and spacing. The DICOMs are kept
// as .tar.xz there; they are extracted into the build tree (scratch), never beside the data.
// Exits 77 (skipped) when the InVesalius head CT is absent; the other sets skip one by one.
#include <QProcess>
#include <QStandardPaths>
#include <QtTest>

#include "Archive.h"
#include "TestData.h"
#include "fw/core/Error.h"
#include "fw/dicom/SeriesReader.h"

using namespace fw;
using core::NullProgress;
namespace fs = std::filesystem;

namespace {

fs::path extract(const fs::path& archive, const std::string& name) {
  return test::extractArchive(archive, "real_" + name);
}

dicom::SeriesEntry onlySeries(const fs::path& dir) {
  const auto series = dicom::scanForSeries(dir, NullProgress::instance());
  if (series.size() != 1) throw std::runtime_error("expected one series in " + dir.string() + ", found " +
                                                   std::to_string(series.size()));
  return series.front();
}

}  // namespace

class RealDataTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase();
  void invesaliusHeadCt();
  void porcineCtAndMr();
  void geTiltedCtIsRefusedClearly();
  void singleSlices();
  void philipsBold4d();
};

void RealDataTest::initTestCase() {
  test::requireSharedData("ct_head_invesalius/cranium_ct_108sl_dicom.tar.xz");
  if (QStandardPaths::findExecutable("tar").isEmpty()) {
    std::fprintf(stderr, "SKIP: tar is not on PATH\n");
    std::exit(77);
  }
}

void RealDataTest::invesaliusHeadCt() {
  const auto dir = extract(test::sharedData() / "ct_head_invesalius/cranium_ct_108sl_dicom.tar.xz", "invesalius");
  const auto e = onlySeries(dir);
  QCOMPARE(e.modality, core::Modality::CT);
  QCOMPARE(e.files.size(), std::size_t(108));
  QCOMPARE(e.volumeCount, std::size_t(1));
  QCOMPARE(e.rows, std::size_t(256));
  QCOMPARE(e.columns, std::size_t(256));
  std::vector<std::string> warnings;
  const auto v = dicom::loadSeriesVolume(e, NullProgress::instance(), 0, warnings);
  for (const auto& w : warnings) qInfo("%s", w.c_str());
  const auto& g = v->geometry();
  QCOMPARE(g.size()[0], std::size_t(256));
  QCOMPARE(g.size()[1], std::size_t(256));
  QCOMPARE(g.size()[2], std::size_t(108));
  QVERIFY(std::abs(g.spacing()[0] - 0.957) < 1e-3);
  QVERIFY(std::abs(g.spacing()[1] - 0.957) < 1e-3);
  QVERIFY(std::abs(g.spacing()[2] - 1.5) < 1e-3);
  QCOMPARE(QString::fromStdString(v->units()), QString("HU"));
  QCOMPARE(v->pixelType(), core::PixelType::Int16);
  const auto [lo, hi] = v->valueRange();
  qInfo("HU range %g .. %g", lo, hi);
  QVERIFY(lo >= -2048 && lo < -500);  // air
  QVERIFY(hi > 1000);                 // bone
}

void RealDataTest::porcineCtAndMr() {
  const auto ctArchive = test::sharedData() / "ctmr_mridir_porcine/ct_103sl_2p5mm.tar.xz";
  const auto mrArchive = test::sharedData() / "ctmr_mridir_porcine/mr_t2_94sl.tar.xz";
  if (!fs::exists(ctArchive) || !fs::exists(mrArchive)) QSKIP("ctmr_mridir_porcine is absent");
  const auto ct = dicom::loadSeriesVolume(onlySeries(extract(ctArchive, "porcine_ct")), NullProgress::instance());
  QCOMPARE(ct->geometry().size()[0], std::size_t(512));
  QCOMPARE(ct->geometry().size()[2], std::size_t(103));
  QVERIFY(std::abs(ct->geometry().spacing()[2] - 2.5) < 1e-2);
  QCOMPARE(QString::fromStdString(ct->units()), QString("HU"));
  const auto mrDir = extract(mrArchive, "porcine_mr");
  QElapsedTimer timer;
  timer.start();
  const auto mrSeries = onlySeries(mrDir);
  const auto scanMs = timer.restart();
  const auto mr = dicom::loadSeriesVolume(mrSeries, NullProgress::instance());
  qInfo("MR 512x512x94: scan %lld ms, load %lld ms", static_cast<long long>(scanMs),
        static_cast<long long>(timer.elapsed()));
  QCOMPARE(mr->modality(), core::Modality::MR);
  QCOMPARE(mr->geometry().size()[0], std::size_t(512));
  QCOMPARE(mr->geometry().size()[1], std::size_t(512));
  QCOMPARE(mr->geometry().size()[2], std::size_t(94));
  QVERIFY(std::abs(mr->geometry().spacing()[0] - 0.5) < 1e-2);
  QVERIFY(std::abs(mr->geometry().spacing()[2] - 2.5) < 1e-2);
  QVERIFY(ct->identity().frameOfReferenceUid != mr->identity().frameOfReferenceUid);
}

// 18.5 degree gantry tilt and slice gaps from 1.08 to 7 mm: resampled onto an orthogonal,
// equidistant grid and told in words (compared with dcm2niix in AssemblyRealDataTest).
void RealDataTest::geTiltedCtIsRefusedClearly() {
  const auto archive = test::sharedData() / "ct_head_ge_tilt/GE_head_ct_28sl.tar.xz";
  if (!fs::exists(archive)) QSKIP("ct_head_ge_tilt is absent");
  const auto e = onlySeries(extract(archive, "ge_tilt"));
  QCOMPARE(e.files.size(), std::size_t(28));
  QVERIFY(!e.warnings.empty());
  std::vector<std::string> warnings;
  const auto v = dicom::loadSeriesVolume(e, NullProgress::instance(), 0, warnings);
  QString all;
  for (const auto& w : warnings) all += QString::fromStdString(w) + "\n";
  QVERIFY2(all.contains("gantry tilt") && all.contains("spacing is uneven"), qPrintable(all));
  QCOMPARE(v->geometry().size()[2], std::size_t(56));
}

void RealDataTest::singleSlices() {
  const auto ctFile = test::sharedData() / "unit_minis/CT_small.dcm";
  const auto mrFile = test::sharedData() / "unit_minis/MR_small.dcm";
  if (!fs::exists(ctFile) || !fs::exists(mrFile)) QSKIP("unit_minis is absent");
  for (const auto& f : {ctFile, mrFile}) {
    const auto series = dicom::scanForSeries(f, NullProgress::instance());
    QCOMPARE(series.size(), std::size_t(1));
    const auto v = dicom::loadSeriesVolume(series[0], NullProgress::instance());
    QCOMPARE(v->geometry().size()[2], std::size_t(1));
    QCOMPARE(v->geometry().size()[0], series[0].columns);
    qInfo("%s: %s %zux%zu, %s", f.filename().c_str(), v->name().c_str(), series[0].columns, series[0].rows,
          core::pixelTypeName(v->pixelType()));
  }
}

// 2730 classic Philips files: one series of 78 volumes of 80x80x35.
void RealDataTest::philipsBold4d() {
  const auto archive = test::sharedData() / "fmri_studyforrest_half/bold_78vol_dicom.tar.xz";
  if (!fs::exists(archive)) QSKIP("fmri_studyforrest_half is absent");
  const auto dir = extract(archive, "bold");
  QElapsedTimer timer;
  timer.start();
  const auto e = onlySeries(dir);
  qInfo("scan of %zu files: %lld ms", e.files.size(), static_cast<long long>(timer.restart()));
  QCOMPARE(e.files.size(), std::size_t(2730));
  QCOMPARE(e.volumeCount, std::size_t(78));
  QCOMPARE(e.columns, std::size_t(80));
  std::vector<std::string> warnings;
  const auto all = dicom::loadSeriesVolumes(e, NullProgress::instance(), warnings);
  qInfo("load of 78 volumes: %lld ms", static_cast<long long>(timer.elapsed()));
  for (const auto& w : warnings) qInfo("%s", w.c_str());
  QCOMPARE(all.size(), std::size_t(78));
  QCOMPARE(all[0]->geometry().size()[2], std::size_t(35));
  QVERIFY(std::abs(all[0]->geometry().spacing()[0] - 3.0) < 1e-2);
  QVERIFY(std::abs(all[0]->geometry().spacing()[2] - 3.3) < 5e-2);
  for (const auto& v : all) QVERIFY(core::norm(v->geometry().origin() - all[0]->geometry().origin()) < 1e-3);
}

QTEST_GUILESS_MAIN(RealDataTest)
#include "RealDataTest.moc"
