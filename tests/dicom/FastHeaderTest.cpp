// The fast header reader (modules/dicom/src/FastHeader.cpp) against DCMTK's parse: for every
// file, either it declines or its result (every SliceHeader field, skip reason, warnings) is
// the one DCMTK's gives. Built twice: test_dicom_fast_header runs everywhere (series our writer
// makes, their implicit VR / big endian / deflated conversions by dcmconv, truncations and byte
// flips, the fuzz corpus); test_dicom_fast_header_realdata (FW_FAST_HEADER_REALDATA) reads
// every DICOM file of the shared data and exits 77 without it.
#include <QProcess>
#include <QtTest>

#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include "Archive.h"
#include "DicomTestUtil.h"
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
    if (set.path().filename() == "mr_t1_studyforrest") {
      // The benchmark set: every slice must take the fast path.
      QCOMPARE(tally.accepted, std::size_t(384));
    }
    ++sets;
    for (const auto& d : scratch) fs::remove_all(d);  // the extracted data is large
  }
  QVERIFY(sets >= 5);
}

#endif

QTEST_GUILESS_MAIN(FastHeaderTest)
#include "FastHeaderTest.moc"
