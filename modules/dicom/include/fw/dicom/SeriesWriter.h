#pragma once
// Writes volumes as a classic single-frame DICOM series (CT Image Storage or MR Image Storage),
// one file per slice per volume, with DCMTK. Used for the sample study and, later, exports.
// 4D series (DWI, BOLD, multi-echo) are several volumes with identical geometry plus one
// FrameInfo each. Output is atomic: files are written into a temporary sibling folder that is
// renamed to `folder` at the end; `folder` must not exist yet (we never overwrite).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fw/core/DicomIdentity.h"
#include "fw/core/Geometry.h"
#include "fw/core/Progress.h"
#include "fw/core/Volume.h"

namespace fw::dicom {

// Per-volume acquisition attributes of a 4D series.
struct FrameInfo {
  std::optional<double> bValue;             // s/mm^2, DWI (0018,9087)
  std::optional<core::Vec3> gradientLps;    // unit vector in LPS patient space (0018,9089)
  std::optional<double> echoTimeMs;         // per-volume TE for multi-echo (0018,0081)
  std::optional<double> acquisitionTimeS;   // seconds from series start, BOLD (0008,0032 derived)
  std::string imageType;                    // e.g. "ORIGINAL\\PRIMARY\\M\\ND"; empty: options'
};

struct SeriesWriteOptions {
  core::Modality modality = core::Modality::CT;  // CT or MR
  core::DicomIdentity identity;  // patient/study/series/frame of reference; empty UIDs are generated
  std::string imageType = "ORIGINAL\\PRIMARY\\AXIAL";  // MR writes this default as ...\\OTHER
  std::string manufacturer = "Fusion Workstation";
  std::string bodyPartExamined = "HEAD";
  std::optional<double> repetitionTimeMs;   // MR (0018,0080)
  std::optional<double> echoTimeMs;         // MR (0018,0081)
  std::optional<double> flipAngleDeg;       // MR (0018,1314)
  std::optional<double> fieldStrengthT;     // MR (0018,0087)
  std::string scanningSequence = "GR";      // MR (0018,0020)
  std::string sequenceVariant = "NONE";     // MR (0018,0021)
  std::optional<double> kvp;                // CT (0018,0060)
  // Stored as signed or unsigned 16-bit with rescale slope/intercept chosen to fit the range;
  // CT keeps HU exactly (slope 1, intercept -1024 when values fit).
};

// Writes `volumes` (all with the same geometry) and returns the files written, in order.
// Throws core::Error (naming the file) on failure; nothing is left behind on failure.
std::vector<std::filesystem::path> writeSeries(const std::vector<core::VolumePtr>& volumes,
                                               const std::vector<FrameInfo>& frames,
                                               const SeriesWriteOptions& options,
                                               const std::filesystem::path& folder,
                                               core::ProgressSink& progress);

// A new globally unique DICOM UID (DCMTK's dcmGenerateUniqueIdentifier under DCMTK's
// SITE_INSTANCE_UID_ROOT until the project registers a root of its own).
std::string newUid();

}  // namespace fw::dicom
