#pragma once
// The moving volume of a registration sampled on the fixed volume's slice plane through its
// transform (fixed world -> moving world), on the fly, and fused with the fixed slice: opacity
// blend, checkerboard, difference, colour overlay. The moving pixels are never resampled into a
// new volume. For an affine transform the slice plane is mapped into the moving index space
// once per frame and stepped incrementally (as for the fixed slice); a transform with a
// displacement field is applied per pixel.
#include <cstdint>
#include <vector>

#include "fw/core/Volume.h"
#include "fw/registration/Transform.h"
#include "fw/rendering/SliceSampler.h"

namespace fw::rendering {

enum class FusionMode { Blend, Checkerboard, Difference, Overlay };

struct FusionSettings {
  FusionMode mode = FusionMode::Checkerboard;
  double opacity = 0.5;       // blend and overlay
  double checkerSizeMm = 20;  // square side in the view plane
  double window = 400;        // the moving volume's window/level
  double level = 40;
};

// Samples `moving` at transform(p) for every pixel p of the grid (trilinear; NaN outside).
void sampleSliceThrough(const core::Volume& moving, const registration::Transform& transform,
                        const SliceGrid& grid, std::vector<float>& out);

// Fuses the fixed slice values (window/level fixedWindow/fixedLevel) with the moving slice
// values sampled on the same grid into RGBA. Checkerboard squares are laid in view coordinates
// (grid.right, grid.up) from the world origin, so they stay put while the slice scrolls: square
// (i, j) with i + j even shows the fixed image, odd the moving one. Difference shows
// |fixed - moving| after each is mapped through its own window (0 where they agree). Overlay
// paints the moving image in a hot colour map over the grey fixed image. Where the moving
// image has no value (outside it) the fixed image shows alone.
void fuseToRgba(const std::vector<float>& fixed, double fixedWindow, double fixedLevel,
                const std::vector<float>& moving, const FusionSettings& settings, const SliceGrid& grid,
                std::vector<std::uint8_t>& rgba);

// The hot colour map (black, red, yellow, white) for t in 0..1.
void hotColour(double t, std::uint8_t rgb[3]);

}  // namespace fw::rendering
