// The fast header reader (modules/dicom/src/FastHeader.cpp) against DCMTK's parse: for every
// file, either it declines or its result (every SliceHeader field, skip reason, warnings) is
// the one DCMTK's gives. Built twice: test_dicom_fast_header runs everywhere (series our writer
// makes, their implicit VR / big endian / deflated conversions by dcmconv, truncations and byte
// flips, the fuzz corpus); test_dicom_fast_header_realdata (FW_FAST_HEADER_REALDATA) reads
// every DICOM file of the shared data and exits 77 without it.
#include <QProcess>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcvrcs.h>
#include <dcmtk/dcmdata/dcvrfd.h>
#include <dcmtk/dcmdata/dcvrfl.h>
#include <dcmtk/dcmdata/dcvrlo.h>

#include "Archive.h"
#include "DicomTestUtil.h"
#include "EnhancedTestUtil.h"
#include "SliceHeader.h"
#include "TestData.h"

using namespace fw;
using dicom::detail::HeaderResult;
using dicom::detail::SliceHeader;
namespace fs = std::filesystem;

namespace {

[[maybe_unused]] std::string readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

[[maybe_unused]] void writeAll(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }
bool same(const core::Vec3& a, const core::Vec3& b) { return same(a.x, b.x) && same(a.y, b.y) && same(a.z, b.z); }
template <class T>
bool same(const std::optional<T>& a, const std::optional<T>& b) {
  return a.has_value() == b.has_value() && (!a || same(*a, *b));
}
template <class T>
bool same(const T& a, const T& b) {
  return a == b;
}

// The first field where `a` and `b` differ, or empty.
std::string firstDifference(const SliceHeader& a, const SliceHeader& b) {
#define FW_FIELD(f) \
  if (!same(a.f, b.f)) return #f;
  FW_FIELD(file) FW_FIELD(frame) FW_FIELD(mosaicTile) FW_FIELD(mosaicTileCount) FW_FIELD(mosaicTileRows)
  FW_FIELD(mosaicTileColumns) FW_FIELD(frameRows) FW_FIELD(frameColumns) FW_FIELD(manufacturer) FW_FIELD(seriesTime)
  FW_FIELD(sopClassUid) FW_FIELD(sopInstanceUid) FW_FIELD(transferSyntaxUid) FW_FIELD(modality)
  FW_FIELD(identity.patientName) FW_FIELD(identity.patientId) FW_FIELD(identity.patientBirthDate)
  FW_FIELD(identity.patientSex) FW_FIELD(identity.studyInstanceUid) FW_FIELD(identity.studyDate)
  FW_FIELD(identity.studyTime) FW_FIELD(identity.studyDescription) FW_FIELD(identity.studyId)
  FW_FIELD(identity.accessionNumber) FW_FIELD(identity.seriesInstanceUid) FW_FIELD(identity.seriesDescription)
  FW_FIELD(identity.seriesNumber) FW_FIELD(identity.frameOfReferenceUid) FW_FIELD(rows) FW_FIELD(columns)
  FW_FIELD(numberOfFrames) FW_FIELD(samplesPerPixel) FW_FIELD(bitsAllocated) FW_FIELD(bitsStored) FW_FIELD(highBit)
  FW_FIELD(pixelRepresentation) FW_FIELD(photometric) FW_FIELD(hasPlane) FW_FIELD(rowDirection)
  FW_FIELD(columnDirection) FW_FIELD(position) FW_FIELD(hasPixelSpacing) FW_FIELD(spacingBetweenRows)
  FW_FIELD(spacingBetweenColumns) FW_FIELD(sliceThickness) FW_FIELD(spacingBetweenSlices) FW_FIELD(rescaleSlope)
  FW_FIELD(rescaleIntercept) FW_FIELD(rescaleType) FW_FIELD(windowCenter) FW_FIELD(windowWidth)
  FW_FIELD(instanceNumber) FW_FIELD(acquisitionNumber) FW_FIELD(temporalPosition) FW_FIELD(echoNumber)
  FW_FIELD(bValue) FW_FIELD(gradient) FW_FIELD(echoTimeMs) FW_FIELD(repetitionTimeMs) FW_FIELD(acquisitionTime)
  FW_FIELD(imageType) FW_FIELD(acquisitionTimeS) FW_FIELD(complexComponent) FW_FIELD(diffusionIsotropic)
  FW_FIELD(stackId) FW_FIELD(inStackPosition) FW_FIELD(dimensionIndex) FW_FIELD(nativeLittleEndian)
  FW_FIELD(pixelDataOffset) FW_FIELD(pixelDataLength) FW_FIELD(pixelDataProblem)
#undef FW_FIELD
  return {};
}

std::string firstDifference(const HeaderResult& fast, const HeaderResult& dcmtk) {
  if (fast.skipReason != dcmtk.skipReason) return "skipReason '" + fast.skipReason + "' vs '" + dcmtk.skipReason + "'";
  if (fast.nonImage != dcmtk.nonImage) return "nonImage";
  if (fast.warnings != dcmtk.warnings) return "warnings";
  if (fast.headers.size() != dcmtk.headers.size()) return "number of headers";
  for (std::size_t i = 0; i < fast.headers.size(); ++i)
    if (auto d = firstDifference(fast.headers[i], dcmtk.headers[i]); !d.empty())
      return "header " + std::to_string(i) + ": " + d;
  return {};
}

struct Tally {
  std::size_t accepted = 0, declined = 0;
  std::map<std::string, std::size_t> why;  // decline reasons
  std::string summary() const {
    std::ostringstream s;
    s << accepted << " accepted, " << declined << " declined";
    for (const auto& [reason, n] : why) s << "; " << n << "x " << reason;
    return s.str();
  }
};

// Compares both readers on `file`; returns the difference (empty when they agree or the fast
// reader declined).
std::string check(const fs::path& file, Tally& tally) {
  std::string why;
  const auto fast = dicom::detail::readSliceHeaderFast(file, &why);
  if (!fast) {
    ++tally.declined;
    ++tally.why[why];
    return {};
  }
  ++tally.accepted;
  const HeaderResult dcmtk = dicom::detail::readSliceHeaderDcmtk(file);
  if (auto d = firstDifference(*fast, dcmtk); !d.empty()) return file.string() + ": " + d;
  // The default reader gives the same as both.
  if (auto d = firstDifference(dicom::detail::readSliceHeader(file), dcmtk); !d.empty())
    return file.string() + " (readSliceHeader): " + d;
  return {};
}

#define FW_CHECK_FILE(file, tally)                          \
  do {                                                      \
    const std::string diff = check((file), (tally));        \
    QVERIFY2(diff.empty(), qPrintable(QString::fromStdString(diff))); \
  } while (0)

// dcmconv `option` of `in` into `out`; false when dcmconv is missing or fails.
[[maybe_unused]] bool dcmconv(const fs::path& in, const fs::path& out, const QString& option) {
  QProcess p;
  p.start("dcmconv", {option, QString::fromStdString(in.string()), QString::fromStdString(out.string())});
  return p.waitForFinished(60000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0 && fs::exists(out);
}

// Truncations and byte flips of the file `bytes`, written to `f` one by one and checked against
// DCMTK: cuts about every `cutStep` bytes through the header (and a few in the pixel data), and
// each of `values` written about every `flipStep` bytes from the preamble to just past the Pixel
// Data tag. Returns the first difference, or empty.
[[maybe_unused]] std::string mutations(const std::string& bytes, const fs::path& f, std::size_t cutStep,
                                       std::size_t flipStep, const std::vector<unsigned char>& values, Tally& tally) {
  std::size_t headerEnd = bytes.find(std::string("\xE0\x7F\x10\x00", 4), 132);
  if (headerEnd == std::string::npos) headerEnd = bytes.size();
  std::vector<std::size_t> cuts;
  for (std::size_t cut = 0; cut < std::min(headerEnd + 64, bytes.size()); cut += cutStep) cuts.push_back(cut);
  for (std::size_t k = 1; k <= 4 && headerEnd < bytes.size(); ++k)
    cuts.push_back(headerEnd + (bytes.size() - headerEnd) * k / 5);
  for (std::size_t cut : cuts) {
    writeAll(f, bytes.substr(0, cut));
    if (auto d = check(f, tally); !d.empty()) return "cut at " + std::to_string(cut) + ": " + d;
  }
  for (std::size_t at = 128; at < std::min(headerEnd + 16, bytes.size()); at += flipStep)
    for (unsigned char v : values) {
      std::string m = bytes;
      m[at] = static_cast<char>(v);
      writeAll(f, m);
      if (auto d = check(f, tally); !d.empty()) return "byte " + std::to_string(at) + " = " + std::to_string(v) + ": " + d;
    }
  return {};
}

}  // namespace

class FastHeaderTest : public QObject {
  Q_OBJECT
 private slots:
#ifdef FW_FAST_HEADER_REALDATA
  void initTestCase() { test::requireSharedData("MANIFEST.tsv"); }
  void sharedData();
#else
  void writtenSeries();
  void transferSyntaxes();
  void truncationsAndFlips();
  void fuzzCorpus();
  void philipsPrivateTags();
  void enhancedFunctionalGroups();
  void longEnhancedHeader();
#endif
};

#ifndef FW_FAST_HEADER_REALDATA

void FastHeaderTest::writtenSeries() {
  const auto dir = test::scratchDir("fast_header_written");
  std::vector<fs::path> files;
  for (const auto& w : {test::writeCtSeries(dir / "ct"), test::writeMrSeries(dir / "mr"),
                        test::writeDwiSeries(dir / "dwi"), test::writeBoldSeries(dir / "bold")})
    files.insert(files.end(), w.files.begin(), w.files.end());
  Tally tally;
  for (const auto& f : files) FW_CHECK_FILE(f, tally);
  qInfo("written series: %s", tally.summary().c_str());
  // Our writer's plain explicit little-endian files are the fast reader's common case.
  QCOMPARE(tally.accepted, files.size());
  // A fast-read header still leads to the same pixels: the pixel data is where DCMTK's
  // parse says it is.
  const auto fast = dicom::detail::readSliceHeaderFast(files.front());
  QVERIFY(fast && !fast->headers.empty());
  QVERIFY(fast->headers[0].pixelDataOffset > 0);
  QCOMPARE(fast->headers[0].pixelDataOffset + fast->headers[0].pixelDataLength, std::uint64_t(fs::file_size(files.front())));
  // The comparison sees a difference in any field (so a wrong fast result cannot pass).
  HeaderResult changed = *fast;
  QVERIFY(firstDifference(changed, *fast).empty());
  changed.headers[0].rescaleSlope += 1e-12;
  QCOMPARE(firstDifference(changed, *fast), std::string("header 0: rescaleSlope"));
  changed = *fast;
  changed.headers[0].identity.seriesNumber += 1;
  QCOMPARE(firstDifference(changed, *fast), std::string("header 0: identity.seriesNumber"));
  changed = *fast;
  changed.headers[0].gradient = core::Vec3{1, 0, 0};
  QCOMPARE(firstDifference(changed, *fast), std::string("header 0: gradient"));
}

void FastHeaderTest::transferSyntaxes() {
  const auto dir = test::scratchDir("fast_header_syntaxes");
  const auto ct = test::writeCtSeries(dir / "ct");
  const fs::path in = ct.files.at(1);
  if (!dcmconv(in, dir / "implicit.dcm", "+ti")) QSKIP("dcmconv (Debian package dcmtk) is not available");
  QVERIFY(dcmconv(in, dir / "big.dcm", "+tb"));
  QVERIFY(dcmconv(in, dir / "deflated.dcm", "+td"));
  Tally implicitTally, other;
  FW_CHECK_FILE(dir / "implicit.dcm", implicitTally);
  QCOMPARE(implicitTally.accepted, std::size_t(1));
  std::string why;
  QVERIFY(!dicom::detail::readSliceHeaderFast(dir / "big.dcm", &why));
  QVERIFY2(why.find("big endian") != std::string::npos, why.c_str());
  QVERIFY(!dicom::detail::readSliceHeaderFast(dir / "deflated.dcm", &why));
  // Both go through DCMTK and still read.
  QCOMPARE(dicom::detail::readSliceHeader(dir / "big.dcm").headers.size(), std::size_t(1));
  QCOMPARE(dicom::detail::readSliceHeader(dir / "deflated.dcm").headers.size(), std::size_t(1));
  // The implicit file's header is the explicit one's (same values, other syntax).
  const auto a = dicom::detail::readSliceHeader(dir / "implicit.dcm"), b = dicom::detail::readSliceHeader(in);
  QCOMPARE(a.headers.at(0).position.z, b.headers.at(0).position.z);
  QCOMPARE(a.headers.at(0).identity.seriesInstanceUid, b.headers.at(0).identity.seriesInstanceUid);
}

void FastHeaderTest::truncationsAndFlips() {
  const auto dir = test::scratchDir("fast_header_mutations");
  const auto ct = test::writeCtSeries(dir / "ct");
  std::vector<std::string> sources = {readAll(ct.files.at(0))};
  if (dcmconv(ct.files.at(0), dir / "implicit.dcm", "+ti")) sources.push_back(readAll(dir / "implicit.dcm"));
  Tally tally;
  const fs::path f = dir / "mutated.dcm";
  for (const std::string& slice : sources) {
    std::size_t headerEnd = slice.size();
    for (std::size_t p = 132; p + 4 <= slice.size(); ++p)
      if (slice.compare(p, 4, std::string("\xE0\x7F\x10\x00", 4)) == 0) headerEnd = p;
    for (std::size_t cut = 0; cut < slice.size(); cut += 11) {
      writeAll(f, slice.substr(0, cut));
      FW_CHECK_FILE(f, tally);
    }
    for (std::size_t at = 128; at < std::min(headerEnd + 16, slice.size()); at += 3)
      for (unsigned char v : {0x00, 0xff, 0x7f, 0x20, 0x5c}) {
        std::string m = slice;
        m[at] = static_cast<char>(v);
        writeAll(f, m);
        FW_CHECK_FILE(f, tally);
      }
  }
  qInfo("mutations: %s", tally.summary().c_str());
  QVERIFY(tally.accepted > 100);  // the comparison is exercised, not only declines
}

void FastHeaderTest::fuzzCorpus() {
  const auto dir = test::scratchDir("fast_header_corpus");
  const std::string sep = "\n--FW-FUZZ-SPLIT--\n";
  Tally tally;
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(FW_FUZZ_CORPUS)) {
    if (!e.is_regular_file() || e.path().filename() == "README.md") continue;
    const std::string input = readAll(e.path());
    std::size_t start = 0, part = 0;
    while (true) {
      const auto end = input.find(sep, start);
      const fs::path f = dir / (e.path().filename().string() + "_" + std::to_string(part++));
      writeAll(f, input.substr(start, end == std::string::npos ? std::string::npos : end - start));
      FW_CHECK_FILE(f, tally);
      ++n;
      if (end == std::string::npos) break;
      start = end + sep.size();
    }
  }
  qInfo("fuzz corpus: %zu files; %s", n, tally.summary().c_str());
  QVERIFY(n >= 8);
  QVERIFY(tally.accepted > 0);
}


