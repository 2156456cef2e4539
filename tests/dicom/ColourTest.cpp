// Colour DICOM series (issue 3): RGB with planar configuration 0 and 1, YBR_FULL, palette
// colour, and compressed colour (JPEG lossless and baseline, JPEG-LS, RLE through Debian's
// dcmcjpeg/dcmcjpls/dcmcrle; JPEG 2000 RGB, YBR_RCT, YBR_ICT, YBR_FULL and HTJ2K through
// opj_compress/ojph_compress and our encapsulation) load as three channel volumes (red, green, blue; UInt16 0..255)
// marked ColourModel::Rgb, on the written grid, with the written colours; the scan marks the
// series Rgb; the thumbnail is the luminance; NIfTI RGB24 holds R G B interleaved in dcm2niix's
// voxel order. The colour series are made here: a greyscale series written by writeSeries gives
// the geometry, DCMTK replaces its pixels with colour.
#include <QtTest>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcuid.h>

#include "DicomTestUtil.h"
#include "ExternalTools.h"
#include "TestData.h"
#include "fw/core/Error.h"
#include "fw/dicom/Scan.h"
#include "fw/dicom/SeriesReader.h"
#include "fw/io/Nifti.h"

using namespace fw;
namespace fs = std::filesystem;

namespace {

using Rgb = std::array<int, 3>;

// Smooth colours (so lossy JPEG stays close), different in every channel and along every axis.
Rgb colourAt(std::size_t i, std::size_t j, std::size_t k) {
  const int x = static_cast<int>(i), y = static_cast<int>(j), z = static_cast<int>(k);
  return {10 * x + 3 * z, 8 * y + 2 * z, 120 + 4 * x - 3 * y + z};
}

// Palette: index -> colour through 16-bit lookup tables.
int paletteIndex(std::size_t i, std::size_t j, std::size_t k) { return static_cast<int>((i + 3 * j + 7 * k) % 256); }
Rgb paletteColour(int index) { return {index, 255 - index, (index * 7) % 256}; }

enum class Kind { RgbPlanar0, RgbPlanar1, YbrFull, Palette };

std::uint8_t clampByte(double v) { return static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L)); }

// YBR_FULL bytes of a colour (DICOM PS3.3 C.7.6.3.1.2), and the colour those bytes stand for.
std::array<std::uint8_t, 3> ybrOf(const Rgb& rgb) {
  const double r = rgb[0], g = rgb[1], b = rgb[2];
  return {clampByte(0.299 * r + 0.587 * g + 0.114 * b), clampByte(-0.168736 * r - 0.331264 * g + 0.5 * b + 128),
          clampByte(0.5 * r - 0.418688 * g - 0.081312 * b + 128)};
}
Rgb rgbOfYbr(const std::array<std::uint8_t, 3>& ybr) {
  const double y = ybr[0], cb = ybr[1] - 128.0, cr = ybr[2] - 128.0;
  return {clampByte(y + 1.402 * cr), clampByte(y - 0.344136 * cb - 0.714136 * cr), clampByte(y + 1.772 * cb)};
}

