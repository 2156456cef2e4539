// scan(): parallel header reading gives the sequential result; cancel stops at once and from
// the calling thread; DICOMDIRs (made by dcmmkdir, then hand-edited with DCMTK) are followed
// case-insensitively, references outside the file-set are refused, missing files reported and
// a damaged DICOMDIR falls back to a folder scan; non-image objects are noted; unreadable
// files get a reason; symbolic link loops end; series are kept apart by UID.
#include <QProcess>
#include <QStandardPaths>
#include <QtTest>

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcuid.h>

#include "DicomTestUtil.h"
#include "TestData.h"
#include "fw/core/Error.h"
#include "fw/dicom/Scan.h"
#include "fw/dicom/SeriesReader.h"
#include "fw/dicom/SeriesWriter.h"

using namespace fw;
using core::NullProgress;
namespace fs = std::filesystem;

// QVERIFY2 cuts long messages; this prints the whole scan result first.
#define VERIFY_SHOW(cond, text)                                   \
  do {                                                            \
    if (!(cond)) std::fprintf(stderr, "%s\n", qPrintable(text)); \
    QVERIFY(cond);                                                \
  } while (false)

namespace {

// Everything a scan result says, as text, for exact comparisons.
std::string dump(const dicom::ScanResult& r) {
  std::ostringstream o;
  for (const auto& s : r.series) {
    o << "series " << s.identity.patientId << " | " << s.identity.studyInstanceUid << " | "
      << s.identity.seriesInstanceUid << " | " << s.identity.seriesDescription << " | "
      << dicom::seriesKindName(s.kind) << " | frames " << s.frameCount << " slices " << s.sliceCount << " volumes "
      << s.volumeCount << "\n";
    for (const auto& f : s.files) o << "  file " << f.string() << "\n";
    for (const auto& w : s.warnings) o << "  warning " << w << "\n";
    if (s.headers) o << "  headers " << s.headers.use_count() << "\n";
  }
  for (const auto& s : r.skipped) o << "skipped " << s.file.string() << ": " << s.reason << "\n";
  for (const auto& n : r.notes) o << "note " << n << "\n";
  o << "examined " << r.filesExamined << " dicomdir " << r.dicomDir.string() << "\n";
  return o.str();
}

dicom::ScanResult scanWith(const fs::path& p, unsigned threads) {
  dicom::ScanOptions o;
  o.threads = threads;
  return dicom::scan(p, NullProgress::instance(), o);
}

bool anyContains(const std::vector<std::string>& v, const std::string& a, const std::string& b = {}) {
  for (const auto& s : v)
    if (s.find(a) != std::string::npos && s.find(b) != std::string::npos) return true;
  return false;
}

const dicom::SkippedFile* skippedFor(const dicom::ScanResult& r, const fs::path& file) {
  for (const auto& s : r.skipped)
    if (s.file == file) return &s;
  return nullptr;
}

QString joined(const std::vector<std::string>& v) {
  QString s;
  for (const auto& x : v) s += QString::fromStdString(x) + "\n";
  return s;
}

// A non-image DICOM object (SR, presentation state, KO, RT structure set): no Rows/Columns.
void writeNonImage(const fs::path& file, const char* sopClass, const char* modality) {
  DcmFileFormat ff;
  DcmDataset* ds = ff.getDataset();
  char uid[100];
  ds->putAndInsertString(DCM_SOPClassUID, sopClass);
  ds->putAndInsertString(DCM_SOPInstanceUID, dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT));
  ds->putAndInsertString(DCM_StudyInstanceUID, dcmGenerateUniqueIdentifier(uid, SITE_STUDY_UID_ROOT));
  ds->putAndInsertString(DCM_SeriesInstanceUID, dcmGenerateUniqueIdentifier(uid, SITE_SERIES_UID_ROOT));
  ds->putAndInsertString(DCM_Modality, modality);
  ds->putAndInsertString(DCM_PatientID, "FW-TEST-1");
  const OFCondition c = ff.saveFile(file.c_str(), EXS_LittleEndianExplicit);
  if (c.bad()) throw std::runtime_error(std::string("cannot write ") + file.string() + ": " + c.text());
}

void writeBytes(const fs::path& file, std::size_t n, unsigned seed, bool dicm) {
  std::mt19937 rng(seed);
  std::vector<char> bytes(n);
  for (auto& b : bytes) b = static_cast<char>(rng() & 0xff);
  if (dicm && n > 132) std::memcpy(bytes.data() + 128, "DICM", 4);
  std::ofstream(file, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(n));
}