namespace {

void putPrivate(DcmItem& item, Uint16 g, Uint16 e, DcmEVR vr, const std::string& value) {
  const DcmTag tag(g, e, DcmVR(vr));
  DcmElement* el = nullptr;
  switch (vr) {
    case EVR_LO: el = new DcmLongString(tag); break;
    case EVR_CS: el = new DcmCodeString(tag); break;
    default: el = new DcmFloatingPointSingle(tag); break;
  }
  if (el->putString(value.c_str()).bad() || item.insert(el, true).bad())
    throw std::runtime_error("cannot put a private element");
}

// Loads `file` with DCMTK, lets `edit` change its dataset and saves it in `syntax`.
template <class F>
void rewrite(const fs::path& file, E_TransferSyntax syntax, const F& edit) {
  DcmFileFormat ff;
  if (ff.loadFile(file.c_str()).bad()) throw std::runtime_error("cannot read " + file.string());
  edit(*ff.getDataset());
  if (ff.saveFile(file.c_str(), syntax).bad()) throw std::runtime_error("cannot write " + file.string());
}

// A private sequence written as SQ (DCMTK would write an unknown private tag as UN of undefined
// length, which the fast reader declines) with one item holding a Code Value.
void putPrivateSequence(DcmItem& parent, Uint16 g, Uint16 e) {
  auto* seq = new DcmSequenceOfItems(DcmTag(g, e, DcmVR(EVR_SQ)));
  auto* item = new DcmItem();
  item->putAndInsertString(DCM_CodeValue, "private");
  seq->append(item);
  if (parent.insert(seq, true).bad()) throw std::runtime_error("cannot put a private sequence");
}

DcmItem& newItem(DcmItem& parent, const DcmTagKey& seq, long index = 0) {
  DcmItem* item = nullptr;
  if (parent.findOrCreateSequenceItem(seq, item, index).bad() || !item) throw std::runtime_error("cannot add an item");
  return *item;
}

}  // namespace

