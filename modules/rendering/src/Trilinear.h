#pragma once
// Trilinear interpolation of a voxel buffer at a continuous index, shared by the slice sampler
// and the fusion sampler (both sit in per-pixel loops: everything here is inline).
#include <algorithm>
#include <limits>

namespace fw::rendering::detail {

struct Grid3 {
  long nx, ny, nz;
};

// Trilinear value at continuous index (x, y, z), NaN beyond half a voxel outside the grid
// (the same tolerance as nearest-voxel lookup); axes of one voxel are constant along them.
template <class T>
inline float trilinear(const T* data, const Grid3& g, double x, double y, double z) {
  if (x < -0.5 || y < -0.5 || z < -0.5 || x > g.nx - 0.5 || y > g.ny - 0.5 || z > g.nz - 0.5)
    return std::numeric_limits<float>::quiet_NaN();
  const long sy = g.nx, sz = g.nx * g.ny;
  const double cx = std::clamp(x, 0.0, double(g.nx - 1)), cy = std::clamp(y, 0.0, double(g.ny - 1)),
               cz = std::clamp(z, 0.0, double(g.nz - 1));
  const long i = std::min(static_cast<long>(cx), std::max(g.nx - 2, 0L));
  const long j = std::min(static_cast<long>(cy), std::max(g.ny - 2, 0L));
  const long k = std::min(static_cast<long>(cz), std::max(g.nz - 2, 0L));
  const double fx = g.nx > 1 ? cx - i : 0, fy = g.ny > 1 ? cy - j : 0, fz = g.nz > 1 ? cz - k : 0;
  const long ox = g.nx > 1 ? 1 : 0, oy = g.ny > 1 ? sy : 0, oz = g.nz > 1 ? sz : 0;
  const T* p = data + i + j * sy + k * sz;
  const double c00 = p[0] + fx * (double(p[ox]) - p[0]);
  const double c10 = p[oy] + fx * (double(p[oy + ox]) - p[oy]);
  const double c01 = p[oz] + fx * (double(p[oz + ox]) - p[oz]);
  const double c11 = p[oz + oy] + fx * (double(p[oz + oy + ox]) - p[oz + oy]);
  const double c0 = c00 + fy * (c10 - c00);
  const double c1 = c01 + fy * (c11 - c01);
  return static_cast<float>(c0 + fz * (c1 - c0));
}

}  // namespace fw::rendering::detail
