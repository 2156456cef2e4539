#include "fw/core/Geometry.h"

#include <cstdio>

#include "fw/core/Error.h"

namespace fw::core {

std::string toString(const Vec3& v, int decimals) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "%.*f, %.*f, %.*f", decimals, v.x, decimals, v.y, decimals, v.z);
  return buf;
}

Mat3 Mat3::fromColumns(const Vec3& c0, const Vec3& c1, const Vec3& c2) {
  Mat3 r;
  for (int i = 0; i < 3; ++i) {
    r.m[i][0] = c0[i];
    r.m[i][1] = c1[i];
    r.m[i][2] = c2[i];
  }
  return r;
}

Mat3 Mat3::rotation(const Vec3& axisIn, double angle) {
  const Vec3 a = normalized(axisIn);
  const double c = std::cos(angle), s = std::sin(angle), t = 1 - c;
  Mat3 r;
  r.m = {{{t * a.x * a.x + c, t * a.x * a.y - s * a.z, t * a.x * a.z + s * a.y},
          {t * a.x * a.y + s * a.z, t * a.y * a.y + c, t * a.y * a.z - s * a.x},
          {t * a.x * a.z - s * a.y, t * a.y * a.z + s * a.x, t * a.z * a.z + c}}};
  return r;
}

Vec3 Mat3::operator*(const Vec3& v) const {
  return {m[0][0] * v.x + m[0][1] * v.y + m[0][2] * v.z,
          m[1][0] * v.x + m[1][1] * v.y + m[1][2] * v.z,
          m[2][0] * v.x + m[2][1] * v.y + m[2][2] * v.z};
}

Mat3 Mat3::operator*(const Mat3& o) const {
  Mat3 r;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) r.m[i][j] = m[i][0] * o.m[0][j] + m[i][1] * o.m[1][j] + m[i][2] * o.m[2][j];
  return r;
}

Mat3 Mat3::transposed() const {
  Mat3 r;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) r.m[i][j] = m[j][i];
  return r;
}

