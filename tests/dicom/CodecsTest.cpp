// Compressed transfer syntaxes: series the project writes (signed CT with negative HU, 16-bit
// unsigned MR, 12-bit-in-16 MR, 8-bit) are converted file by file with Debian's tools (dcmcjpeg,
// dcmcjpls, dcmcrle, dcmconv, opj_compress, ojph_compress plus our own encapsulation) and
// loaded back with scan()/loadSeries(): lossless syntaxes must give identical voxels, lossy
// ones stay within stated bounds. Damaged streams give a core::Error naming the file;
// multi-frame encapsulation with filled and empty offset tables and several fragments per
// frame decodes frame by frame; frames decode identically on parallel threads; decode time
// per 512x512 frame is measured for every syntax.
#include <QtTest>

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcuid.h>

#include "Codecs.h"
#include "DicomTestUtil.h"
#include "ExternalTools.h"
#include "PixelDecoder.h"
#include "SliceHeader.h"
#include "TestData.h"
#include "fw/core/Error.h"
#include "fw/dicom/Scan.h"
#include "fw/dicom/SeriesReader.h"
#include "fw/dicom/SeriesWriter.h"

using namespace fw;
using core::NullProgress;
namespace fs = std::filesystem;
namespace detail = fw::dicom::detail;

namespace {

const char* const kJ2kLossless = "1.2.840.10008.1.2.4.90";
const char* const kJ2kLossy = "1.2.840.10008.1.2.4.91";
const char* const kHtj2kLossless = "1.2.840.10008.1.2.4.201";

template <class F>
QString errorOf(F&& f) {
  try {
    f();
  } catch (const core::Error& e) {
    return QString::fromStdString(e.what());
  } catch (const std::exception& e) {
    return QString("unexpected exception type: ") + e.what();
  }
  return {};
}

void require(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error(what);
}

void requireGood(const OFCondition& c, const std::string& what) {
  if (c.bad()) throw std::runtime_error(what + ": " + c.text());
}

std::vector<fs::path> dicomFiles(const fs::path& folder) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(folder))
    if (e.is_regular_file() && e.path().extension() == ".dcm") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::uint8_t> readBytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeBytes(const fs::path& file, const std::uint8_t* data, std::size_t n) {
  std::ofstream out(file, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n));
}

dicom::LoadedSeries loadFolder(const fs::path& folder, std::string* transferSyntax = nullptr) {
  const auto result = dicom::scan(folder, NullProgress::instance());
  require(result.series.size() == 1, "expected one series in " + folder.string() + ", found " +
                                         std::to_string(result.series.size()) + " (" +
                                         std::to_string(result.skipped.size()) + " skipped: " +
                                         (result.skipped.empty() ? "" : result.skipped[0].reason) + ")");
  if (transferSyntax) *transferSyntax = result.series[0].transferSyntaxUid;
  return dicom::loadSeries(result.series[0], NullProgress::instance());
}

struct Difference {
  double maxAbs = 0, meanAbs = 0;
};

Difference compare(const core::Volume& a, const core::Volume& b) {
  const auto& s = a.geometry().size();
  require(s == b.geometry().size(), "volume sizes differ");
  Difference d;
  double sum = 0;
  for (std::size_t k = 0; k < s[2]; ++k)
    for (std::size_t j = 0; j < s[1]; ++j)
      for (std::size_t i = 0; i < s[0]; ++i) {
        const double e = std::abs(a.valueAt(i, j, k) - b.valueAt(i, j, k));
        d.maxAbs = std::max(d.maxAbs, e);
        sum += e;
      }
  d.meanAbs = sum / double(s[0] * s[1] * s[2]);
  return d;
}

// Rewrites 16-bit files as `bits`-bit data (8: Bits Allocated 8; 12: 12 stored in 16), mapping
// each file's stored values min..max linearly onto the whole new range, rescale removed, as a
// new series. (dcmcjpeg's lossy encoders go through dcmimage, which maps each image's min..max
// onto the output range: on full-range data that mapping is the identity.)
void deriveSeries(const std::vector<fs::path>& files, const fs::path& folder, unsigned bits) {
  fs::create_directories(folder);
  const std::string seriesUid = dicom::newUid();
  for (const auto& file : files) {
    DcmFileFormat ff;
    requireGood(ff.loadFile(file.c_str()), "load " + file.string());
    DcmDataset& ds = *ff.getDataset();
    Uint16 rows = 0, cols = 0, pr = 0;
    ds.findAndGetUint16(DCM_Rows, rows);
    ds.findAndGetUint16(DCM_Columns, cols);
    ds.findAndGetUint16(DCM_PixelRepresentation, pr);
    const Uint16* px = nullptr;
    requireGood(ds.findAndGetUint16Array(DCM_PixelData, px), "pixels of " + file.string());
    const std::size_t n = std::size_t(rows) * cols;
    const double top = bits == 8 ? 255 : 4095;
    std::vector<Uint16> v(n);
    double lo = 1e9, hi = -1e9;
    for (std::size_t p = 0; p < n; ++p) {
      const double raw = pr ? double(static_cast<Sint16>(px[p])) : double(px[p]);
      lo = std::min(lo, raw);
      hi = std::max(hi, raw);
    }
    for (std::size_t p = 0; p < n; ++p) {
      const double raw = pr ? double(static_cast<Sint16>(px[p])) : double(px[p]);
      v[p] = static_cast<Uint16>(std::lround(std::clamp((raw - lo) / (hi - lo) * top, 0.0, top)));
    }
    ds.findAndDeleteElement(DCM_RescaleSlope);
    ds.findAndDeleteElement(DCM_RescaleIntercept);
    ds.findAndDeleteElement(DCM_RescaleType);
    ds.findAndDeleteElement(DCM_WindowCenter);
    ds.findAndDeleteElement(DCM_WindowWidth);
    ds.findAndDeleteElement(DCM_SmallestImagePixelValue);
    ds.findAndDeleteElement(DCM_LargestImagePixelValue);
    ds.findAndDeleteElement(DCM_PixelData);
    ds.putAndInsertUint16(DCM_PixelRepresentation, 0);
    ds.putAndInsertString(DCM_SeriesInstanceUID, seriesUid.c_str());
    if (bits == 8) {
      std::vector<Uint8> b(v.begin(), v.end());
      ds.putAndInsertUint16(DCM_BitsAllocated, 8);
      ds.putAndInsertUint16(DCM_BitsStored, 8);
      ds.putAndInsertUint16(DCM_HighBit, 7);
      requireGood(ds.putAndInsertUint8Array(DCM_PixelData, b.data(), static_cast<unsigned long>(n)), "put 8-bit");
    } else {
      ds.putAndInsertUint16(DCM_BitsAllocated, 16);
      ds.putAndInsertUint16(DCM_BitsStored, 12);
      ds.putAndInsertUint16(DCM_HighBit, 11);
      requireGood(ds.putAndInsertUint16Array(DCM_PixelData, v.data(), static_cast<unsigned long>(n)), "put 12-bit");
    }
    requireGood(ff.saveFile((folder / file.filename()).c_str(), EXS_LittleEndianExplicit), "save derived");
  }
}

