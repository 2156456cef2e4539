#pragma once
// Loading the moving image of a registration from a path (image file, DICOM folder, DICOMDIR or
// file), choosing a series of a DICOM study by its number or SeriesInstanceUID: what
// `fusion-workstation --moving PATH --moving-series N|UID` and the study browser need.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fw/core/Progress.h"
#include "fw/core/Volume.h"
#include "fw/dicom/Series.h"
#include "fw/scene/Scene.h"

namespace fw::scene {

// The index of the series numbered `wanted` (digits) or with that SeriesInstanceUID. Throws
// core::Error naming `where` and listing the numbers there when none or several match.
std::size_t chooseSeries(const std::vector<dicom::SeriesEntry>& series, const std::string& wanted,
                       const std::string& where);

// Loads the moving image: every volume of a 4D series or file (the registration panel picks
// one). A DICOM study with several series needs `series`; one with a single series does not.
// Throws core::Error naming the path.
std::vector<SeriesVolume> loadMovingImage(const std::filesystem::path& path, const std::optional<std::string>& series,
                                core::ProgressSink& progress);

}  // namespace fw::scene
