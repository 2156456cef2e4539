#pragma once
// The image pairs of the elastix comparison (fusion-cli bench-register and the cross-check test):
// the sample phantom's T1 and CT with their known rigid offset, the porcine CT/T2 pair of the
// shared data, and real images moved by a known rigid transform. Test and benchmark code, not
// part of the library.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fw/core/Volume.h"
#include "fw/registration/Transform.h"

namespace fw::cli::bench {

struct RegistrationPair {
  std::string name;
  core::VolumePtr fixed, moving;
  std::optional<registration::Transform> truth;  // fixed world -> moving world, when known
  // Corresponding points picked by hand (fixed world, moving world), when there is no known
  // transform but a landmark truth; `landmarkFloor` is the best rigid fit's mean residual.
  std::vector<core::Vec3> landmarksFixed, landmarksMoving;
  double landmarkFloor = 0;
};

// fixed = the phantom's T1, moving = its CT; truth = ctToMr^-1 (MR world -> CT world).
RegistrationPair phantomPair();

// fixed = the T2 MR, moving = the CT of ctmr_mridir_porcine (different frames of reference, no
// known transform). With `landmarkFile` (tests/registration/data/porcine-landmarks.json) the
// pair carries its 12 landmark pairs. The archives are extracted into `scratch` (created).
// Throws core::Error naming what is missing.
RegistrationPair porcinePair(const std::filesystem::path& sharedData,
                             const std::filesystem::path& scratch,
                             const std::filesystem::path& landmarkFile = {});

// A copy of `image` placed in the world by the rigid map T (same voxels, origin and direction
// moved by T), so that moving(T(x)) == fixed(x) exactly: the truth is T, with no resampling
// blur. T is a rotation by anglesDeg (Rz*Ry*Rx) about the image's grid centre, then translation.
RegistrationPair movedPair(const std::string& name, core::VolumePtr image,
                           const core::Vec3& anglesDeg, const core::Vec3& translationMm);

// A smooth known deformation of `image` for the deformable stages: fixed = image resampled
// through D (three Gaussian bumps of 3.5-5 mm, sigma 18 mm, around the grid centre, as a
// displacement field on a 4 mm grid), moving = image, so the truth fixed -> moving is D exactly.
RegistrationPair deformedPair(const std::string& name, core::VolumePtr image);

// The one volume of the largest image series under `folder` (DICOM).
core::VolumePtr loadLargestSeries(const std::filesystem::path& folder);

// Extracts a .tar.xz into `into` (created) with tar. Throws core::Error naming the archive.
void extractArchive(const std::filesystem::path& archive, const std::filesystem::path& into);

// The largest voxel spacing of the two grids (mm): "within one voxel" for the agreement checks.
double coarsestSpacing(const core::Volume& a, const core::Volume& b);

}  // namespace fw::cli::bench
