// Assembly of series the tests write themselves (dicom::writeSeries) and then damage with
// DCMTK's dcmodify: duplicate files and duplicate slices, uneven spacing, pixel types chosen
// before decoding, and the order and metadata of 4D volumes.
#include <QStandardPaths>
#include <QtTest>

#include <cmath>

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

QString allOf(const std::vector<std::string>& lines) {
  QString s;
  for (const auto& l : lines) s += QString::fromStdString(l) + "\n";
  return s;
}

dicom::SeriesEntry onlySeries(const fs::path& dir) {
  const auto r = dicom::scan(dir, NullProgress::instance());
  if (r.series.size() != 1) throw std::runtime_error("expected one series in " + dir.string());
  return r.series.front();
}

void modify(const fs::path& file, const QString& assignment) {
  const QString tool = QStandardPaths::findExecutable("dcmodify");
  const auto r = test::runTool(tool, {"-nb", "-m", assignment, QString::fromStdString(file.string())});
  if (r.exitCode != 0) throw std::runtime_error("dcmodify failed: " + r.output.toStdString());
}

QString ds(const core::Vec3& p) {
  return QString("%1\\%2\\%3").arg(p.x, 0, 'f', 4).arg(p.y, 0, 'f', 4).arg(p.z, 0, 'f', 4);
}

}  // namespace

class AssemblyTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase();
  void duplicateFile();
  void duplicateSliceContent();
  void unevenSpacing();
  void gantryTilt_data();
  void gantryTilt();
  void pixelTypes();
  void boldOrderAndTimes();
  void dwiMeta();
};

void AssemblyTest::initTestCase() {
  if (QStandardPaths::findExecutable("dcmodify").isEmpty()) {
    std::fprintf(stderr, "SKIP: dcmodify (Debian package dcmtk) is not on PATH\n");
    std::exit(77);
  }
}

// A file copied twice (same SOP Instance UID): one is kept, the user is told (by the scan, or
// by the assembly when the files are given directly).
void AssemblyTest::duplicateFile() {
  const auto dir = test::scratchDir("asm_dupfile") / "ct";
  const auto w = test::writeCtSeries(dir);
  const auto copy = dir / "copy_of_slice4.dcm";
  fs::copy_file(w.files[3], copy);
  const auto r = dicom::scan(dir, NullProgress::instance());
  QCOMPARE(r.series.size(), std::size_t(1));
  QVERIFY2(allOf(r.notes).contains("duplicate"), qPrintable(allOf(r.notes)));
  QCOMPARE(r.series[0].volumeCount, std::size_t(1));

  dicom::SeriesEntry direct;
  direct.files = w.files;
  direct.files.push_back(copy);
  const auto loaded = dicom::loadSeries(direct, NullProgress::instance());
  const QString warnings = allOf(loaded.warnings);
  QVERIFY2(warnings.contains("1 duplicate image(s) with the same SOP Instance UID ignored"), qPrintable(warnings));
  QCOMPARE(loaded.volumes.size(), std::size_t(1));
  QCOMPARE(loaded.volumes[0]->geometry().size()[2], std::size_t(10));
  QVERIFY(std::abs(loaded.volumes[0]->geometry().spacing()[2] - 2.5) < 1e-6);
}

// The same slice stored again under a new SOP Instance UID (same position, same pixels).
void AssemblyTest::duplicateSliceContent() {
  const auto dir = test::scratchDir("asm_dupslice") / "ct";
  const auto w = test::writeCtSeries(dir);
  const auto copy = dir / "resent.dcm";
  fs::copy_file(w.files[6], copy);
  modify(copy, "(0008,0018)=1.2.826.0.1.3680043.2.1125.99.1");
  const auto loaded = dicom::loadSeries(onlySeries(dir), NullProgress::instance());
  const QString warnings = allOf(loaded.warnings);
  QVERIFY2(warnings.contains("1 duplicate slice(s) (same position, acquisition and pixels) ignored"),
           qPrintable(warnings));
  QCOMPARE(loaded.volumes.size(), std::size_t(1));
  QCOMPARE(loaded.volumes[0]->geometry().size()[2], std::size_t(10));
}

