#pragma once
// A cubic B-spline displacement field over a box of the fixed world: the control grid of the
// deformable B-spline stage (BSplineStage.cpp). Plain arrays, no ITK: a point's displacement
// and its gradient with respect to the coefficients touch only its 4x4x4 control points.
#include <array>
#include <cstddef>
#include <vector>

#include "fw/core/Geometry.h"

namespace fw::registration::detail {

// Control points on a regular grid aligned with `direction` (the fixed image's axes), cells of
// `spacing` mm from `corner` (the box's first corner: the fixed image's voxel corner). Along
// each axis there are cells + 3 control points; control point j sits at (j - 1) cells from the
// corner (ITK's BSplineTransform layout). Coefficients are LPS displacement vectors (mm),
// interleaved: coefficients()[3 * (i + nx * (j + ny * k)) + component].
class BSplineGrid {
 public:
  BSplineGrid(const core::Vec3& corner, const core::Mat3& direction,
              const std::array<std::size_t, 3>& cells, const core::Vec3& spacing);

  const std::array<std::size_t, 3>& cells() const { return m_cells; }
  const std::array<std::size_t, 3>& size() const { return m_size; }  // control points per axis
  std::size_t count() const { return m_size[0] * m_size[1] * m_size[2]; }
  const core::Vec3& spacing() const { return m_spacing; }
  std::vector<double>& coefficients() { return m_c; }
  const std::vector<double>& coefficients() const { return m_c; }

  // The 64 control points of a point: the first one's index and the separable weights.
  struct Support {
    std::size_t base = 0;  // control point (i0, j0, k0) as i0 + nx * (j0 + ny * k0)
    std::array<std::array<double, 4>, 3> w{};
  };
  // False outside the box (the displacement there is zero).
  bool support(const core::Vec3& p, Support& s) const;
  core::Vec3 displacement(const Support& s) const;
  core::Vec3 displacement(const core::Vec3& p) const;

  // The same field on a grid of half the spacing and `fineCells` cells per axis (at most
  // twice the cells here): exact (cubic B-spline two-scale relation), not a fit.
  BSplineGrid refined(const std::array<std::size_t, 3>& fineCells) const;

  // Bending energy of the coefficients: the mean over control points of
  // sum_ab (D_ab c)^2 h^2 / (h_a h_b)^2 (D_aa second differences, D_ab mixed differences counted
  // twice, h^2 the mean squared spacing): dimensionless, the same meaning at every spacing.
  // Returns weight * energy; adds weight * its gradient to `gradient` when not null.
  double bendingEnergy(double weight, std::vector<double>* gradient) const;

 private:
  core::Vec3 m_corner;
  core::Mat3 m_direction;
  core::Mat3 m_toGrid;  // world offset -> continuous cell coordinates
  std::array<std::size_t, 3> m_cells{};
  std::array<std::size_t, 3> m_size{};
  core::Vec3 m_spacing;
  std::vector<double> m_c;
};

}  // namespace fw::registration::detail