// Philips classic files: the private scale slope, diffusion tags and the Real World Value
// mapping drive the rescale and the b-values, so the fast reader keeps them (explicit VR) and
// its result must still equal DCMTK's; a sequence at a kept offset in another creator's block
// is walked, not kept; implicit VR Philips files are declined.
void FastHeaderTest::philipsPrivateTags() {
  const auto dir = test::scratchDir("fast_header_philips");
  const auto dwi = test::writeDwiSeries(dir / "dwi");
  for (const auto& file : dwi.files)
    rewrite(file, EXS_LittleEndianExplicit, [](DcmDataset& ds) {
      Float64 b = 0;
      ds.findAndGetFloat64(DCM_DiffusionBValue, b);
      core::Vec3 g;
      for (unsigned long i = 0; i < 3; ++i) {
        Float64 c = 0;
        if (ds.findAndGetFloat64(DCM_DiffusionGradientOrientation, c, i).good()) g[static_cast<int>(i)] = c;
      }
      for (const DcmTagKey& key : {DCM_DiffusionBValue, DCM_DiffusionGradientOrientation, DCM_DiffusionDirectionality,
                                   DCM_RescaleSlope, DCM_RescaleIntercept})
        ds.findAndDeleteElement(key, true, true);
      ds.putAndInsertString(DCM_Manufacturer, "Philips Medical Systems");
      DcmItem& rwv = newItem(ds, DCM_RealWorldValueMappingSequence);
      rwv.putAndInsertFloat64(DCM_RealWorldValueSlope, 2.5);
      rwv.putAndInsertFloat64(DCM_RealWorldValueIntercept, -10);
      putPrivate(ds, 0x2001, 0x0010, EVR_LO, "Philips Imaging DD 001");
      putPrivate(ds, 0x2001, 0x1003, EVR_FL, std::to_string(b));
      putPrivate(ds, 0x2001, 0x1004, EVR_CS, b > 0 ? "O" : "N");
      putPrivate(ds, 0x2005, 0x0010, EVR_LO, "Philips MR Imaging DD 001");
      putPrivate(ds, 0x2005, 0x0014, EVR_LO, "Philips MR Imaging DD 005");
      putPrivate(ds, 0x2005, 0x100E, EVR_FL, "0.25");
      for (int i = 0; i < 3; ++i) putPrivate(ds, 0x2005, static_cast<Uint16>(0x10B0 + i), EVR_FL, std::to_string(g[i]));
      // A sequence at offset 0x0E of another creator's block, as Philips writes them.
      putPrivateSequence(ds, 0x2005, 0x140E);
    });
  Tally tally;
  for (const auto& f : dwi.files) FW_CHECK_FILE(f, tally);
  qInfo("Philips: %s", tally.summary().c_str());
  QCOMPARE(tally.accepted, dwi.files.size());
  // The private tags were read, not merely agreed on: precise scale 1/SS, intercept RI/(RS*SS),
  // the b-value and gradient from groups 2001/2005.
  std::string why;
  std::size_t weighted = 0;
  for (const auto& f : dwi.files) {
    const auto fast = dicom::detail::readSliceHeaderFast(f, &why);
    QVERIFY2(fast && fast->headers.size() == 1, why.c_str());
    const SliceHeader& h = fast->headers[0];
    QCOMPARE(h.manufacturer, std::string("Philips Medical Systems"));
    QCOMPARE(h.rescaleSlope, 4.0);
    QCOMPARE(h.rescaleIntercept, -16.0);
    QVERIFY(h.bValue.has_value());
    if (*h.bValue > 0) {
      QVERIFY(h.gradient.has_value());
      ++weighted;
    }
  }
  QCOMPARE(weighted, dwi.files.size() * 2 / 3);  // b = 0, 1000, 1500

  // Implicit VR: the private elements' VRs would come from DCMTK's private dictionary.
  QVERIFY(dcmconv(dwi.files.back(), dir / "implicit.dcm", "+ti"));
  QVERIFY(!dicom::detail::readSliceHeaderFast(dir / "implicit.dcm", &why));
  QCOMPARE(why, std::string("vendor private tags in implicit VR"));
  FW_CHECK_FILE(dir / "implicit.dcm", tally);

  Tally mutated;
  const std::string diff = mutations(readAll(dwi.files.back()), dir / "mutated.dcm", 7, 3, {0x00, 0xff, 0x20}, mutated);
  QVERIFY2(diff.empty(), diff.c_str());
  qInfo("Philips mutations: %s", mutated.summary().c_str());
  QVERIFY(mutated.accepted > 100);
}

