#pragma once
// Deformable stage of registerVolumes (B-spline and SyN), after the rigid+affine result.
// Private to modules/registration: ITK stays in the .cpp files.
#include "fw/core/Progress.h"
#include "fw/core/Volume.h"
#include "fw/registration/Registration.h"
#include "fw/registration/Transform.h"

namespace fw::registration::detail {

// Registers `moving` onto `fixed` with settings.method (BSpline or SyN), starting from `linear`
// (the rigid/affine result, fixed world -> moving world). The returned transform applies the
// deformable stage first, then `linear`: apply(p) = linear(p + d(p)), with d a dense
// DisplacementField on a grid covering the fixed image. Progress is reported 0..1 over this
// stage; throws core::Cancelled when progress.report() returns false, core::Error on bad input.
Result registerDeformable(const core::Volume& fixed, const core::Volume& moving,
                          const Settings& settings, const Transform& linear,
                          core::ProgressSink& progress, const IterationCallback& onIteration);

}  // namespace fw::registration::detail
