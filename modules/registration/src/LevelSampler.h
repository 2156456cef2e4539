#pragma once
// One pyramid level's image and the trilinear sampler (value and world gradient) over it, shared
// by the rigid/affine engine (Register.cpp) and the B-spline stage (BSplineStage.cpp). Internal
// to the registration module.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ItkImages.h"
#include "fw/core/Geometry.h"
#include "fw/core/Volume.h"

namespace fw::registration::detail {

// One level's image: a float pyramid level, or at the finest level the volume's own voxels
// (int16, uint16 or float), so that no full-resolution float copy is made.
struct LevelImage {
  FloatImage::Pointer coarse;             // the block-averaged level; null for the finest
  const core::Volume* native = nullptr;   // the finest level: the volume itself
  core::ImageGeometry geometry;

  static LevelImage of(FloatImage::Pointer image) {
    LevelImage l;
    l.geometry = core::geometryOf(*image);
    l.coarse = std::move(image);
    return l;
  }
  static LevelImage of(const core::Volume& volume) {
    LevelImage l;
    l.native = &volume;
    l.geometry = volume.geometry();
    return l;
  }
};

// Trilinear value and physical gradient of an image at a world point.
class TrilinearSampler {
 public:
  TrilinearSampler(const LevelImage& image, const MaskImage* mask) : m_mask(mask) {
    const core::ImageGeometry& g = image.geometry;
    m_n = g.size();
    if (image.coarse) {
      m_f32 = image.coarse->GetBufferPointer();
    } else {
      image.native->visitData([&](const auto* d) { set(d); });
    }
    const core::Mat3 m = g.direction() * core::Mat3{{{{g.spacing().x, 0, 0}, {0, g.spacing().y, 0},
                                           {0, 0, g.spacing().z}}}};
    m_toIndex = m.inverse();
    m_gradToWorld = m_toIndex.transposed();
    m_origin = g.origin();
  }

  // False outside the grid (or the mask). grad is d value / d world (per mm). With `clamp`,
  // points just outside the grid take the value at the nearest point inside it.
  bool sample(const core::Vec3& p, double& value, core::Vec3* grad, bool clamp = false) const {
    core::Vec3 c = m_toIndex * (p - m_origin);
    const double hx = double(m_n[0] - 1), hy = double(m_n[1] - 1), hz = double(m_n[2] - 1);
    if (clamp) {
      c = {std::clamp(c.x, 0.0, hx), std::clamp(c.y, 0.0, hy), std::clamp(c.z, 0.0, hz)};
    }
    if (!(c.x >= 0 && c.y >= 0 && c.z >= 0)) return false;
    if (!(c.x <= hx && c.y <= hy && c.z <= hz)) return false;
    std::size_t i = static_cast<std::size_t>(c.x), j = static_cast<std::size_t>(c.y),
                k = static_cast<std::size_t>(c.z);
    if (i + 1 >= m_n[0] && m_n[0] > 1) --i;
    if (j + 1 >= m_n[1] && m_n[1] > 1) --j;
    if (k + 1 >= m_n[2] && m_n[2] > 1) --k;
    const double fx = c.x - double(i), fy = c.y - double(j), fz = c.z - double(k);
    const std::size_t sx = m_n[0] > 1 ? 1 : 0, sy = m_n[1] > 1 ? m_n[0] : 0,
                      sz = m_n[2] > 1 ? m_n[0] * m_n[1] : 0;
    const std::size_t base = i + m_n[0] * (j + m_n[1] * k);
    if (m_mask) {
      const std::size_t ni = i + (fx > 0.5 ? 1 : 0) * (sx ? 1 : 0);
      const std::size_t nj = j + (fy > 0.5 ? 1 : 0) * (sy ? 1 : 0);
      const std::size_t nk = k + (fz > 0.5 ? 1 : 0) * (sz ? 1 : 0);
      if (!m_mask->GetBufferPointer()[ni + m_n[0] * (nj + m_n[1] * nk)]) return false;
    }
    double v[8];
    if (m_f32)
      corners(m_f32 + base, sx, sy, sz, v);
    else if (m_i16)
      corners(m_i16 + base, sx, sy, sz, v);
    else
      corners(m_u16 + base, sx, sy, sz, v);
    const double v000 = v[0], v100 = v[1], v010 = v[2], v110 = v[3];
    const double v001 = v[4], v101 = v[5], v011 = v[6], v111 = v[7];
    const double a00 = v000 + fx * (v100 - v000), a10 = v010 + fx * (v110 - v010);
    const double a01 = v001 + fx * (v101 - v001), a11 = v011 + fx * (v111 - v011);
    const double b0 = a00 + fy * (a10 - a00), b1 = a01 + fy * (a11 - a01);
    value = b0 + fz * (b1 - b0);
    if (grad) {
      const double gx = (1 - fz) * ((1 - fy) * (v100 - v000) + fy * (v110 - v010)) +
                        fz * ((1 - fy) * (v101 - v001) + fy * (v111 - v011));
      const double gy = (1 - fz) * (a10 - a00) + fz * (a11 - a01);
      const double gz = b1 - b0;
      *grad = m_gradToWorld * core::Vec3{gx, gy, gz};
    }
    return true;
  }

  // Every `step`-th voxel value, for a robust intensity range.
  std::vector<double> strided(std::size_t step) const {
    const std::size_t total = m_n[0] * m_n[1] * m_n[2];
    std::vector<double> out;
    out.reserve(total / step + 1);
    for (std::size_t v = 0; v < total; v += step)
      out.push_back(m_f32 ? double(m_f32[v]) : m_i16 ? double(m_i16[v]) : double(m_u16[v]));
    return out;
  }
  std::size_t voxelCount() const { return m_n[0] * m_n[1] * m_n[2]; }

 private:
  template <class T>
  static void corners(const T* d, std::size_t sx, std::size_t sy, std::size_t sz, double* v) {
    v[0] = d[0];
    v[1] = d[sx];
    v[2] = d[sy];
    v[3] = d[sx + sy];
    v[4] = d[sz];
    v[5] = d[sx + sz];
    v[6] = d[sy + sz];
    v[7] = d[sx + sy + sz];
  }
  void set(const float* d) { m_f32 = d; }
  void set(const std::int16_t* d) { m_i16 = d; }
  void set(const std::uint16_t* d) { m_u16 = d; }

  const MaskImage* m_mask;
  std::array<std::size_t, 3> m_n{};
  const float* m_f32 = nullptr;
  const std::int16_t* m_i16 = nullptr;
  const std::uint16_t* m_u16 = nullptr;
  core::Mat3 m_toIndex, m_gradToWorld;
  core::Vec3 m_origin;
};

}  // namespace fw::registration::detail
