// Scan speed (label bench): files per second with 1 and 2 threads on 10,000 files (copies of a
// written 128x128x100 CT series in 100 folders, made in the build tree) and on the real
// studyforrest T1 (384 files, extracted into the build tree; skipped without the shared data).
// Page cache warm (one untimed scan first); best of three. The scratch data is removed at the
// end unless FW_KEEP_SCRATCH is set.
#include <QProcess>
#include <QtTest>

#include <chrono>
#include <ctime>
#include <cstdlib>

#include "DicomTestUtil.h"
#include "Archive.h"
#include "TestData.h"
#include "fw/dicom/Scan.h"
#include "fw/dicom/SeriesWriter.h"

using namespace fw;
namespace fs = std::filesystem;

namespace {

struct Timing {
  double seconds = 0;
  double cpuSeconds = 0;  // all threads of the process
  dicom::ScanResult result;
};

Timing bestOf3(const fs::path& root, unsigned threads) {
  dicom::ScanOptions o;
  o.threads = threads;
  Timing best{1e30, 0, {}};
  for (int i = 0; i < 3; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    auto r = dicom::scan(root, core::NullProgress::instance(), o);
    const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s < best.seconds) best = {s, cpu, std::move(r)};
  }
  return best;
}

void measure(const char* what, const fs::path& root, std::size_t files, std::size_t series) {
  dicom::scan(root, core::NullProgress::instance());  // warm the page cache
  std::size_t firstSeries = 0;
  for (unsigned threads : {1u, 2u}) {
    const auto t = bestOf3(root, threads);
    const double rate = static_cast<double>(t.result.filesExamined) / t.seconds;
    qInfo("scan %s: %zu files, %u thread(s): %.3f s, %.0f files/s (CPU %.3f s, %.0f files per CPU second)", what,
          t.result.filesExamined, threads, t.seconds, rate, t.cpuSeconds,
          static_cast<double>(t.result.filesExamined) / t.cpuSeconds);
    QCOMPARE(t.result.filesExamined, files);
    QCOMPARE(t.result.series.size(), series);
    if (threads == 1) firstSeries = t.result.series.front().files.size();
    QCOMPARE(t.result.series.front().files.size(), firstSeries);
    QVERIFY2(rate > 200, "scan slower than 200 files/s");  // a floor for gross regressions only
  }
}

bool keepScratch() { return std::getenv("FW_KEEP_SCRATCH") != nullptr; }

}  // namespace

class ScanBenchTest : public QObject {
  Q_OBJECT
 private slots:
  void tenThousandCopies();
  void studyforrestT1();
};

void ScanBenchTest::tenThousandCopies() {
  const auto root = test::scratchDir("scan_bench_10k");
  const core::ImageGeometry g({128, 128, 100}, {1.8, 1.8, 2.0}, {-115, -115, -100}, core::Mat3::identity());
  dicom::SeriesWriteOptions o;
  o.identity = test::testIdentity("CT Head bench", 2);
  const auto files = dicom::writeSeries({test::makeCt(g)}, {}, o, root / "src", core::NullProgress::instance());
  for (int d = 0; d < 100; ++d) {
    const auto dir = root / "copies" / ("d" + std::to_string(d));
    fs::create_directories(dir);
    for (const auto& f : files) fs::copy_file(f, dir / f.filename());
  }
  fs::remove_all(root / "src");
  // 10,000 files of one series: 100 distinct instances, each 100 times (duplicates are noted).
  measure("10k copies", root / "copies", 10000, 1);
  if (!keepScratch()) fs::remove_all(root);
}

void ScanBenchTest::studyforrestT1() {
  const auto archive = test::sharedData() / "mr_t1_studyforrest" / "t1w_384sl_0p67mm.tar.xz";
  if (!fs::exists(archive)) QSKIP("shared data mr_t1_studyforrest not found (see ../shared/data/README.md)");
  const auto root = test::extractArchive(archive, "scan_bench_t1");
  measure("studyforrest T1", root, 384, 1);
  if (!keepScratch()) fs::remove_all(root);
}

QTEST_GUILESS_MAIN(ScanBenchTest)
#include "ScanBenchTest.moc"
