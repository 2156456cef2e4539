#include "fw/registration/Transform.h"

#include <algorithm>
#include <cmath>

#include "fw/core/Error.h"

namespace fw::registration {

using core::Mat3;
using core::Vec3;

Affine Affine::rigid(const Vec3& anglesDeg, const Vec3& translation, const Vec3& centre) {
  constexpr double kDeg = M_PI / 180.0;
  const Mat3 r = Mat3::rotation({0, 0, 1}, anglesDeg.z * kDeg) *
                 Mat3::rotation({0, 1, 0}, anglesDeg.y * kDeg) *
                 Mat3::rotation({1, 0, 0}, anglesDeg.x * kDeg);
  Affine a;
  a.matrix = r;
  // Rotate about the centre, then translate: y = R (x - c) + c + t.
  a.translation = centre - r * centre + translation;
  return a;
}

Affine Affine::inverse() const {
  Affine inv;
  inv.matrix = matrix.inverse();
  inv.translation = -(inv.matrix * translation);
  return inv;
}

Affine Affine::operator*(const Affine& o) const {
  Affine c;
  c.matrix = matrix * o.matrix;
  c.translation = matrix * o.translation + translation;
  return c;
}

std::array<double, 16> Affine::toMatrix4() const {
  std::array<double, 16> m{};
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) m[r * 4 + c] = matrix(r, c);
    m[r * 4 + 3] = translation[r];
  }
  m[15] = 1.0;
  return m;
}

Affine Affine::fromMatrix4(const std::array<double, 16>& m) {
  if (std::abs(m[12]) > 1e-12 || std::abs(m[13]) > 1e-12 || std::abs(m[14]) > 1e-12 ||
      std::abs(m[15] - 1.0) > 1e-12)
    throw core::Error("not an affine matrix: the last row must be 0 0 0 1");
  Affine a;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) a.matrix(r, c) = m[r * 4 + c];
    a.translation[r] = m[r * 4 + 3];
  }
  return a;
}

bool Affine::isRigid(double tolerance) const {
  const Mat3 rtr = matrix.transposed() * matrix;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c)
      if (std::abs(rtr(r, c) - (r == c ? 1.0 : 0.0)) > tolerance) return false;
  return matrix.determinant() > 0;
}

DisplacementField::DisplacementField(core::ImageGeometry grid, std::vector<float> xyz)
    : m_grid(std::move(grid)), m_xyz(std::move(xyz)) {
  if (m_grid.voxelCount() == 0) throw core::Error("displacement field: empty grid");
  if (m_xyz.size() != 3 * m_grid.voxelCount())
    throw core::Error("displacement field: " + std::to_string(m_xyz.size()) +
                      " values for a grid of " + std::to_string(m_grid.voxelCount()) +
                      " voxels (3 per voxel expected)");
}

Vec3 DisplacementField::displacementAt(const Vec3& lps) const {
  const Vec3 idx = m_grid.worldToIndex(lps);
  const auto& n = m_grid.size();
  std::array<std::size_t, 3> i0{}, i1{};
  std::array<double, 3> f{};
  for (int a = 0; a < 3; ++a) {
    const double hi = static_cast<double>(n[a] - 1);
    const double x = std::clamp(idx[a], 0.0, hi);
    const double fl = std::floor(x);
    i0[a] = static_cast<std::size_t>(fl);
    i1[a] = std::min(i0[a] + 1, n[a] - 1);
    f[a] = x - fl;
  }
  Vec3 d;
  for (int corner = 0; corner < 8; ++corner) {
    const std::size_t ix = (corner & 1) ? i1[0] : i0[0];
    const std::size_t iy = (corner & 2) ? i1[1] : i0[1];
    const std::size_t iz = (corner & 4) ? i1[2] : i0[2];
    const double w = ((corner & 1) ? f[0] : 1 - f[0]) * ((corner & 2) ? f[1] : 1 - f[1]) *
                     ((corner & 4) ? f[2] : 1 - f[2]);
    if (w == 0.0) continue;
    const std::size_t v = 3 * (ix + n[0] * (iy + n[1] * iz));
    d += Vec3{m_xyz[v], m_xyz[v + 1], m_xyz[v + 2]} * w;
  }
  return d;
}

Transform::Transform(const Affine& affine) { append(affine); }

Transform::Transform(std::shared_ptr<const DisplacementField> field) {
  if (!field) throw core::Error("transform: null displacement field");
  append(std::move(field));
}

void Transform::append(const Stage& s) {
  if (const auto* a = std::get_if<Affine>(&s)) {
    if (!m_stages.empty()) {
      if (auto* last = std::get_if<Affine>(&m_stages.back())) {
        *last = (*a) * (*last);  // last applied first, then a
        return;
      }
    }
  }
  m_stages.push_back(s);
}

Transform Transform::then(const Transform& next) const {
  Transform t = *this;
  for (const auto& s : next.m_stages) t.append(s);
  return t;
}

Vec3 Transform::apply(const Vec3& p) const {
  Vec3 q = p;
  for (const auto& s : m_stages) {
    if (const auto* a = std::get_if<Affine>(&s))
      q = a->apply(q);
    else
      q = std::get<std::shared_ptr<const DisplacementField>>(s)->apply(q);
  }
  return q;
}

std::optional<Affine> Transform::asAffine() const {
  if (m_stages.empty()) return Affine::identity();
  if (m_stages.size() == 1)
    if (const auto* a = std::get_if<Affine>(&m_stages.front())) return *a;
  return std::nullopt;
}

}  // namespace fw::registration