// Runs `tool args in out` on every file of `from` into `to`.
void convertFolder(const fs::path& from, const fs::path& to, const QString& tool, const QStringList& args) {
  fs::create_directories(to);
  for (const auto& file : dicomFiles(from)) {
    const auto r = test::runTool(tool, args + QStringList{QString::fromStdString(file.string()),
                                                           QString::fromStdString((to / file.filename()).string())});
    require(r.exitCode == 0, tool.toStdString() + " failed on " + file.string() + ": " + r.output.toStdString());
  }
}

struct Raw {
  Uint16 rows = 0, cols = 0, bitsAllocated = 16, bitsStored = 16, pr = 0;
  std::vector<std::uint8_t> bytes;  // little-endian stored pixels
};

Raw rawPixels(const fs::path& file) {
  DcmFileFormat ff;
  requireGood(ff.loadFile(file.c_str()), "load " + file.string());
  DcmDataset& ds = *ff.getDataset();
  Raw r;
  ds.findAndGetUint16(DCM_Rows, r.rows);
  ds.findAndGetUint16(DCM_Columns, r.cols);
  ds.findAndGetUint16(DCM_BitsAllocated, r.bitsAllocated);
  ds.findAndGetUint16(DCM_BitsStored, r.bitsStored);
  ds.findAndGetUint16(DCM_PixelRepresentation, r.pr);
  const std::size_t n = std::size_t(r.rows) * r.cols * (r.bitsAllocated / 8);
  if (r.bitsAllocated == 8) {
    const Uint8* p = nullptr;
    requireGood(ds.findAndGetUint8Array(DCM_PixelData, p), "pixels");
    r.bytes.assign(p, p + n);
  } else {
    const Uint16* p = nullptr;
    requireGood(ds.findAndGetUint16Array(DCM_PixelData, p), "pixels");
    r.bytes.resize(n);
    std::memcpy(r.bytes.data(), p, n);
  }
  return r;
}