// Rewrites every file of a written greyscale series as colour of the given kind, into `out`.
void makeColourSeries(const test::WrittenSeries& grey, Kind kind, const fs::path& out, int seriesNumber) {
  fs::create_directories(out);
  char seriesUid[100];
  dcmGenerateUniqueIdentifier(seriesUid, SITE_SERIES_UID_ROOT);
  const auto& g = grey.volumes.front()->geometry();
  const std::size_t nx = g.size()[0], ny = g.size()[1];
  for (std::size_t f = 0; f < grey.files.size(); ++f) {
    DcmFileFormat ff;
    QVERIFY(ff.loadFile(grey.files[f].c_str()).good());
    DcmDataset& ds = *ff.getDataset();
    // The file's slice index along the grid: writeSeries writes slice k to file k.
    const std::size_t k = f;
    ds.findAndDeleteElement(DCM_RescaleSlope);
    ds.findAndDeleteElement(DCM_RescaleIntercept);
    ds.findAndDeleteElement(DCM_RescaleType);
    ds.findAndDeleteElement(DCM_WindowCenter);
    ds.findAndDeleteElement(DCM_WindowWidth);
    ds.findAndDeleteElement(DCM_SmallestImagePixelValue);
    ds.findAndDeleteElement(DCM_LargestImagePixelValue);
    ds.putAndInsertString(DCM_SeriesInstanceUID, seriesUid);
    ds.putAndInsertString(DCM_SeriesNumber, std::to_string(seriesNumber).c_str());
    char sopUid[100];
    dcmGenerateUniqueIdentifier(sopUid, SITE_INSTANCE_UID_ROOT);
    ds.putAndInsertString(DCM_SOPInstanceUID, sopUid);
    ff.getMetaInfo()->putAndInsertString(DCM_MediaStorageSOPInstanceUID, sopUid);
    ds.putAndInsertUint16(DCM_BitsAllocated, 8);
    ds.putAndInsertUint16(DCM_BitsStored, 8);
    ds.putAndInsertUint16(DCM_HighBit, 7);
    ds.putAndInsertUint16(DCM_PixelRepresentation, 0);
    std::vector<std::uint8_t> pixels;
    if (kind == Kind::Palette) {
      ds.putAndInsertUint16(DCM_SamplesPerPixel, 1);
      ds.putAndInsertString(DCM_PhotometricInterpretation, "PALETTE COLOR");
      const Uint16 descriptor[3] = {256, 0, 16};
      std::array<std::vector<Uint16>, 3> lut;
      for (int c = 0; c < 3; ++c)
        for (int x = 0; x < 256; ++x) lut[c].push_back(static_cast<Uint16>(paletteColour(x)[c] * 257));
      const DcmTagKey descriptors[3] = {DCM_RedPaletteColorLookupTableDescriptor,
                                        DCM_GreenPaletteColorLookupTableDescriptor,
                                        DCM_BluePaletteColorLookupTableDescriptor};
      const DcmTagKey data[3] = {DCM_RedPaletteColorLookupTableData, DCM_GreenPaletteColorLookupTableData,
                                 DCM_BluePaletteColorLookupTableData};
      for (int c = 0; c < 3; ++c) {
        QVERIFY(ds.putAndInsertUint16Array(descriptors[c], descriptor, 3).good());
        QVERIFY(ds.putAndInsertUint16Array(data[c], lut[static_cast<std::size_t>(c)].data(), 256).good());
      }
      for (std::size_t j = 0; j < ny; ++j)
        for (std::size_t i = 0; i < nx; ++i) pixels.push_back(static_cast<std::uint8_t>(paletteIndex(i, j, k)));
    } else {
      ds.putAndInsertUint16(DCM_SamplesPerPixel, 3);
      ds.putAndInsertString(DCM_PhotometricInterpretation, kind == Kind::YbrFull ? "YBR_FULL" : "RGB");
      const bool planar = kind == Kind::RgbPlanar1;
      ds.putAndInsertUint16(DCM_PlanarConfiguration, planar ? 1 : 0);
      pixels.resize(nx * ny * 3);
      for (std::size_t j = 0; j < ny; ++j)
        for (std::size_t i = 0; i < nx; ++i) {
          const Rgb rgb = colourAt(i, j, k);
          std::array<std::uint8_t, 3> s{};
          if (kind == Kind::YbrFull) {
            s = ybrOf(rgb);
          } else {
            s = {static_cast<std::uint8_t>(rgb[0]), static_cast<std::uint8_t>(rgb[1]),
                 static_cast<std::uint8_t>(rgb[2])};
          }
          const std::size_t p = j * nx + i;
          for (std::size_t c = 0; c < 3; ++c) pixels[planar ? c * nx * ny + p : 3 * p + c] = s[c];
        }
    }
    QVERIFY(ds.putAndInsertUint8Array(DCM_PixelData, pixels.data(), static_cast<unsigned long>(pixels.size())).good());
    const fs::path file = out / grey.files[f].filename();
    QVERIFY(ff.saveFile(file.c_str(), EXS_LittleEndianExplicit).good());
  }
}