// A CD-like file-set: <root>/DICOM/S<n>/IM<k> with DICOM file names, plus a DICOMDIR made by
// dcmmkdir. Returns false (and says why) when dcmmkdir is not installed.
struct FileSet {
  fs::path root, dicomDir;
  std::vector<fs::path> ctFiles, mrFiles;
};

bool makeFileSet(const fs::path& root, FileSet& set, QString& why) {
  const QString tool = QStandardPaths::findExecutable("dcmmkdir");
  if (tool.isEmpty()) {
    why = "dcmmkdir (Debian package dcmtk) is not on PATH";
    return false;
  }
  const auto tmp = root.parent_path() / (root.filename().string() + "_src");
  fs::remove_all(tmp);
  const auto ct = test::writeCtSeries(tmp / "ct");
  const auto mr = test::writeMrSeries(tmp / "mr");
  set.root = root;
  fs::create_directories(root / "DICOM" / "S1");
  fs::create_directories(root / "DICOM" / "S2");
  for (std::size_t i = 0; i < ct.files.size(); ++i) {
    set.ctFiles.push_back(root / "DICOM" / "S1" / ("IM" + std::to_string(i + 1)));
    fs::copy_file(ct.files[i], set.ctFiles.back());
  }
  for (std::size_t i = 0; i < mr.files.size(); ++i) {
    set.mrFiles.push_back(root / "DICOM" / "S2" / ("IM" + std::to_string(i + 1)));
    fs::copy_file(mr.files[i], set.mrFiles.back());
  }
  fs::remove_all(tmp);
  QProcess p;
  p.setWorkingDirectory(QString::fromStdString(root.string()));
  p.setProcessChannelMode(QProcess::MergedChannels);
  p.start(tool, {"+r", "+I", "-Nrc", "-Nec", "-Nxc", "+D", "DICOMDIR", "DICOM"});
  if (!p.waitForFinished(60000) || p.exitCode() != 0) {
    why = "dcmmkdir failed: " + QString::fromLocal8Bit(p.readAll());
    return false;
  }
  set.dicomDir = root / "DICOMDIR";
  return true;
}

// Edits the DICOMDIR's records with DCMTK: `edit(recordType, referencedFileId)` returns the
// new Referenced File ID (or the same to leave it). Returns the number of records changed.
template <class F>
int editDicomDir(const fs::path& dicomDir, F&& edit) {
  DcmFileFormat ff;
  if (ff.loadFile(dicomDir.c_str()).bad()) throw std::runtime_error("cannot load " + dicomDir.string());
  DcmSequenceOfItems* seq = nullptr;
  if (ff.getDataset()->findAndGetSequence(DCM_DirectoryRecordSequence, seq).bad() || !seq)
    throw std::runtime_error("no records in " + dicomDir.string());
  int changed = 0;
  for (unsigned long i = 0; i < seq->card(); ++i) {
    DcmItem* rec = seq->getItem(i);
    OFString type, ref;
    rec->findAndGetOFString(DCM_DirectoryRecordType, type);
    if (rec->findAndGetOFStringArray(DCM_ReferencedFileID, ref).bad()) continue;
    const std::string now = edit(std::string(type.c_str()), std::string(ref.c_str()));
    if (now != ref.c_str()) {
      rec->putAndInsertString(DCM_ReferencedFileID, now.c_str());
      ++changed;
    }
  }
  // The meta header (Media Storage Directory Storage) is kept as it is. Record offsets may go
  // stale when a reference changes length; the scan does not rely on them.
  if (ff.saveFile(dicomDir.c_str(), EXS_LittleEndianExplicit, EET_UndefinedLength, EGL_recalcGL, EPD_noChange, 0, 0,
                  EWM_dontUpdateMeta)
          .bad())
    throw std::runtime_error("cannot save " + dicomDir.string());
  return changed;
}

// A sink that records the threads it is called from and cancels once reading has begun.
class CancellingSink final : public core::ProgressSink {
 public:
  explicit CancellingSink(double cancelAbove) : m_cancelAbove(cancelAbove) {}
  bool report(double fraction, std::string_view) override {
    if (std::this_thread::get_id() != m_owner) m_foreignThread = true;
    ++m_calls;
    if (fraction > m_cancelAbove && !m_cancelled) {
      m_cancelled = true;
      m_cancelledAt = std::chrono::steady_clock::now();
    }
    return !m_cancelled;
  }
  std::thread::id m_owner = std::this_thread::get_id();
  double m_cancelAbove;
  bool m_cancelled = false, m_foreignThread = false;
  int m_calls = 0;
  std::chrono::steady_clock::time_point m_cancelledAt;
};