// The last three slices moved 1.25 mm further along the normal: equidistant resampling at the
// smallest gap, exact values on the original slices, the user told.
void AssemblyTest::unevenSpacing() {
  const auto dir = test::scratchDir("asm_uneven") / "ct";
  const auto w = test::writeCtSeries(dir);
  const auto& g0 = w.volumes[0]->geometry();
  const core::Vec3 normal = g0.direction().column(2);
  for (std::size_t k = 7; k < 10; ++k)
    modify(w.files[k], "(0020,0032)=" + ds(g0.indexToWorld({0, 0, double(k)}) + normal * 1.25));
  const auto loaded = dicom::loadSeries(onlySeries(dir), NullProgress::instance());
  const QString warnings = allOf(loaded.warnings);
  QVERIFY2(warnings.contains("slice spacing is uneven") && warnings.contains("equidistant"), qPrintable(warnings));
  const auto& v = *loaded.volumes[0];
  const auto& g = v.geometry();
  // Positions 0..6 at 2.5 mm, then 18.75, 21.25, 23.75: 2.5 mm grid of round(23.75/2.5)+1 slices.
  QCOMPARE(g.size()[2], std::size_t(11));
  QVERIFY(std::abs(g.spacing()[2] - 2.5) < 1e-3);  // positions were written with 4 decimals
  QVERIFY(core::norm(g.origin() - g0.origin()) < 1e-3);
  for (std::size_t k = 0; k < 7; ++k)
    for (std::size_t j = 0; j < 24; j += 7)
      for (std::size_t i = 0; i < 20; i += 6) QCOMPARE(v.valueAt(i, j, k), w.volumes[0]->valueAt(i, j, k));
  // Slice 8 (20 mm) lies between source slices 7 (18.75 mm) and 8 (21.25 mm), half way.
  const double expected = std::round(0.5 * (w.volumes[0]->valueAt(3, 4, 7) + w.volumes[0]->valueAt(3, 4, 8)));
  // Within one unit: the mean may sit at .5 and the 4-decimal positions move the weight slightly.
  QVERIFY2(std::abs(v.valueAt(3, 4, 8) - expected) <= 1.0,
           qPrintable(QString("%1 vs %2").arg(v.valueAt(3, 4, 8)).arg(expected)));
}

void AssemblyTest::gantryTilt_data() {
  QTest::addColumn<bool>("uneven");
  QTest::newRow("tilt") << false;
  QTest::newRow("tilt and uneven spacing") << true;
}