// Largest and mean |difference| of a loaded colour series to the expected colours.
// JPEG 2000 colour: a codestream per file of an uncompressed colour series (`from`, RGB or
// YBR_FULL, either planar configuration), encapsulated as `uid` with Photometric
// Interpretation `photometric`. opj_compress (Part 1): `mct` asks for its colour transform (RCT
// when lossless, ICT when lossy), else the components are coded as stored. ojph_compress
// (HTJ2K, uid .201): always with its colour transform (RCT). DCMTK 3.6.7 does not know the
// HTJ2K UIDs, so the meta header is written by hand for those.
struct J2kColour {
  std::string uid;
  std::string photometric;
  bool mct = true;
  bool lossy = false;
};

void makeJ2kColourSeries(const fs::path& from, const fs::path& out, const fs::path& scratch, const J2kColour& how) {
  fs::create_directories(out);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(from)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  const bool ht = how.uid.rfind("1.2.840.10008.1.2.4.20", 0) == 0;
  for (const auto& file : files) {
    DcmFileFormat ff;
    QVERIFY(ff.loadFile(file.c_str()).good());
    DcmDataset& ds = *ff.getDataset();
    Uint16 rows = 0, cols = 0, planar = 0;
    QVERIFY(ds.findAndGetUint16(DCM_Rows, rows).good() && ds.findAndGetUint16(DCM_Columns, cols).good());
    ds.findAndGetUint16(DCM_PlanarConfiguration, planar);
    const Uint8* stored = nullptr;
    QVERIFY(ds.findAndGetUint8Array(DCM_PixelData, stored).good() && stored);
    const std::size_t n = std::size_t(rows) * cols;
    // Samples as planes (opj_compress raw input) and interleaved (ojph_compress PPM input).
    std::vector<std::uint8_t> planes(3 * n), interleaved(3 * n);
    for (std::size_t p = 0; p < n; ++p)
      for (std::size_t c = 0; c < 3; ++c) {
        const std::uint8_t v = stored[planar ? c * n + p : 3 * p + c];
        planes[c * n + p] = v;
        interleaved[3 * p + c] = v;
      }
    const fs::path j2c = scratch / "colour.j2c";
    fs::remove(j2c);
    test::ToolResult r;
    if (ht) {
      const fs::path ppm = scratch / "colour.ppm";
      {
        std::ofstream o(ppm, std::ios::binary);
        o << "P6\n" << cols << " " << rows << "\n255\n";
        o.write(reinterpret_cast<const char*>(interleaved.data()), static_cast<std::streamsize>(interleaved.size()));
      }
      r = test::runTool(test::requireTool("ojph_compress"),
                        {"-i", QString::fromStdString(ppm.string()), "-o", QString::fromStdString(j2c.string()),
                         "-num_decomps", "3", "-reversible", "true", "-colour_trans", how.mct ? "true" : "false"});
    } else {
      const fs::path raw = scratch / "colour.raw";
      {
        std::ofstream o(raw, std::ios::binary);
        o.write(reinterpret_cast<const char*>(planes.data()), static_cast<std::streamsize>(planes.size()));
      }
      QStringList args{"-i", QString::fromStdString(raw.string()), "-o", QString::fromStdString(j2c.string()), "-F",
                       QString("%1,%2,3,8,u").arg(cols).arg(rows), "-n", "3", "-mct", how.mct ? "1" : "0"};
      if (how.lossy) args << "-I" << "-r" << "5";
      r = test::runTool(test::requireTool("opj_compress"), args);
    }
    QVERIFY2(r.exitCode == 0 && fs::exists(j2c), qPrintable(r.output));
    std::ifstream in(j2c, std::ios::binary);
    std::vector<std::uint8_t> stream{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (stream.size() % 2) stream.push_back(0);

    ds.findAndDeleteElement(DCM_PixelData);
    ds.putAndInsertString(DCM_PhotometricInterpretation, how.photometric.c_str());
    ds.putAndInsertUint16(DCM_PlanarConfiguration, 0);
    if (how.lossy) ds.putAndInsertString(DCM_LossyImageCompression, "01");
    auto* seq = new DcmPixelSequence(DcmTag(DCM_PixelData, EVR_OB));
    seq->insert(new DcmPixelItem(DcmTag(DCM_Item, EVR_OB)));  // empty Basic Offset Table
    auto* item = new DcmPixelItem(DcmTag(DCM_Item, EVR_OB));
    QVERIFY(item->putUint8Array(stream.data(), static_cast<Uint32>(stream.size())).good());
    seq->insert(item);
    const E_TransferSyntax xfer = how.lossy ? EXS_JPEG2000 : EXS_JPEG2000LosslessOnly;
    auto* pixel = new DcmPixelData(DCM_PixelData);
    pixel->putOriginalRepresentation(xfer, nullptr, seq);
    ds.insert(pixel, true);
    const fs::path target = out / file.filename();
    if (ht) {
      ff.getMetaInfo()->putAndInsertString(DCM_TransferSyntaxUID, how.uid.c_str());
      QVERIFY(ff.saveFile(target.c_str(), xfer, EET_ExplicitLength, EGL_recalcGL, EPD_noChange, 0, 0, EWM_dontUpdateMeta)
                  .good());
    } else {
      QVERIFY(ff.saveFile(target.c_str(), xfer).good());
    }
  }
}

struct Difference {
  int worst = 0;
  double mean = 0;
};

template <class Expected>
Difference compare(const dicom::LoadedSeries& loaded, const core::ImageGeometry& g, Expected expected) {
  Difference d;
  std::size_t count = 0;
  for (std::size_t c = 0; c < 3; ++c) {
    const auto& v = *loaded.volumes[c];
    const auto* p = std::get<core::ImageU16::Pointer>(v.image())->GetBufferPointer();
    for (std::size_t k = 0; k < g.size()[2]; ++k)
      for (std::size_t j = 0; j < g.size()[1]; ++j)
        for (std::size_t i = 0; i < g.size()[0]; ++i) {
          const int e = expected(i, j, k)[c];
          const int got = p[i + g.size()[0] * (j + g.size()[1] * k)];
          d.worst = std::max(d.worst, std::abs(got - e));
          d.mean += std::abs(got - e);
          ++count;
        }
  }
  d.mean /= double(count);
  return d;
}

}  // namespace

class ColourTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase();
  void loads_data();
  void loads();
  void thumbnailIsLuminance();
  void singleVolumeApi();
  void niftiRgb24();

 private:
  dicom::SeriesEntry scanOne(const fs::path& folder);
  fs::path m_root;
  test::WrittenSeries m_grey;
  std::map<std::string, fs::path> m_folders;
};

void ColourTest::initTestCase() {
  m_root = test::scratchDir("dicom_colour");
  m_grey = test::writeMrSeries(m_root / "grey");
  QCOMPARE(m_grey.files.size(), m_grey.volumes.front()->geometry().size()[2]);
  makeColourSeries(m_grey, Kind::RgbPlanar0, m_root / "rgb-planar0", 10);
  makeColourSeries(m_grey, Kind::RgbPlanar1, m_root / "rgb-planar1", 11);
  makeColourSeries(m_grey, Kind::YbrFull, m_root / "ybr-full", 12);
  makeColourSeries(m_grey, Kind::Palette, m_root / "palette", 13);
  for (const char* name : {"rgb-planar0", "rgb-planar1", "ybr-full", "palette"}) m_folders[name] = m_root / name;
  // Compressed: file by file with Debian's DCMTK tools.
  const struct {
    const char* name;
    const char* tool;
    QStringList args;
  } codecs[] = {{"jpeg-lossless", "dcmcjpeg", {"+e1"}},
                {"jpeg-baseline", "dcmcjpeg", {"+eb", "+q", "95"}},
                {"jpegls", "dcmcjpls", {}},
                {"rle", "dcmcrle", {}}};
  for (const auto& c : codecs) {
    const QString tool = test::requireTool(c.tool);
    const fs::path out = m_root / c.name;
    fs::create_directories(out);
    for (const auto& e : fs::directory_iterator(m_root / "rgb-planar0")) {
      const auto r = test::runTool(tool, c.args + QStringList{QString::fromStdString(e.path().string()),
                                                              QString::fromStdString((out / e.path().filename()).string())});
      QVERIFY2(r.exitCode == 0, qPrintable(QString(c.tool) + ": " + r.output));
    }
    m_folders[c.name] = out;
  }
  // JPEG 2000 and HTJ2K colour, written with OpenJPEG's and OpenJPH's encoders.
  const fs::path j2kScratch = m_root / "j2k-scratch";
  fs::create_directories(j2kScratch);
  const struct {
    const char* name;
    const char* from;
    J2kColour how;
  } j2k[] = {{"j2k-rgb", "rgb-planar1", {"1.2.840.10008.1.2.4.90", "RGB", false, false}},
             {"j2k-rct", "rgb-planar0", {"1.2.840.10008.1.2.4.90", "YBR_RCT", true, false}},
             {"j2k-ict", "rgb-planar0", {"1.2.840.10008.1.2.4.91", "YBR_ICT", true, true}},
             {"j2k-ybr-full", "ybr-full", {"1.2.840.10008.1.2.4.90", "YBR_FULL", false, false}},
             {"htj2k-rct", "rgb-planar0", {"1.2.840.10008.1.2.4.201", "YBR_RCT", true, false}}};
  for (const auto& c : j2k) {
    makeJ2kColourSeries(m_root / c.from, m_root / c.name, j2kScratch, c.how);
    m_folders[c.name] = m_root / c.name;
  }
}

