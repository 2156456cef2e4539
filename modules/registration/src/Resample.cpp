// resample(): the moving volume on a grid through a transform. A linear transform takes the
// fast path: along a grid row the moving continuous index advances by a constant step, so each
// voxel costs one add per axis instead of a matrix product. Displacement-field stages go
// through Transform::apply per voxel. OpenMP over slices; progress and cancel per slice.
#include "fw/registration/Resample.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <type_traits>

#include "fw/core/Error.h"

namespace fw::registration {

using core::Mat3;
using core::Vec3;

namespace {

template <class T>
T castValue(double v) {
  if constexpr (std::is_integral_v<T>) {
    const double r = std::round(v);
    return static_cast<T>(std::clamp(r, double(std::numeric_limits<T>::lowest()),
                                     double(std::numeric_limits<T>::max())));
  } else {
    return static_cast<T>(v);
  }
}

template <class T>
double interpolate(const T* data, const std::array<std::size_t, 3>& n, const Vec3& c,
                   Interpolation mode, double outside) {
  if (mode == Interpolation::Nearest) {
    const double ri = std::round(c.x), rj = std::round(c.y), rk = std::round(c.z);
    if (ri < 0 || rj < 0 || rk < 0 || ri > double(n[0] - 1) || rj > double(n[1] - 1) ||
        rk > double(n[2] - 1))
      return outside;
    return data[std::size_t(ri) + n[0] * (std::size_t(rj) + n[1] * std::size_t(rk))];
  }
  // Linear: inside the hull of voxel centres (a tolerance of 1e-6 voxel keeps exact border
  // centres in despite rounding).
  constexpr double eps = 1e-6;
  if (!(c.x >= -eps && c.y >= -eps && c.z >= -eps && c.x <= double(n[0] - 1) + eps &&
        c.y <= double(n[1] - 1) + eps && c.z <= double(n[2] - 1) + eps))
    return outside;
  std::array<std::size_t, 3> i0{}, i1{};
  std::array<double, 3> f{};
  for (int a = 0; a < 3; ++a) {
    const double hi = double(n[static_cast<std::size_t>(a)] - 1);
    const double x = std::clamp(c[a], 0.0, hi);
    const double fl = std::min(std::floor(x), std::max(0.0, hi - 1));
    i0[static_cast<std::size_t>(a)] = std::size_t(fl);
    i1[static_cast<std::size_t>(a)] = std::min(std::size_t(fl) + 1, n[static_cast<std::size_t>(a)] - 1);
    f[static_cast<std::size_t>(a)] = x - fl;
  }
  auto at = [&](std::size_t i, std::size_t j, std::size_t k) {
    return double(data[i + n[0] * (j + n[1] * k)]);
  };
  const double c00 = at(i0[0], i0[1], i0[2]) * (1 - f[0]) + at(i1[0], i0[1], i0[2]) * f[0];
  const double c10 = at(i0[0], i1[1], i0[2]) * (1 - f[0]) + at(i1[0], i1[1], i0[2]) * f[0];
  const double c01 = at(i0[0], i0[1], i1[2]) * (1 - f[0]) + at(i1[0], i0[1], i1[2]) * f[0];
  const double c11 = at(i0[0], i1[1], i1[2]) * (1 - f[0]) + at(i1[0], i1[1], i1[2]) * f[0];
  const double c0 = c00 * (1 - f[1]) + c10 * f[1];
  const double c1 = c01 * (1 - f[1]) + c11 * f[1];
  return c0 * (1 - f[2]) + c1 * f[2];
}

template <class ImageT>
core::VolumePtr resampleTyped(const core::Volume& moving, const ImageT& movingImage,
                              const core::ImageGeometry& grid, const Transform& transform,
                              Interpolation mode, double outside, core::ProgressSink& progress) {
  using T = typename ImageT::PixelType;
  auto out = core::allocateImage<ImageT>(grid);
  T* dst = out->GetBufferPointer();
  const T* src = movingImage.GetBufferPointer();
  const core::ImageGeometry& mg = moving.geometry();
  const auto& mn = mg.size();
  const auto& n = grid.size();
  const std::optional<Affine> linear = transform.asAffine();
  // Fixed index -> moving continuous index, when linear: W2I_m * A * I2W_f.
  Vec3 rowStep, colStep, sliceStep, start;
  if (linear) {
    const Mat3 mToIndex = mg.direction() * Mat3{{{{mg.spacing().x, 0, 0}, {0, mg.spacing().y, 0},
                                                    {0, 0, mg.spacing().z}}}};
    const Mat3 toIdx = mToIndex.inverse();
    const Mat3 fToWorld = grid.direction() * Mat3{{{{grid.spacing().x, 0, 0},
                                                     {0, grid.spacing().y, 0},
                                                     {0, 0, grid.spacing().z}}}};
    const Mat3 m = toIdx * linear->matrix * fToWorld;
    rowStep = m.column(0);
    colStep = m.column(1);
    sliceStep = m.column(2);
    start = toIdx * (linear->apply(grid.origin()) - mg.origin());
  }
  const double outsideT = outside;
  std::atomic<bool> cancelled{false};
  std::atomic<std::size_t> done{0};
  const long nz = static_cast<long>(n[2]);
#pragma omp parallel for schedule(dynamic, 1)
  for (long kz = 0; kz < nz; ++kz) {
    if (cancelled.load(std::memory_order_relaxed)) continue;
    const std::size_t k = static_cast<std::size_t>(kz);
    for (std::size_t j = 0; j < n[1]; ++j) {
      T* row = dst + n[0] * (j + n[1] * k);
      if (linear) {
        Vec3 c = start + sliceStep * double(k) + colStep * double(j);
        for (std::size_t i = 0; i < n[0]; ++i) {
          // Recomputed from the row start every 64 voxels, so rounding never accumulates.
          if ((i & 63) == 0) c = start + sliceStep * double(k) + colStep * double(j) + rowStep * double(i);
          row[i] = castValue<T>(interpolate(src, mn, c, mode, outsideT));
          c += rowStep;
        }
      } else {
        for (std::size_t i = 0; i < n[0]; ++i) {
          const Vec3 p = grid.indexToWorld({double(i), double(j), double(k)});
          const Vec3 c = mg.worldToIndex(transform.apply(p));
          row[i] = castValue<T>(interpolate(src, mn, c, mode, outsideT));
        }
      }
    }
    const std::size_t d = ++done;
    if (!progress.report(double(d) / double(nz), "resampling")) cancelled = true;
  }
  if (cancelled) throw core::Cancelled();
  auto volume = std::make_shared<core::Volume>(typename ImageT::Pointer(out), moving.modality(),
                                               moving.units());
  volume->setIdentity(moving.identity());
  volume->setName(moving.name());
  return volume;
}

}  // namespace

core::VolumePtr resample(const core::Volume& moving, const core::ImageGeometry& grid,
                         const Transform& transform, Interpolation interpolation,
                         std::optional<double> outsideValue, core::ProgressSink& progress) {
  if (grid.voxelCount() == 0) throw core::Error("resample: the target grid is empty");
  if (moving.geometry().voxelCount() == 0)
    throw core::Error("resample: the moving volume '" + moving.name() + "' is empty");
  const double outside = outsideValue.value_or(moving.valueRange().first);
  return std::visit(
      [&](const auto& image) -> core::VolumePtr {
        return resampleTyped(moving, *image, grid, transform, interpolation, outside, progress);
      },
      moving.image());
}

}  // namespace fw::registration
