#include "fw/rendering/SliceSampler.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "Trilinear.h"

namespace fw::rendering {

SliceGrid sliceGridFor(const core::ImageGeometry& g, const core::Vec3& point, const core::Vec3& right,
                       const core::Vec3& up, int maxPixels) {
  const core::Vec3 normal = core::cross(right, up);
  // Extent of the voxel centres projected on the screen axes.
  double minX = 1e300, maxX = -1e300, minY = 1e300, maxY = -1e300;
  for (int c = 0; c < 8; ++c) {
    const core::Vec3 idx{(c & 1) ? double(g.size()[0] - 1) : 0.0, (c & 2) ? double(g.size()[1] - 1) : 0.0,
                         (c & 4) ? double(g.size()[2] - 1) : 0.0};
    const core::Vec3 w = g.indexToWorld(idx);
    minX = std::min(minX, core::dot(w, right));
    maxX = std::max(maxX, core::dot(w, right));
    minY = std::min(minY, core::dot(w, up));
    maxY = std::max(maxY, core::dot(w, up));
  }
  // Pixel size: the spacing of the voxel axis that runs along each screen axis.
  auto spacingAlong = [&](const core::Vec3& dir) {
    int best = 0;
    for (int a = 1; a < 3; ++a)
      if (std::abs(core::dot(g.direction().column(a), dir)) > std::abs(core::dot(g.direction().column(best), dir)))
        best = a;
    return g.spacing()[best];
  };
  SliceGrid grid;
  grid.right = right;
  grid.up = up;
  grid.spacingX = spacingAlong(right);
  grid.spacingY = spacingAlong(up);
  grid.width = static_cast<int>(std::floor((maxX - minX) / grid.spacingX + 1e-6)) + 1;
  grid.height = static_cast<int>(std::floor((maxY - minY) / grid.spacingY + 1e-6)) + 1;
  if (grid.width > maxPixels) {
    grid.spacingX = (maxX - minX) / (maxPixels - 1);
    grid.width = maxPixels;
  }
  if (grid.height > maxPixels) {
    grid.spacingY = (maxY - minY) / (maxPixels - 1);
    grid.height = maxPixels;
  }
  grid.origin = right * minX + up * minY + normal * core::dot(point, normal);
  return grid;
}

namespace {

template <class T>
void sampleTyped(const T* data, const core::ImageGeometry& g, const SliceGrid& grid,
                 Interpolation interp, float* out) {
  const long nx = static_cast<long>(g.size()[0]), ny = static_cast<long>(g.size()[1]),
             nz = static_cast<long>(g.size()[2]);
  const long sy = nx, sz = nx * ny;
  const detail::Grid3 dims{nx, ny, nz};
  const core::Vec3 i0 = g.worldToIndex(grid.origin);
  const core::Vec3 da = g.worldToIndex(grid.origin + grid.right * grid.spacingX) - i0;
  const core::Vec3 db = g.worldToIndex(grid.origin + grid.up * grid.spacingY) - i0;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const long total = static_cast<long>(grid.width) * grid.height;
#pragma omp parallel for schedule(static) if (total > 250000)
  for (int b = 0; b < grid.height; ++b) {
    float* row = out + static_cast<long>(b) * grid.width;
    for (int a = 0; a < grid.width; ++a) {
      const double x = i0.x + da.x * a + db.x * b;
      const double y = i0.y + da.y * a + db.y * b;
      const double z = i0.z + da.z * a + db.z * b;
      // Half a voxel of tolerance at the border, as for nearest-voxel lookup.
      if (x < -0.5 || y < -0.5 || z < -0.5 || x > nx - 0.5 || y > ny - 0.5 || z > nz - 0.5) {
        row[a] = nan;
        continue;
      }
      if (interp == Interpolation::Nearest) {
        const long i = std::clamp(static_cast<long>(std::floor(x + 0.5)), 0L, nx - 1);
        const long j = std::clamp(static_cast<long>(std::floor(y + 0.5)), 0L, ny - 1);
        const long k = std::clamp(static_cast<long>(std::floor(z + 0.5)), 0L, nz - 1);
        row[a] = static_cast<float>(data[i + j * sy + k * sz]);
        continue;
      }
      row[a] = detail::trilinear(data, dims, x, y, z);
    }
  }
}

}  // namespace

void sampleSlice(const core::Volume& volume, const SliceGrid& grid, Interpolation interpolation,
                 std::vector<float>& out) {
  out.resize(static_cast<std::size_t>(grid.width) * grid.height);
  if (out.empty()) return;
  volume.visitData([&](const auto* data) {
    sampleTyped(data, volume.geometry(), grid, interpolation, out.data());
  });
}

void channelsToRgba(const std::vector<float>& red, const std::vector<float>& green,
                    const std::vector<float>& blue, std::vector<std::uint8_t>& rgba) {
  const std::size_t n = std::min({red.size(), green.size(), blue.size()});
  rgba.resize(n * 4);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint8_t* px = &rgba[i * 4];
    const float c[3] = {red[i], green[i], blue[i]};
    if (std::isnan(c[0]) || std::isnan(c[1]) || std::isnan(c[2])) {
      px[0] = px[1] = px[2] = px[3] = 0;
      continue;
    }
    for (int k = 0; k < 3; ++k) px[k] = static_cast<std::uint8_t>(std::clamp(c[k], 0.0f, 255.0f) + 0.5f);
    px[3] = 255;
  }
}

void windowToRgba(const std::vector<float>& values, double window, double level,
                  std::vector<std::uint8_t>& rgba) {
  rgba.resize(values.size() * 4);
  const double lo = level - window / 2;
  const double scale = 255.0 / std::max(window, 1e-9);
  const long n = static_cast<long>(values.size());
  for (long i = 0; i < n; ++i) {
    const float v = values[i];
    std::uint8_t* px = &rgba[i * 4];
    if (std::isnan(v)) {
      px[0] = px[1] = px[2] = px[3] = 0;
      continue;
    }
    const double g = std::clamp((v - lo) * scale, 0.0, 255.0);
    px[0] = px[1] = px[2] = static_cast<std::uint8_t>(g + 0.5);
    px[3] = 255;
  }
}

}  // namespace fw::rendering
