// io ImageFile: round trips with oblique geometry through NIfTI, NRRD and MetaImage; the NIfTI
// sform/qform checked against a hand-parsed header (LPS -> RAS); type mapping; 4D files;
// damaged and hostile files; atomic writes.
#include <QtTest>

#include <itkImageFileWriter.h>

#include <cstdint>
#include <fstream>
#include <random>

#include "NiftiHeader.h"
#include "TestData.h"
#include "fw/core/Error.h"
#include "fw/core/Progress.h"
#include "fw/io/ImageFile.h"

using namespace fw::core;
namespace fs = std::filesystem;
using fw::io::readImageFile;
using fw::io::readImageInfo;
using fw::io::writeImageFile;

namespace {

ImageGeometry obliqueGeometry() {
  return ImageGeometry({7, 6, 5}, {0.75, 1.25, 2.5}, {12.5, -30.25, 40.75},
                       Mat3::rotation({1, 2, 3}, 0.4));
}

// A volume of the given pixel type with distinct, exactly representable values.
VolumePtr makeVolume(PixelType type, const ImageGeometry& g = obliqueGeometry()) {
  const std::size_t n = g.voxelCount();
  switch (type) {
    case PixelType::Int16: {
      auto img = allocateImage<ImageI16>(g);
      for (std::size_t i = 0; i < n; ++i) img->GetBufferPointer()[i] = static_cast<std::int16_t>((i * 37) % 2000) - 1000;
      return std::make_shared<Volume>(img);
    }
    case PixelType::UInt16: {
      auto img = allocateImage<ImageU16>(g);
      for (std::size_t i = 0; i < n; ++i) img->GetBufferPointer()[i] = static_cast<std::uint16_t>((i * 1013) % 65536);
      return std::make_shared<Volume>(img);
    }
    case PixelType::Float32: {
      auto img = allocateImage<ImageF32>(g);
      for (std::size_t i = 0; i < n; ++i) img->GetBufferPointer()[i] = static_cast<float>(i) * 0.375f - 100.5f;
      return std::make_shared<Volume>(img);
    }
  }
  return nullptr;
}

void compareGeometry(const ImageGeometry& a, const ImageGeometry& b, double tol) {
  for (int i = 0; i < 3; ++i) {
    QCOMPARE(a.size()[i], b.size()[i]);
    QVERIFY2(std::abs(a.spacing()[i] - b.spacing()[i]) < tol, qPrintable(QString("spacing %1").arg(i)));
    QVERIFY2(std::abs(a.origin()[i] - b.origin()[i]) < tol, qPrintable(QString("origin %1").arg(i)));
    for (int j = 0; j < 3; ++j)
      QVERIFY2(std::abs(a.direction()(i, j) - b.direction()(i, j)) < tol,
               qPrintable(QString("direction %1,%2: %3 vs %4").arg(i).arg(j).arg(a.direction()(i, j)).arg(b.direction()(i, j))));
  }
}

void compareValues(const Volume& a, const Volume& b) {
  QCOMPARE(a.pixelType(), b.pixelType());
  const auto& s = a.geometry().size();
  for (std::size_t k = 0; k < s[2]; ++k)
    for (std::size_t j = 0; j < s[1]; ++j)
      for (std::size_t i = 0; i < s[0]; ++i)
        if (a.valueAt(i, j, k) != b.valueAt(i, j, k))
          QFAIL(qPrintable(QString("voxel %1,%2,%3: %4 vs %5").arg(i).arg(j).arg(k).arg(a.valueAt(i, j, k)).arg(b.valueAt(i, j, k))));
}

// Expects readImageFile(path) to throw core::Error whose message names the file.
void expectReadError(const fs::path& path, const char* why) {
  try {
    readImageFile(path);
  } catch (const Error& e) {
    const QString what = QString::fromUtf8(e.what());
    QVERIFY2(what.contains(QString::fromStdString(path.filename().string())), qPrintable(what));
    qInfo("%s -> %s", why, e.what());
    return;
  } catch (const std::exception& e) {
    QFAIL(qPrintable(QString("%1: wrong exception type: %2").arg(why, e.what())));
  }
  QFAIL(qPrintable(QString("%1: no exception").arg(why)));
}

// A hand-made NIfTI header for a small grid with an RAS sform (qform unset).
fw::test::NiftiHeader handHeader(std::array<std::int16_t, 4> size, std::int16_t datatype, std::int16_t bitpix) {
  fw::test::NiftiHeader h;
  h.dim = {static_cast<std::int16_t>(size[3] > 1 ? 4 : 3), size[0], size[1], size[2], std::max<std::int16_t>(size[3], 1), 1, 1, 1};
  h.datatype = datatype;
  h.bitpix = bitpix;
  h.pixdim = {1, 2.0f, 3.0f, 4.0f, 1.5f, 0, 0, 0};
  h.sclSlope = 1.0f;
  h.sformCode = 1;
  // RAS axes: i -> -x (right to left is +x in LPS), j -> +y, k -> +z, plus an offset.
  h.srowX = {-2.0f, 0, 0, 10.0f};
  h.srowY = {0, 3.0f, 0, -20.0f};
  h.srowZ = {0, 0, 4.0f, 30.0f};
  return h;
}

template <class T>
std::string bytesOf(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

}  // namespace

class ImageFileTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { fw::io::registerImageIOFactories(); }  // for itk::ImageFileWriter below
  void fileNames();
  void roundTrip_data();
  void roundTrip();
  void niftiSformIsRas();
  void handWrittenNiftiGeometry();
  void typeMapping_data();
  void typeMapping();
  void firstVolumeOf4d_data();
  void firstVolumeOf4d();
  void headerInfo();
  void progressAndCancel();
  void missingFile();
  void truncatedGzip();
  void truncatedRaw();
  void randomBytes();
  void absurdDimensions();
  void nonScalar();
  void atomicWrite();
  void writeErrors();
};