// Makes `n` copies of one slice under `dir` (100 per subfolder).
void copies(const fs::path& slice, const fs::path& dir, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const auto sub = dir / ("d" + std::to_string(i / 100));
    fs::create_directories(sub);
    fs::copy_file(slice, sub / ("c" + std::to_string(i) + ".dcm"));
  }
}

}  // namespace

class ScanTest : public QObject {
  Q_OBJECT
 private slots:
  void parallelEqualsSequential();
  void cancelStopsQuickly();
  void cancelWhileListing();
  void dicomDirNormal();
  void dicomDirCaseMismatch();
  void dicomDirOutsideReference();
  void dicomDirMissingFile();
  void dicomDirDamaged();
  void folderWithDicomDirIsScannedFileByFile();
  void nonImageObjectsNoted();
  void unreadableFilesHaveReasons();
  void permissionDenied();
  void symlinkLoop();
  void sameDescriptionSeriesStayApart();
  void seriesAcrossFoldersAndDuplicates();
  void sameSeriesUidInTwoPatients();
  void missingPathIsAnError();
};

void ScanTest::parallelEqualsSequential() {
  const auto root = test::scratchDir("scan_parallel");
  test::writeCtSeries(root / "a" / "ct");
  test::writeMrSeries(root / "a" / "mr");
  test::writeDwiSeries(root / "b" / "dwi");
  test::writeBoldSeries(root / "b" / "bold");
  writeBytes(root / "b" / "noise.dcm", 3000, 1, true);
  writeNonImage(root / "a" / "report.dcm", UID_BasicTextSRStorage, "SR");
  std::ofstream(root / "empty.dcm").close();

  const auto seq = scanWith(root, 1);
  QCOMPARE(seq.series.size(), std::size_t(4));
  const std::string ref = dump(seq);
  for (unsigned t : {2u, 3u, 8u, 0u}) {
    const std::string got = dump(scanWith(root, t));
    QVERIFY2(got == ref, qPrintable(QString("threads %1:\n%2\n--- sequential:\n%3")
                                        .arg(t)
                                        .arg(QString::fromStdString(got), QString::fromStdString(ref))));
  }
  // The result is right, not only repeatable: kinds and counts of the four series.
  std::map<std::string, std::string> kinds;
  for (const auto& s : seq.series)
    kinds[s.identity.seriesDescription] = std::string(dicom::seriesKindName(s.kind)) + " " +
                                          std::to_string(s.sliceCount) + "x" + std::to_string(s.volumeCount);
  QCOMPARE(kinds["CT Head"], dicom::seriesKindName(dicom::SeriesKind::Image) + std::string(" 10x1"));
  QCOMPARE(kinds["DWI b1000"], dicom::seriesKindName(dicom::SeriesKind::Diffusion) + std::string(" 10x3"));
  QCOMPARE(kinds["BOLD task"], dicom::seriesKindName(dicom::SeriesKind::Functional) + std::string(" 10x4"));
  QCOMPARE(seq.skipped.size(), std::size_t(2));
  QCOMPARE(seq.filesExamined, std::size_t(10 + 10 + 30 + 40 + 3));
  // The cached headers load the volume without reading headers again.
  const auto ct = std::find_if(seq.series.begin(), seq.series.end(),
                               [](const auto& s) { return s.identity.seriesDescription == "CT Head"; });
  const auto vol = dicom::loadSeriesVolume(*ct, NullProgress::instance());
  QCOMPARE(vol->geometry().size()[2], std::size_t(10));
}

