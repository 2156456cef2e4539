// Enhanced multi-frame files made here (EnhancedTestUtil.h), issue 3:
// - a 100-frame JPEG-LS file (dcmcjpls) loads voxel for voxel as its uncompressed original, and
//   its frames are decoded from one parse of the file (DcmtkFileCache); the time of decoding
//   every frame with and without the cache is printed (a loaded-machine figure, not asserted);
// - one file holding two stacks (two Stack IDs: axial and coronal; or two parallel slabs of one
//   orientation) scans as two series entries, each assembled on its own grid with its values.
#include <QtTest>

#include <chrono>
#include <cstdint>

#include "EnhancedTestUtil.h"
#include "ExternalTools.h"
#include "PixelDecoder.h"
#include "SliceHeader.h"
#include "TestData.h"
#include "fw/dicom/Scan.h"
#include "fw/dicom/SeriesReader.h"

using namespace fw;
namespace fs = std::filesystem;
namespace detail = fw::dicom::detail;

namespace {

dicom::SeriesEntry onlySeries(const fs::path& path) {
  const auto r = dicom::scan(path, core::NullProgress::instance());
  if (r.series.size() != 1)
    throw std::runtime_error("expected one series in " + path.string() + ", found " + std::to_string(r.series.size()));
  return r.series.front();
}

std::uint16_t pattern(std::size_t s, std::size_t k, std::size_t i, std::size_t j) {
  return static_cast<std::uint16_t>(100 + 1000 * s + 37 * k + ((i * 7 + j * 13) % 211) + (i * j) % 17);
}

}  // namespace

class MultiFrameTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase();
  void compressedMultiFrameDecodedOnce();
  void twoStacksSplit_data();
  void twoStacksSplit();

 private:
  fs::path m_root;
};

void MultiFrameTest::initTestCase() { m_root = test::scratchDir("dicom_multiframe"); }

void MultiFrameTest::compressedMultiFrameDecodedOnce() {
  const QString dcmcjpls = test::requireTool("dcmcjpls");
  const core::ImageGeometry grid({256, 256, 100}, {0.9, 0.9, 1.5}, {-115, -120, -60},
                                 core::Mat3::rotation({1, 0.2, 0}, 0.2));
  fs::create_directories(m_root / "plain");
  fs::create_directories(m_root / "jpls");
  const fs::path plain = m_root / "plain" / "enhanced.dcm", jpls = m_root / "jpls" / "enhanced.dcm";
  test::writeEnhancedMr(plain, {{"1", grid}}, pattern);
  const auto r = test::runTool(dcmcjpls, {QString::fromStdString(plain.string()), QString::fromStdString(jpls.string())});
  QVERIFY2(r.exitCode == 0, qPrintable(r.output));

  // Through the public API: the same voxels as the uncompressed file, on the written grid.
  const auto a = dicom::loadSeries(onlySeries(plain), core::NullProgress::instance());
  const auto b = dicom::loadSeries(onlySeries(jpls), core::NullProgress::instance());
  QCOMPARE(a.volumes.size(), std::size_t(1));
  QCOMPARE(b.volumes.size(), std::size_t(1));
  QCOMPARE(b.volumes[0]->geometry().size(), grid.size());
  QVERIFY(core::norm(b.volumes[0]->geometry().origin() - grid.origin()) < 1e-3);
  const auto* pa = std::get<core::ImageU16::Pointer>(a.volumes[0]->image())->GetBufferPointer();
  const auto* pb = std::get<core::ImageU16::Pointer>(b.volumes[0]->image())->GetBufferPointer();
  const auto& n = grid.size();
  for (std::size_t k = 0; k < n[2]; ++k)
    for (std::size_t j = 0; j < n[1]; ++j)
      for (std::size_t i = 0; i < n[0]; ++i) {
        const std::size_t at = i + n[0] * (j + n[1] * k);
        if (pa[at] != pattern(0, k, i, j) || pb[at] != pa[at])
          QFAIL(qPrintable(QString("voxel %1,%2,%3: plain %4, JPEG-LS %5, written %6")
                               .arg(i).arg(j).arg(k).arg(pa[at]).arg(pb[at]).arg(pattern(0, k, i, j))));
      }

  // Every frame decoded one by one on this thread: anew from the file each time, then from one
  // parse (the cache the reader's threads use). The values must be the same.
  const auto headers = detail::readSliceHeader(jpls).headers;
  QCOMPARE(headers.size(), std::size_t(100));
  std::vector<std::uint16_t> once(256 * 256 * 100), anew(once.size());
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  for (std::size_t f = 0; f < headers.size(); ++f) QVERIFY(detail::decodeFrameAs(headers[f], anew.data() + f * 256 * 256));
  const auto t1 = Clock::now();
  {
    detail::DcmtkFileCache cache;
    for (std::size_t f = 0; f < headers.size(); ++f) QVERIFY(detail::decodeFrameAs(headers[f], once.data() + f * 256 * 256));
  }
  const auto t2 = Clock::now();
  QVERIFY(once == anew);
  const double anewS = std::chrono::duration<double>(t1 - t0).count(), onceS = std::chrono::duration<double>(t2 - t1).count();
  qInfo("100-frame 256x256 JPEG-LS file (%llu bytes), one thread: each frame from a new parse %.3f s, from one parse %.3f s "
        "(%.1fx)",
        static_cast<unsigned long long>(fs::file_size(jpls)), anewS, onceS, anewS / std::max(onceS, 1e-9));
}