void ImageFileTest::fileNames() {
  QVERIFY(fw::io::isImageFileName("a/b.nii"));
  QVERIFY(fw::io::isImageFileName("a/b.NII.GZ"));
  QVERIFY(fw::io::isImageFileName("b.nrrd"));
  QVERIFY(fw::io::isImageFileName("b.nhdr"));
  QVERIFY(fw::io::isImageFileName("b.mha"));
  QVERIFY(fw::io::isImageFileName("b.mhd"));
  QVERIFY(!fw::io::isImageFileName("b.dcm"));
  QVERIFY(!fw::io::isImageFileName("b.gz"));
  QVERIFY(!fw::io::isImageFileName("folder"));
}

void ImageFileTest::roundTrip_data() {
  QTest::addColumn<QString>("ext");
  QTest::addColumn<int>("type");
  for (const char* ext : {".nii.gz", ".nii", ".nrrd", ".nhdr", ".mha", ".mhd"})
    for (PixelType t : {PixelType::Int16, PixelType::UInt16, PixelType::Float32})
      QTest::newRow(qPrintable(QString("%1 %2").arg(ext, pixelTypeName(t)))) << QString(ext) << int(t);
}

void ImageFileTest::roundTrip() {
  QFETCH(QString, ext);
  QFETCH(int, type);
  const auto dir = fw::test::scratchDir("io_roundtrip");
  const fs::path path = dir / ("volume" + ext.toStdString());
  const auto original = makeVolume(static_cast<PixelType>(type));
  writeImageFile(*original, path);
  const auto back = readImageFile(path);
  compareGeometry(back->geometry(), original->geometry(), 1e-5);
  compareValues(*back, *original);
  QCOMPARE(QString::fromStdString(back->name()), QString::fromStdString(path.filename().string()));
  QCOMPARE(back->modality(), Modality::Unknown);
}

void ImageFileTest::niftiSformIsRas() {
  const auto dir = fw::test::scratchDir("io_sform");
  const fs::path path = dir / "oblique.nii";
  const auto volume = makeVolume(PixelType::Int16);
  writeImageFile(*volume, path);
  const auto h = fw::test::parseNiftiHeader(path);
  const auto expected = rasAffine(volume->geometry());
  QVERIFY(h.sformCode > 0);
  QVERIFY(h.qformCode > 0);
  QCOMPARE(h.dim[0], std::int16_t(3));
  QCOMPARE(h.dim[1], std::int16_t(7));
  QCOMPARE(h.dim[2], std::int16_t(6));
  QCOMPARE(h.dim[3], std::int16_t(5));
  QCOMPARE(h.datatype, std::int16_t(4));  // DT_INT16
  const auto s = h.sform();
  const auto q = h.qform();
  for (int n = 0; n < 12; ++n) {
    QVERIFY2(std::abs(s[n] - expected[n]) < 1e-4, qPrintable(QString("sform[%1] %2 vs %3").arg(n).arg(s[n]).arg(expected[n])));
    QVERIFY2(std::abs(q[n] - expected[n]) < 1e-4, qPrintable(QString("qform[%1] %2 vs %3").arg(n).arg(q[n]).arg(expected[n])));
  }
  // And the first voxel's RAS position is the LPS origin with x and y negated.
  QVERIFY(std::abs(s[3] + 12.5) < 1e-4);
  QVERIFY(std::abs(s[7] - 30.25) < 1e-4);
  QVERIFY(std::abs(s[11] - 40.75) < 1e-4);
}