// A gantry-tilted series: slice k moved 0.8*k mm along its column direction (and, in the second
// case, the last three slices 1.25 mm further along the normal). Every pixel holds a linear
// function of its world position, so the resampled grid (bilinear in the plane, linear between
// slices) must hold that function at its own voxel centres wherever the data covers it, and the
// darkest value outside. Resampling runs in place in the output (SeriesReader resampleInPlace):
// a plane that overwrote a slice still needed would break this.
void AssemblyTest::gantryTilt() {
  QFETCH(bool, uneven);
  const auto dir = test::scratchDir(uneven ? "asm_tilt_uneven" : "asm_tilt") / "ct";
  const core::ImageGeometry g0({20, 24, 10}, {0.8, 0.9, 2.5}, {-12.5, 30.25, -40.0},
                               core::Mat3::rotation({0.3, 1.0, 0.2}, 0.4));
  const core::Vec3 row = g0.direction().column(0), col = g0.direction().column(1), normal = g0.direction().column(2);
  const double kShiftMm = 0.8;
  auto slicePosition = [&](std::size_t k) {
    return g0.indexToWorld({0, 0, double(k)}) + col * (kShiftMm * double(k)) +
           normal * (uneven && k >= 7 ? 1.25 : 0.0);
  };
  auto f = [](const core::Vec3& p) { return 300.0 + 6.0 * p.x - 4.0 * p.y + 5.0 * p.z; };
  auto img = core::allocateImage<core::ImageI16>(g0);
  for (std::size_t k = 0; k < 10; ++k)
    for (std::size_t j = 0; j < 24; ++j)
      for (std::size_t i = 0; i < 20; ++i) {
        const core::Vec3 p = slicePosition(k) + row * (0.8 * double(i)) + col * (0.9 * double(j));
        img->GetBufferPointer()[i + 20 * (j + 24 * k)] = static_cast<std::int16_t>(std::lround(f(p)));
      }
  dicom::SeriesWriteOptions o;
  o.identity = test::testIdentity("CT tilted", 2);
  const auto files = dicom::writeSeries({std::make_shared<core::Volume>(img, core::Modality::CT, "HU")}, {}, o, dir,
                                        NullProgress::instance());
  QCOMPARE(files.size(), std::size_t(10));
  for (std::size_t k = 0; k < 10; ++k) modify(files[k], "(0020,0032)=" + ds(slicePosition(k)));

  const auto loaded = dicom::loadSeries(onlySeries(dir), NullProgress::instance());
  const QString warnings = allOf(loaded.warnings);
  QVERIFY2(warnings.contains("gantry tilt"), qPrintable(warnings));
  QCOMPARE(warnings.contains("uneven"), uneven);
  const auto& v = *loaded.volumes[0];
  const auto& g = v.geometry();
  const auto& n = g.size();
  QCOMPARE(n[0], std::size_t(20));
  QCOMPARE(n[1], std::size_t(24 + 8));  // 7.2 mm of shear over 0.9 mm rows: 8 more rows
  QCOMPARE(n[2], std::size_t(uneven ? 11 : 10));
  double lo = 1e9;
  for (std::size_t i = 0; i < 20; ++i)
    for (std::size_t j = 0; j < 24; ++j)
      for (std::size_t k = 0; k < 10; ++k) lo = std::min(lo, double(img->GetBufferPointer()[i + 20 * (j + 24 * k)]));
  std::size_t checked = 0, border = 0;
  for (std::size_t k = 0; k < n[2]; ++k)
    for (std::size_t j = 0; j < n[1]; ++j)
      for (std::size_t i = 0; i < n[0]; ++i) {
        const core::Vec3 w = g.indexToWorld({double(i), double(j), double(k)});
        // Row of w in the first and the last slice's own grid; distance along the normal.
        const double along = core::dot(w - slicePosition(0), col) / 0.9;
        const double rowFirst = along, rowLast = along - kShiftMm * 9 / 0.9;
        const double depth = core::dot(w - slicePosition(0), normal);
        const double value = v.valueAt(i, j, k);
        // Inside every slice (one row of margin) and not beyond the last slice (the uneven grid
        // ends 1.25 mm past it, where the last slice is repeated): the function itself.
        if (rowLast >= 1 && rowFirst <= 22 && depth <= core::dot(slicePosition(9) - slicePosition(0), normal) + 1e-3) {
          ++checked;
          if (std::abs(value - f(w)) > 1.0)
            QFAIL(qPrintable(QString("voxel (%1,%2,%3): %4, expected %5").arg(i).arg(j).arg(k).arg(value).arg(f(w))));
        }
        // Planes 0..6 lie on slices 0..6 (2.5 mm apart in both cases): outside its own slice's
        // rows, a voxel holds the darkest value.
        const double rowOwn = along - kShiftMm * double(k) / 0.9;
        if (k <= 6 && (rowOwn < -0.01 || rowOwn > 23.01)) {
          ++border;
          QCOMPARE(value, lo);
        }
      }
  QVERIFY2(checked > n[0] * n[2] * 10, qPrintable(QString("only %1 voxels checked").arg(checked)));
  QVERIFY(border > 0);
}

