#pragma once
// Internals of the deformable stage shared by RegisterDeformable.cpp (entry), BSplineStage.cpp
// (B-spline: our own sparse metric and optimiser, no ITK registration templates) and
// DeformableSyN.cpp (ITK's SyN, whose v4 templates cost tens of seconds to compile).
#include <memory>
#include <string>
#include <vector>

#include "ItkImages.h"
#include "fw/core/Geometry.h"
#include "fw/core/Progress.h"
#include "fw/registration/Registration.h"
#include "fw/registration/Transform.h"

namespace fw::registration::detail {

// What one deformable method returns: the field d on the fixed domain (the stage p -> p + d(p),
// applied before the linear transform), plus figures for Result.
struct DeformableOutcome {
  std::shared_ptr<const DisplacementField> field;
  double finalMetric = 0;
  int iterations = 0;
  std::vector<std::string> log;
};

// Common inputs: float copies of the two volumes at full resolution, the linear transform as
// an affine (fixed world -> moving world).
struct DeformableProblem {
  FloatImage::Pointer fixed;   // never written here (pyramid levels share it)
  FloatImage::Pointer moving;
  bool fixedIsCt = false;      // body mask threshold (ItkImages.h bodyMask)
  core::ImageGeometry fixedGeometry;
  Affine linear;
  const Settings* settings = nullptr;
  core::ProgressSink* progress = nullptr;
  const IterationCallback* onIteration = nullptr;
  unsigned threads = 0;  // ITK work units and B-spline OpenMP threads; 0 = the default
};

// B-spline: samples redrawn every iteration (seeded by seed, level, iteration), bit-identical
// for any thread count. SyN: dense, the user's masks only.
DeformableOutcome runBSpline(const DeformableProblem& problem);
DeformableOutcome runSyN(const DeformableProblem& problem);

// Grid of the dense field that replaces a B-spline or SyN result: the fixed image's direction
// and extent at `spacingMm` (or the fixed spacing, when coarser).
core::ImageGeometry fieldGridFor(const core::ImageGeometry& fixed, double spacingMm);

// The field spacing: small enough for sub-0.1 mm trilinear error on smooth fields, large enough
// that a 1 mm brain's field stays a few tens of MB.
constexpr double kFieldSpacingMm = 2.0;

}  // namespace fw::registration::detail
