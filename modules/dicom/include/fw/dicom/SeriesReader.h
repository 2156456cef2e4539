#pragma once
// Finds DICOM image series in a folder (recursively) and assembles them into volumes with
// correct LPS geometry. This is the first, classic-single-frame part of issue 3's importer:
// header-only scan, grouping by Series Instance UID (and, for 4D, by volume), slices sorted
// along the slice normal, rescale slope/intercept applied, problems reported as core::Error
// naming the file.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "fw/core/DicomIdentity.h"
#include "fw/core/Progress.h"
#include "fw/core/Volume.h"

namespace fw::dicom {

struct SeriesEntry {
  core::DicomIdentity identity;
  core::Modality modality = core::Modality::Unknown;
  std::vector<std::filesystem::path> files;  // every image file of the series
  std::size_t volumeCount = 1;               // > 1 for 4D series (DWI, BOLD, multi-echo)
  std::size_t rows = 0, columns = 0;
  std::vector<std::string> warnings;         // for the user: skipped files and why, etc.
};

// Scans a folder (recursively) or a single file; non-DICOM and non-image files are skipped.
// Series are returned ordered by study, then series number.
std::vector<SeriesEntry> scanForSeries(const std::filesystem::path& folderOrFile,
                                       core::ProgressSink& progress);
// The same, with the files that were skipped (and why) returned in `skipped` instead of being
// appended to the first series' warnings.
std::vector<SeriesEntry> scanForSeries(const std::filesystem::path& folderOrFile,
                                       core::ProgressSink& progress,
                                       std::vector<std::string>& skipped);

// Assembles one volume of a series (volumeIndex < volumeCount) into a Volume with identity,
// modality, units ("HU" for CT) and a name "<modality> <series description>".
core::VolumePtr loadSeriesVolume(const SeriesEntry& series, core::ProgressSink& progress,
                                 std::size_t volumeIndex = 0);
// The same, also returning what the user should know about the assembly (slightly uneven
// slice spacing, gantry tilt, incomplete 4D volumes, unconvertible character sets).
core::VolumePtr loadSeriesVolume(const SeriesEntry& series, core::ProgressSink& progress,
                                 std::size_t volumeIndex, std::vector<std::string>& warnings);

// Every volume of a (4D) series, reading the headers once: what to use for DWI and BOLD,
// where loadSeriesVolume per index would re-read all headers for each volume.
std::vector<core::VolumePtr> loadSeriesVolumes(const SeriesEntry& series, core::ProgressSink& progress,
                                               std::vector<std::string>& warnings);

}  // namespace fw::dicom