dicom::SeriesEntry ColourTest::scanOne(const fs::path& folder) {
  const auto result = dicom::scan(folder, core::NullProgress::instance());
  if (result.series.size() != 1) throw std::runtime_error("expected one series in " + folder.string());
  return result.series.front();
}

void ColourTest::loads_data() {
  QTest::addColumn<QString>("folder");
  QTest::addColumn<int>("maxError");    // per channel, 0..255
  QTest::addColumn<double>("meanError");
  QTest::newRow("RGB planar 0") << "rgb-planar0" << 0 << 0.0;
  QTest::newRow("RGB planar 1") << "rgb-planar1" << 0 << 0.0;
  // Compared with the exact inverse of the stored YCbCr bytes: DCMTK's integer conversion
  // differs by up to two steps (measured: max 2, mean 0.67). A missed conversion is off by tens.
  QTest::newRow("YBR_FULL") << "ybr-full" << 2 << 1.0;
  QTest::newRow("palette colour") << "palette" << 0 << 0.0;
  QTest::newRow("JPEG lossless") << "jpeg-lossless" << 0 << 0.0;
  QTest::newRow("JPEG-LS lossless") << "jpegls" << 0 << 0.0;
  QTest::newRow("RLE") << "rle" << 0 << 0.0;
  // Lossy YBR_FULL_422 at quality 95: measured max 6, mean 0.74 on these colours.
  QTest::newRow("JPEG baseline (YBR_FULL_422)") << "jpeg-baseline" << 12 << 1.5;
  // JPEG 2000 (OpenJPEG): lossless RGB without and with the codestream's reversible colour
  // transform, YBR_FULL samples coded as stored (converted by us: within one step of the exact
  // inverse), and HTJ2K with RCT; lossy ICT at 5:1 (measured max 3, mean 0.55).
  QTest::newRow("JPEG 2000 RGB") << "j2k-rgb" << 0 << 0.0;
  QTest::newRow("JPEG 2000 YBR_RCT") << "j2k-rct" << 0 << 0.0;
  QTest::newRow("JPEG 2000 YBR_FULL") << "j2k-ybr-full" << 1 << 0.5;
  QTest::newRow("JPEG 2000 lossy YBR_ICT") << "j2k-ict" << 8 << 1.5;
  QTest::newRow("HTJ2K YBR_RCT") << "htj2k-rct" << 0 << 0.0;
}