double Mat3::determinant() const {
  return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
         m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
         m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

Mat3 Mat3::inverse() const {
  const double det = determinant();
  if (!(std::abs(det) > 1e-12)) throw Error("matrix is singular (determinant " + std::to_string(det) + ")");
  Mat3 r;
  r.m[0][0] = (m[1][1] * m[2][2] - m[1][2] * m[2][1]) / det;
  r.m[0][1] = (m[0][2] * m[2][1] - m[0][1] * m[2][2]) / det;
  r.m[0][2] = (m[0][1] * m[1][2] - m[0][2] * m[1][1]) / det;
  r.m[1][0] = (m[1][2] * m[2][0] - m[1][0] * m[2][2]) / det;
  r.m[1][1] = (m[0][0] * m[2][2] - m[0][2] * m[2][0]) / det;
  r.m[1][2] = (m[0][2] * m[1][0] - m[0][0] * m[1][2]) / det;
  r.m[2][0] = (m[1][0] * m[2][1] - m[1][1] * m[2][0]) / det;
  r.m[2][1] = (m[0][1] * m[2][0] - m[0][0] * m[2][1]) / det;
  r.m[2][2] = (m[0][0] * m[1][1] - m[0][1] * m[1][0]) / det;
  return r;
}

ImageGeometry::ImageGeometry(const std::array<std::size_t, 3>& size, const Vec3& spacing,
                             const Vec3& origin, const Mat3& direction)
    : m_size(size), m_spacing(spacing), m_origin(origin), m_direction(direction) {
  for (int a = 0; a < 3; ++a)
    if (!(spacing[a] > 0)) throw Error("voxel spacing must be positive, got " + toString(spacing, 4));
  Mat3 scale;
  scale.m = {{{spacing.x, 0, 0}, {0, spacing.y, 0}, {0, 0, spacing.z}}};
  m_indexToWorld = direction * scale;
  try {
    m_worldToIndex = m_indexToWorld.inverse();
  } catch (Error& e) {
    throw e.addContext("invalid image direction");
  }
}

Vec3 ImageGeometry::indexToWorld(const Vec3& index) const { return m_origin + m_indexToWorld * index; }

Vec3 ImageGeometry::worldToIndex(const Vec3& world) const { return m_worldToIndex * (world - m_origin); }

bool ImageGeometry::worldToNearestVoxel(const Vec3& world, std::array<std::size_t, 3>& voxel) const {
  const Vec3 idx = worldToIndex(world);
  for (int a = 0; a < 3; ++a) {
    const double r = std::floor(idx[a] + 0.5);
    if (r < 0 || r >= static_cast<double>(m_size[a])) return false;
    voxel[a] = static_cast<std::size_t>(r);
  }
  return true;
}

Vec3 ImageGeometry::center() const {
  return indexToWorld({(m_size[0] - 1) / 2.0, (m_size[1] - 1) / 2.0, (m_size[2] - 1) / 2.0});
}

void ImageGeometry::worldBounds(Vec3& min, Vec3& max) const {
  min = {1e300, 1e300, 1e300};
  max = {-1e300, -1e300, -1e300};
  for (int c = 0; c < 8; ++c) {
    const Vec3 idx{(c & 1) ? m_size[0] - 0.5 : -0.5, (c & 2) ? m_size[1] - 0.5 : -0.5,
                   (c & 4) ? m_size[2] - 0.5 : -0.5};
    const Vec3 w = indexToWorld(idx);
    for (int a = 0; a < 3; ++a) {
      min[a] = std::min(min[a], w[a]);
      max[a] = std::max(max[a], w[a]);
    }
  }
}

int ImageGeometry::voxelAxisClosestTo(int worldAxis) const {
  int best = 0;
  for (int a = 1; a < 3; ++a)
    if (std::abs(m_direction(worldAxis, a)) > std::abs(m_direction(worldAxis, best))) best = a;
  return best;
}

std::array<double, 16> ImageGeometry::indexToWorldMatrix() const {
  std::array<double, 16> r{};
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) r[i * 4 + j] = m_indexToWorld(i, j);
    r[i * 4 + 3] = m_origin[i];
  }
  r[15] = 1;
  return r;
}

std::array<double, 16> rasAffine(const ImageGeometry& g) {
  std::array<double, 16> a = g.indexToWorldMatrix();
  for (int j = 0; j < 4; ++j) {  // negate rows x and y
    a[0 * 4 + j] = -a[0 * 4 + j];
    a[1 * 4 + j] = -a[1 * 4 + j];
  }
  return a;
}

ImageGeometry geometryFromRasAffine(const std::array<std::size_t, 3>& size,
                                    const std::array<double, 16>& ras) {
  Vec3 cols[3];
  Vec3 spacing;
  for (int j = 0; j < 3; ++j) {
    const Vec3 c{-ras[0 * 4 + j], -ras[1 * 4 + j], ras[2 * 4 + j]};
    spacing[j] = norm(c);
    if (!(spacing[j] > 0)) throw Error("affine has a zero column");
    cols[j] = c / spacing[j];
  }
  return ImageGeometry(size, spacing, {-ras[3], -ras[7], ras[11]},
                       Mat3::fromColumns(cols[0], cols[1], cols[2]));
}

std::string orientationCode(const Mat3& d) {
  static const char pos[3] = {'L', 'P', 'S'};
  static const char neg[3] = {'R', 'A', 'I'};
  std::string code;
  for (int c = 0; c < 3; ++c) {
    int best = 0;
    for (int r = 1; r < 3; ++r)
      if (std::abs(d(r, c)) > std::abs(d(best, c))) best = r;
    code += d(best, c) >= 0 ? pos[best] : neg[best];
  }
  return code;
}

}  // namespace fw::core