namespace {

// An enhanced MR file with two stacks and every functional group sliceHeaderFrom reads, a
// Siemens-style private sequence (group 0021) in the groups, and diffusion per frame.
fs::path writeRichEnhanced(const fs::path& file) {
  core::ImageGeometry a({6, 5, 4}, {0.8, 0.9, 2.0}, {-20, 10, 5}, core::Mat3::identity());
  core::ImageGeometry b({6, 5, 3}, {0.8, 0.9, 3.0}, {5, -4, 30},
                        core::Mat3::fromColumns(core::Vec3{1, 0, 0}, core::Vec3{0, 0, -1}, core::Vec3{0, 1, 0}));
  test::writeEnhancedMr(file, {{"1", a}, {"2", b}},
                        [](std::size_t s, std::size_t k, std::size_t i, std::size_t j) {
                          return static_cast<std::uint16_t>(100 * s + 10 * k + i + j);
                        });
  rewrite(file, EXS_LittleEndianExplicit, [](DcmDataset& ds) {
    ds.putAndInsertString(DCM_Manufacturer, "Siemens Healthineers");
    ds.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 100");
    DcmItem& shared = newItem(ds, DCM_SharedFunctionalGroupsSequence);
    DcmItem& pvt = newItem(shared, DCM_PixelValueTransformationSequence);
    pvt.putAndInsertString(DCM_RescaleSlope, "2");
    pvt.putAndInsertString(DCM_RescaleIntercept, "-100");
    pvt.putAndInsertString(DCM_RescaleType, "US");
    DcmItem& voi = newItem(shared, DCM_FrameVOILUTSequence);
    voi.putAndInsertString(DCM_WindowCenter, "300");
    voi.putAndInsertString(DCM_WindowWidth, "800");
    newItem(shared, DCM_MRTimingAndRelatedParametersSequence).putAndInsertString(DCM_RepetitionTime, "2500");
    DcmItem& type = newItem(shared, DCM_MRImageFrameTypeSequence);
    type.putAndInsertString(DCM_FrameType, "ORIGINAL\\PRIMARY\\DIFFUSION\\NONE");
    type.putAndInsertString(DCM_ComplexImageComponent, "MAGNITUDE");
    DcmSequenceOfItems* frames = nullptr;
    ds.findAndGetSequence(DCM_PerFrameFunctionalGroupsSequence, frames);
    for (unsigned long f = 0; frames && f < frames->card(); ++f) {
      DcmItem& item = *frames->getItem(f);
      newItem(item, DCM_MREchoSequence).putAndInsertFloat64(DCM_EffectiveEchoTime, 30 + double(f));
      DcmItem* content = nullptr;
      item.findAndGetSequenceItem(DCM_FrameContentSequence, content, 0);
      content->putAndInsertUint32(DCM_TemporalPositionIndex, static_cast<Uint32>(f % 2 + 1));
      content->putAndInsertUint16(DCM_FrameAcquisitionNumber, static_cast<Uint16>(f));
      content->putAndInsertString(DCM_FrameAcquisitionDateTime, ("20240102101010." + std::to_string(f)).c_str());
      DcmItem& diffusion = newItem(item, DCM_MRDiffusionSequence);
      diffusion.putAndInsertFloat64(DCM_DiffusionBValue, f == 0 ? 0 : 1000);
      if (f % 3 == 2) {
        diffusion.putAndInsertString(DCM_DiffusionDirectionality, "BMATRIX");
        DcmItem& m = newItem(diffusion, DCM_DiffusionBMatrixSequence);
        const double v[6] = {100, 0, 0, 800, 0, 100};
        const DcmTagKey keys[6] = {DCM_DiffusionBValueXX, DCM_DiffusionBValueXY, DCM_DiffusionBValueXZ,
                                   DCM_DiffusionBValueYY, DCM_DiffusionBValueYZ, DCM_DiffusionBValueZZ};
        for (int i = 0; i < 6; ++i) m.putAndInsertFloat64(keys[i], v[i]);
      } else {
        diffusion.putAndInsertString(DCM_DiffusionDirectionality, f == 0 ? "NONE" : "DIRECTIONAL");
        const Float64 g[3] = {0.6, 0.0, 0.8};
        newItem(diffusion, DCM_DiffusionGradientDirectionSequence)
            .putAndInsertFloat64Array(DCM_DiffusionGradientOrientation, g, 3);
      }
      putPrivate(item, 0x0021, 0x0010, EVR_LO, "SIEMENS MR SDI 02");
      putPrivateSequence(item, 0x0021, 0x10FE);
    }
  });
  return file;
}

}  // namespace

