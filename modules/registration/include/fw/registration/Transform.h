#pragma once
// A spatial transform from the FIXED image's world to the MOVING image's world, both LPS mm.
// This is the convention of ITK, elastix, ANTs and 3D Slicer's "from parent" ITK files: to show
// the moving image on the fixed grid, every fixed point p is sampled in the moving image at
// apply(p). A registered series is stored with its Transform; its pixels never change.
//
// A Transform is a chain of stages applied first to last: p -> stage[0] -> stage[1] -> ...
// Each stage is an affine map or a dense displacement field (deformable results). Adjacent
// affine stages are merged, so a rigid or affine result is exactly one Affine. (ITK's
// CompositeTransform stores the same chain in the opposite order: it applies its last-added
// transform first. TransformIO converts.)
#include <array>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "fw/core/Geometry.h"

namespace fw::registration {

// y = matrix * x + translation (LPS mm).
struct Affine {
  core::Mat3 matrix = core::Mat3::identity();
  core::Vec3 translation;

  static Affine identity() { return {}; }
  // Rotation Rz*Ry*Rx (degrees, about the LPS axes) about `centre`, then translation.
  static Affine rigid(const core::Vec3& anglesDeg, const core::Vec3& translation,
                      const core::Vec3& centre = {});
  core::Vec3 apply(const core::Vec3& p) const { return matrix * p + translation; }
  Affine inverse() const;                         // throws core::Error if singular
  Affine operator*(const Affine& o) const;        // (a * b).apply(p) == a.apply(b.apply(p))
  std::array<double, 16> toMatrix4() const;       // row-major homogeneous 4x4
  static Affine fromMatrix4(const std::array<double, 16>& m);
  bool isRigid(double tolerance = 1e-6) const;    // orthonormal with determinant +1
};

// A displacement field d(p) (LPS mm) on a grid in the fixed world: the stage maps p to p + d(p).
// Trilinear between voxel centres; outside the grid d is clamped to the nearest border voxel.
class DisplacementField {
 public:
  // xyz holds 3 floats per voxel (dx, dy, dz), voxel x fastest; size must be 3 * grid voxels.
  DisplacementField(core::ImageGeometry grid, std::vector<float> xyz);
  const core::ImageGeometry& grid() const { return m_grid; }
  const std::vector<float>& data() const { return m_xyz; }
  core::Vec3 displacementAt(const core::Vec3& lps) const;
  core::Vec3 apply(const core::Vec3& p) const { return p + displacementAt(p); }

 private:
  core::ImageGeometry m_grid;
  std::vector<float> m_xyz;
};

class Transform {
 public:
  using Stage = std::variant<Affine, std::shared_ptr<const DisplacementField>>;

  Transform() = default;  // identity
  explicit Transform(const Affine& affine);
  explicit Transform(std::shared_ptr<const DisplacementField> field);

  // This transform followed by `next`: result.apply(p) == next.apply(this->apply(p)).
  Transform then(const Transform& next) const;
  core::Vec3 apply(const core::Vec3& fixedLps) const;

  const std::vector<Stage>& stages() const { return m_stages; }
  bool isIdentity() const { return m_stages.empty(); }
  // The single affine when there is no displacement field (identity included), else nothing.
  std::optional<Affine> asAffine() const;

 private:
  void append(const Stage& s);
  std::vector<Stage> m_stages;
};

}  // namespace fw::registration