void ScanTest::cancelStopsQuickly() {
  const auto root = test::scratchDir("scan_cancel");
  const auto ct = test::writeCtSeries(root / "src");
  copies(ct.files[0], root / "many", 3000);
  for (unsigned threads : {1u, 2u}) {
    CancellingSink sink(0.10);  // cancel once some headers are read
    dicom::ScanOptions o;
    o.threads = threads;
    bool cancelled = false;
    try {
      dicom::scan(root, sink, o);
    } catch (const core::Cancelled&) {
      cancelled = true;
    }
    const auto after = std::chrono::steady_clock::now();
    QVERIFY2(cancelled, "scan did not stop when the sink cancelled");
    QVERIFY(sink.m_cancelled);
    const double ms = std::chrono::duration<double, std::milli>(after - sink.m_cancelledAt).count();
    QVERIFY2(ms < 300, qPrintable(QString("cancel took %1 ms with %2 threads").arg(ms).arg(threads)));
    QVERIFY2(!sink.m_foreignThread, "progress was reported from a worker thread");
  }
  // Without cancel the same scan runs to the end, reporting from the calling thread only.
  CancellingSink never(2.0);
  dicom::ScanOptions o;
  o.threads = 2;
  const auto r = dicom::scan(root, never, o);
  QVERIFY(!never.m_foreignThread);
  QCOMPARE(r.filesExamined, std::size_t(3010));
  QCOMPARE(r.series.size(), std::size_t(1));
  QCOMPARE(r.series[0].files.size(), std::size_t(10));  // 3000 copies of one instance: one file
  QVERIFY(anyContains(r.notes, "duplicate copy ignored"));
}

void ScanTest::cancelWhileListing() {
  const auto root = test::scratchDir("scan_cancel_list");
  for (int i = 0; i < 600; ++i) std::ofstream(root / ("f" + std::to_string(i))) << "x";
  CancellingSink sink(-1.0);  // the very first report cancels
  QVERIFY_THROWS_EXCEPTION(core::Cancelled, dicom::scan(root, sink));
  QCOMPARE(sink.m_calls, 1);
}

void ScanTest::dicomDirNormal() {
  FileSet set;
  QString why;
  if (!makeFileSet(test::scratchDir("scan_dd_normal") / "CD", set, why)) QSKIP(qPrintable(why));
  // Files outside the DICOMDIR's records are not part of a DICOMDIR scan.
  test::writeBoldSeries(set.root / "EXTRA");
  for (unsigned threads : {1u, 2u}) {
    const auto r = scanWith(set.dicomDir, threads);
    QCOMPARE(r.dicomDir, set.dicomDir);
    VERIFY_SHOW(r.series.size() == 2, QString::fromStdString(dump(r)));
    QCOMPARE(r.filesExamined, std::size_t(20));
    VERIFY_SHOW(r.skipped.empty() && r.notes.empty(), QString::fromStdString(dump(r)));
    for (const auto& s : r.series) {
      QCOMPARE(s.files.size(), std::size_t(10));
      QCOMPARE(s.sliceCount, std::size_t(10));
      const auto& expected = s.identity.seriesDescription == "CT Head" ? set.ctFiles : set.mrFiles;
      for (const auto& f : s.files) QVERIFY(std::find(expected.begin(), expected.end(), f) != expected.end());
    }
  }
}

void ScanTest::dicomDirCaseMismatch() {
  FileSet set;
  QString why;
  if (!makeFileSet(test::scratchDir("scan_dd_case") / "CD", set, why)) QSKIP(qPrintable(why));
  // The CD was copied by a tool that lower-cased the names on disk ...
  fs::rename(set.root / "DICOM" / "S1", set.root / "DICOM" / "s1");
  for (const auto& f : fs::directory_iterator(set.root / "DICOM" / "s1")) {
    std::string n = f.path().filename().string();
    for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    fs::rename(f.path(), f.path().parent_path() / n);
  }
  // ... and the references of the MR series were written in mixed case, with a version suffix
  // on disk for one file (ISO 9660 "IM1;1").
  const int changed = editDicomDir(set.dicomDir, [](const std::string& type, const std::string& ref) {
    return type == "IMAGE" && ref.find("S2") != std::string::npos ? std::string("dicom\\s2\\") + ref.substr(ref.rfind('\\') + 1)
                                                                     : ref;
  });
  QCOMPARE(changed, 10);
  fs::rename(set.root / "DICOM" / "S2" / "IM3", set.root / "DICOM" / "S2" / "IM3;1");
  const auto r = scanWith(set.dicomDir, 2);
  VERIFY_SHOW(r.series.size() == 2 && r.skipped.empty() && r.notes.empty(), QString::fromStdString(dump(r)));
  for (const auto& s : r.series) QCOMPARE(s.files.size(), std::size_t(10));
  bool sawVersioned = false, sawLower = false;
  for (const auto& s : r.series)
    for (const auto& f : s.files) {
      sawVersioned |= f.filename() == "IM3;1";
      sawLower |= f.parent_path().filename() == "s1";
    }
  QVERIFY(sawVersioned && sawLower);
}

