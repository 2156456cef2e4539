#pragma once
// Assembles scanned DICOM series into volumes with correct LPS geometry: slices sorted along
// the slice normal, full direction matrix, rescale slope/intercept applied, 4D series split
// into volumes with their b-values, gradients, echo and acquisition times. Problems are
// reported as core::Error naming the file; what the user should know goes to warnings.
#include <array>
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

// One volume (volumeIndex < volumeCount) of a series, as one scalar volume. A colour series
// gives its luminance (see colourLuminance); loadSeriesVolumeChannels gives its colour.
core::VolumePtr loadSeriesVolume(const SeriesEntry& series, core::ProgressSink& progress,
                                 std::size_t volumeIndex = 0);
core::VolumePtr loadSeriesVolume(const SeriesEntry& series, core::ProgressSink& progress,
                                 std::size_t volumeIndex, std::vector<std::string>& warnings);
// One volume of a series with all its channels: one volume for a grey series, three (red,
// green, blue; the ColourModel::Rgb structure of LoadedSeries) for a colour series.
std::vector<core::VolumePtr> loadSeriesVolumeChannels(const SeriesEntry& series, core::ProgressSink& progress,
                                                      std::size_t volumeIndex, std::vector<std::string>& warnings);
// The luminance of a colour volume given as its red, green and blue channel volumes (same
// grid): Rec. 601, 0.299 R + 0.587 G + 0.114 B rounded, 0..255 in UInt16, with the identity of
// the red channel and its name without " (red)". Throws core::Error when a channel is missing
// or the grids differ.
core::VolumePtr colourLuminance(const std::array<core::VolumePtr, 3>& rgb);
// Every volume of a (4D) series.
std::vector<core::VolumePtr> loadSeriesVolumes(const SeriesEntry& series, core::ProgressSink& progress,
                                               std::vector<std::string>& warnings);

}  // namespace fw::dicom
