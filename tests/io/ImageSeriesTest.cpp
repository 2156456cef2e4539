// io::readImageSeries: a 4D NIfTI with its .bval/.bvec beside it loads every volume with the
// b-values and LPS gradients of the table (written here by our own NIfTI writer in dcm2niix's
// layout, so the FSL vector convention is exercised), tables that do not fit are warnings, and
// (test_io_imageseries_realdata) DIPY's and nibabel's real 4D files load whole.
#include <QtTest>

#include <cmath>
#include <fstream>

#include "TestData.h"
#include "VolumeCompare.h"
#include "fw/core/Error.h"
#include "fw/io/Diffusion.h"
#include "fw/io/ImageFile.h"
#include "fw/io/Nifti.h"

using namespace fw;
namespace fs = std::filesystem;
using fw::test::sameByWorld;

namespace {

#ifndef FW_IMAGE_SERIES_REALDATA
const core::ImageGeometry kGrid({9, 7, 5}, {1.5, 1.75, 2.5}, {-12.0, 20.5, -8.25},
                                core::Mat3::rotation(core::normalized(core::Vec3{0.2, 1.0, 0.3}), 0.35));

core::VolumePtr volumeOf(std::size_t t) {
  auto img = core::allocateImage<core::ImageI16>(kGrid);
  for (std::size_t i = 0; i < kGrid.voxelCount(); ++i)
    img->GetBufferPointer()[i] = static_cast<std::int16_t>(1000 * t + (i * 13) % 997);
  return std::make_shared<core::Volume>(img);
}


// The b-values and LPS gradients of the written DWI file.
const std::vector<double> kB{0, 1000, 1000, 2000};
const std::vector<std::optional<core::Vec3>> kGradients{
    std::nullopt, core::normalized(core::Vec3{1, 0.2, 0.1}), core::normalized(core::Vec3{-0.3, 0.8, 0.5}),
    core::normalized(core::Vec3{0.1, -0.4, 0.9})};
#endif

}  // namespace

class ImageSeriesTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase();
#ifdef FW_IMAGE_SERIES_REALDATA
  void dipyDwi_data();
  void dipyDwi();
  void nibabelEpi();
#else
  void dwiNifti_data();
  void dwiNifti();
  void boldNifti();
  void tableThatDoesNotFit();
  void threeD();
  void missingFile();
#endif

 private:
  fs::path writeDwi(const std::string& name, bool gz);
  fs::path m_dir;
  std::vector<core::VolumePtr> m_volumes;
};

void ImageSeriesTest::initTestCase() {
#ifdef FW_IMAGE_SERIES_REALDATA
  m_dir = test::requireSharedData("unit_minis");
#else
  m_dir = test::scratchDir("io_image_series");
  for (std::size_t t = 0; t < kB.size(); ++t) m_volumes.push_back(volumeOf(t));
#endif
}

#ifndef FW_IMAGE_SERIES_REALDATA

fs::path ImageSeriesTest::writeDwi(const std::string& name, bool gz) {
  const fs::path file = m_dir / (name + (gz ? ".nii.gz" : ".nii"));
  io::NiftiWriteOptions o;
  o.repetitionTimeS = 2.5;
  o.overwrite = true;
  io::writeNifti(m_volumes, file, o);
  const auto table = io::fslGradients(kB, kGradients, io::niftiGrid(kGrid, o.dcm2niixLayout));
  io::writeGradientTable(table, io::bvalPathFor(file), io::bvecPathFor(file), true);
  return file;
}

void ImageSeriesTest::dwiNifti_data() {
  QTest::addColumn<bool>("gz");
  QTest::newRow(".nii") << false;
  QTest::newRow(".nii.gz") << true;
}