// Enhanced multi-frame: the functional groups are kept (nested, in explicit and implicit VR) and
// give the same per-frame headers as DCMTK's parse; truncations and flips agree or decline.
void FastHeaderTest::enhancedFunctionalGroups() {
  const auto dir = test::scratchDir("fast_header_enhanced");
  const fs::path file = writeRichEnhanced(dir / "enhanced.dcm");
  QVERIFY(dcmconv(file, dir / "implicit.dcm", "+ti"));
  Tally tally;
  FW_CHECK_FILE(file, tally);
  FW_CHECK_FILE(dir / "implicit.dcm", tally);
  QCOMPARE(tally.accepted, std::size_t(2));
  std::string why;
  const auto fast = dicom::detail::readSliceHeaderFast(file, &why);
  QVERIFY2(fast, why.c_str());
  QCOMPARE(fast->headers.size(), std::size_t(7));
  // Values from every kept group reached the headers (frames are in file order: stack 1 from
  // its last slice down, then stack 2).
  const SliceHeader& f0 = fast->headers[0];
  const SliceHeader& f2 = fast->headers[2];
  const SliceHeader& f4 = fast->headers[4];
  const SliceHeader& f5 = fast->headers[5];
  QCOMPARE(f0.stackId, std::string("1"));
  QCOMPARE(f5.stackId, std::string("2"));
  QCOMPARE(f0.inStackPosition, 4L);
  QCOMPARE(f0.rescaleSlope, 2.0);
  QCOMPARE(f0.rescaleIntercept, -100.0);
  QCOMPARE(f0.windowWidth.value_or(0), 800.0);
  QCOMPARE(f0.repetitionTimeMs.value_or(0), 2500.0);
  QCOMPARE(f5.echoTimeMs.value_or(0), 35.0);
  QCOMPARE(f0.complexComponent, std::string("MAGNITUDE"));
  QCOMPARE(f0.bValue.value_or(-1), 0.0);
  QCOMPARE(f5.bValue.value_or(-1), 1000.0);
  QVERIFY(f4.gradient && std::abs(f4.gradient->z - 0.8) < 1e-12);
  QVERIFY(f2.gradient && std::abs(f2.gradient->y - 1.0) < 1e-12);  // BMATRIX: its largest diagonal
  QVERIFY(f5.hasPlane && f5.hasPixelSpacing);
  QCOMPARE(f5.dimensionIndex, (std::vector<std::uint32_t>{2, 2}));
  QVERIFY(f0.acquisitionTimeS.has_value());

  Tally mutated;
  const std::string diff = mutations(readAll(file), dir / "mutated.dcm", 5, 3, {0x00, 0xff, 0x20}, mutated);
  QVERIFY2(diff.empty(), diff.c_str());
  qInfo("enhanced mutations: %s", mutated.summary().c_str());
  QVERIFY(mutated.accepted > 100);
}

