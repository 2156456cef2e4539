#pragma once
// Turns whatever the user points at into a volume: a NIfTI/NRRD/MHA file, a DICOM file or
// folder (the first image series; CT preferred), or the sample study's root folder. Runs on a
// worker thread inside a job; throws core::Error naming the path and the problem.
#include <filesystem>
#include <string>
#include <vector>

#include "fw/core/Progress.h"
#include "fw/core/Volume.h"
#include "fw/dicom/Scan.h"

namespace fw::scene {

core::VolumePtr loadVolume(const std::filesystem::path& path, core::ProgressSink& progress);

// --- DICOM studies for the study browser ----------------------------------------------------

// Whether a path opens as a DICOM study (a folder, a DICOMDIR or another non-image file) in
// the study browser rather than as one image file (NIfTI, NRRD, MetaImage).
bool opensAsDicomStudy(const std::filesystem::path& path);
// The folder to scan for a path the user opened: the sample study's root scans its dicom/
// folder (its truth files are not DICOM); anything else is scanned as it is.
std::filesystem::path dicomScanRoot(const std::filesystem::path& path);
// The series to show first: the largest CT, else the largest series that forms a volume
// (localizers and series that cannot be assembled are never chosen); -1 when there is none.
int preferredSeries(const dicom::ScanResult& scan);

// One series loaded for the views: its first volume (4D series: the first of volumeCount),
// with what the user must be told (the scan's warnings of the series, then the load's).
struct SeriesView {
  core::VolumePtr volume;
  std::size_t volumeCount = 1;
  std::vector<std::string> warnings;
};
// Throws core::Error naming the series and the file.
SeriesView loadSeriesView(const dicom::SeriesEntry& series, core::ProgressSink& progress);

// What opening a DICOM folder, DICOMDIR or file gives: the scan, and the preferred series
// loaded (shown = -1 when the scan found nothing to show, or when loading it failed, then
// loadError says why and the scan is still there for the browser).
struct StudyOpening {
  dicom::ScanResult scan;
  int shown = -1;
  SeriesView view;
  std::string loadError;
};
// Scans (0..0.4 of progress) and loads the preferred series (0.4..1). Throws core::Error when
// the path cannot be scanned at all, core::Cancelled when cancelled.
StudyOpening openDicomStudy(const std::filesystem::path& path, core::ProgressSink& progress);

// The sample study's folder in the user's cache, versioned by the phantom's definition.
std::filesystem::path sampleStudyLocation();
// Writes the sample study there unless it is already complete; returns the folder.
std::filesystem::path ensureSampleStudy(core::ProgressSink& progress);

}  // namespace fw::scene