void ImageSeriesTest::dwiNifti() {
  QFETCH(bool, gz);
  const fs::path file = writeDwi("dwi", gz);
  const auto s = io::readImageSeries(file);
  QVERIFY2(s.warnings.empty(), s.warnings.empty() ? "" : s.warnings.front().c_str());
  QCOMPARE(s.volumes.size(), kB.size());
  QCOMPARE(s.bValues.size(), kB.size());
  QCOMPARE(s.gradientsLps.size(), kB.size());
  for (std::size_t t = 0; t < kB.size(); ++t) {
    QString why;
    QVERIFY2(sameByWorld(*s.volumes[t], *m_volumes[t], why), qPrintable(QString("volume %1: %2").arg(t).arg(why)));
    QCOMPARE(s.bValues[t], kB[t]);
    const core::Vec3 expected = kGradients[t].value_or(core::Vec3{0, 0, 0});
    QVERIFY2(core::norm(s.gradientsLps[t] - expected) < 1e-4,
             qPrintable(QString("gradient %1: (%2, %3, %4)").arg(t).arg(s.gradientsLps[t].x).arg(s.gradientsLps[t].y).arg(s.gradientsLps[t].z)));
  }
  QVERIFY(s.volumeSpacing);
  QVERIFY(std::abs(*s.volumeSpacing - 2.5) < 1e-6);
}

void ImageSeriesTest::boldNifti() {
  const fs::path file = m_dir / "bold.nii.gz";
  io::NiftiWriteOptions o;
  o.repetitionTimeS = 2.0;
  io::writeNifti(m_volumes, file, o);
  const auto s = io::readImageSeries(file);
  QCOMPARE(s.volumes.size(), m_volumes.size());
  QVERIFY(s.bValues.empty());
  QVERIFY(s.warnings.empty());
  QVERIFY(s.volumeSpacing && std::abs(*s.volumeSpacing - 2.0) < 1e-6);
  QString why;
  QVERIFY2(sameByWorld(*s.volumes.back(), *m_volumes.back(), why), qPrintable(why));
}

// A table with the wrong count, a lone .bval, a .bvec of non-numbers: the volumes load, and the
// warning names the file and the problem.
void ImageSeriesTest::tableThatDoesNotFit() {
  const fs::path file = writeDwi("wrong", false);
  io::GradientTable three;
  three.bValues = {0, 1000, 1000};
  three.vectors = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}};
  io::writeGradientTable(three, io::bvalPathFor(file), io::bvecPathFor(file), true);
  auto s = io::readImageSeries(file);
  QCOMPARE(s.volumes.size(), kB.size());
  QVERIFY(s.bValues.empty() && s.gradientsLps.empty());
  QCOMPARE(s.warnings.size(), std::size_t(1));
  QVERIFY2(s.warnings[0].find("wrong.bval") != std::string::npos && s.warnings[0].find("4 volumes") != std::string::npos,
           s.warnings[0].c_str());

  { std::ofstream(io::bvecPathFor(file)) << "x y z\n"; }
  { std::ofstream(io::bvalPathFor(file)) << "0 1000 1000 2000\n"; }
  s = io::readImageSeries(file);
  QCOMPARE(s.volumes.size(), kB.size());
  QVERIFY(s.bValues.empty());
  QCOMPARE(s.warnings.size(), std::size_t(1));
  QVERIFY2(s.warnings[0].find("wrong.bvec") != std::string::npos, s.warnings[0].c_str());

  fs::remove(io::bvecPathFor(file));
  s = io::readImageSeries(file);
  QCOMPARE(s.warnings.size(), std::size_t(1));
  QVERIFY2(s.warnings[0].find("wrong.bvec is missing") != std::string::npos, s.warnings[0].c_str());
}

void ImageSeriesTest::threeD() {
  const fs::path file = m_dir / "one.nii";
  io::writeNifti({m_volumes[1]}, file);
  const auto s = io::readImageSeries(file);
  QCOMPARE(s.volumes.size(), std::size_t(1));
  QVERIFY(!s.volumeSpacing);
  QString why;
  QVERIFY2(sameByWorld(*s.volumes[0], *m_volumes[1], why), qPrintable(why));
}

