#include "fw/rendering/FusionSampler.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "Trilinear.h"

namespace fw::rendering {

namespace {

using detail::Grid3;
using detail::trilinear;

template <class T>
void sampleAffine(const T* data, const core::ImageGeometry& g, const registration::Affine& affine,
                  const SliceGrid& grid, float* out) {
  const Grid3 dims{static_cast<long>(g.size()[0]), static_cast<long>(g.size()[1]), static_cast<long>(g.size()[2])};
  // fixed pixel -> moving index is affine: its value at the origin and its two steps.
  auto toIndex = [&](const core::Vec3& p) { return g.worldToIndex(affine.apply(p)); };
  const core::Vec3 i0 = toIndex(grid.origin);
  const core::Vec3 da = toIndex(grid.origin + grid.right * grid.spacingX) - i0;
  const core::Vec3 db = toIndex(grid.origin + grid.up * grid.spacingY) - i0;
  const long total = static_cast<long>(grid.width) * grid.height;
#pragma omp parallel for schedule(static) if (total > 250000)
  for (int b = 0; b < grid.height; ++b) {
    float* row = out + static_cast<long>(b) * grid.width;
    core::Vec3 p = i0 + db * double(b);
    for (int a = 0; a < grid.width; ++a, p += da) row[a] = trilinear(data, dims, p.x, p.y, p.z);
  }
}

template <class T>
void sampleGeneral(const T* data, const core::ImageGeometry& g, const registration::Transform& transform,
                   const SliceGrid& grid, float* out) {
  const Grid3 dims{static_cast<long>(g.size()[0]), static_cast<long>(g.size()[1]), static_cast<long>(g.size()[2])};
  const long total = static_cast<long>(grid.width) * grid.height;
#pragma omp parallel for schedule(dynamic, 8) if (total > 20000)
  for (int b = 0; b < grid.height; ++b) {
    float* row = out + static_cast<long>(b) * grid.width;
    for (int a = 0; a < grid.width; ++a) {
      const core::Vec3 idx = g.worldToIndex(transform.apply(grid.pixelToWorld(a, b)));
      row[a] = trilinear(data, dims, idx.x, idx.y, idx.z);
    }
  }
}

inline double windowed(float v, double lo, double scale) { return std::clamp((v - lo) * scale, 0.0, 1.0); }

inline std::uint8_t byte(double unit) { return static_cast<std::uint8_t>(std::clamp(unit, 0.0, 1.0) * 255.0 + 0.5); }

}  // namespace

void sampleSliceThrough(const core::Volume& moving, const registration::Transform& transform,
                        const SliceGrid& grid, std::vector<float>& out) {
  out.resize(static_cast<std::size_t>(grid.width) * grid.height);
  if (out.empty()) return;
  const auto affine = transform.asAffine();
  moving.visitData([&](const auto* data) {
    if (affine)
      sampleAffine(data, moving.geometry(), *affine, grid, out.data());
    else
      sampleGeneral(data, moving.geometry(), transform, grid, out.data());
  });
}

void hotColour(double t, std::uint8_t rgb[3]) {
  t = std::clamp(t, 0.0, 1.0);
  rgb[0] = byte(t * 3);
  rgb[1] = byte(t * 3 - 1);
  rgb[2] = byte(t * 3 - 2);
}

void fuseToRgba(const std::vector<float>& fixed, double fixedWindow, double fixedLevel,
                const std::vector<float>& moving, const FusionSettings& s, const SliceGrid& grid,
                std::vector<std::uint8_t>& rgba) {
  const std::size_t n = static_cast<std::size_t>(grid.width) * grid.height;
  rgba.assign(n * 4, 0);
  if (fixed.size() != n || moving.size() != n) return;
  const double fLo = fixedLevel - fixedWindow / 2, fScale = 1.0 / std::max(fixedWindow, 1e-9);
  const double mLo = s.level - s.window / 2, mScale = 1.0 / std::max(s.window, 1e-9);
  const double opacity = std::clamp(s.opacity, 0.0, 1.0);
  const double square = std::max(s.checkerSizeMm, 1e-3);
  // View coordinates of pixel (0, 0) and the steps, for the checkerboard.
  const double x0 = core::dot(grid.origin, grid.right), y0 = core::dot(grid.origin, grid.up);
  const long total = static_cast<long>(n);
#pragma omp parallel for schedule(static) if (total > 250000)
  for (int b = 0; b < grid.height; ++b) {
    const long yCell = static_cast<long>(std::floor((y0 + b * grid.spacingY) / square));
    for (int a = 0; a < grid.width; ++a) {
      const std::size_t i = static_cast<std::size_t>(b) * grid.width + a;
      std::uint8_t* px = &rgba[i * 4];
      const float fv = fixed[i], mv = moving[i];
      const bool hasF = !std::isnan(fv), hasM = !std::isnan(mv);
      if (!hasF && !hasM) continue;  // transparent black
      const double f = hasF ? windowed(fv, fLo, fScale) : 0.0;
      px[3] = 255;
      if (!hasM) {
        px[0] = px[1] = px[2] = byte(f);
        continue;
      }
      const double m = windowed(mv, mLo, mScale);
      switch (s.mode) {
        case FusionMode::Blend:
          px[0] = px[1] = px[2] = byte((1 - opacity) * f + opacity * m);
          break;
        case FusionMode::Checkerboard: {
          const long xCell = static_cast<long>(std::floor((x0 + a * grid.spacingX) / square));
          px[0] = px[1] = px[2] = byte(((xCell + yCell) & 1) ? m : f);
          break;
        }
        case FusionMode::Difference:
          px[0] = px[1] = px[2] = byte(std::abs(f - m));
          break;
        case FusionMode::Overlay: {
          std::uint8_t hot[3];
          hotColour(m, hot);
          // Zero (below the window) stays see-through so the anatomy under it shows.
          const double alpha = m > 0 ? opacity : 0.0;
          for (int c = 0; c < 3; ++c) px[c] = byte((1 - alpha) * f + alpha * hot[c] / 255.0);
          break;
        }
      }
    }
  }
}

}  // namespace fw::rendering