void ImageFileTest::handWrittenNiftiGeometry() {
  const auto dir = fw::test::scratchDir("io_hand");
  const fs::path path = dir / "hand.nii";
  auto h = handHeader({4, 3, 2, 1}, 4, 16);
  std::vector<std::int16_t> v(24);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::int16_t>(i * 3 - 7);
  fw::test::writeNifti(path, h, bytesOf(v));
  const auto vol = readImageFile(path);
  const auto expected = geometryFromRasAffine({4, 3, 2}, h.sform());
  compareGeometry(vol->geometry(), expected, 1e-5);
  // RAS (-2,0,0) per i is LPS (+2,0,0): the i axis points Left.
  QCOMPARE(QString::fromStdString(orientationCode(vol->geometry().direction())), QString("LAS"));
  QVERIFY(vol->geometry().origin() == (Vec3{-10, 20, 30}));
  QCOMPARE(vol->valueAt(3, 2, 1), double(v[23]));
}

void ImageFileTest::typeMapping_data() {
  QTest::addColumn<int>("datatype");
  QTest::addColumn<int>("expected");
  QTest::newRow("uint8 -> int16") << 2 << int(PixelType::Int16);
  QTest::newRow("int8 -> int16") << 256 << int(PixelType::Int16);
  QTest::newRow("int16 kept") << 4 << int(PixelType::Int16);
  QTest::newRow("uint16 kept") << 512 << int(PixelType::UInt16);
  QTest::newRow("int32 -> float32") << 8 << int(PixelType::Float32);
  QTest::newRow("uint32 -> float32") << 768 << int(PixelType::Float32);
  QTest::newRow("float32 kept") << 16 << int(PixelType::Float32);
  QTest::newRow("float64 -> float32") << 64 << int(PixelType::Float32);
}

void ImageFileTest::typeMapping() {
  QFETCH(int, datatype);
  QFETCH(int, expected);
  const auto dir = fw::test::scratchDir("io_types");
  const fs::path path = dir / "typed.nii";
  const std::size_t n = 24;
  const bool isSigned = datatype == 256 || datatype == 4 || datatype == 8 || datatype == 16 || datatype == 64;
  std::vector<double> values(n);
  for (std::size_t i = 0; i < n; ++i) values[i] = isSigned ? double(i) * 10 - 120.0 : double(i) * 11;
  std::string bytes;
  std::int16_t bitpix = 0;
  auto pack = [&](auto tag) {
    using T = decltype(tag);
    std::vector<T> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<T>(values[i]);
    bytes = bytesOf(v);
    bitpix = static_cast<std::int16_t>(8 * sizeof(T));
  };
  switch (datatype) {
    case 2: pack(std::uint8_t{}); break;
    case 256: pack(std::int8_t{}); break;
    case 4: pack(std::int16_t{}); break;
    case 512: pack(std::uint16_t{}); break;
    case 8: pack(std::int32_t{}); break;
    case 768: pack(std::uint32_t{}); break;
    case 16: pack(float{}); break;
    case 64: pack(double{}); break;
  }
  fw::test::writeNifti(path, handHeader({4, 3, 2, 1}, static_cast<std::int16_t>(datatype), bitpix), bytes);
  const auto vol = readImageFile(path);
  QCOMPARE(int(vol->pixelType()), expected);
  for (std::size_t i = 0; i < n; ++i) QCOMPARE(vol->valueAt(i % 4, (i / 4) % 3, i / 12), values[i]);
  if (datatype == 2) {
    QCOMPARE(vol->valueRange().second, 253.0);  // unsigned, not wrapped to negative
    QCOMPARE(QString::fromStdString(readImageInfo(path).componentType), QString("uint8"));
  }
}