// Replaces the Pixel Data of `source` by `frames` encapsulated codestreams (each split into
// `fragmentsPerFrame` fragments), with a filled or empty Basic Offset Table, and saves it under
// transfer syntax `uid`. DCMTK 3.6.7 does not know the HTJ2K UIDs: those files are written as
// JPEG 2000 and their meta header UID is then patched in place.
void writeEncapsulated(const fs::path& source, const fs::path& out, const std::vector<std::vector<std::uint8_t>>& frames,
                       const std::string& uid, std::size_t fragmentsPerFrame = 1, bool offsetTable = true,
                       bool lossy = false) {
  DcmFileFormat ff;
  requireGood(ff.loadFile(source.c_str()), "load " + source.string());
  DcmDataset& ds = *ff.getDataset();
  ds.findAndDeleteElement(DCM_PixelData);
  if (frames.size() > 1) ds.putAndInsertString(DCM_NumberOfFrames, std::to_string(frames.size()).c_str());
  if (lossy) ds.putAndInsertString(DCM_LossyImageCompression, "01");
  auto* seq = new DcmPixelSequence(DcmTag(DCM_PixelData, EVR_OB));
  auto* table = new DcmPixelItem(DcmTag(DCM_Item, EVR_OB));
  seq->insert(table);
  std::vector<Uint32> offsets;
  Uint32 pos = 0;
  for (const auto& f : frames) {
    offsets.push_back(pos);
    std::vector<std::uint8_t> even = f;
    if (even.size() % 2) even.push_back(0);
    std::size_t piece = (even.size() / fragmentsPerFrame + 1) & ~std::size_t(1);
    for (std::size_t at = 0; at < even.size(); at += piece) {
      const std::size_t len = std::min(piece, even.size() - at);
      auto* item = new DcmPixelItem(DcmTag(DCM_Item, EVR_OB));
      requireGood(item->putUint8Array(even.data() + at, static_cast<Uint32>(len)), "fragment");
      seq->insert(item);
      pos += static_cast<Uint32>(8 + len);
    }
  }
  if (offsetTable && frames.size() > 1)
    requireGood(table->putUint8Array(reinterpret_cast<const Uint8*>(offsets.data()),
                                     static_cast<Uint32>(4 * offsets.size())),
                "offset table");
  const bool ht = uid != kJ2kLossless && uid != kJ2kLossy;
  const E_TransferSyntax xfer = uid == kJ2kLossy ? EXS_JPEG2000 : EXS_JPEG2000LosslessOnly;
  auto* pixel = new DcmPixelData(DCM_PixelData);
  pixel->putOriginalRepresentation(xfer, nullptr, seq);
  ds.insert(pixel, true);
  requireGood(ff.saveFile(out.c_str(), xfer), "save " + out.string());
  if (!ht) return;
  // Patch (0002,0010) "1.2.840.10008.1.2.4.90" (22 bytes) into the HTJ2K UID (24 bytes padded).
  auto bytes = readBytes(out);
  const std::string oldUid(kJ2kLossless, 22);
  std::string newUid = uid;
  if (newUid.size() % 2) newUid.push_back('\0');
  const std::uint8_t tag[] = {0x02, 0x00, 0x10, 0x00, 'U', 'I'};
  auto at = std::search(bytes.begin(), bytes.begin() + std::min<std::size_t>(bytes.size(), 400), std::begin(tag),
                        std::end(tag));
  require(at != bytes.begin() + std::min<std::size_t>(bytes.size(), 400), "no transfer syntax element");
  const std::size_t p = static_cast<std::size_t>(at - bytes.begin());
  require(bytes[p + 6] == 22 && std::string(bytes.begin() + p + 8, bytes.begin() + p + 30) == oldUid, "unexpected UID");
  const int grow = static_cast<int>(newUid.size()) - 22;
  bytes[p + 6] = static_cast<std::uint8_t>(newUid.size());
  bytes.erase(bytes.begin() + p + 8, bytes.begin() + p + 30);
  bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(p + 8), newUid.begin(), newUid.end());
  // (0002,0000) UL group length right after the preamble and "DICM".
  require(bytes[132] == 0x02 && bytes[133] == 0 && bytes[134] == 0 && bytes[135] == 0, "no group length");
  Uint32 groupLength;
  std::memcpy(&groupLength, bytes.data() + 140, 4);
  groupLength += static_cast<Uint32>(grow);
  std::memcpy(bytes.data() + 140, &groupLength, 4);
  writeBytes(out, bytes.data(), bytes.size());
}

// Encodes one frame's stored pixels with opj_compress (JPEG 2000) or ojph_compress (HTJ2K).
std::vector<std::uint8_t> encodeJ2k(const Raw& r, const fs::path& scratch, bool ht, bool lossy) {
  const fs::path in = scratch / (ht ? "frame.yuv" : "frame.rawl");
  const fs::path out = scratch / "frame.j2c";
  // opj_compress and ojph_compress want the sample values in Bits Stored bits.
  writeBytes(in, r.bytes.data(), r.bytes.size());
  fs::remove(out);
  const QString sign = r.pr ? "s" : "u";
  test::ToolResult res;
  if (ht) {
    QStringList args{"-i", QString::fromStdString(in.string()), "-o", QString::fromStdString(out.string()),
                     "-dims", QString("{%1,%2}").arg(r.cols).arg(r.rows), "-num_comps", "1", "-signed",
                     r.pr ? "true" : "false", "-bit_depth", QString::number(r.bitsStored), "-downsamp", "{1,1}"};
    int decompositions = 0;
    while (decompositions < 5 && (2 << decompositions) <= std::min(r.cols, r.rows)) ++decompositions;
    args << "-num_decomps" << QString::number(decompositions);
    if (!lossy) args << "-reversible" << "true";
    res = test::runTool(test::requireTool("ojph_compress"), args);
  } else {
    // Resolutions: at most 6, and 2^(n-1) must not exceed the smaller image side.
    int levels = 1;
    while (levels < 6 && (1 << levels) <= std::min(r.cols, r.rows)) ++levels;
    QStringList args{"-i", QString::fromStdString(in.string()), "-o", QString::fromStdString(out.string()), "-F",
                     QString("%1,%2,1,%3,%4").arg(r.cols).arg(r.rows).arg(r.bitsStored).arg(sign), "-n",
                     QString::number(levels)};
    if (lossy) args << "-I" << "-r" << "4";
    res = test::runTool(test::requireTool("opj_compress"), args);
  }
  require(res.exitCode == 0 && fs::exists(out), "J2K encoder failed: " + res.output.toStdString());
  return readBytes(out);
}

void j2kFolder(const fs::path& from, const fs::path& to, const fs::path& scratch, const std::string& uid, bool lossy) {
  fs::create_directories(to);
  const bool ht = uid != kJ2kLossless && uid != kJ2kLossy;
  for (const auto& file : dicomFiles(from))
    writeEncapsulated(file, to / file.filename(), {encodeJ2k(rawPixels(file), scratch, ht, lossy)}, uid, 1, true, lossy);
}

