#pragma once
// World geometry. The world is DICOM patient space, LPS, in millimetres: +x to the patient's
// Left, +y Posterior, +z Superior. Every position the application exchanges (the cursor, view
// planes, measurements) is an LPS point; voxel indices exist only inside a volume. RAS is used
// only at file formats that need it (NIfTI), through lpsToRas/rasToLps below.
#include <array>
#include <cmath>
#include <cstddef>
#include <string>

namespace fw::core {

struct Vec3 {
  double x = 0, y = 0, z = 0;

  double& operator[](int i) { return i == 0 ? x : (i == 1 ? y : z); }
  double operator[](int i) const { return i == 0 ? x : (i == 1 ? y : z); }
  Vec3 operator+(const Vec3& o) const { return {x + o.x, y + o.y, z + o.z}; }
  Vec3 operator-(const Vec3& o) const { return {x - o.x, y - o.y, z - o.z}; }
  Vec3 operator*(double s) const { return {x * s, y * s, z * s}; }
  Vec3 operator/(double s) const { return {x / s, y / s, z / s}; }
  Vec3 operator-() const { return {-x, -y, -z}; }
  Vec3& operator+=(const Vec3& o) { x += o.x; y += o.y; z += o.z; return *this; }
  bool operator==(const Vec3& o) const { return x == o.x && y == o.y && z == o.z; }
  bool operator!=(const Vec3& o) const { return !(*this == o); }
};

inline double dot(const Vec3& a, const Vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
inline Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
inline double norm(const Vec3& a) { return std::sqrt(dot(a, a)); }
inline Vec3 normalized(const Vec3& a) { double n = norm(a); return n > 0 ? a / n : a; }
std::string toString(const Vec3& v, int decimals = 2);

// Row-major 3x3 matrix. As in ITK and DICOM, a direction matrix's columns are the world
// directions of the voxel axes i, j, k.
struct Mat3 {
  std::array<std::array<double, 3>, 3> m{{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}};

  static Mat3 identity() { return {}; }
  static Mat3 fromColumns(const Vec3& c0, const Vec3& c1, const Vec3& c2);
  // Rotation about a unit axis by angle (radians), right-handed.
  static Mat3 rotation(const Vec3& axis, double angle);

  double operator()(int r, int c) const { return m[r][c]; }
  double& operator()(int r, int c) { return m[r][c]; }
  Vec3 column(int c) const { return {m[0][c], m[1][c], m[2][c]}; }
  Vec3 operator*(const Vec3& v) const;
  Mat3 operator*(const Mat3& o) const;
  Mat3 transposed() const;
  double determinant() const;
  Mat3 inverse() const;  // throws Error if singular
};

// The sampling grid of a 3D volume: voxel index (i,j,k), 0-based, at voxel centres, maps to
// world = origin + direction * diag(spacing) * index. This is ITK's and DICOM's convention.
class ImageGeometry {
 public:
  ImageGeometry() = default;
  ImageGeometry(const std::array<std::size_t, 3>& size, const Vec3& spacing, const Vec3& origin,
                const Mat3& direction);

  const std::array<std::size_t, 3>& size() const { return m_size; }
  const Vec3& spacing() const { return m_spacing; }
  const Vec3& origin() const { return m_origin; }
  const Mat3& direction() const { return m_direction; }
  std::size_t voxelCount() const { return m_size[0] * m_size[1] * m_size[2]; }

  // Continuous index <-> LPS world. Exact inverses of each other for any (oblique) direction.
  Vec3 indexToWorld(const Vec3& index) const;
  Vec3 worldToIndex(const Vec3& world) const;
  // The voxel whose centre is nearest to a world point; false when it lies outside the grid.
  bool worldToNearestVoxel(const Vec3& world, std::array<std::size_t, 3>& voxel) const;

  // Centre of the grid in world coordinates.
  Vec3 center() const;
  // Axis-aligned LPS bounding box of the voxel corners (half a voxel beyond the centres).
  void worldBounds(Vec3& min, Vec3& max) const;
  // Which voxel axis (0,1,2) runs most nearly along world axis `worldAxis` (0=L,1=P,2=S).
  int voxelAxisClosestTo(int worldAxis) const;

  // The 4x4 matrix that maps continuous index to world, row-major.
  std::array<double, 16> indexToWorldMatrix() const;

 private:
  std::array<std::size_t, 3> m_size{0, 0, 0};
  Vec3 m_spacing{1, 1, 1};
  Vec3 m_origin{0, 0, 0};
  Mat3 m_direction;
  Mat3 m_indexToWorld;  // direction * diag(spacing)
  Mat3 m_worldToIndex;  // its inverse
};

// LPS <-> RAS: flip the sign of x and y. The same function both ways.
inline Vec3 lpsToRas(const Vec3& p) { return {-p.x, -p.y, p.z}; }
inline Vec3 rasToLps(const Vec3& p) { return {-p.x, -p.y, p.z}; }

// The NIfTI sform (RAS, voxel index to mm) of a grid, row-major 4x4, and back.
std::array<double, 16> rasAffine(const ImageGeometry& geometry);
ImageGeometry geometryFromRasAffine(const std::array<std::size_t, 3>& size,
                                    const std::array<double, 16>& affine);

// Anatomical orientation code of a direction matrix, e.g. "LPS" or "RAI": for each voxel axis,
// the world direction it points to (DICOM letters: L/R, P/A, S/I).
std::string orientationCode(const Mat3& direction);

}  // namespace fw::core
