#include "BSplineGrid.h"

#include <cmath>

#include "fw/core/Error.h"

namespace fw::registration::detail {

using core::Mat3;
using core::Vec3;

namespace {

// Cubic B-spline weights of the four control points around t in [0, 1).
std::array<double, 4> weights(double t) {
  const double s = 1.0 - t, t2 = t * t, t3 = t2 * t;
  return {s * s * s / 6.0, (4.0 - 6.0 * t2 + 3.0 * t3) / 6.0,
          (1.0 + 3.0 * t + 3.0 * t2 - 3.0 * t3) / 6.0, t3 / 6.0};
}

}  // namespace

BSplineGrid::BSplineGrid(const Vec3& corner, const Mat3& direction,
                         const std::array<std::size_t, 3>& cells, const Vec3& spacing)
    : m_corner(corner), m_direction(direction), m_cells(cells), m_spacing(spacing) {
  for (int a = 0; a < 3; ++a) {
    if (cells[a] < 1 || !(spacing[a] > 0))
      throw core::Error("B-spline grid: cells and spacing must be positive");
    m_size[a] = cells[a] + 3;
  }
  const Mat3 inv = direction.inverse();
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) m_toGrid(r, c) = inv(r, c) / spacing[r];
  m_c.assign(3 * count(), 0.0);
}

bool BSplineGrid::support(const Vec3& p, Support& s) const {
  const Vec3 u = m_toGrid * (p - m_corner);
  std::array<std::size_t, 3> cell{};
  for (int a = 0; a < 3; ++a) {
    const double n = static_cast<double>(m_cells[a]);
    if (!(u[a] >= -1e-9 && u[a] <= n + 1e-9)) return false;
    double c = std::floor(u[a]);
    if (c < 0) c = 0;
    if (c > n - 1) c = n - 1;
    cell[a] = static_cast<std::size_t>(c);
    s.w[static_cast<std::size_t>(a)] = weights(std::min(1.0, std::max(0.0, u[a] - c)));
  }
  s.base = cell[0] + m_size[0] * (cell[1] + m_size[1] * cell[2]);
  return true;
}

Vec3 BSplineGrid::displacement(const Support& s) const {
  const std::size_t nx = m_size[0], nxy = m_size[0] * m_size[1];
  double d0 = 0, d1 = 0, d2 = 0;
  for (std::size_t k = 0; k < 4; ++k)
    for (std::size_t j = 0; j < 4; ++j) {
      const double wjk = s.w[2][k] * s.w[1][j];
      const double* c = m_c.data() + 3 * (s.base + j * nx + k * nxy);
      for (std::size_t i = 0; i < 4; ++i) {
        const double w = wjk * s.w[0][i];
        d0 += w * c[3 * i];
        d1 += w * c[3 * i + 1];
        d2 += w * c[3 * i + 2];
      }
    }
  return {d0, d1, d2};
}

Vec3 BSplineGrid::displacement(const Vec3& p) const {
  Support s;
  return support(p, s) ? displacement(s) : Vec3{};
}