void ScanTest::dicomDirOutsideReference() {
  FileSet set;
  QString why;
  if (!makeFileSet(test::scratchDir("scan_dd_outside") / "CD", set, why)) QSKIP(qPrintable(why));
  // A real DICOM file outside the file-set that hostile references point at.
  fs::create_directories(set.root.parent_path() / "SECRET");
  fs::copy_file(set.ctFiles[0], set.root.parent_path() / "SECRET" / "IM1");
  fs::create_directory_symlink(set.root.parent_path() / "SECRET", set.root / "LINK");
  int n = 0;
  editDicomDir(set.dicomDir, [&](const std::string& type, const std::string& ref) {
    if (type != "IMAGE" || ref.find("S1") == std::string::npos) return ref;
    switch (n++) {
      case 0: return std::string("..\\SECRET\\IM1");
      case 1: return std::string("DICOM\\..\\..\\SECRET\\IM1");
      case 2: return std::string("\\tmp\\IM1");  // absolute
      case 3: return std::string("LINK\\IM1");   // a symbolic link out of the file-set
      default: return ref;
    }
  });
  QCOMPARE(n, 10);
  const auto r = scanWith(set.dicomDir, 2);
  const QString all = QString::fromStdString(dump(r));
  VERIFY_SHOW(r.series.size() == 2, all);
  std::size_t ctFiles = 0;
  for (const auto& s : r.series) {
    for (const auto& f : s.files) VERIFY_SHOW(f.string().find("SECRET") == std::string::npos, all);
    if (s.identity.seriesDescription == "CT Head") ctFiles = s.files.size();
  }
  QCOMPARE(ctFiles, std::size_t(6));
  std::size_t refused = 0;
  for (const auto& note : r.notes)
    if (note.find("refused") != std::string::npos && note.find("(IMAGE)") != std::string::npos &&
        note.find("record ") != std::string::npos)
      ++refused;
  VERIFY_SHOW(refused == 4, all);
  QVERIFY(anyContains(r.notes, "..\\SECRET\\IM1", "outside"));
  QVERIFY(anyContains(r.notes, "\\tmp\\IM1", "absolute"));
  QVERIFY(anyContains(r.notes, "LINK\\IM1", "symbolic link"));
}

void ScanTest::dicomDirMissingFile() {
  FileSet set;
  QString why;
  if (!makeFileSet(test::scratchDir("scan_dd_missing") / "CD", set, why)) QSKIP(qPrintable(why));
  fs::remove(set.mrFiles[4]);
  fs::remove(set.mrFiles[9]);
  const auto r = scanWith(set.dicomDir, 2);
  const QString all = QString::fromStdString(dump(r));
  VERIFY_SHOW(r.series.size() == 2, all);
  QCOMPARE(r.skipped.size(), std::size_t(2));
  for (const auto& f : {set.mrFiles[4], set.mrFiles[9]}) {
    const auto* s = skippedFor(r, f);
    VERIFY_SHOW(s != nullptr, all);
    QVERIFY2(s->reason.find("missing") != std::string::npos && s->reason.find("(IMAGE)") != std::string::npos,
             s->reason.c_str());
  }
  // The MR series is reported with its gap: 8 files, and a warning (a slice is missing inside).
  for (const auto& s : r.series)
    if (s.identity.seriesDescription != "CT Head") {
      QCOMPARE(s.files.size(), std::size_t(8));
      QVERIFY(!s.warnings.empty());
    }
}