void ImageSeriesTest::missingFile() {
  try {
    io::readImageSeries(m_dir / "absent.nii.gz");
    QFAIL("no error");
  } catch (const core::Error& e) {
    QVERIFY2(std::string(e.what()).find("absent.nii.gz") != std::string::npos, e.what());
  }
}

#else

void ImageSeriesTest::dipyDwi_data() {
  QTest::addColumn<QString>("file");
  QTest::addColumn<int>("volumes");
  QTest::newRow("small_64D.nii") << "small_64D.nii" << 65;
  QTest::newRow("small_101D.nii.gz") << "small_101D.nii.gz" << 102;
}

// DIPY's real DWI patches: every volume, the b-values of the .bval file, and unit gradients
// for b > 0 (zero for b = 0; the files hold NaN vectors there) that map back to the .bvec.
void ImageSeriesTest::dipyDwi() {
  QFETCH(QString, file);
  QFETCH(int, volumes);
  const fs::path path = m_dir / file.toStdString();
  const auto s = io::readImageSeries(path);
  QVERIFY2(s.warnings.empty(), s.warnings.empty() ? "" : s.warnings.front().c_str());
  QCOMPARE(int(s.volumes.size()), volumes);
  const auto info = io::readImageInfo(path);
  QCOMPARE(info.size[3], std::size_t(volumes));
  const auto table = io::readGradientTable(io::bvalPathFor(path), io::bvecPathFor(path));
  QCOMPARE(s.bValues, table.bValues);
  int weighted = 0;
  for (int t = 0; t < volumes; ++t) {
    QCOMPARE(s.volumes[std::size_t(t)]->geometry().size()[0], info.size[0]);
    const double len = core::norm(s.gradientsLps[std::size_t(t)]);
    if (s.bValues[std::size_t(t)] > 50) {
      ++weighted;
      QVERIFY2(std::abs(len - 1) < 1e-3, qPrintable(QString("volume %1: |g| = %2").arg(t).arg(len)));
    }
  }
  QVERIFY(weighted >= volumes - 2);
  const auto back = io::fslGradients(s.bValues, std::vector<std::optional<core::Vec3>>(s.gradientsLps.begin(), s.gradientsLps.end()),
                                     s.volumes.front()->geometry());
  for (int t = 0; t < volumes; ++t)
    if (s.bValues[std::size_t(t)] > 50)
      QVERIFY(core::norm(back.vectors[std::size_t(t)] - table.vectors[std::size_t(t)]) < 1e-4);
  // The last volume differs from the first (not the first volume repeated).
  QVERIFY(s.volumes.front()->valueRange() != s.volumes.back()->valueRange() ||
          s.volumes.front()->valueAt(5, 5, 5) != s.volumes.back()->valueAt(5, 5, 5));
}

// nibabel's real EPI: 128 x 96 x 24 x 2, no table, pixdim[4] as the volume spacing.
void ImageSeriesTest::nibabelEpi() {
  const fs::path path = m_dir / "example4d.nii.gz";
  const auto s = io::readImageSeries(path);
  QCOMPARE(s.volumes.size(), std::size_t(2));
  QVERIFY(s.bValues.empty() && s.warnings.empty());
  const auto info = io::readImageInfo(path);
  QCOMPARE(s.volumes[1]->geometry().size(), (std::array<std::size_t, 3>{128, 96, 24}));
  QVERIFY(s.volumeSpacing);
  QCOMPARE(*s.volumeSpacing, info.spacing[3]);
  const auto first = io::readImageFile(path);
  QCOMPARE(s.volumes[0]->valueRange(), first->valueRange());
}

#endif

QTEST_GUILESS_MAIN(ImageSeriesTest)
#include "ImageSeriesTest.moc"