BSplineGrid BSplineGrid::refined(const std::array<std::size_t, 3>& fineCells) const {
  for (int a = 0; a < 3; ++a)
    if (fineCells[a] < 1 || fineCells[a] > 2 * m_cells[a])
      throw core::Error("B-spline grid: a refined grid has 1 to twice the cells per axis");
  BSplineGrid fine(m_corner, m_direction, fineCells, m_spacing * 0.5);
  // Separable: refine along x, then y, then z. Fine control point jf sits at u = jf - 1 fine
  // cells; u = 2U takes (C[J-1] + 6 C[J] + C[J+1]) / 8 and u = 2U + 1 takes (C[J] + C[J+1]) / 2,
  // with J = U + 1 the coarse control point at U (the cubic B-spline two-scale relation).
  std::vector<double> cur = m_c;
  std::array<std::size_t, 3> n = m_size;
  for (int axis = 0; axis < 3; ++axis) {
    std::array<std::size_t, 3> m = n;
    m[axis] = fine.m_size[axis];
    std::vector<double> next(3 * m[0] * m[1] * m[2], 0.0);
    const std::size_t strideIn = axis == 0 ? 1 : (axis == 1 ? n[0] : n[0] * n[1]);
    for (std::size_t k = 0; k < m[2]; ++k)
      for (std::size_t j = 0; j < m[1]; ++j)
        for (std::size_t i = 0; i < m[0]; ++i) {
          const std::array<std::size_t, 3> q{i, j, k};
          const std::size_t jf = q[axis];
          std::array<std::size_t, 3> src = q;
          src[axis] = 0;
          const std::size_t row = src[0] + n[0] * (src[1] + n[1] * src[2]);
          const std::size_t out = 3 * (i + m[0] * (j + m[1] * k));
          for (int c = 0; c < 3; ++c) {
            auto at = [&](std::size_t J) { return cur[3 * (row + J * strideIn) + c]; };
            double v;
            if (jf % 2 == 1) {
              const std::size_t J = (jf + 1) / 2;
              v = (at(J - 1) + 6.0 * at(J) + at(J + 1)) / 8.0;
            } else {
              const std::size_t J = jf / 2;
              v = (at(J) + at(J + 1)) / 2.0;
            }
            next[out + static_cast<std::size_t>(c)] = v;
          }
        }
    cur.swap(next);
    n = m;
  }
  fine.m_c = std::move(cur);
  return fine;
}

double BSplineGrid::bendingEnergy(double weight, std::vector<double>* gradient) const {
  if (weight <= 0) return 0.0;
  const std::size_t nx = m_size[0], ny = m_size[1], nz = m_size[2];
  const std::size_t n = count();
  const Vec3& h = m_spacing;
  const double h2 = (h.x * h.x + h.y * h.y + h.z * h.z) / 3.0;
  const double scale = weight / static_cast<double>(n);
  auto at = [&](std::size_t i, std::size_t j, std::size_t k) { return i + nx * (j + ny * k); };
  double energy = 0;
  for (std::size_t k = 0; k < nz; ++k)
    for (std::size_t j = 0; j < ny; ++j)
      for (std::size_t i = 0; i < nx; ++i) {
        const std::array<std::size_t, 3> p{i, j, k};
        struct Term {
          std::array<std::size_t, 4> idx;
          std::array<double, 4> coef;
          int count;
          double w;
        };
        Term terms[6];
        int nt = 0;
        for (int a = 0; a < 3; ++a) {
          if (p[a] == 0 || p[a] + 1 >= m_size[a]) continue;
          auto lo = p, hi = p;
          --lo[a];
          ++hi[a];
          terms[nt++] = {{at(lo[0], lo[1], lo[2]), at(i, j, k), at(hi[0], hi[1], hi[2]), 0},
                         {1, -2, 1, 0}, 3, h2 / (h[a] * h[a] * h[a] * h[a])};
        }
        for (int a = 0; a < 3; ++a)
          for (int b = a + 1; b < 3; ++b) {
            if (p[a] + 1 >= m_size[a] || p[b] + 1 >= m_size[b]) continue;
            auto pa = p, pb = p, pab = p;
            ++pa[a];
            ++pb[b];
            ++pab[a];
            ++pab[b];
            terms[nt++] = {{at(pab[0], pab[1], pab[2]), at(pa[0], pa[1], pa[2]),
                            at(pb[0], pb[1], pb[2]), at(i, j, k)},
                           {1, -1, -1, 1}, 4, 2.0 * h2 / (h[a] * h[a] * h[b] * h[b])};
          }
        for (int t = 0; t < nt; ++t)
          for (std::size_t c = 0; c < 3; ++c) {
            const Term& term = terms[t];
            double r = 0;
            for (int s = 0; s < term.count; ++s) r += term.coef[s] * m_c[3 * term.idx[s] + c];
            energy += term.w * r * r;
            if (gradient)
              for (int s = 0; s < term.count; ++s)
                (*gradient)[3 * term.idx[s] + c] += scale * 2.0 * term.w * r * term.coef[s];
          }
      }
  return scale * energy;
}

}  // namespace fw::registration::detail
