#pragma once
// ITK side of modules/registration (private): volumes as float ITK images with exact geometry,
// the image pyramid built once by block averaging, body masks that skip air, random sample
// points inside a mask, and conversions between our Affine and ITK's linear transforms.
// Shared by the linear engine (Register.cpp) and the deformable stage (RegisterDeformable.cpp).
#include <array>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include <itkAffineTransform.h>
#include <itkEuler3DTransform.h>
#include <itkImage.h>
#include <itkMatrixOffsetTransformBase.h>
#include <itkPointSet.h>

#include "fw/core/Progress.h"
#include "fw/core/Volume.h"
#include "fw/registration/Transform.h"

namespace fw::registration::detail {

using FloatImage = itk::Image<float, 3>;
using MaskImage = itk::Image<std::uint8_t, 3>;  // 0 = outside, 1 = inside
using ItkAffine = itk::AffineTransform<double, 3>;
using ItkEuler = itk::Euler3DTransform<double>;
using ItkLinear = itk::MatrixOffsetTransformBase<double, 3, 3>;
using PointSet = itk::PointSet<float, 3>;

// The volume's voxels as float, same size, origin, spacing and direction (exact copy of the
// geometry; a float32 volume's buffer is copied too, so the result may be modified).
FloatImage::Pointer toFloatImage(const core::Volume& volume);

// Shrink factors (per voxel axis) for each pyramid level, coarsest first; the last level is
// always {1,1,1}. The coarsest level aims at ~4 mm voxels for levels <= 3 and doubles per
// further level (8 mm for 4 levels); a factor never leaves fewer than 8 voxels along an axis.
std::vector<std::array<unsigned, 3>> pyramidFactors(const core::ImageGeometry& grid, int levels);

// Block average: each output voxel is the mean of an f0 x f1 x f2 block; the output grid keeps
// the direction, spacing * f, and places voxel 0 at the centre of the first block (exact
// geometry, so the world position of the content does not move). Incomplete edge blocks are
// dropped.
FloatImage::Pointer blockAverage(const FloatImage& image, const std::array<unsigned, 3>& factors);

// The same block average read straight from a volume's own voxels (int16, uint16 or float; no
// float copy of the full-resolution image first).
FloatImage::Pointer blockAverage(const core::Volume& volume, const std::array<unsigned, 3>& factors);

// The pyramid, coarsest first; the last level is `image` itself (shared, not copied).
struct Pyramid {
  std::vector<FloatImage::Pointer> levels;
  std::vector<std::array<unsigned, 3>> factors;
};
Pyramid buildPyramid(const FloatImage::Pointer& image, int levels,
                     core::ProgressSink& progress = core::NullProgress::instance());

// Body mask of an image: CT (isCt) keeps HU > -400; other modalities keep values above 8% of
// a robust maximum (99th percentile). Dilated by `dilateVoxels` so the body's edge (much of
// mutual information's signal) is sampled too.
MaskImage::Pointer bodyMask(const FloatImage& image, bool isCt, int dilateVoxels = 1);
// True when the volume holds CT numbers (modality CT or units "HU").
bool isCtVolume(const core::Volume& volume);

// A user mask (voxels != 0 inside, on any grid) sampled at the voxel centres of `grid`
// (nearest neighbour in world space; outside the mask's grid counts as outside).
MaskImage::Pointer maskOnGrid(const core::Volume& mask, const FloatImage& grid);
// The same on a grid given by its geometry.
MaskImage::Pointer maskOnGrid(const core::Volume& mask, const core::ImageGeometry& grid);
// Number of voxels inside a mask.
std::size_t maskCount(const MaskImage& mask);

// `count` random points (physical space) in the voxels of `image` inside `mask` (all voxels
// when mask is null), each jittered uniformly within its voxel; deterministic for a seed.
// count == 0 or count >= the voxels inside: every inside voxel centre once, no jitter.
PointSet::Pointer samplePoints(const FloatImage& image, const MaskImage* mask, std::size_t count,
                               unsigned seed);
// The same with `inside(world point)` deciding (rejection sampling: no full-resolution mask
// is built; a coarse mask or the user's mask volume is asked instead). Gives fewer points
// only when `inside` is almost never true (after count * 1000 tries).
PointSet::Pointer samplePoints(const FloatImage& image,
                               const std::function<bool(const core::Vec3&)>& inside,
                               std::size_t count, unsigned seed);
// The same two on a grid given by its geometry (no image needed).
PointSet::Pointer samplePoints(const core::ImageGeometry& grid, const MaskImage* mask,
                               std::size_t count, unsigned seed);
PointSet::Pointer samplePoints(const core::ImageGeometry& grid,
                               const std::function<bool(const core::Vec3&)>& inside,
                               std::size_t count, unsigned seed);
// The random part of the samplers above, for callers with their own generator (the B-spline
// stage seeds one per iteration): up to `count` points drawn uniformly in the voxels of `grid`,
// each jittered within its voxel, kept when `inside` (empty: everywhere) holds; gives up after
// count * 1000 draws.
std::vector<core::Vec3> drawPointsInside(const core::ImageGeometry& grid,
                                         const std::function<bool(const core::Vec3&)>& inside,
                                         std::size_t count, std::mt19937& rng);
// True when the voxel of `mask` nearest to the world point is inside (false outside its grid).
bool insideMask(const MaskImage& mask, const core::Vec3& world);

// Centroid (physical) of the mask's inside voxels; the image centre when the mask is empty.
core::Vec3 maskCentroid(const MaskImage& mask);

// RMS distance of the mask's inside voxels from `centre` (mm): the lever arm that turns a
// rotation into a shift (optimiser scales).
double maskRadius(const MaskImage& mask, const core::Vec3& centre);

// Affine (fixed -> moving, LPS) <-> ITK (same direction: ITK transforms map fixed to moving).
ItkAffine::Pointer toItkAffine(const Affine& affine, const core::Vec3& centre = {});
// A rigid Affine as an Euler3DTransform rotating about `centre`; throws core::Error when the
// matrix is not a rotation.
ItkEuler::Pointer toItkEuler(const Affine& rigid, const core::Vec3& centre);
Affine fromItk(const ItkLinear& transform);

inline core::Vec3 toVec3(const itk::Point<double, 3>& p) { return {p[0], p[1], p[2]}; }
inline itk::Point<double, 3> toItkPoint(const core::Vec3& v) {
  itk::Point<double, 3> p;
  p[0] = v.x;
  p[1] = v.y;
  p[2] = v.z;
  return p;
}

}  // namespace fw::registration::detail