void ScanTest::dicomDirDamaged() {
  FileSet set;
  QString why;
  if (!makeFileSet(test::scratchDir("scan_dd_damaged") / "CD", set, why)) QSKIP(qPrintable(why));
  const auto size = fs::file_size(set.dicomDir);
  // Cut in the middle of the record sequence, then garbage, then not a DICOMDIR at all.
  const auto backup = set.root.parent_path() / "DICOMDIR.orig";
  fs::copy_file(set.dicomDir, backup);
  fs::resize_file(set.dicomDir, size / 2);
  for (int variant = 0; variant < 3; ++variant) {
    if (variant == 1) writeBytes(set.dicomDir, 4000, 7, true);
    if (variant == 2) {
      fs::remove(set.dicomDir);
      fs::copy_file(set.ctFiles[0], set.dicomDir);  // an image named DICOMDIR
    }
    const auto r = scanWith(set.dicomDir, 2);
    const QString all = QString::fromStdString(dump(r));
    VERIFY_SHOW(r.dicomDir.empty(), all);
    VERIFY_SHOW(r.series.size() == 2, all);  // the folder scan found both series
    VERIFY_SHOW(anyContains(r.notes, set.dicomDir.string(), "instead"), all);
    for (const auto& s : r.series) QCOMPARE(s.files.size(), std::size_t(10));
  }
  // The input is never changed by a scan.
  fs::remove(set.dicomDir);
  fs::copy_file(backup, set.dicomDir);
  const auto before = fs::last_write_time(set.dicomDir);
  scanWith(set.dicomDir, 2);
  QCOMPARE(fs::file_size(set.dicomDir), size);
  QVERIFY(fs::last_write_time(set.dicomDir) == before);
}

void ScanTest::folderWithDicomDirIsScannedFileByFile() {
  FileSet set;
  QString why;
  if (!makeFileSet(test::scratchDir("scan_dd_folder") / "CD", set, why)) QSKIP(qPrintable(why));
  test::writeBoldSeries(set.root / "EXTRA");  // not in the DICOMDIR: the folder scan finds it
  const auto r = scanWith(set.root, 2);
  const QString all = QString::fromStdString(dump(r));
  VERIFY_SHOW(r.series.size() == 3 && r.skipped.empty(), all);
  VERIFY_SHOW(anyContains(r.notes, "DICOMDIR index found"), all);
  QVERIFY(r.dicomDir.empty());
}

void ScanTest::nonImageObjectsNoted() {
  const auto root = test::scratchDir("scan_nonimage");
  test::writeCtSeries(root / "ct");
  writeNonImage(root / "sr.dcm", UID_BasicTextSRStorage, "SR");
  writeNonImage(root / "pr.dcm", UID_GrayscaleSoftcopyPresentationStateStorage, "PR");
  writeNonImage(root / "ko.dcm", UID_KeyObjectSelectionDocumentStorage, "KO");
  writeNonImage(root / "rtstruct.dcm", UID_RTStructureSetStorage, "RTSTRUCT");
  const auto r = scanWith(root, 2);
  const QString all = QString::fromStdString(dump(r));
  VERIFY_SHOW(r.series.size() == 1 && r.skipped.empty(), all);
  QCOMPARE(r.notes.size(), std::size_t(4));
  for (const char* name : {"sr.dcm", "pr.dcm", "ko.dcm", "rtstruct.dcm"})
    VERIFY_SHOW(anyContains(r.notes, "ignored: ", name), all);
  VERIFY_SHOW(anyContains(r.notes, "SR", "sr.dcm"), all);
  VERIFY_SHOW(anyContains(r.notes, "PresentationState", "pr.dcm"), all);
  VERIFY_SHOW(anyContains(r.notes, "KeyObject", "ko.dcm"), all);
  VERIFY_SHOW(anyContains(r.notes, "StructureSet", "rtstruct.dcm"), all);
  // In words a radiologist knows, not only DCMTK's class names.
  VERIFY_SHOW(anyContains(r.notes, "structured report", "sr.dcm"), all);
  VERIFY_SHOW(anyContains(r.notes, "presentation state", "pr.dcm"), all);
  VERIFY_SHOW(anyContains(r.notes, "key object selection", "ko.dcm"), all);
  VERIFY_SHOW(anyContains(r.notes, "RT structure set", "rtstruct.dcm"), all);
}