// A 512x512 CT-like slice: air, skull, brain with noise; deterministic.
core::VolumePtr makeHeadCt(std::size_t slices) {
  core::ImageGeometry g({512, 512, slices}, {0.45, 0.45, 1.0}, {-115, -115, 0}, core::Mat3::identity());
  auto img = core::allocateImage<core::ImageI16>(g);
  auto* p = img->GetBufferPointer();
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0, 6);
  for (std::size_t k = 0; k < slices; ++k)
    for (std::size_t j = 0; j < 512; ++j)
      for (std::size_t i = 0; i < 512; ++i) {
        const double x = (double(i) - 256) / 200, y = (double(j) - 256) / 235;
        const double r = std::sqrt(x * x + y * y);
        double v = -1000;
        if (r < 1.0) v = r > 0.93 ? 1200 : 35 + 8 * std::sin(double(i) * 0.05 + double(k)) + noise(rng);
        p[i + 512 * (j + 512 * k)] = static_cast<std::int16_t>(std::lround(v));
      }
  return std::make_shared<core::Volume>(img, core::Modality::CT, "HU");
}

}  // namespace

class CodecsTest : public QObject {
  Q_OBJECT
  fs::path m_root;
  std::map<std::string, fs::path> m_sources;  // "ct16s", "mr16u", "mr12", "mr8" -> folder
  std::map<std::string, core::VolumePtr> m_reference;

  void checkSame(const std::string& source, const fs::path& folder, const std::string& expectSyntax) {
    std::string syntax;
    const auto loaded = loadFolder(folder, &syntax);
    QCOMPARE(QString::fromStdString(syntax), QString::fromStdString(expectSyntax));
    QCOMPARE(loaded.volumes.size(), std::size_t(1));
    const Difference d = compare(*m_reference.at(source), *loaded.volumes[0]);
    if (d.maxAbs != 0) qWarning("%s %s: max %g mean %g", source.c_str(), syntax.c_str(), d.maxAbs, d.meanAbs);
    QCOMPARE(d.maxAbs, 0.0);
  }

  Difference lossyDifference(const std::string& source, const fs::path& folder, const std::string& expectSyntax) {
    std::string syntax;
    const auto loaded = loadFolder(folder, &syntax);
    require(syntax == expectSyntax, "syntax " + syntax + " instead of " + expectSyntax);
    const Difference d = compare(*m_reference.at(source), *loaded.volumes.at(0));
    qInfo("lossy %s %s: max |error| %.1f, mean %.3f", source.c_str(), syntax.c_str(), d.maxAbs, d.meanAbs);
    return d;
  }

  // Runs a test body; a helper that throws (a tool failed) fails the test instead of aborting.
  void guarded(void (CodecsTest::*body)()) {
    try {
      (this->*body)();
    } catch (const std::exception& e) {
      QFAIL(e.what());
    }
  }

 private slots:
  void initTestCase() {
    for (const char* tool : {"dcmcjpeg", "dcmcjpls", "dcmcrle", "dcmconv", "opj_compress", "ojph_compress"})
      test::requireTool(tool);
    m_root = test::scratchDir("codecs");
    // Signed CT: -3024 and 30000 HU force Pixel Representation 1 with negative stored values.
    test::WrittenSeries ct{m_root / "ct16s", {test::makeCt(test::obliqueGeometry(), true)}, {}, {}};
    {
      dicom::SeriesWriteOptions o;
      o.identity = test::testIdentity("CT Head signed", 2);
      ct.files = dicom::writeSeries(ct.volumes, ct.frames, o, ct.folder, NullProgress::instance());
    }
    m_sources["ct16s"] = ct.folder;
    {
      test::WrittenSeries mr{m_root / "mr16u", {test::makeDwiVolume(test::obliqueGeometry(), 2)}, {}, {}};
      dicom::SeriesWriteOptions o;
      o.modality = core::Modality::MR;
      o.identity = test::testIdentity("T2 unsigned", 7);
      mr.files = dicom::writeSeries(mr.volumes, mr.frames, o, mr.folder, NullProgress::instance());
      m_sources["mr16u"] = mr.folder;
      const Raw r = rawPixels(mr.files[0]);
      QCOMPARE(r.pr, Uint16(0));
      deriveSeries(mr.files, m_root / "mr12", 12);
      deriveSeries(mr.files, m_root / "mr8", 8);
      m_sources["mr12"] = m_root / "mr12";
      m_sources["mr8"] = m_root / "mr8";
    }
    QCOMPARE(rawPixels(ct.files[0]).pr, Uint16(1));
    for (const auto& [name, folder] : m_sources) {
      const auto loaded = loadFolder(folder);
      QCOMPARE(loaded.volumes.size(), std::size_t(1));
      m_reference[name] = loaded.volumes[0];
    }
    // The CT really holds negative HU and the 12-bit series really uses 12 bits.
    QCOMPARE(m_reference["ct16s"]->valueAt(0, 0, 0), -3024.0);
    QCOMPARE(m_reference["ct16s"]->valueAt(1, 0, 0), 30000.0);
    double maxMr12 = 0;
    for (std::size_t i = 0; i < 20; ++i) maxMr12 = std::max(maxMr12, m_reference["mr12"]->valueAt(i, 23, 9));
    QVERIFY(maxMr12 > 2048);
  }