void ImageFileTest::firstVolumeOf4d_data() {
  QTest::addColumn<QString>("ext");
  for (const char* ext : {".nii.gz", ".nii", ".nrrd", ".mha", ".mhd"}) QTest::newRow(ext) << QString(ext);
}

void ImageFileTest::firstVolumeOf4d() {
  QFETCH(QString, ext);
  using Image4 = itk::Image<std::int16_t, 4>;
  auto img = Image4::New();
  Image4::RegionType region;
  region.SetSize({{5, 4, 3, 6}});
  img->SetRegions(region);
  Image4::SpacingType sp;
  sp[0] = 0.5; sp[1] = 1.5; sp[2] = 2.0; sp[3] = 3.0;
  img->SetSpacing(sp);
  Image4::PointType o;
  o[0] = -4.5; o[1] = 8.25; o[2] = 16.0; o[3] = 0;
  img->SetOrigin(o);
  const Mat3 r = Mat3::rotation({0, 0, 1}, 0.3);
  Image4::DirectionType d;
  d.SetIdentity();
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) d(a, b) = r(a, b);
  img->SetDirection(d);
  img->Allocate();
  for (std::size_t i = 0; i < 5 * 4 * 3 * 6; ++i) img->GetBufferPointer()[i] = static_cast<std::int16_t>(i * 7 - 500);

  const auto dir = fw::test::scratchDir("io_4d");
  const fs::path path = dir / ("series" + ext.toStdString());
  auto writer = itk::ImageFileWriter<Image4>::New();
  writer->SetFileName(path.string());
  writer->SetInput(img);
  writer->Update();

  const auto info = readImageInfo(path);
  QCOMPARE(info.dimensions, 4u);
  QCOMPARE(info.size, (std::vector<std::size_t>{5, 4, 3, 6}));
  QCOMPARE(info.componentType, std::string("int16"));
  const auto vol = readImageFile(path);
  const ImageGeometry expected({5, 4, 3}, {0.5, 1.5, 2.0}, {-4.5, 8.25, 16.0}, r);
  compareGeometry(vol->geometry(), expected, 1e-5);
  for (std::size_t i = 0; i < 5 * 4 * 3; ++i) QCOMPARE(vol->valueAt(i % 5, (i / 5) % 4, i / 20), double(i * 7) - 500);
  QCOMPARE(vol->valueRange().second, double(59 * 7 - 500));  // nothing of the second volume

  // readImageSeries: every volume, each on the 3D grid, in file order.
  const auto series = fw::io::readImageSeries(path);
  QCOMPARE(series.volumes.size(), std::size_t(6));
  for (std::size_t t = 0; t < 6; ++t) {
    compareGeometry(series.volumes[t]->geometry(), expected, 1e-5);
    for (std::size_t i = 0; i < 5 * 4 * 3; i += 7)
      QCOMPARE(series.volumes[t]->valueAt(i % 5, (i / 5) % 4, i / 20), double((i + 60 * t) * 7) - 500);
  }
  QVERIFY(series.bValues.empty());
  QVERIFY(series.warnings.empty());
  // The 4th spacing is a time only for NIfTI (pixdim[4]); NRRD/MetaImage say nothing.
  if (ext.startsWith(".nii")) {
    QVERIFY(series.volumeSpacing);
    QCOMPARE(*series.volumeSpacing, 3.0);
  } else {
    QVERIFY(!series.volumeSpacing);
  }
}

void ImageFileTest::headerInfo() {
  const auto dir = fw::test::scratchDir("io_info");
  const fs::path path = dir / "v.nrrd";
  const auto volume = makeVolume(PixelType::UInt16);
  writeImageFile(*volume, path);
  const auto info = readImageInfo(path);
  QCOMPARE(info.format, std::string("NRRD"));
  QCOMPARE(info.dimensions, 3u);
  QCOMPARE(info.size, (std::vector<std::size_t>{7, 6, 5}));
  QCOMPARE(info.componentType, std::string("uint16"));
  QCOMPARE(info.components, 1u);
  QCOMPARE(info.path, path);
  for (int i = 0; i < 3; ++i) {
    QVERIFY(std::abs(info.spacing[i] - volume->geometry().spacing()[i]) < 1e-9);
    QVERIFY(std::abs(info.origin[i] - volume->geometry().origin()[i]) < 1e-9);
  }
  QCOMPARE(QString::fromStdString(readImageInfo(dir / "v.nrrd").format), QString("NRRD"));
  writeImageFile(*volume, dir / "v.mha");
  QCOMPARE(readImageInfo(dir / "v.mha").format, std::string("MetaImage"));
  writeImageFile(*volume, dir / "v.nii.gz");
  QCOMPARE(readImageInfo(dir / "v.nii.gz").format, std::string("NIfTI"));
}