// A header longer than the first 256 KB read (1500 frames of functional groups): the fast
// reader reads on instead of declining.
void FastHeaderTest::longEnhancedHeader() {
  const auto dir = test::scratchDir("fast_header_long");
  const fs::path file = dir / "long.dcm";
  core::ImageGeometry g({2, 2, 1500}, {1, 1, 1}, {0, 0, 0}, core::Mat3::identity());
  test::writeEnhancedMr(file, {{"1", g}}, [](std::size_t, std::size_t k, std::size_t, std::size_t) {
    return static_cast<std::uint16_t>(k);
  });
  const std::string bytes = readAll(file);
  QVERIFY(bytes.find(std::string("\xE0\x7F\x10\x00", 4)) > 256 * 1024);
  Tally tally;
  FW_CHECK_FILE(file, tally);
  QCOMPARE(tally.accepted, std::size_t(1));
  const auto fast = dicom::detail::readSliceHeaderFast(file);
  QVERIFY(fast);
  QCOMPARE(fast->headers.size(), std::size_t(1500));
  QCOMPARE(fast->headers.back().pixelDataOffset + fast->headers.back().pixelDataLength, std::uint64_t(bytes.size()));
}

#else

void FastHeaderTest::sharedData() {
  const fs::path data = test::sharedData();
  std::size_t sets = 0;
  for (const auto& set : fs::directory_iterator(data)) {
    if (!set.is_directory()) continue;
    Tally tally;
    std::vector<fs::path> files, scratch;
    for (const auto& e : fs::directory_iterator(set.path())) {
      const auto name = e.path().filename().string();
      if (name.size() > 7 && name.compare(name.size() - 7, 7, ".tar.xz") == 0) {
        const auto dir = test::extractArchive(e.path(), "fast_header_" + set.path().filename().string() + "_" +
                                                            name.substr(0, name.size() - 7));
        scratch.push_back(dir);
        for (const auto& f : fs::recursive_directory_iterator(dir))
          if (f.is_regular_file()) files.push_back(f.path());
      } else if (e.path().extension() == ".dcm") {
        files.push_back(e.path());
      } else if (name.size() > 7 && name.compare(name.size() - 7, 7, ".dcm.gz") == 0) {
        const auto dir = test::scratchDir("fast_header_gz_" + name);
        scratch.push_back(dir);
        QProcess gz;
        gz.setStandardOutputFile(QString::fromStdString((dir / name.substr(0, name.size() - 3)).string()));
        gz.start("gzip", {"-dc", QString::fromStdString(e.path().string())});
        QVERIFY(gz.waitForFinished(60000) && gz.exitCode() == 0);
        files.push_back(dir / name.substr(0, name.size() - 3));
      }
    }
    if (files.empty()) continue;
    for (const auto& f : files) FW_CHECK_FILE(f, tally);
    qInfo("%s: %zu files; %s", set.path().filename().c_str(), files.size(), tally.summary().c_str());
    const std::string name = set.path().filename().string();
    if (name == "mr_t1_studyforrest" || name == "fmri_studyforrest_half" || name == "mr_session_xa30") {
      // The benchmark sets: every file must take the fast path (classic, Philips
      // private tags, XA30 enhanced functional groups).
      QCOMPARE(tally.declined, std::size_t(0));
      QVERIFY(tally.accepted >= 50);
    }
    if (name == "fmri_studyforrest_half" || name == "mr_session_xa30") {
      // Truncations and byte flips of a real file of each (the smallest, for time): about 400
      // cuts through the header and 1200 flip positions, each equal to DCMTK or declined.
      std::vector<fs::path> dicomFiles;  // the archives also hold dcm2niix's NIfTI and JSON
      for (const auto& f : files)
        if (const std::string b = readAll(f); b.size() > 132 && b.compare(128, 4, "DICM") == 0) dicomFiles.push_back(f);
      QVERIFY(!dicomFiles.empty());
      const fs::path smallest = *std::min_element(dicomFiles.begin(), dicomFiles.end(),
                                                  [](const fs::path& a, const fs::path& b) {
                                                    return fs::file_size(a) < fs::file_size(b);
                                                  });
      const std::string bytes = readAll(smallest);
      const std::size_t header = std::min(bytes.size(), bytes.find(std::string("\xE0\x7F\x10\x00", 4), 132));
      Tally mutated;
      const auto dir = test::scratchDir("fast_header_real_mutations");
      const std::string diff = mutations(bytes, dir / "mutated.dcm", std::max<std::size_t>(1, header / 400),
                                         std::max<std::size_t>(1, header / 1200), {0x00, 0xff}, mutated);
      QVERIFY2(diff.empty(), (smallest.string() + ": " + diff).c_str());
      qInfo("%s mutations of %s: %s", name.c_str(), smallest.filename().c_str(), mutated.summary().c_str());
      QVERIFY(mutated.accepted > 100);
      fs::remove_all(dir);
    }
    ++sets;
    for (const auto& d : scratch) fs::remove_all(d);  // the extracted data is large
  }
  QVERIFY(sets >= 5);
}

#endif

QTEST_GUILESS_MAIN(FastHeaderTest)
#include "FastHeaderTest.moc"
