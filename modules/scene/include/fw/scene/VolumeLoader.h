#pragma once
// Turns whatever the user points at into a volume: a NIfTI/NRRD/MHA file, a DICOM file or
// folder (the first image series; CT preferred), or the sample study's root folder. Runs on a
// worker thread inside a job; throws core::Error naming the path and the problem.
#include <QString>
#include <filesystem>
#include <string>
#include <vector>

#include "fw/core/Progress.h"
#include "fw/core/Volume.h"
#include "fw/dicom/Scan.h"
#include "fw/scene/Scene.h"

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

// The user's words for a series kind ("image", "DWI", "BOLD", ...), translated (the dicom
// module has no Qt; its seriesKindName() stays English for files and logs).
QString seriesKindText(dicom::SeriesKind kind);
// What tells one volume of a 4D series from the others, translated: "b = 1000 s/mm²,
// gradient (0.71, 0.00, 0.71)" (DWI), "t = 24.0 s" (BOLD), "TE = 12.5 ms" (multi-echo); empty
// when the series has nothing to say.
QString volumeMetaText(const dicom::VolumeMeta& meta, dicom::SeriesKind kind);
// A colour volume's luminance (Rec. 601: 0.299 R + 0.587 G + 0.114 B, rounded; 0..255 in
// UInt16) for what needs one scalar per voxel: the 3D view, thumbnails, cursor snapping.
core::VolumePtr luminanceOf(const ColourChannels& rgb);

// One series loaded for the views: every volume (4D series: volumeCount of them, in
// acquisition order; colour series: the luminance plus the three channels of each), with the
// label of each and what the user must be told (the scan's warnings of the series, then the
// load's).
struct SeriesView {
  core::VolumePtr volume;  // the first volume (volumes.front().volume)
  std::size_t volumeCount = 1;
  std::vector<SeriesVolume> volumes;
  bool colour = false;
  std::vector<std::string> warnings;
  dicom::SeriesKind kind = dicom::SeriesKind::Image;  // DWI, BOLD, 4D, ... (image files: from what they hold)
};
// Throws core::Error naming the series and the file.
SeriesView loadSeriesView(const dicom::SeriesEntry& series, core::ProgressSink& progress);

// An image file (NIfTI, NRRD, MetaImage) loaded for the views as a series: every volume of a 4D
// file, labelled as DICOM 4D series are: "b = 1000 s/mm², gradient (...)" from the .bval/.bvec
// beside a DWI NIfTI, else "t = 2.0 s" from the 4th-axis spacing; warnings say when a gradient
// table beside it does not fit. Throws core::Error naming the file.
SeriesView loadImageFileView(const std::filesystem::path& path, core::ProgressSink& progress);

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

// Scans a DICOM folder, DICOMDIR or file for the study browser only (no series is loaded).
// Throws core::Error naming the path, core::Cancelled when cancelled.
dicom::ScanResult scanDicomStudy(const std::filesystem::path& path, core::ProgressSink& progress);
// The index of the series with this Series Instance UID in a scan, -1 when absent.
int findSeries(const dicom::ScanResult& scan, const std::string& seriesInstanceUid);

// The sample study's CT folder (dicom/ct under its root): opened on its own first so the CT is
// on screen before the whole study (thousands of files) has been scanned.
std::filesystem::path sampleStudyCtFolder(const std::filesystem::path& root);

// The sample study's folder in the user's cache, versioned by the phantom's definition.
std::filesystem::path sampleStudyLocation();
// Writes the sample study there unless it is already complete; returns the folder.
std::filesystem::path ensureSampleStudy(core::ProgressSink& progress);

}  // namespace fw::scene