void ImageFileTest::progressAndCancel() {
  const auto dir = fw::test::scratchDir("io_progress");
  const fs::path path = dir / "v.nii.gz";
  writeImageFile(*makeVolume(PixelType::Float32), path);
  JobControl job;
  readImageFile(path, job);
  QCOMPARE(job.snapshot().fraction, 1.0);
  JobControl cancelled;
  cancelled.requestCancel();
  QVERIFY_THROWS_EXCEPTION(Cancelled, readImageFile(path, cancelled));
}

void ImageFileTest::missingFile() {
  const auto dir = fw::test::scratchDir("io_missing");
  expectReadError(dir / "no_such_file.nii.gz", "missing file");
  QVERIFY_THROWS_EXCEPTION(Error, readImageInfo(dir / "no_such_file.nrrd"));
  std::ofstream(dir / "unknown_format.xyz") << "some text";
  expectReadError(dir / "unknown_format.xyz", "unknown extension");
}

void ImageFileTest::truncatedGzip() {
  const auto dir = fw::test::scratchDir("io_truncated");
  const fs::path path = dir / "truncated_volume.nii.gz";
  const ImageGeometry g({40, 40, 40}, {1, 1, 1}, {}, Mat3::identity());
  auto img = allocateImage<ImageF32>(g);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1000, 1000);
  for (std::size_t i = 0; i < g.voxelCount(); ++i) img->GetBufferPointer()[i] = dist(rng);
  writeImageFile(Volume(img), path);
  fs::resize_file(path, fs::file_size(path) / 2);
  expectReadError(path, "truncated .nii.gz");
  fs::resize_file(path, 100);  // not even a whole header
  expectReadError(path, "truncated .nii.gz header");
  for (const char* name : {"truncated.nrrd", "truncated.mha"}) {  // compressed by writeImageFile
    writeImageFile(Volume(img), dir / name);
    fs::resize_file(dir / name, fs::file_size(dir / name) * 2 / 3);
    expectReadError(dir / name, name);
  }
}

void ImageFileTest::truncatedRaw() {
  const auto dir = fw::test::scratchDir("io_truncated_raw");
  for (const char* name : {"cut.nii", "cut.nrrd", "cut.mha"}) {
    const fs::path path = dir / name;
    const ImageGeometry g({30, 30, 30}, {1, 1, 1}, {}, Mat3::identity());
    auto img = allocateImage<ImageI16>(g);
    // Uncompressed, then cut: written through ITK directly (we compress NRRD and MetaImage).
    auto writer = itk::ImageFileWriter<ImageI16>::New();
    writer->SetFileName(path.string());
    writer->SetInput(img);
    writer->SetUseCompression(false);
    writer->Update();
    fs::resize_file(path, fs::file_size(path) - 1000);
    expectReadError(path, name);
  }
}

void ImageFileTest::randomBytes() {
  const auto dir = fw::test::scratchDir("io_random");
  std::mt19937 rng(42);
  for (const char* name : {"random_bytes.nii", "random_bytes.nii.gz", "random_bytes.nrrd", "random_bytes.mha"}) {
    const fs::path path = dir / name;
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 4096; ++i) out.put(static_cast<char>(rng() & 0xff));
    out.close();
    expectReadError(path, name);
  }
}

