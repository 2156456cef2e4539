#pragma once
// The importer's first step: find every DICOM image series under a folder (recursively), in a
// DICOMDIR, or in one file, reading headers only (parsing stops before Pixel Data), in
// parallel. Unreadable files are skipped with a per-file reason; non-image objects (reports,
// presentation states, RT, ...) are noted and ignored.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "fw/core/Progress.h"
#include "fw/dicom/Series.h"

namespace fw::dicom {

struct ScanOptions {
  unsigned threads = 0;  // header-reading threads; 0: one per hardware thread
  // Folder scans descend into symbolic links to folders (each real folder is visited once, so
  // link loops end with a note). Off: links to folders are noted and not followed.
  bool followSymlinks = true;
};

struct SkippedFile {
  std::filesystem::path file;
  std::string reason;  // "not a DICOM file", "truncated header (...)", ...
};

struct ScanResult {
  std::vector<SeriesEntry> series;   // ordered by patient, study date/time, series number
  std::vector<SkippedFile> skipped;  // files that are not usable DICOM images, and why
  std::vector<std::string> notes;    // non-image objects ignored, DICOMDIR remarks, ...
  std::size_t filesExamined = 0;      // files whose header was looked at (or refused)
  std::filesystem::path dicomDir;    // the DICOMDIR that was followed; empty for folder scans
};

// `path` is a folder (scanned recursively), a DICOMDIR file (its records are followed; files
// it names outside its own folder are refused), or a single DICOM file. Throws core::Error
// when the path does not exist or cannot be listed; core::Cancelled when cancelled.
//
// A folder is always scanned file by file, even when it holds a DICOMDIR (the index is noted,
// not trusted: it can be stale or incomplete); pass the DICOMDIR file itself to follow it. A
// DICOMDIR that cannot be read falls back to a scan of its folder, with a note.
// The result does not depend on options.threads: same series, files, order and notes.
// Progress is reported, and cancellation honoured, from the calling thread only.
ScanResult scan(const std::filesystem::path& path, core::ProgressSink& progress, const ScanOptions& options = {});

}  // namespace fw::dicom