void ScanTest::unreadableFilesHaveReasons() {
  const auto root = test::scratchDir("scan_unreadable");
  const auto ct = test::writeCtSeries(root / "ct");
  std::ofstream(root / "empty.dcm").close();
  std::ofstream(root / ".hidden.txt") << "a hidden text file";
  writeBytes(root / "noise.bin", 5000, 3, false);
  // A big non-DICOM file is refused from its first bytes (no full read).
  {
    std::ofstream big(root / "big.raw", std::ios::binary);
    big.seekp(512L * 1024 * 1024 - 1);
    big.put('x');
  }
  fs::copy_file(ct.files[3], root / "truncated.dcm");
  fs::resize_file(root / "truncated.dcm", 300);
  fs::copy_file(ct.files[3], root / "cut_in_value.dcm");
  fs::resize_file(root / "cut_in_value.dcm", 700);
  QVERIFY(::mkfifo((root / "pipe.dcm").c_str(), 0600) == 0);  // must not be opened (would hang)
  fs::create_symlink(root / "nowhere.dcm", root / "dangling.dcm");

  const auto t0 = std::chrono::steady_clock::now();
  const auto r = scanWith(root, 2);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  const QString all = QString::fromStdString(dump(r));
  QVERIFY2(ms < 2000, qPrintable(QString("scan took %1 ms").arg(ms)));
  VERIFY_SHOW(r.series.size() == 1, all);
  QCOMPARE(r.series[0].files.size(), std::size_t(10));
  auto reason = [&](const char* name) {
    const auto* s = skippedFor(r, root / name);
    return s ? s->reason : std::string("(not skipped)");
  };
  VERIFY_SHOW(reason("empty.dcm").find("empty") != std::string::npos, all);
  VERIFY_SHOW(reason(".hidden.txt") == "not a DICOM file", all);
  VERIFY_SHOW(reason("noise.bin") == "not a DICOM file", all);
  VERIFY_SHOW(reason("big.raw") == "not a DICOM file", all);
  VERIFY_SHOW(reason("truncated.dcm").find("unreadable") != std::string::npos, all);
  VERIFY_SHOW(reason("pipe.dcm").find("not a regular file") != std::string::npos, all);
  VERIFY_SHOW(reason("dangling.dcm").find("broken symbolic link") != std::string::npos, all);
  VERIFY_SHOW(reason("cut_in_value.dcm").find("truncated") != std::string::npos, all);

  fs::remove(root / "big.raw");
}

void ScanTest::permissionDenied() {
  if (::geteuid() == 0) QSKIP("running as root: permission-denied files and folders cannot be made");
  const auto root = test::scratchDir("scan_denied");
  const auto ct = test::writeCtSeries(root / "ct");
  fs::create_directories(root / "locked");
  fs::copy_file(ct.files[0], root / "locked" / "a.dcm");
  fs::copy_file(ct.files[0], root / "noread.dcm");
  fs::permissions(root / "noread.dcm", fs::perms::none);
  fs::permissions(root / "locked", fs::perms::none);
  const auto r = scanWith(root, 2);
  fs::permissions(root / "locked", fs::perms::owner_all);
  const QString all = QString::fromStdString(dump(r));
  VERIFY_SHOW(r.series.size() == 1, all);
  VERIFY_SHOW(anyContains(r.notes, "locked", "cannot list"), all);
  const auto* s = skippedFor(r, root / "noread.dcm");
  VERIFY_SHOW(s && s->reason.find("cannot be opened") != std::string::npos, all);
}

