#pragma once
// The moving volume resampled onto a grid through a transform (fixed world -> moving world):
// for the registered series written next to the fixed one, and for comparisons.
#include "fw/core/Progress.h"
#include "fw/core/Volume.h"
#include "fw/registration/Transform.h"

namespace fw::registration {

enum class Interpolation { Nearest, Linear };

// A new volume on `grid` with the moving volume's pixel type, modality, units and identity.
// Points that map outside the moving grid get `outsideValue` (nullopt: the moving minimum).
core::VolumePtr resample(const core::Volume& moving, const core::ImageGeometry& grid,
                         const Transform& transform, Interpolation interpolation = Interpolation::Linear,
                         std::optional<double> outsideValue = std::nullopt,
                         core::ProgressSink& progress = core::NullProgress::instance());

}  // namespace fw::registration