void MultiFrameTest::twoStacksSplit_data() {
  QTest::addColumn<bool>("twoPlanes");
  QTest::newRow("axial and coronal") << true;
  QTest::newRow("two axial slabs") << false;
}

void MultiFrameTest::twoStacksSplit() {
  QFETCH(bool, twoPlanes);
  const core::ImageGeometry axial({48, 40, 10}, {0.9, 1.1, 2.0}, {-20, -25, -30}, core::Mat3::identity());
  const core::ImageGeometry second =
      twoPlanes ? core::ImageGeometry({48, 40, 12}, {0.9, 1.1, 1.5}, {-20, 10, 30},
                                      core::Mat3::fromColumns({1, 0, 0}, {0, 0, -1}, {0, 1, 0}))
                : core::ImageGeometry({48, 40, 8}, {0.9, 1.1, 2.0}, {-20, -25, 40}, core::Mat3::identity());
  const fs::path folder = m_root / (twoPlanes ? "two-planes" : "two-slabs");
  fs::create_directories(folder);
  test::writeEnhancedMr(folder / "stacks.dcm", {{"1", axial}, {"2", second}}, pattern);
  const auto scan = dicom::scan(folder, core::NullProgress::instance());
  QCOMPARE(scan.series.size(), std::size_t(2));
  const core::ImageGeometry grids[2] = {axial, second};
  for (std::size_t s = 0; s < 2; ++s) {
    const auto& e = scan.series[s];
    const std::string label = "stack " + std::to_string(s + 1) + " of 2 (Stack ID " + std::to_string(s + 1) + ")";
    QVERIFY2(e.displayName().find(label) != std::string::npos, e.displayName().c_str());
    QCOMPARE(int(e.kind), int(dicom::SeriesKind::Image));
    QVERIFY2(e.geometry, e.warnings.empty() ? "" : e.warnings.back().c_str());
    QCOMPARE(e.geometry->size(), grids[s].size());
    const auto loaded = dicom::loadSeries(e, core::NullProgress::instance());
    QCOMPARE(loaded.volumes.size(), std::size_t(1));
    const auto& g = loaded.volumes[0]->geometry();
    QCOMPARE(g.size(), grids[s].size());
    QVERIFY(core::norm(g.origin() - grids[s].origin()) < 1e-3);
    for (int a = 0; a < 3; ++a) {
      QVERIFY(core::norm(g.direction().column(a) - grids[s].direction().column(a)) < 1e-4);
      QVERIFY(std::abs(g.spacing()[a] - grids[s].spacing()[a]) < 1e-4);
    }
    const auto* p = std::get<core::ImageU16::Pointer>(loaded.volumes[0]->image())->GetBufferPointer();
    const auto& n = g.size();
    for (std::size_t k = 0; k < n[2]; ++k)
      for (std::size_t j = 0; j < n[1]; ++j)
        for (std::size_t i = 0; i < n[0]; ++i)
          if (p[i + n[0] * (j + n[1] * k)] != pattern(s, k, i, j))
            QFAIL(qPrintable(QString("stack %1 voxel %2,%3,%4: %5, written %6")
                                 .arg(s + 1).arg(i).arg(j).arg(k).arg(p[i + n[0] * (j + n[1] * k)]).arg(pattern(s, k, i, j))));
  }
}

QTEST_GUILESS_MAIN(MultiFrameTest)
#include "MultiFrameTest.moc"