// The pixel type follows the stored data: CT int16, DWI uint16, non-integer MR float; values exact.
void AssemblyTest::pixelTypes() {
  const auto root = test::scratchDir("asm_types");
  const auto ct = test::writeCtSeries(root / "ct");
  const auto mr = test::writeMrSeries(root / "mr");
  const auto dwi = test::writeDwiSeries(root / "dwi");
  const auto ctV = dicom::loadSeries(onlySeries(ct.folder), NullProgress::instance()).volumes.at(0);
  const auto mrV = dicom::loadSeries(onlySeries(mr.folder), NullProgress::instance()).volumes.at(0);
  const auto dwiV = dicom::loadSeries(onlySeries(dwi.folder), NullProgress::instance()).volumes.at(0);
  QCOMPARE(ctV->pixelType(), core::PixelType::Int16);
  QCOMPARE(dwiV->pixelType(), core::PixelType::UInt16);
  QCOMPARE(mrV->pixelType(), core::PixelType::Float32);
  for (std::size_t k = 0; k < 10; k += 3)
    for (std::size_t j = 0; j < 24; j += 5)
      for (std::size_t i = 0; i < 20; i += 4) {
        QCOMPARE(ctV->valueAt(i, j, k), ct.volumes[0]->valueAt(i, j, k));
        QCOMPARE(dwiV->valueAt(i, j, k), dwi.volumes[0]->valueAt(i, j, k));
        QVERIFY(std::abs(mrV->valueAt(i, j, k) - mr.volumes[0]->valueAt(i, j, k)) < 0.05);
      }
}

// BOLD volumes in acquisition order with their times, whatever the file names say.
void AssemblyTest::boldOrderAndTimes() {
  const auto dir = test::scratchDir("asm_bold") / "bold";
  const auto w = test::writeBoldSeries(dir);
  // Reverse the file names so that listing order is not acquisition order.
  for (std::size_t i = 0; i < w.files.size(); ++i)
    fs::rename(w.files[i], dir / ("z" + std::to_string(w.files.size() - i) + ".dcm"));
  const auto e = onlySeries(dir);
  QCOMPARE(e.kind, dicom::SeriesKind::Functional);
  const auto loaded = dicom::loadSeries(e, NullProgress::instance());
  QCOMPARE(loaded.volumes.size(), std::size_t(4));
  QVERIFY(loaded.repetitionTimeMs && std::abs(*loaded.repetitionTimeMs - 2000) < 1e-6);
  for (std::size_t v = 0; v < 4; ++v) {
    QVERIFY(loaded.meta[v].timeS.has_value());
    QVERIFY2(std::abs(*loaded.meta[v].timeS - 2.0 * double(v)) < 1e-3,
             qPrintable(QString::number(*loaded.meta[v].timeS)));
    QCOMPARE(loaded.volumes[v]->valueAt(1, 2, 3), w.volumes[v]->valueAt(1, 2, 3));
  }
}

void AssemblyTest::dwiMeta() {
  const auto w = test::writeDwiSeries(test::scratchDir("asm_dwi") / "dwi");
  const auto e = onlySeries(w.folder);
  QCOMPARE(e.kind, dicom::SeriesKind::Diffusion);
  const auto loaded = dicom::loadSeries(e, NullProgress::instance());
  QCOMPARE(loaded.meta.size(), std::size_t(3));
  for (std::size_t v = 0; v < 3; ++v) {
    QCOMPARE(loaded.meta[v].bValue.value_or(-1), *w.frames[v].bValue);
    if (w.frames[v].gradientLps)
      QVERIFY(loaded.meta[v].gradient && core::norm(*loaded.meta[v].gradient - *w.frames[v].gradientLps) < 1e-4);
    QCOMPARE(loaded.volumes[v]->valueAt(2, 3, 4), w.volumes[v]->valueAt(2, 3, 4));
  }
}

QTEST_GUILESS_MAIN(AssemblyTest)
#include "AssemblyTest.moc"
