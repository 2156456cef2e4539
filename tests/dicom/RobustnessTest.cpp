// Bad input gives a clear core::Error naming the file and the problem, never a crash:
// truncated pixel data, random bytes named .dcm, mixed image sizes or planes, missing slices,
// an existing destination (never overwritten), and the scan skips what is not an image; a file
// claiming 60000x60000 pixels fails before anything large is allocated; a frame count the data
// does not hold is named.
#include <QtTest>

#include <fstream>
#include <random>

#include <sys/resource.h>

#include "DicomTestUtil.h"
#include "ExternalTools.h"
#include "TestData.h"
#include "fw/core/Error.h"
#include "fw/dicom/SeriesReader.h"
#include "fw/dicom/SeriesWriter.h"

using namespace fw;
using core::NullProgress;
namespace fs = std::filesystem;

namespace {

// Runs f, expects core::Error; returns its full text ("" when nothing was thrown).
template <class F>
QString errorOf(F&& f) {
  try {
    f();
  } catch (const core::Cancelled&) {
    return "unexpected Cancelled";
  } catch (const core::Error& e) {
    return QString::fromStdString(e.what());
  } catch (const std::exception& e) {
    return QString("unexpected exception type: ") + e.what();
  }
  return {};
}

void writeRandomBytes(const fs::path& file, std::size_t n, bool dicmPreamble) {
  std::mt19937 rng(42);
  std::ofstream out(file, std::ios::binary);
  std::vector<char> bytes(n);
  for (auto& b : bytes) b = static_cast<char>(rng() & 0xff);
  if (dicmPreamble && n > 132) std::memcpy(bytes.data() + 128, "DICM", 4);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

dicom::SeriesEntry entryOf(const std::vector<fs::path>& files) {
  dicom::SeriesEntry e;
  e.files = files;
  return e;
}

// Overwrites the first explicit-VR US element `group,element` of a file with `value`.
bool patchUShort(const fs::path& file, std::uint16_t group, std::uint16_t element, std::uint16_t value) {
  std::fstream io(file, std::ios::binary | std::ios::in | std::ios::out);
  std::vector<char> bytes((std::istreambuf_iterator<char>(io)), std::istreambuf_iterator<char>());
  const char key[6] = {char(group & 0xff), char(group >> 8), char(element & 0xff), char(element >> 8), 'U', 'S'};
  for (std::size_t i = 0; i + 10 <= bytes.size(); ++i)
    if (std::memcmp(&bytes[i], key, 6) == 0) {
      io.seekp(static_cast<std::streamoff>(i + 8));
      const char v[2] = {char(value & 0xff), char(value >> 8)};
      io.write(v, 2);
      return bool(io);
    }
  return false;
}

long peakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

class RobustnessTest : public QObject {
  Q_OBJECT
 private slots:
  void truncatedFile();
  void randomBytes();
  void destinationExists();
  void mixedSizes();
  void mixedOrientation();
  void missingSlice();
  void emptyAndMissingInput();
  void hugeImageClaim();
  void frameCountMismatch();
};

void RobustnessTest::truncatedFile() {
  const auto dir = test::scratchDir("rb_trunc") / "ct";
  const auto w = test::writeCtSeries(dir);
  const fs::path victim = w.files[4];
  fs::resize_file(victim, fs::file_size(victim) - 300);
  const auto series = dicom::scanForSeries(dir, NullProgress::instance());
  QCOMPARE(series.size(), std::size_t(1));
  const QString err = errorOf([&] { dicom::loadSeriesVolume(series[0], NullProgress::instance()); });
  QVERIFY2(err.contains(QString::fromStdString(victim.string())), qPrintable(err));
  QVERIFY2(err.contains("truncated"), qPrintable(err));

  // Cut inside the header: the file is skipped or named, never a crash.
  const fs::path header = w.files[6];
  fs::resize_file(header, 200);
  const QString err2 = errorOf([&] { dicom::loadSeriesVolume(entryOf({header}), NullProgress::instance()); });
  QVERIFY2(err2.contains(QString::fromStdString(header.string())), qPrintable(err2));
}

void RobustnessTest::randomBytes() {
  const auto root = test::scratchDir("rb_random");
  test::writeCtSeries(root / "ct");
  writeRandomBytes(root / "noise.dcm", 5000, false);
  writeRandomBytes(root / "noise_dicm.dcm", 5000, true);
  { std::ofstream(root / "notes.txt") << "not an image\n"; }
  std::vector<std::string> skipped;
  const auto series = dicom::scanForSeries(root, NullProgress::instance(), skipped);
  QCOMPARE(series.size(), std::size_t(1));
  QCOMPARE(series[0].files.size(), std::size_t(10));
  QCOMPARE(skipped.size(), std::size_t(3));
  for (const auto& s : skipped) QVERIFY2(s.find("skipped") != std::string::npos, s.c_str());
  // The two-argument scan reports them with the first series.
  const auto withWarnings = dicom::scanForSeries(root, NullProgress::instance());
  QCOMPARE(withWarnings.at(0).warnings.size(), std::size_t(3));

  for (const char* name : {"noise.dcm", "noise_dicm.dcm"}) {
    const QString err = errorOf([&] { dicom::loadSeriesVolume(entryOf({root / name}), NullProgress::instance()); });
    QVERIFY2(err.contains(name), qPrintable(err));
  }
  // A single file path is scanned like a folder with one file.
  QCOMPARE(dicom::scanForSeries(root / "noise.dcm", NullProgress::instance()).size(), std::size_t(0));
}

void RobustnessTest::destinationExists() {
  const auto root = test::scratchDir("rb_exists");
  fs::create_directories(root / "ct");
  { std::ofstream(root / "ct" / "keep.txt") << "precious"; }
  const QString err = errorOf([&] { test::writeCtSeries(root / "ct"); });
  QVERIFY2(err.contains("already exists"), qPrintable(err));
  QVERIFY2(err.contains(QString::fromStdString((root / "ct").string())), qPrintable(err));
  // Untouched, and no temporary folder left beside it.
  QCOMPARE(std::distance(fs::directory_iterator(root / "ct"), fs::directory_iterator()), 1);
  QCOMPARE(std::distance(fs::directory_iterator(root), fs::directory_iterator()), 1);
}

void RobustnessTest::mixedSizes() {
  const auto root = test::scratchDir("rb_sizes");
  const auto a = test::writeCtSeries(root / "a");
  const auto g = test::obliqueGeometry();
  const core::ImageGeometry g2({22, 24, 10}, g.spacing(), g.origin(), g.direction());
  dicom::SeriesWriteOptions o;
  const auto b = dicom::writeSeries({test::makeCt(g2)}, {}, o, root / "b", NullProgress::instance());
  const QString err = errorOf(
      [&] { dicom::loadSeriesVolume(entryOf({a.files[0], a.files[1], b[2]}), NullProgress::instance()); });
  QVERIFY2(err.contains(QString::fromStdString(b[2].string())) && err.contains("size"), qPrintable(err));
}

void RobustnessTest::mixedOrientation() {
  const auto root = test::scratchDir("rb_orient");
  const auto a = test::writeCtSeries(root / "a");
  const auto g = test::obliqueGeometry();
  const core::ImageGeometry g2(g.size(), g.spacing(), g.origin(), core::Mat3::identity());
  dicom::SeriesWriteOptions o;
  const auto b = dicom::writeSeries({test::makeCt(g2)}, {}, o, root / "b", NullProgress::instance());
  const QString err = errorOf(
      [&] { dicom::loadSeriesVolume(entryOf({a.files[0], a.files[1], b[5]}), NullProgress::instance()); });
  QVERIFY2(err.contains(QString::fromStdString(b[5].string())) && err.contains("orientation"), qPrintable(err));
}

// A missing slice is told (with its location) and filled by interpolation on the regular grid.
void RobustnessTest::missingSlice() {
  const auto dir = test::scratchDir("rb_missing") / "ct";
  const auto w = test::writeCtSeries(dir);
  fs::remove(w.files[5]);
  const auto series = dicom::scanForSeries(dir, NullProgress::instance());
  QCOMPARE(series.size(), std::size_t(1));
  bool told = false;
  for (const auto& m : series[0].warnings) told = told || m.find("missing") != std::string::npos;
  QVERIFY(told);
  std::vector<std::string> warnings;
  const auto v = dicom::loadSeriesVolume(series[0], NullProgress::instance(), 0, warnings);
  QString all;
  for (const auto& m : warnings) all += QString::fromStdString(m) + "\n";
  QVERIFY2(all.contains("1 slice(s) missing") && all.contains("interpolation"), qPrintable(all));
  const auto& g = v->geometry();
  const auto& ref = w.volumes[0]->geometry();
  QCOMPARE(g.size()[2], std::size_t(10));
  QVERIFY(std::abs(g.spacing()[2] - 2.5) < 1e-3);
  QVERIFY(core::norm(g.origin() - ref.origin()) < 1e-3);
  for (std::size_t k : {0, 4, 6, 9})
    for (std::size_t j = 0; j < 24; j += 5)
      for (std::size_t i = 0; i < 20; i += 3) QCOMPARE(v->valueAt(i, j, k), w.volumes[0]->valueAt(i, j, k));
  for (std::size_t j = 0; j < 24; j += 5)
    for (std::size_t i = 0; i < 20; i += 3) {
      const double expected = std::round((w.volumes[0]->valueAt(i, j, 4) + w.volumes[0]->valueAt(i, j, 6)) / 2);
      QVERIFY(std::abs(v->valueAt(i, j, 5) - expected) <= 0.5);
    }
}

// 60000 x 60000 pixels claimed by a small file: the scan keeps the header, loading fails with
// the file named, and nothing near 7 GB is ever allocated.
void RobustnessTest::hugeImageClaim() {
  const auto dir = test::scratchDir("rb_huge") / "ct";
  const auto w = test::writeCtSeries(dir);
  const fs::path victim = w.files[0];
  QVERIFY(patchUShort(victim, 0x0028, 0x0010, 60000));
  QVERIFY(patchUShort(victim, 0x0028, 0x0011, 60000));
  const long before = peakRssKb();
  const QString err = errorOf([&] { dicom::loadSeriesVolume(entryOf({victim}), NullProgress::instance()); });
  QVERIFY2(err.contains(QString::fromStdString(victim.string())) && err.contains("60000x60000"), qPrintable(err));
  qInfo("%s", qPrintable(err));
  QVERIFY2(peakRssKb() - before < 200 * 1024, "more than 200 MB allocated for a hostile header");
}

// Number of Frames larger than the pixel data holds.
void RobustnessTest::frameCountMismatch() {
  const QString dcmodify = QStandardPaths::findExecutable("dcmodify");
  if (dcmodify.isEmpty()) QSKIP("dcmodify (Debian package dcmtk) is not on PATH");
  const auto dir = test::scratchDir("rb_frames") / "ct";
  const auto w = test::writeCtSeries(dir);
  const fs::path victim = w.files[0];
  const auto r = test::runTool(dcmodify, {"-nb", "-i", "(0028,0008)=5", QString::fromStdString(victim.string())});
  QVERIFY2(r.exitCode == 0, qPrintable(r.output));
  const QString err = errorOf([&] { dicom::loadSeriesVolume(entryOf({victim}), NullProgress::instance()); });
  QVERIFY2(err.contains(QString::fromStdString(victim.string())) && err.contains("5 frame(s)"), qPrintable(err));
  qInfo("%s", qPrintable(err));
}

void RobustnessTest::emptyAndMissingInput() {
  const auto root = test::scratchDir("rb_empty");
  QCOMPARE(dicom::scanForSeries(root, NullProgress::instance()).size(), std::size_t(0));
  QVERIFY(!errorOf([&] { dicom::scanForSeries(root / "nope", NullProgress::instance()); }).isEmpty());
  QVERIFY(!errorOf([&] { dicom::loadSeriesVolume(dicom::SeriesEntry{}, NullProgress::instance()); }).isEmpty());
  dicom::SeriesWriteOptions o;
  QVERIFY(!errorOf([&] { dicom::writeSeries({}, {}, o, root / "x", NullProgress::instance()); }).isEmpty());
  QVERIFY(!fs::exists(root / "x"));
}

QTEST_GUILESS_MAIN(RobustnessTest)
#include "RobustnessTest.moc"
