// io on real data: the Colin27 T1 template (../shared/data/nifti_colin27). The reference is the
// NIfTI header parsed by hand (NiftiHeader.h) and the facts in MANIFEST.tsv, not ITK itself.
#include <QtTest>

#include "NiftiHeader.h"
#include "TestData.h"
#include "fw/core/Geometry.h"
#include "fw/io/ImageFile.h"

using namespace fw::core;
namespace fs = std::filesystem;

class Colin27Test : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase();
  void matchesRawHeader_data();
  void matchesRawHeader();
  void roundTrip();

 private:
  fs::path m_folder;
};

void Colin27Test::initTestCase() { m_folder = fw::test::requireSharedData("nifti_colin27"); }

void Colin27Test::matchesRawHeader_data() {
  QTest::addColumn<QString>("file");
  QTest::newRow("ch2") << "ch2.nii.gz";
  QTest::newRow("ch2bet") << "ch2bet.nii.gz";
}

void Colin27Test::matchesRawHeader() {
  QFETCH(QString, file);
  const fs::path path = m_folder / file.toStdString();
  const auto h = fw::test::parseNiftiHeader(path);
  // MANIFEST.tsv: 181x217x181, 1 mm, uint8.
  QCOMPARE(h.dim[0], std::int16_t(3));
  QCOMPARE(h.dim[1], std::int16_t(181));
  QCOMPARE(h.dim[2], std::int16_t(217));
  QCOMPARE(h.dim[3], std::int16_t(181));
  QCOMPARE(h.datatype, std::int16_t(2));

  const auto info = fw::io::readImageInfo(path);
  QCOMPARE(info.format, std::string("NIfTI"));
  QCOMPARE(info.dimensions, 3u);
  QCOMPARE(info.size, (std::vector<std::size_t>{181, 217, 181}));
  QCOMPARE(info.componentType, std::string("uint8"));
  for (int a = 0; a < 3; ++a) QVERIFY(std::abs(info.spacing[a] - h.pixdim[a + 1]) < 1e-6);

  const auto vol = fw::io::readImageFile(path);
  QCOMPARE(vol->pixelType(), PixelType::Int16);
  QCOMPARE(QString::fromStdString(vol->name()), file);
  // World geometry from the raw header's RAS matrix (sform if set, else qform), converted to LPS.
  QVERIFY(h.sformCode > 0 || h.qformCode > 0);
  const auto affine = h.sformCode > 0 ? h.sform() : h.qform();
  const ImageGeometry expected = geometryFromRasAffine({181, 217, 181}, affine);
  const ImageGeometry& g = vol->geometry();
  for (int a = 0; a < 3; ++a) {
    QCOMPARE(g.size()[a], expected.size()[a]);
    QVERIFY(std::abs(g.spacing()[a] - expected.spacing()[a]) < 1e-4);
    QVERIFY2(std::abs(g.origin()[a] - expected.origin()[a]) < 1e-3,
             qPrintable(QString("origin %1: %2 vs %3").arg(a).arg(g.origin()[a]).arg(expected.origin()[a])));
    for (int b = 0; b < 3; ++b) QVERIFY(std::abs(g.direction()(a, b) - expected.direction()(a, b)) < 1e-4);
  }
  const auto [lo, hi] = vol->valueRange();
  QVERIFY(lo >= 0);
  QVERIFY(hi <= 255);
  QVERIFY(hi > lo);
  qInfo("%s: origin %s, orientation %s, values %g..%g", qPrintable(file), toString(g.origin()).c_str(),
        orientationCode(g.direction()).c_str(), lo, hi);
}

void Colin27Test::roundTrip() {
  const auto vol = fw::io::readImageFile(m_folder / "ch2.nii.gz");
  const auto dir = fw::test::scratchDir("io_colin27");
  fw::io::writeImageFile(*vol, dir / "ch2_copy.nii.gz");
  const auto back = fw::io::readImageFile(dir / "ch2_copy.nii.gz");
  QCOMPARE(back->pixelType(), vol->pixelType());
  QCOMPARE(back->valueRange(), vol->valueRange());
  const auto* a = static_cast<const std::int16_t*>(vol->rawData());
  const auto* b = static_cast<const std::int16_t*>(back->rawData());
  QVERIFY(std::equal(a, a + vol->geometry().voxelCount(), b));
  for (int i = 0; i < 3; ++i) QVERIFY(std::abs(back->geometry().origin()[i] - vol->geometry().origin()[i]) < 1e-4);
}

QTEST_GUILESS_MAIN(Colin27Test)
#include "Colin27Test.moc"
