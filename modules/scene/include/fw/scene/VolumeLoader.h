#pragma once
// Turns whatever the user points at into a volume: a NIfTI/NRRD/MHA file, a DICOM file or
// folder (the first image series; CT preferred), or the sample study's root folder. Runs on a
// worker thread inside a job; throws core::Error naming the path and the problem.
#include <filesystem>

#include "fw/core/Progress.h"
#include "fw/core/Volume.h"

namespace fw::scene {

core::VolumePtr loadVolume(const std::filesystem::path& path, core::ProgressSink& progress);

// The sample study's folder in the user's cache, versioned by the phantom's definition.
std::filesystem::path sampleStudyLocation();
// Writes the sample study there unless it is already complete; returns the folder.
std::filesystem::path ensureSampleStudy(core::ProgressSink& progress);

}  // namespace fw::scene