void ColourTest::loads() {
  QFETCH(QString, folder);
  QFETCH(int, maxError);
  QFETCH(double, meanError);
  const auto entry = scanOne(m_folders.at(folder.toStdString()));
  QCOMPARE(int(entry.colour), int(dicom::ColourModel::Rgb));
  QCOMPARE(int(entry.kind), int(dicom::SeriesKind::Image));
  QCOMPARE(entry.volumeCount, std::size_t(1));
  QVERIFY(entry.geometry);
  const auto& g = m_grey.volumes.front()->geometry();
  QCOMPARE(entry.geometry->size(), g.size());

  const auto loaded = dicom::loadSeries(entry, core::NullProgress::instance());
  QCOMPARE(int(loaded.colour), int(dicom::ColourModel::Rgb));
  QCOMPARE(loaded.volumes.size(), std::size_t(3));
  QCOMPARE(loaded.meta.size(), std::size_t(1));
  const char* names[3] = {"(red)", "(green)", "(blue)"};
  for (std::size_t c = 0; c < 3; ++c) {
    const auto& v = *loaded.volumes[c];
    QCOMPARE(int(v.pixelType()), int(core::PixelType::UInt16));
    QVERIFY2(v.name().size() > 6 && v.name().find(names[c]) == v.name().size() - std::strlen(names[c]),
             v.name().c_str());
    QVERIFY(core::norm(v.geometry().origin() - g.origin()) < 1e-3);
    QVERIFY(core::norm(v.geometry().spacing() - g.spacing()) < 1e-4);
    for (int a = 0; a < 3; ++a)
      QVERIFY(core::norm(v.geometry().direction().column(a) - g.direction().column(a)) < 1e-4);
  }
  Difference d;
  if (folder == "palette")
    d = compare(loaded, g, [](std::size_t i, std::size_t j, std::size_t k) { return paletteColour(paletteIndex(i, j, k)); });
  else if (folder == "ybr-full" || folder == "j2k-ybr-full")  // the colour the stored YCbCr bytes stand for
    d = compare(loaded, g, [](std::size_t i, std::size_t j, std::size_t k) { return rgbOfYbr(ybrOf(colourAt(i, j, k))); });
  else
    d = compare(loaded, g, colourAt);
  qInfo("%s: max |error| %d, mean %.3f", qPrintable(folder), d.worst, d.mean);
  QVERIFY2(d.worst <= maxError, qPrintable(QString("max error %1 > %2").arg(d.worst).arg(maxError)));
  QVERIFY2(d.mean <= meanError, qPrintable(QString("mean error %1 > %2").arg(d.mean).arg(meanError)));
}

void ColourTest::thumbnailIsLuminance() {
  const auto entry = scanOne(m_folders.at("rgb-planar0"));
  const auto t = dicom::makeThumbnail(entry, 1000);  // no downscaling: one thumbnail pixel per image pixel
  const auto& g = m_grey.volumes.front()->geometry();
  QCOMPARE(std::size_t(t.width), g.size()[0]);
  QCOMPARE(std::size_t(t.height), g.size()[1]);
  // The thumbnail is windowed, so compare the order of brightness: luminance rises with i here
  // (10 R + 4 B per column) and the darkest and brightest pixels are where luminance says.
  const std::size_t k = g.size()[2] / 2;
  auto luminance = [&](std::size_t i, std::size_t j) {
    const Rgb c = colourAt(i, j, k);
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
  };
  const std::size_t w = g.size()[0], h = g.size()[1];
  QVERIFY(t.grey[0] < t.grey[w - 1]);
  for (std::size_t j = 0; j < h; ++j)
    for (std::size_t i = 0; i + 1 < w; ++i)
      if (luminance(i + 1, j) > luminance(i, j) + 2) QVERIFY(t.grey[j * w + i + 1] >= t.grey[j * w + i]);
}