  void lossless_data() {
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("tool");
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("syntax");
    const QStringList sources{"ct16s", "mr16u", "mr12", "mr8"};
    for (const QString& s : sources) {
      auto row = [&](const char* name, const char* tool, QStringList args, const char* uid) {
        QTest::addRow("%s %s", qPrintable(s), name) << s << tool << args << uid;
      };
      row("jpeg-lossless-sv1", "dcmcjpeg", {"+e1"}, "1.2.840.10008.1.2.4.70");
      row("jpeg-lossless", "dcmcjpeg", {"+el", "+sv", "1"}, "1.2.840.10008.1.2.4.57");
      row("jpeg-ls-lossless", "dcmcjpls", {"+el"}, "1.2.840.10008.1.2.4.80");
      row("rle", "dcmcrle", {}, "1.2.840.10008.1.2.5");
      row("deflate", "dcmconv", {"+td"}, "1.2.840.10008.1.2.1.99");
      row("big-endian", "dcmconv", {"+tb"}, "1.2.840.10008.1.2.2");
      row("jpeg2000-lossless", "", {}, kJ2kLossless);
      // Debian 12's ojph_compress (OpenJPH 0.9) writes negative samples in its own
      // non-interoperable way (OpenJPH issue #102, fixed upstream later); OpenJPEG decodes the
      // standard way, so signed HTJ2K cannot be produced here to test against.
      if (s != "ct16s") row("htj2k-lossless", "", {}, kHtj2kLossless);
    }
  }

  void lossless() {
    QFETCH(QString, source);
    QFETCH(QString, tool);
    QFETCH(QStringList, args);
    QFETCH(QString, syntax);
    const fs::path from = m_sources.at(source.toStdString());
    QString tag = QString(QTest::currentDataTag()).replace(' ', '_');
    const fs::path to = m_root / "out" / tag.toStdString();
    try {
      if (tool.isEmpty())
        j2kFolder(from, to, m_root, syntax.toStdString(), false);
      else
        convertFolder(from, to, tool, args);
      checkSame(source.toStdString(), to, syntax.toStdString());
    } catch (const std::exception& e) {
      QFAIL(e.what());
    }
  }

  // Lossy syntaxes with bounds in stored units (slope 1 on these series).
  void lossy() {
    try {
      // Baseline 8-bit, quality 90: on this smooth ramp at most a few grey levels.
      convertFolder(m_sources["mr8"], m_root / "out/mr8-baseline", "dcmcjpeg", {"+eb", "+q", "90"});
      Difference d = lossyDifference("mr8", m_root / "out/mr8-baseline", "1.2.840.10008.1.2.4.50");
      QVERIFY(d.maxAbs <= 4 && d.meanAbs <= 1);
      QVERIFY(d.maxAbs > 0);  // really lossy: the comparison can fail
      // Extended 12-bit, quality 90 on 12-bit-in-16 data (range 0..4095).
      convertFolder(m_sources["mr12"], m_root / "out/mr12-extended", "dcmcjpeg", {"+ee", "+q", "90"});
      d = lossyDifference("mr12", m_root / "out/mr12-extended", "1.2.840.10008.1.2.4.51");
      QVERIFY(d.maxAbs <= 16 && d.meanAbs <= 4);
      QVERIFY(d.maxAbs > 0);
      // JPEG-LS near-lossless: the error bound is exactly the NEAR parameter.
      // (dcmcjpls refuses near-lossless for signed data.)
      for (const char* source : {"mr16u", "mr12", "mr8"}) {
        const fs::path to = m_root / "out" / (std::string(source) + "-jls-near");
        convertFolder(m_sources[source], to, "dcmcjpls", {"+en", "+md", "3"});
        d = lossyDifference(source, to, "1.2.840.10008.1.2.4.81");
        QVERIFY(d.maxAbs <= 3);
        QVERIFY(d.maxAbs > 0);
      }
      // JPEG 2000 irreversible at 4:1 (these small sawtooth images are hard to compress).
      for (const char* source : {"ct16s", "mr16u", "mr12"}) {
        const fs::path to = m_root / "out" / (std::string(source) + "-j2k-lossy");
        j2kFolder(m_sources[source], to, m_root, kJ2kLossy, true);
        d = lossyDifference(source, to, kJ2kLossy);
        // Bounds relative to the series' value range: mean error under 0.5 %, worst under 5 %.
        const auto& ref = *m_reference.at(source);
        const auto& sz = ref.geometry().size();
        double lo = 1e300, hi = -1e300;
        for (std::size_t k = 0; k < sz[2]; ++k)
          for (std::size_t j = 0; j < sz[1]; ++j)
            for (std::size_t i = 0; i < sz[0]; ++i) {
              lo = std::min(lo, ref.valueAt(i, j, k));
              hi = std::max(hi, ref.valueAt(i, j, k));
            }
        qInfo("  range %g", hi - lo);
        QVERIFY2(d.meanAbs <= 0.005 * (hi - lo) && d.maxAbs <= 0.05 * (hi - lo) && d.maxAbs > 0, source);
      }
    } catch (const std::exception& e) {
      QFAIL(e.what());
    }
  }

 private slots:
  void truncatedJpeg2000() { guarded(&CodecsTest::truncatedJpeg2000Impl); }

 public:
  void truncatedJpeg2000Impl() {
    const fs::path to = m_root / "bad/j2k-truncated";
    fs::create_directories(to);
    const auto files = dicomFiles(m_sources["ct16s"]);
    for (const auto& f : files) fs::copy_file(f, to / f.filename());
    auto stream = encodeJ2k(rawPixels(files[4]), m_root, false, false);
    stream.resize(stream.size() / 2 & ~std::size_t(1));
    writeEncapsulated(files[4], to / files[4].filename(), {stream}, kJ2kLossless);
    const QString error = errorOf([&] { loadFolder(to); });
    qInfo("%s", qPrintable(error));
    QVERIFY(error.contains(QString::fromStdString(files[4].filename().string())));
    QVERIFY(error.contains("damaged or truncated"));
    QVERIFY(error.contains("JPEG 2000"));
  }