void ScanTest::symlinkLoop() {
  const auto root = test::scratchDir("scan_symlink");
  test::writeCtSeries(root / "a" / "ct");
  fs::create_directory_symlink(root, root / "a" / "up");         // a loop back to the root
  fs::create_directory_symlink(root / "b", root / "a" / "to_b");  // a -> b -> a
  fs::create_directories(root / "b");
  fs::create_directory_symlink(root / "a", root / "b" / "to_a");
  fs::create_directory_symlink(root / "a" / "ct", root / "ct_link");  // the same series again
  test::writeMrSeries(root / "elsewhere" / "mr");
  fs::create_directory_symlink(root / "elsewhere" / "mr", root / "b" / "mr_link");

  const auto t0 = std::chrono::steady_clock::now();
  const auto r = scanWith(root, 2);
  QVERIFY(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
  const QString all = QString::fromStdString(dump(r));
  VERIFY_SHOW(r.series.size() == 2, all);
  for (const auto& s : r.series) QCOMPARE(s.files.size(), std::size_t(10));
  QCOMPARE(r.filesExamined, std::size_t(20));
  VERIFY_SHOW(anyContains(r.notes, "up", "already scanned"), all);
  VERIFY_SHOW(anyContains(r.notes, "ct_link", "already scanned"), all);
  // Real folders win over links to them: files are named by their real path.
  for (const auto& s : r.series)
    for (const auto& f : s.files)
      QVERIFY2(f.lexically_relative(root).string().find("link") == std::string::npos, f.c_str());

  dicom::ScanOptions noLinks;
  noLinks.followSymlinks = false;
  const auto r2 = dicom::scan(root, NullProgress::instance(), noLinks);
  QCOMPARE(r2.series.size(), std::size_t(2));  // elsewhere/mr is a real folder too
  QVERIFY(anyContains(r2.notes, "not followed"));
}

void ScanTest::sameDescriptionSeriesStayApart() {
  const auto root = test::scratchDir("scan_samedesc");
  const auto a = test::writeCtSeries(root / "tmp_a");
  const auto b = test::writeCtSeries(root / "tmp_b");  // same description, new UIDs
  fs::create_directories(root / "mixed");
  for (std::size_t i = 0; i < a.files.size(); ++i) {
    fs::rename(a.files[i], root / "mixed" / ("x" + std::to_string(2 * i) + ".dcm"));
    fs::rename(b.files[i], root / "mixed" / ("x" + std::to_string(2 * i + 1) + ".dcm"));
  }
  const auto r = scanWith(root / "mixed", 2);
  const QString all = QString::fromStdString(dump(r));
  VERIFY_SHOW(r.series.size() == 2, all);
  QVERIFY(r.series[0].identity.seriesInstanceUid != r.series[1].identity.seriesInstanceUid);
  for (const auto& s : r.series) {
    QCOMPARE(s.identity.seriesDescription, std::string("CT Head"));
    QCOMPARE(s.files.size(), std::size_t(10));
    QCOMPARE(s.sliceCount, std::size_t(10));
    QCOMPARE(s.kind, dicom::SeriesKind::Image);
  }
}

void ScanTest::seriesAcrossFoldersAndDuplicates() {
  const auto root = test::scratchDir("scan_span");
  const auto w = test::writeMrSeries(root / "tmp");
  fs::create_directories(root / "part1");
  fs::create_directories(root / "part2" / "deeper");
  for (std::size_t i = 0; i < w.files.size(); ++i)
    fs::rename(w.files[i], root / (i % 2 ? "part1" : "part2/deeper") / w.files[i].filename());
  fs::remove_all(root / "tmp");
  fs::copy_file(root / "part1" / w.files[1].filename(), root / "copy_of_second.dcm");
  const auto r = scanWith(root, 2);
  const QString all = QString::fromStdString(dump(r));
  VERIFY_SHOW(r.series.size() == 1, all);
  QCOMPARE(r.series[0].files.size(), std::size_t(10));
  QCOMPARE(r.series[0].volumeCount, std::size_t(1));  // the copy does not make a second volume
  VERIFY_SHOW(anyContains(r.notes, "copy_of_second.dcm", "duplicate copy ignored"), all);
}

void ScanTest::sameSeriesUidInTwoPatients() {
  // A broken anonymiser gave two patients' series the same Series Instance UID: never merged.
  const auto root = test::scratchDir("scan_uidclash");
  const auto g = test::obliqueGeometry();
  for (int p = 0; p < 2; ++p) {
    dicom::SeriesWriteOptions o;
    o.identity = test::testIdentity("CT Head", 2);
    o.identity.patientId = "PATIENT-" + std::to_string(p);
    o.identity.seriesInstanceUid = "1.2.826.0.1.3680043.10.999.1";
    dicom::writeSeries({test::makeCt(g)}, {}, o, root / ("p" + std::to_string(p)), NullProgress::instance());
  }
  const auto r = scanWith(root, 2);
  const QString all = QString::fromStdString(dump(r));
  VERIFY_SHOW(r.series.size() == 2, all);
  QVERIFY(r.series[0].identity.patientId != r.series[1].identity.patientId);
  for (const auto& s : r.series) {
    QCOMPARE(s.files.size(), std::size_t(10));
    QVERIFY2(anyContains(s.warnings, "another patient or study"), qPrintable(joined(s.warnings)));
  }
}

void ScanTest::missingPathIsAnError() {
  const auto root = test::scratchDir("scan_nopath");
  try {
    dicom::scan(root / "nope", NullProgress::instance());
    QFAIL("no error for a missing path");
  } catch (const core::Cancelled&) {
    QFAIL("Cancelled instead of an error");
  } catch (const core::Error& e) {
    QVERIFY2(std::string(e.what()).find((root / "nope").string()) != std::string::npos, e.what());
  }
  const auto empty = scanWith(root, 2);
  QVERIFY(empty.series.empty() && empty.skipped.empty() && empty.filesExamined == 0);
}

QTEST_GUILESS_MAIN(ScanTest)
#include "ScanTest.moc"