// loadSeriesVolumeChannels(i) gives all three channels of a colour series (as loadSeries), and
// loadSeriesVolume(i) its luminance, not the red channel alone.
void ColourTest::singleVolumeApi() {
  const auto entry = scanOne(m_folders.at("rgb-planar0"));
  const auto& g = m_grey.volumes.front()->geometry();
  std::vector<std::string> warnings;
  const auto channels = dicom::loadSeriesVolumeChannels(entry, core::NullProgress::instance(), 0, warnings);
  QCOMPARE(channels.size(), std::size_t(3));
  dicom::LoadedSeries asLoaded;
  asLoaded.volumes = channels;
  const Difference d = compare(asLoaded, g, colourAt);
  QCOMPARE(d.worst, 0);
  QVERIFY_THROWS_EXCEPTION(core::Error,
                           dicom::loadSeriesVolumeChannels(entry, core::NullProgress::instance(), 1, warnings));

  const auto lum = dicom::loadSeriesVolume(entry, core::NullProgress::instance());
  QCOMPARE(int(lum->pixelType()), int(core::PixelType::UInt16));
  QCOMPARE(lum->geometry().size(), g.size());
  QVERIFY(core::norm(lum->geometry().origin() - g.origin()) < 1e-3);
  QVERIFY2(lum->name().find("(red)") == std::string::npos, lum->name().c_str());
  const auto* p = std::get<core::ImageU16::Pointer>(lum->image())->GetBufferPointer();
  int worst = 0;
  bool differsFromRed = false;
  for (std::size_t k = 0; k < g.size()[2]; ++k)
    for (std::size_t j = 0; j < g.size()[1]; ++j)
      for (std::size_t i = 0; i < g.size()[0]; ++i) {
        const Rgb c = colourAt(i, j, k);
        const long expected = std::lround(0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]);
        const long got = p[i + g.size()[0] * (j + g.size()[1] * k)];
        worst = std::max(worst, int(std::abs(got - expected)));
        differsFromRed = differsFromRed || got != c[0];
      }
  QVERIFY2(worst <= 1, qPrintable(QString("luminance off by %1").arg(worst)));  // float rounding at .5
  QVERIFY(differsFromRed);
  // A grey series still gives its one volume.
  const auto grey = scanOne(m_root / "grey");
  QCOMPARE(dicom::loadSeriesVolumeChannels(grey, core::NullProgress::instance(), 0, warnings).size(), std::size_t(1));
}

void ColourTest::niftiRgb24() {
  const auto entry = scanOne(m_folders.at("rgb-planar1"));
  const auto loaded = dicom::loadSeries(entry, core::NullProgress::instance());
  const fs::path file = m_root / "colour.nii";
  io::NiftiWriteOptions o;
  o.rgb24 = true;
  o.overwrite = true;
  io::writeNifti(loaded.volumes, file, o);
  std::ifstream in(file, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto& g = loaded.volumes.front()->geometry();
  const std::size_t nx = g.size()[0], ny = g.size()[1], nz = g.size()[2];
  QCOMPARE(bytes.size(), std::size_t(352) + nx * ny * nz * 3);
  auto i16 = [&](std::size_t at) {
    std::int16_t v;
    std::memcpy(&v, bytes.data() + at, 2);
    return int(v);
  };
  QCOMPARE(i16(40), 3);  // dim[0]: one colour volume is 3D, as dcm2niix
  QCOMPARE(i16(42), int(nx));
  QCOMPARE(i16(70), 128);  // DT_RGB24
  QCOMPARE(i16(72), 24);
  // dcm2niix's order: rows reversed; this grid is right-handed, so slices keep their order.
  QVERIFY(core::dot(core::cross(g.direction().column(0), g.direction().column(1)), g.direction().column(2)) > 0);
  for (std::size_t k = 0; k < nz; ++k)
    for (std::size_t jj = 0; jj < ny; ++jj)
      for (std::size_t i = 0; i < nx; ++i) {
        const Rgb e = colourAt(i, ny - 1 - jj, k);
        const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + 352 + 3 * (i + nx * (jj + ny * k)));
        if (p[0] != e[0] || p[1] != e[1] || p[2] != e[2])
          QFAIL(qPrintable(QString("voxel %1,%2,%3: %4 %5 %6, expected %7 %8 %9")
                               .arg(i).arg(jj).arg(k).arg(p[0]).arg(p[1]).arg(p[2]).arg(e[0]).arg(e[1]).arg(e[2])));
      }
  // Not a multiple of three channel volumes: refused, nothing written.
  const fs::path bad = m_root / "bad.nii";
  std::vector<core::VolumePtr> two(loaded.volumes.begin(), loaded.volumes.begin() + 2);
  bool refused = false;
  try {
    io::writeNifti(two, bad, o);
  } catch (const core::Error& e) {
    refused = std::string(e.what()).find("three channel volumes") != std::string::npos;
  }
  QVERIFY(refused);
  QVERIFY(!fs::exists(bad));
}

QTEST_GUILESS_MAIN(ColourTest)
#include "ColourTest.moc"