void ImageFileTest::absurdDimensions() {
  const auto dir = fw::test::scratchDir("io_absurd");
  {
    // NIfTI-2 (64-bit dims): 60000 x 60000 x 60000 voxels in a 1 KB file. (ITK 5.2 reads no
    // NIfTI-2 at all, so this is refused before its size is looked at.)
    std::string b(544, '\0');
    fw::test::setNiftiField<std::int32_t>(b, 0, 540);
    std::memcpy(b.data() + 4, "n+2\0\r\n\032\n", 8);
    fw::test::setNiftiField<std::int16_t>(b, 12, 4);   // datatype int16
    fw::test::setNiftiField<std::int16_t>(b, 14, 16);  // bitpix
    const std::int64_t dims[8] = {3, 60000, 60000, 60000, 1, 1, 1, 1};
    for (int i = 0; i < 8; ++i) fw::test::setNiftiField<std::int64_t>(b, 16 + 8 * i, dims[i]);
    for (int i = 0; i < 8; ++i) fw::test::setNiftiField<double>(b, 104 + 8 * i, 1.0);
    fw::test::setNiftiField<std::int64_t>(b, 168, 544);  // vox_offset
    fw::test::setNiftiField<double>(b, 176, 1.0);        // scl_slope
    std::ofstream(dir / "huge_nifti2.nii", std::ios::binary).write(b.data(), static_cast<std::streamsize>(b.size()));
    expectReadError(dir / "huge_nifti2.nii", "NIfTI-2 60000^3");
  }
  {
    // NIfTI-1 dims are 16-bit: 30000^3 is the largest claim it can make; compressed too.
    auto h = handHeader({30000, 30000, 30000, 1}, 4, 16);
    fw::test::writeNifti(dir / "huge.nii", h, std::string(1024, '\0'));
    expectReadError(dir / "huge.nii", "NIfTI-1 30000^3");
  }
  {
    std::ofstream(dir / "huge.nrrd") << "NRRD0004\ntype: short\ndimension: 3\nsizes: 60000 60000 60000\n"
                                        "encoding: gzip\nendian: little\n\n" << std::string(1000, 'x');
    expectReadError(dir / "huge.nrrd", "NRRD 60000^3 gzip");
    std::ofstream(dir / "huge.mha") << "ObjectType = Image\nNDims = 3\nDimSize = 60000 60000 60000\n"
                                       "ElementType = MET_SHORT\nElementDataFile = LOCAL\n" << std::string(1000, 'x');
    expectReadError(dir / "huge.mha", "MetaImage 60000^3");
  }
}

void ImageFileTest::nonScalar() {
  const auto dir = fw::test::scratchDir("io_rgb");
  auto h = handHeader({4, 3, 2, 1}, 128, 24);  // DT_RGB24
  fw::test::writeNifti(dir / "colour.nii", h, std::string(24 * 3, '\x40'));
  expectReadError(dir / "colour.nii", "RGB");
  QCOMPARE(readImageInfo(dir / "colour.nii").components, 3u);
}

void ImageFileTest::atomicWrite() {
  const auto dir = fw::test::scratchDir("io_atomic");
  const auto a = makeVolume(PixelType::Int16);
  const auto b = makeVolume(PixelType::Float32);
  auto listing = [&] {
    QStringList names;
    for (const auto& e : fs::directory_iterator(dir)) names << QString::fromStdString(e.path().filename().string());
    names.sort();
    return names;
  };
  writeImageFile(*a, dir / "out.nii.gz");
  QCOMPARE(listing(), QStringList{"out.nii.gz"});
  writeImageFile(*b, dir / "out.nii.gz");  // replaces the old file
  QCOMPARE(listing(), QStringList{"out.nii.gz"});
  QCOMPARE(readImageFile(dir / "out.nii.gz")->pixelType(), PixelType::Float32);
  writeImageFile(*a, dir / "out.mhd");  // header + data file
  const QStringList names = listing();
  QCOMPARE(names.size(), 3);
  QVERIFY(names.contains("out.mhd"));
  for (const auto& n : names) QVERIFY2(!n.startsWith('.'), qPrintable(n));
  compareValues(*readImageFile(dir / "out.mhd"), *a);
}

void ImageFileTest::writeErrors() {
  const auto dir = fw::test::scratchDir("io_write_errors");
  const auto a = makeVolume(PixelType::Int16);
  QVERIFY_THROWS_EXCEPTION(Error, writeImageFile(*a, dir / "out.xyz"));
  QVERIFY_THROWS_EXCEPTION(Error, writeImageFile(*a, dir / "no_folder" / "out.nii"));
  fs::create_directory(dir / "taken.nii");
  QVERIFY_THROWS_EXCEPTION(Error, writeImageFile(*a, dir / "taken.nii"));
  fs::remove(dir / "taken.nii");
  QVERIFY(fs::is_empty(dir));
}

QTEST_GUILESS_MAIN(ImageFileTest)
#include "ImageFileTest.moc"
