#include "fw/rendering/Downsample.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace fw::rendering {

std::array<std::size_t, 3> downsampleFactors(const core::ImageGeometry& g, std::size_t maxVoxels) {
  std::array<std::size_t, 3> f{1, 1, 1};
  maxVoxels = std::max<std::size_t>(maxVoxels, 1);
  auto count = [&] {
    std::size_t n = 1;
    for (int a = 0; a < 3; ++a) n *= (g.size()[a] + f[a] - 1) / f[a];
    return n;
  };
  // Grow the factor of the axis with the finest resulting spacing, so voxels become as cubic
  // as possible (thin-slice axes first), until the copy is small enough.
  while (count() > maxVoxels) {
    int best = -1;
    for (int a = 0; a < 3; ++a) {
      if (f[a] >= g.size()[a]) continue;
      if (best < 0 || g.spacing()[a] * f[a] < g.spacing()[best] * f[best]) best = a;
    }
    if (best < 0) break;
    ++f[best];
  }
  return f;
}

namespace {

template <class T>
core::Volume::ImageVariant average(const T* src, const core::ImageGeometry& g,
                                   const std::array<std::size_t, 3>& f,
                                   core::ProgressSink* progress) {
  std::array<std::size_t, 3> n;
  for (int a = 0; a < 3; ++a) n[a] = (g.size()[a] + f[a] - 1) / f[a];
  // Voxel centre of block 0: the mean of the centres it covers (a full block's middle).
  core::Vec3 firstCentre;
  for (int a = 0; a < 3; ++a) firstCentre[a] = (std::min(f[a], g.size()[a]) - 1) / 2.0;
  const core::Vec3 origin = g.indexToWorld(firstCentre);
  const core::ImageGeometry out({n[0], n[1], n[2]},
                                {g.spacing().x * f[0], g.spacing().y * f[1], g.spacing().z * f[2]},
                                origin, g.direction());
  using ImageT = itk::Image<T, 3>;
  auto img = core::allocateImage<ImageT>(out);
  T* dst = img->GetBufferPointer();
  const std::size_t nx = g.size()[0], ny = g.size()[1], nz = g.size()[2];
  std::vector<double> sums(n[0]);
  std::vector<int> counts(n[0]);
  for (std::size_t K = 0; K < n[2]; ++K) {
    if (progress) progress->checkCancel(double(K) / n[2], "downsampling for 3D");
    for (std::size_t J = 0; J < n[1]; ++J) {
      std::fill(sums.begin(), sums.end(), 0.0);
      std::fill(counts.begin(), counts.end(), 0);
      for (std::size_t k = K * f[2]; k < std::min(nz, (K + 1) * f[2]); ++k)
        for (std::size_t j = J * f[1]; j < std::min(ny, (J + 1) * f[1]); ++j) {
          const T* row = src + (k * ny + j) * nx;
          for (std::size_t i = 0; i < nx; ++i) {
            sums[i / f[0]] += row[i];
            ++counts[i / f[0]];
          }
        }
      T* out = dst + (K * n[1] + J) * n[0];
      for (std::size_t I = 0; I < n[0]; ++I) {
        const double mean = sums[I] / std::max(1, counts[I]);
        if constexpr (std::is_integral_v<T>)
          out[I] = static_cast<T>(std::lround(mean));
        else
          out[I] = static_cast<T>(mean);
      }
    }
  }
  return img;
}

}  // namespace

core::VolumePtr downsampleForRendering(const core::VolumePtr& volume, std::size_t maxVoxels,
                                       core::ProgressSink* progress) {
  if (!volume) return volume;
  const auto& g = volume->geometry();
  const auto f = downsampleFactors(g, maxVoxels);
  if (f[0] == 1 && f[1] == 1 && f[2] == 1) return volume;
  auto image = volume->visitData([&](const auto* data) { return average(data, g, f, progress); });
  auto copy = std::make_shared<core::Volume>(std::move(image), volume->modality(), volume->units());
  copy->setIdentity(volume->identity());
  copy->setName(volume->name());
  return copy;
}

}  // namespace fw::rendering