 private slots:
  void fragmentCutShort() { guarded(&CodecsTest::fragmentCutShortImpl); }

 public:
  void fragmentCutShortImpl() {
    // A JPEG-LS frame whose fragment ends early (the item is consistent, the stream is not).
    const fs::path lossless = m_root / "bad/jls-source";
    convertFolder(m_sources["mr16u"], lossless, "dcmcjpls", {"+el"});
    const fs::path to = m_root / "bad/jls-short-fragment";
    fs::create_directories(to);
    const auto files = dicomFiles(lossless);
    for (const auto& f : files) fs::copy_file(f, to / f.filename());
    {
      DcmFileFormat ff;
      QVERIFY(ff.loadFile(files[3].c_str()).good());
      DcmPixelData* px = nullptr;
      DcmElement* e = nullptr;
      QVERIFY(ff.getDataset()->findAndGetElement(DCM_PixelData, e).good());
      px = dynamic_cast<DcmPixelData*>(e);
      QVERIFY(px);
      E_TransferSyntax xfer;
      const DcmRepresentationParameter* param = nullptr;
      px->getOriginalRepresentationKey(xfer, param);
      DcmPixelSequence* seq = nullptr;
      QVERIFY(px->getEncapsulatedRepresentation(xfer, param, seq).good() && seq);
      DcmPixelItem* item = nullptr;
      QVERIFY(seq->getItem(item, 1).good());
      Uint8* data = nullptr;
      item->getUint8Array(data);
      std::vector<Uint8> half(data, data + (item->getLength() / 3 & ~1u));
      QVERIFY(item->putUint8Array(half.data(), static_cast<Uint32>(half.size())).good());
      QVERIFY(ff.saveFile((to / files[3].filename()).c_str(), xfer).good());
    }
    QString error = errorOf([&] { loadFolder(to); });
    qInfo("%s", qPrintable(error));
    QVERIFY(error.contains(QString::fromStdString(files[3].filename().string())));
    QVERIFY(error.contains("JPEG-LS"));

    // A file cut in the middle of its only fragment.
    const fs::path cut = m_root / "bad/jls-file-cut";
    fs::create_directories(cut);
    for (const auto& f : files) fs::copy_file(f, cut / f.filename());
    const auto bytes = readBytes(files[5]);
    writeBytes(cut / files[5].filename(), bytes.data(), bytes.size() - 200);
    error = errorOf([&] { loadFolder(cut); });
    qInfo("%s", qPrintable(error));
    QVERIFY(error.contains(QString::fromStdString(files[5].filename().string())));
  }

 private slots:
  void sizeMismatch() { guarded(&CodecsTest::sizeMismatchImpl); }

 public:
  void sizeMismatchImpl() {
    const auto files = dicomFiles(m_sources["ct16s"]);
    // A J2K codestream of another size than Rows x Columns.
    Raw small = rawPixels(files[0]);
    small.rows = 16;
    small.cols = 16;
    small.bytes.resize(16 * 16 * 2);
    const fs::path to = m_root / "bad/j2k-size";
    fs::create_directories(to);
    for (const auto& f : files) fs::copy_file(f, to / f.filename());
    writeEncapsulated(files[2], to / files[2].filename(), {encodeJ2k(small, m_root, false, false)}, kJ2kLossless);
    QString error = errorOf([&] { loadFolder(to); });
    qInfo("%s", qPrintable(error));
    QVERIFY(error.contains(QString::fromStdString(files[2].filename().string())));
    QVERIFY(error.contains("16x16"));
    QVERIFY(error.contains("20x24"));

    // An HTJ2K codestream with a different precision sign than the header: 16-bit unsigned
    // values above 32767 cannot be signed 16-bit CT values... but 16-bit J2K precision fits.
    // A codestream deeper than Bits Allocated is refused instead: 8-bit data with a 12-bit stream.
    const auto files8 = dicomFiles(m_sources["mr8"]);
    const fs::path deep = m_root / "bad/j2k-deep";
    fs::create_directories(deep);
    for (const auto& f : files8) fs::copy_file(f, deep / f.filename());
    Raw r12 = rawPixels(dicomFiles(m_sources["mr12"])[1]);
    writeEncapsulated(files8[1], deep / files8[1].filename(), {encodeJ2k(r12, m_root, false, false)}, kJ2kLossless);
    error = errorOf([&] { loadFolder(deep); });
    qInfo("%s", qPrintable(error));
    QVERIFY(error.contains(QString::fromStdString(files8[1].filename().string())));
    QVERIFY(error.contains("Bits Allocated"));

    // A JPEG-LS stream whose header disagrees with Columns (the dataset says 2 fewer).
    const fs::path jls = m_root / "bad/jls-size";
    convertFolder(m_sources["mr16u"], jls, "dcmcjpls", {"+el"});
    const auto jf = dicomFiles(jls);
    {
      DcmFileFormat ff;
      QVERIFY(ff.loadFile(jf[0].c_str()).good());
      ff.getDataset()->putAndInsertUint16(DCM_Columns, 18);
      ff.loadAllDataIntoMemory();
      QVERIFY(ff.saveFile((jls / "narrow.tmp").c_str(), ff.getDataset()->getOriginalXfer()).good());
    }
    fs::rename(jls / "narrow.tmp", jf[0]);
    auto h = detail::readSliceHeader(jf[0]);
    QCOMPARE(h.headers.size(), std::size_t(1));
    std::vector<float> out(18 * 24);
    error = errorOf([&] { detail::decodeFrame(h.headers[0], out.data()); });
    qInfo("%s", qPrintable(error));
    QVERIFY(error.contains(QString::fromStdString(jf[0].filename().string())));
    QVERIFY(error.contains("20x24"));
  }

