// Bad input gives a clear core::Error naming the file and the problem, never a crash:
// truncated pixel data, random bytes named .dcm, mixed image sizes or planes, missing slices,
// an existing destination (never overwritten), and the scan skips what is not an image.
#include <QtTest>

#include <fstream>
#include <random>

#include "DicomTestUtil.h"
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

void RobustnessTest::missingSlice() {
  const auto dir = test::scratchDir("rb_missing") / "ct";
  const auto w = test::writeCtSeries(dir);
  fs::remove(w.files[5]);
  const auto series = dicom::scanForSeries(dir, NullProgress::instance());
  QCOMPARE(series.size(), std::size_t(1));
  QVERIFY(!series[0].warnings.empty());  // the scan already says it cannot be assembled
  const QString err = errorOf([&] { dicom::loadSeriesVolume(series[0], NullProgress::instance()); });
  QVERIFY2(err.contains("spacing") && err.contains("missing"), qPrintable(err));
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
