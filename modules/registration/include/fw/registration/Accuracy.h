#pragma once
// Accuracy of a registration against a known truth: target registration error (TRE) at points
// spread through the body, the figure the accuracy tests and the elastix benchmark report.
#include <cstddef>
#include <vector>

#include "fw/core/Geometry.h"
#include "fw/core/Volume.h"
#include "fw/registration/Transform.h"

namespace fw::registration {

struct Tre {
  double mean = 0;  // mm
  double max = 0;   // mm
  std::size_t points = 0;
};

// |estimated(p) - truth(p)| over the fixed-world points (both transforms fixed -> moving, LPS).
// Throws core::Error when fixedPoints is empty.
Tre targetRegistrationError(const Transform& estimated, const Transform& truth,
                            const std::vector<core::Vec3>& fixedPoints);

// `count` points (LPS mm) spread through the body of `fixed` (its automatic body mask: CT HU >
// -400, other modalities above 8% of a robust maximum), kept at least one 4 mm cell away from
// the skin; deterministic for a seed. Throws core::Error when the volume has no body.
std::vector<core::Vec3> pointsInBody(const core::Volume& fixed, std::size_t count, unsigned seed);

// Landmark truth: corresponding points picked in both images, fixed[i] (fixed world) and
// moving[i] (moving world), LPS mm.
//
// The rigid transform (fixed -> moving) that fits the pairs best in the least-squares sense
// (Kabsch/Horn: SVD of the centred cross-covariance, reflection excluded). Its residual
// (landmarkError of the fit) is the floor no rigid registration can beat on those points: it is
// the picking error plus whatever is not rigid. Throws core::Error for fewer than 3 pairs,
// unequal counts, or points that are (nearly) collinear.
Affine fitRigid(const std::vector<core::Vec3>& fixed, const std::vector<core::Vec3>& moving);
// |transform(fixed[i]) - moving[i]| over the pairs (mean, max, count). Throws core::Error when
// the lists are empty or differ in length.
Tre landmarkError(const Transform& transform, const std::vector<core::Vec3>& fixed,
                  const std::vector<core::Vec3>& moving);

}  // namespace fw::registration