 private slots:
  void multiFrame() { guarded(&CodecsTest::multiFrameImpl); }

 public:
  void multiFrameImpl() {
    // 4 frames of 96x80 noisy unsigned data in one file, compressed with several fragments per
    // frame, with a filled and with an empty Basic Offset Table.
    const std::size_t frames = 4, rows = 80, cols = 96;
    std::vector<Uint16> pixels(frames * rows * cols);
    std::mt19937 rng(3);
    for (std::size_t n = 0; n < pixels.size(); ++n)
      pixels[n] = static_cast<Uint16>((n % cols) * 20 + (n / cols % rows) * 7 + (n / (rows * cols)) * 500 + rng() % 64);
    const fs::path dir = m_root / "multiframe";
    fs::create_directories(dir);
    const fs::path plain = dir / "plain.dcm";
    {
      DcmFileFormat ff;
      DcmDataset& ds = *ff.getDataset();
      ds.putAndInsertString(DCM_SOPClassUID, UID_SecondaryCaptureImageStorage);
      ds.putAndInsertString(DCM_SOPInstanceUID, dicom::newUid().c_str());
      ds.putAndInsertString(DCM_Modality, "OT");
      ds.putAndInsertUint16(DCM_SamplesPerPixel, 1);
      ds.putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2");
      ds.putAndInsertString(DCM_NumberOfFrames, std::to_string(frames).c_str());
      ds.putAndInsertUint16(DCM_Rows, rows);
      ds.putAndInsertUint16(DCM_Columns, cols);
      ds.putAndInsertUint16(DCM_BitsAllocated, 16);
      ds.putAndInsertUint16(DCM_BitsStored, 16);
      ds.putAndInsertUint16(DCM_HighBit, 15);
      ds.putAndInsertUint16(DCM_PixelRepresentation, 0);
      QVERIFY(ds.putAndInsertUint16Array(DCM_PixelData, pixels.data(), static_cast<unsigned long>(pixels.size())).good());
      QVERIFY(ff.saveFile(plain.c_str(), EXS_LittleEndianExplicit).good());
    }
    struct Case {
      const char* name;
      QString tool;
      QStringList args;
    };
    const std::vector<Case> cases{
        {"jpeg-lossless-table", "dcmcjpeg", {"+e1", "+fs", "1", "+ot"}},
        {"jpeg-lossless-empty", "dcmcjpeg", {"+e1", "+fs", "1", "-ot"}},
        {"jpeg-ls-table", "dcmcjpls", {"+el", "+fs", "1", "+ot"}},
        {"jpeg-ls-empty", "dcmcjpls", {"+el", "+fs", "1"}},
        {"rle", "dcmcrle", {}},
    };
    auto checkFile = [&](const fs::path& file, const char* name) {
      auto hr = detail::readSliceHeader(file);
      QVERIFY2(!hr.headers.empty(), qPrintable(QString::fromStdString(hr.skipReason)));
      detail::SliceHeader h = hr.headers[0];
      QCOMPARE(h.numberOfFrames, frames);
      std::vector<float> out(rows * cols);
      for (std::size_t f : {std::size_t(2), std::size_t(0), std::size_t(3), std::size_t(1)}) {
        h.frame = f;
        const QString error = errorOf([&] { detail::decodeFrame(h, out.data()); });
        QVERIFY2(error.isEmpty(), qPrintable(QString(name) + ": " + error));
        for (std::size_t n = 0; n < rows * cols; ++n)
          if (out[n] != float(pixels[f * rows * cols + n]))
            QFAIL(qPrintable(QString("%1 frame %2 pixel %3: %4 != %5").arg(name).arg(f).arg(n).arg(out[n]).arg(
                pixels[f * rows * cols + n])));
      }
      h.frame = frames;
      QVERIFY(errorOf([&] { detail::decodeFrame(h, out.data()); }).contains("frame"));
    };
    for (const Case& c : cases) {
      const fs::path out = dir / (std::string(c.name) + ".dcm");
      const auto r = test::runTool(test::requireTool(c.tool), c.args + QStringList{QString::fromStdString(plain.string()),
                                                                                   QString::fromStdString(out.string())});
      QVERIFY2(r.exitCode == 0, qPrintable(r.output));
      checkFile(out, c.name);
    }
    // JPEG 2000 with 3 fragments per frame, with and without the offset table.
    std::vector<std::vector<std::uint8_t>> streams;
    for (std::size_t f = 0; f < frames; ++f) {
      Raw r;
      r.rows = rows;
      r.cols = cols;
      r.bytes.resize(rows * cols * 2);
      std::memcpy(r.bytes.data(), pixels.data() + f * rows * cols, r.bytes.size());
      streams.push_back(encodeJ2k(r, dir, false, false));
    }
    for (bool table : {true, false}) {
      const fs::path out = dir / (table ? "j2k-table.dcm" : "j2k-empty.dcm");
      writeEncapsulated(plain, out, streams, kJ2kLossless, 3, table);
      checkFile(out, table ? "j2k-table" : "j2k-empty");
    }
    // An offset table that lies (offsets past the data) is not trusted: markers are used.
    {
      const fs::path out = dir / "j2k-bad-table.dcm";
      writeEncapsulated(plain, out, streams, kJ2kLossless, 2, true);
      auto bytes = readBytes(out);
      // The table is the first item after the pixel data's sequence header: FE FF 00 E0 10 00 00 00.
      const std::uint8_t tableItem[] = {0xFE, 0xFF, 0x00, 0xE0, 0x10, 0x00, 0x00, 0x00};
      auto at = std::search(bytes.begin(), bytes.end(), std::begin(tableItem), std::end(tableItem));
      QVERIFY(at != bytes.end());
      for (int b = 0; b < 16; ++b) at[8 + b] = 0x7F;
      writeBytes(out, bytes.data(), bytes.size());
      checkFile(out, "j2k-bad-table");
    }
  }

