#pragma once
// Resamples a volume on a view plane and maps values to colour: the numeric core of every
// slice view. It knows nothing of VTK or Qt, so it is tested directly, and it is what makes
// oblique data, and later fused layers with their own transforms, display in one world frame.
#include <cstdint>
#include <vector>

#include "fw/core/Geometry.h"
#include "fw/core/Volume.h"

namespace fw::rendering {

// A grid of sample points on a plane: pixel (a,b) lies at origin + right*a*spacing.x +
// up*b*spacing.y, in LPS mm. Row b=0 is the bottom of the screen.
struct SliceGrid {
  core::Vec3 origin;
  core::Vec3 right;
  core::Vec3 up;
  double spacingX = 1, spacingY = 1;
  int width = 0, height = 0;

  core::Vec3 pixelToWorld(double a, double b) const {
    return origin + right * (a * spacingX) + up * (b * spacingY);
  }
};

// The grid that covers the whole volume as seen in a plane through `point` with the given
// screen directions, with pixels on the volume's own voxel centres when the volume is aligned
// with the plane (so slices show exact voxel values), at most maxPixels per side.
SliceGrid sliceGridFor(const core::ImageGeometry& geometry, const core::Vec3& point,
                       const core::Vec3& right, const core::Vec3& up, int maxPixels = 2048);

enum class Interpolation { Nearest, Linear };

// Samples the volume at every grid pixel (row-major, a fastest). Points outside the volume
// get NaN.
void sampleSlice(const core::Volume& volume, const SliceGrid& grid, Interpolation interpolation,
                 std::vector<float>& out);

// Colour volumes: composes the red, green and blue channel samples (0..255, shown as stored:
// no window/level) into RGBA. A NaN in any channel (outside the volume) gives transparent black.
void channelsToRgba(const std::vector<float>& red, const std::vector<float>& green,
                    const std::vector<float>& blue, std::vector<std::uint8_t>& rgba);

// Maps values through window/level to 8-bit grey RGBA (NaN -> transparent black).
void windowToRgba(const std::vector<float>& values, double window, double level,
                  std::vector<std::uint8_t>& rgba);

}  // namespace fw::rendering
