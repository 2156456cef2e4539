#pragma once
// Assembles scanned DICOM series into volumes with correct LPS geometry: slices sorted along
// the slice normal, full direction matrix, rescale slope/intercept applied, 4D series split
// into volumes with their b-values, gradients, echo and acquisition times. Problems are
// reported as core::Error naming the file; what the user should know goes to warnings.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "fw/core/Progress.h"
#include "fw/core/Volume.h"
#include "fw/dicom/Scan.h"
#include "fw/dicom/Series.h"

namespace fw::dicom {

// Loads a series found by scan(): every volume, or only options.volumeIndex. Volumes are named
// after the series (displayName(), plus " [v/N]" for 4D) and carry its identity and modality
// (units "HU" for CT).
LoadedSeries loadSeries(const SeriesEntry& series, core::ProgressSink& progress, const LoadOptions& options = {});

// A preview of the series for the browser (cheap: decodes one frame).
Thumbnail makeThumbnail(const SeriesEntry& series, int maxSize = 128);

// --- Convenience wrappers (the first importer's API) -------------------------------------

// scan(path).series, with skipped files appended to the first series' warnings.
std::vector<SeriesEntry> scanForSeries(const std::filesystem::path& folderOrFile, core::ProgressSink& progress);
// The same, with the skipped files (and why) returned in `skipped`.
std::vector<SeriesEntry> scanForSeries(const std::filesystem::path& folderOrFile, core::ProgressSink& progress,
                                       std::vector<std::string>& skipped);

// One volume (volumeIndex < volumeCount) of a series.
core::VolumePtr loadSeriesVolume(const SeriesEntry& series, core::ProgressSink& progress,
                                 std::size_t volumeIndex = 0);
core::VolumePtr loadSeriesVolume(const SeriesEntry& series, core::ProgressSink& progress,
                                 std::size_t volumeIndex, std::vector<std::string>& warnings);
// Every volume of a (4D) series.
std::vector<core::VolumePtr> loadSeriesVolumes(const SeriesEntry& series, core::ProgressSink& progress,
                                               std::vector<std::string>& warnings);

}  // namespace fw::dicom