 private slots:
  // Frames decode identically on several threads at once (DCMTK codecs, OpenJPEG), and the
  // decode time per 512x512 frame for every syntax.
  void parallelAndTiming() {
    const fs::path src = m_root / "head512";
    dicom::SeriesWriteOptions o;
    o.identity = test::testIdentity("CT 512", 9);
    const auto files = dicom::writeSeries({makeHeadCt(4)}, {}, o, src, NullProgress::instance());
    struct Syntax {
      const char* name;
      QString tool;
      QStringList args;
      const char* uid;
    };
    const std::vector<Syntax> syntaxes{
        {"explicit little endian", "", {}, "1.2.840.10008.1.2.1"},
        {"big endian", "dcmconv", {"+tb"}, "1.2.840.10008.1.2.2"},
        {"deflate", "dcmconv", {"+td"}, "1.2.840.10008.1.2.1.99"},
        {"RLE", "dcmcrle", {}, "1.2.840.10008.1.2.5"},
        {"JPEG lossless SV1", "dcmcjpeg", {"+e1"}, "1.2.840.10008.1.2.4.70"},
        {"JPEG-LS lossless", "dcmcjpls", {"+el"}, "1.2.840.10008.1.2.4.80"},
        {"JPEG-LS near (3)", "dcmcjpls", {"+en", "+md", "3"}, "1.2.840.10008.1.2.4.81"},
        {"JPEG 2000 lossless", "", {}, kJ2kLossless},
        {"JPEG 2000 4:1", "", {}, kJ2kLossy},
        {"HTJ2K lossless", "", {}, kHtj2kLossless},
    };
    QString table = "\n| syntax | file KB | ms per 512x512 frame (1 thread) |\n|---|---|---|\n";
    for (const Syntax& s : syntaxes) {
      QString folderName(s.name);
      const fs::path to = m_root / "head512-out" / folderName.replace(' ', '_').toStdString();
      try {
        if (std::string(s.uid) == "1.2.840.10008.1.2.1")
          fs::create_directories(to), fs::copy(src, to, fs::copy_options::recursive);
        else if (s.tool.isEmpty())
          j2kFolder(src, to, m_root, s.uid, std::string(s.uid) == kJ2kLossy);
        else
          convertFolder(src, to, s.tool, s.args);
      } catch (const std::exception& e) {
        QFAIL(e.what());
      }
      const auto out = dicomFiles(to);
      QCOMPARE(out.size(), std::size_t(4));
      std::vector<detail::SliceHeader> headers;
      for (const auto& f : out) headers.push_back(detail::readSliceHeader(f).headers.at(0));
      QCOMPARE(QString::fromStdString(headers[0].transferSyntaxUid), QString(s.uid));
      const std::size_t n = 512 * 512;
      std::vector<float> serial(4 * n), parallel(4 * n);
      const auto t0 = std::chrono::steady_clock::now();
      const int reps = 3;
      for (int r = 0; r < reps; ++r)
        for (std::size_t f = 0; f < 4; ++f) detail::decodeFrame(headers[f], serial.data() + f * n);
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() /
                        (reps * 4);
      // 8 threads, each decoding every frame twice.
      std::vector<std::thread> threads;
      std::vector<QString> errors(8);
      for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
          std::vector<float> mine(n);
          for (int r = 0; r < 2; ++r)
            for (std::size_t f = 0; f < 4; ++f) {
              const QString e = errorOf([&] { detail::decodeFrame(headers[(f + std::size_t(t)) % 4], mine.data()); });
              if (!e.isEmpty()) errors[std::size_t(t)] = e;
              else if (std::memcmp(mine.data(), serial.data() + (f + std::size_t(t)) % 4 * n, n * sizeof(float)) != 0)
                errors[std::size_t(t)] = "differs from the serial decode";
            }
        });
      for (auto& t : threads) t.join();
      for (const auto& e : errors) QVERIFY2(e.isEmpty(), qPrintable(QString(s.name) + ": " + e));
      std::uintmax_t bytes = 0;
      for (const auto& f : out) bytes += fs::file_size(f);
      table += QString("| %1 | %2 | %3 |\n").arg(s.name).arg(double(bytes) / 4 / 1024, 0, 'f', 0).arg(ms, 0, 'f', 1);
    }
    qInfo("%s", qPrintable(table));
  }

  void cleanupTestCase() {
    // The 512x512 data and converted series are large; keep only on failure for inspection.
    if (!QTest::currentTestFailed()) fs::remove_all(m_root);
  }
};

QTEST_GUILESS_MAIN(CodecsTest)
#include "CodecsTest.moc"
