#include "ItkImages.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "fw/core/Error.h"

namespace fw::registration::detail {

using core::Vec3;

namespace {

// Not zero-filled: every caller writes every voxel (zeroing cost 25% of preparation in perf).
FloatImage::Pointer allocateLike(const core::ImageGeometry& g) {
  return core::allocateImage<FloatImage>(g, false);
}

}  // namespace

FloatImage::Pointer toFloatImage(const core::Volume& volume) {
  const core::ImageGeometry& g = volume.geometry();
  if (g.voxelCount() == 0) throw core::Error("volume '" + volume.name() + "' is empty");
  FloatImage::Pointer out = allocateLike(g);
  float* dst = out->GetBufferPointer();
  const std::size_t n = g.voxelCount();
  const long slices = static_cast<long>(g.size()[2]);
  const std::size_t perSlice = n / g.size()[2];
  volume.visitData([&](const auto* src) {
#pragma omp parallel for schedule(static)
    for (long k = 0; k < slices; ++k) {
      const std::size_t v0 = static_cast<std::size_t>(k) * perSlice;
      for (std::size_t v = v0; v < v0 + perSlice; ++v) dst[v] = static_cast<float>(src[v]);
    }
  });
  return out;
}

std::vector<std::array<unsigned, 3>> pyramidFactors(const core::ImageGeometry& grid, int levels) {
  if (levels < 1) throw core::Error("pyramid: at least one level is needed");
  std::vector<std::array<unsigned, 3>> factors(static_cast<std::size_t>(levels));
  const double coarsest = 4.0 * std::pow(2.0, std::max(0, levels - 3));
  for (int k = 0; k < levels; ++k) {
    std::array<unsigned, 3> f{1, 1, 1};
    if (k < levels - 1) {
      const double target = coarsest / std::pow(2.0, k);
      for (int a = 0; a < 3; ++a) {
        const double s = grid.spacing()[a];
        unsigned fa = static_cast<unsigned>(std::max(1.0, std::round(target / s)));
        const std::size_t n = grid.size()[static_cast<std::size_t>(a)];
        while (fa > 1 && n / fa < 8) --fa;
        f[static_cast<std::size_t>(a)] = fa;
      }
    }
    factors[static_cast<std::size_t>(k)] = f;
  }
  return factors;
}

namespace {

template <class T>
FloatImage::Pointer blockAverageOf(const T* src, const core::ImageGeometry& g,
                                   const std::array<unsigned, 3>& f) {
  const auto& n = g.size();
  std::array<std::size_t, 3> m{};
  for (int a = 0; a < 3; ++a) {
    if (f[a] == 0) throw core::Error("pyramid: zero shrink factor");
    m[a] = std::max<std::size_t>(1, n[a] / f[a]);
  }
  const Vec3 spacing{g.spacing().x * f[0], g.spacing().y * f[1], g.spacing().z * f[2]};
  // Voxel 0 of the output sits at the centre of the first block: index ((f-1)/2) of the input.
  const Vec3 origin = g.indexToWorld({(f[0] - 1) / 2.0, (f[1] - 1) / 2.0, (f[2] - 1) / 2.0});
  FloatImage::Pointer out = allocateLike(core::ImageGeometry(m, spacing, origin, g.direction()));
  float* dst = out->GetBufferPointer();
  // Blocks that reach past the input (an axis shorter than its factor) average what exists.
  const long mz = static_cast<long>(m[2]);
#pragma omp parallel for schedule(static)
  for (long kz = 0; kz < mz; ++kz) {
    const std::size_t k = static_cast<std::size_t>(kz);
    for (std::size_t j = 0; j < m[1]; ++j) {
      for (std::size_t i = 0; i < m[0]; ++i) {
        double sum = 0;
        std::size_t cnt = 0;
        for (std::size_t dz = 0; dz < f[2] && k * f[2] + dz < n[2]; ++dz)
          for (std::size_t dy = 0; dy < f[1] && j * f[1] + dy < n[1]; ++dy) {
            const T* row = src + (i * f[0] + n[0] * (j * f[1] + dy + n[1] * (k * f[2] + dz)));
            for (std::size_t dx = 0; dx < f[0] && i * f[0] + dx < n[0]; ++dx) {
              sum += static_cast<double>(row[dx]);
              ++cnt;
            }
          }
        dst[i + m[0] * (j + m[1] * k)] = static_cast<float>(sum / static_cast<double>(cnt));
      }
    }
  }
  return out;
}

}  // namespace

FloatImage::Pointer blockAverage(const FloatImage& image, const std::array<unsigned, 3>& f) {
  return blockAverageOf(image.GetBufferPointer(), core::geometryOf(image), f);
}

FloatImage::Pointer blockAverage(const core::Volume& volume, const std::array<unsigned, 3>& f) {
  if (volume.geometry().voxelCount() == 0)
    throw core::Error("volume '" + volume.name() + "' is empty");
  return volume.visitData(
      [&](const auto* src) { return blockAverageOf(src, volume.geometry(), f); });
}

Pyramid buildPyramid(const FloatImage::Pointer& image, int levels, core::ProgressSink& progress) {
  Pyramid p;
  p.factors = pyramidFactors(core::geometryOf(*image), levels);
  for (std::size_t k = 0; k < p.factors.size(); ++k) {
    progress.checkCancel(static_cast<double>(k) / static_cast<double>(p.factors.size()),
                         "image pyramid");
    const auto& f = p.factors[k];
    if (f[0] == 1 && f[1] == 1 && f[2] == 1)
      p.levels.push_back(image);
    else
      p.levels.push_back(blockAverage(*image, f));
  }
  return p;
}

bool isCtVolume(const core::Volume& volume) {
  return volume.modality() == core::Modality::CT || volume.units() == "HU";
}

namespace {

// Not zero-filled: bodyMask and maskOnGrid write every voxel.
MaskImage::Pointer allocateMask(const FloatImage& like) {
  return core::allocateImage<MaskImage>(core::geometryOf(like), false);
}

void dilate(MaskImage& mask, int radius) {
  if (radius <= 0) return;
  const auto n = mask.GetLargestPossibleRegion().GetSize();
  std::uint8_t* d = mask.GetBufferPointer();
  const std::size_t total = n[0] * n[1] * n[2];
  // Separable box dilation (a cube of side 2r+1), one pass per axis.
  std::vector<std::uint8_t> tmp(total);
  const std::array<std::size_t, 3> stride{1, n[0], n[0] * n[1]};
  for (int a = 0; a < 3; ++a) {
    std::copy(d, d + total, tmp.begin());
    const std::size_t len = n[static_cast<std::size_t>(a)];
    const std::size_t st = stride[static_cast<std::size_t>(a)];
    for (std::size_t v = 0; v < total; ++v) {
      if (tmp[v]) continue;
      const std::size_t pos = (v / st) % len;
      const std::size_t lo = pos >= static_cast<std::size_t>(radius) ? pos - radius : 0;
      const std::size_t hi = std::min(len - 1, pos + static_cast<std::size_t>(radius));
      for (std::size_t q = lo; q <= hi; ++q) {
        if (tmp[v - pos * st + q * st]) {
          d[v] = 1;
          break;
        }
      }
    }
  }
}

}  // namespace

MaskImage::Pointer bodyMask(const FloatImage& image, bool isCt, int dilateVoxels) {
  const auto n = image.GetLargestPossibleRegion().GetSize();
  const std::size_t total = n[0] * n[1] * n[2];
  const float* src = image.GetBufferPointer();
  double threshold = -400.0;
  if (!isCt) {
    // Robust maximum: the 99th percentile of a strided subsample (exact enough, fast).
    std::vector<float> sample;
    const std::size_t step = std::max<std::size_t>(1, total / 200000);
    sample.reserve(total / step + 1);
    for (std::size_t v = 0; v < total; v += step) sample.push_back(src[v]);
    const std::size_t at = std::min(sample.size() - 1, sample.size() * 99 / 100);
    std::nth_element(sample.begin(), sample.begin() + static_cast<long>(at), sample.end());
    const double robustMax = sample[at];
    const double minimum = *std::min_element(sample.begin(), sample.end());
    threshold = minimum + 0.08 * (robustMax - minimum);
  }
  MaskImage::Pointer mask = allocateMask(image);
  std::uint8_t* d = mask->GetBufferPointer();
  for (std::size_t v = 0; v < total; ++v) d[v] = src[v] > threshold ? 1 : 0;
  dilate(*mask, dilateVoxels);
  return mask;
}

MaskImage::Pointer maskOnGrid(const core::Volume& maskVolume, const FloatImage& grid) {
  return maskOnGrid(maskVolume, core::geometryOf(grid));
}

namespace {

// The same grid to well under a voxel: then every grid voxel centre's nearest mask voxel is
// that voxel itself.
bool sameGrid(const core::ImageGeometry& a, const core::ImageGeometry& b) {
  if (a.size() != b.size()) return false;
  const double tol = 1e-4 * std::min({a.spacing().x, a.spacing().y, a.spacing().z});
  if (core::norm(a.spacing() - b.spacing()) > tol || core::norm(a.origin() - b.origin()) > tol)
    return false;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c)
      if (std::abs(a.direction()(r, c) - b.direction()(r, c)) > 1e-6) return false;
  return true;
}

}  // namespace

MaskImage::Pointer maskOnGrid(const core::Volume& maskVolume, const core::ImageGeometry& g) {
  MaskImage::Pointer mask = core::allocateImage<MaskImage>(g, false);
  if (sameGrid(maskVolume.geometry(), g)) {
    // A mask drawn on this very grid (the usual case at the finest level): its voxels as they
    // are, instead of one world lookup per voxel.
    std::uint8_t* d = mask->GetBufferPointer();
    maskVolume.visitData([&](const auto* src) {
      for (std::size_t v = 0; v < g.voxelCount(); ++v) d[v] = src[v] != 0 ? 1 : 0;
    });
    return mask;
  }
  const auto& n = g.size();
  std::uint8_t* d = mask->GetBufferPointer();
  const long nz = static_cast<long>(n[2]);
#pragma omp parallel for schedule(static)
  for (long kz = 0; kz < nz; ++kz) {
    const std::size_t k = static_cast<std::size_t>(kz);
    for (std::size_t j = 0; j < n[1]; ++j)
      for (std::size_t i = 0; i < n[0]; ++i) {
        const Vec3 p = g.indexToWorld({double(i), double(j), double(k)});
        const auto value = maskVolume.valueAtWorld(p);
        d[i + n[0] * (j + n[1] * k)] = (value && *value != 0.0) ? 1 : 0;
      }
  }
  return mask;
}

std::size_t maskCount(const MaskImage& mask) {
  const auto n = mask.GetLargestPossibleRegion().GetSize();
  const std::uint8_t* d = mask.GetBufferPointer();
  return static_cast<std::size_t>(std::count_if(d, d + n[0] * n[1] * n[2],
                                                [](std::uint8_t v) { return v != 0; }));
}

namespace {

PointSet::Pointer toPointSet(const std::vector<Vec3>& pts) {
  PointSet::Pointer points = PointSet::New();
  auto container = PointSet::PointsContainer::New();
  container->Reserve(pts.size());
  for (std::size_t s = 0; s < pts.size(); ++s) {
    PointSet::PointType q;
    q[0] = pts[s].x;
    q[1] = pts[s].y;
    q[2] = pts[s].z;
    container->SetElement(s, q);
  }
  points->SetPoints(container);
  return points;
}

}  // namespace

PointSet::Pointer samplePoints(const FloatImage& image, const MaskImage* mask, std::size_t count,
                               unsigned seed) {
  return samplePoints(core::geometryOf(image), mask, count, seed);
}

PointSet::Pointer samplePoints(const core::ImageGeometry& g, const MaskImage* mask,
                               std::size_t count, unsigned seed) {
  const auto& n = g.size();
  const std::size_t total = n[0] * n[1] * n[2];
  const std::uint8_t* d = mask ? mask->GetBufferPointer() : nullptr;
  const std::size_t inside = mask ? maskCount(*mask) : total;
  auto toIdx = [&](std::size_t v) {
    return Vec3{double(v % n[0]), double((v / n[0]) % n[1]), double(v / (n[0] * n[1]))};
  };
  std::vector<Vec3> pts;
  if (count == 0 || count >= inside) {
    pts.reserve(inside);
    for (std::size_t v = 0; v < total; ++v)
      if (!d || d[v]) pts.push_back(g.indexToWorld(toIdx(v)));
    return toPointSet(pts);
  }
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> jitter(-0.5, 0.5);
  std::uniform_int_distribution<std::size_t> any(0, total - 1);
  std::vector<std::size_t> list;  // inside voxels, only when they are too rare to hit by chance
  if (inside * 50 < total) {
    for (std::size_t v = 0; v < total; ++v)
      if (d[v]) list.push_back(v);
  }
  pts.reserve(count);
  while (pts.size() < count) {
    std::size_t v;
    if (!list.empty()) {
      v = list[std::uniform_int_distribution<std::size_t>(0, list.size() - 1)(rng)];
    } else {
      v = any(rng);
      if (d && !d[v]) continue;
    }
    Vec3 idx = toIdx(v);
    idx.x += jitter(rng);
    idx.y += jitter(rng);
    idx.z += jitter(rng);
    pts.push_back(g.indexToWorld(idx));
  }
  return toPointSet(pts);
}

PointSet::Pointer samplePoints(const FloatImage& image,
                               const std::function<bool(const Vec3&)>& inside, std::size_t count,
                               unsigned seed) {
  return samplePoints(core::geometryOf(image), inside, count, seed);
}

PointSet::Pointer samplePoints(const core::ImageGeometry& g,
                               const std::function<bool(const Vec3&)>& inside, std::size_t count,
                               unsigned seed) {
  const auto& n = g.size();
  const std::size_t total = n[0] * n[1] * n[2];
  std::vector<Vec3> pts;
  if (count == 0 || count >= total) {
    for (std::size_t k = 0; k < n[2]; ++k)
      for (std::size_t j = 0; j < n[1]; ++j)
        for (std::size_t i = 0; i < n[0]; ++i) {
          const Vec3 p = g.indexToWorld({double(i), double(j), double(k)});
          if (inside(p)) pts.push_back(p);
        }
    return toPointSet(pts);
  }
  std::mt19937 rng(seed);
  return toPointSet(drawPointsInside(g, inside, count, rng));
}

std::vector<Vec3> drawPointsInside(const core::ImageGeometry& g,
                                   const std::function<bool(const Vec3&)>& inside,
                                   std::size_t count, std::mt19937& rng) {
  const auto& n = g.size();
  std::vector<Vec3> pts;
  std::uniform_real_distribution<double> jitter(-0.5, 0.5);
  std::uniform_int_distribution<std::size_t> any(0, g.voxelCount() - 1);
  pts.reserve(count);
  for (std::size_t tries = 0; pts.size() < count && tries < count * 1000; ++tries) {
    const std::size_t v = any(rng);
    Vec3 idx{double(v % n[0]), double((v / n[0]) % n[1]), double(v / (n[0] * n[1]))};
    idx.x += jitter(rng);
    idx.y += jitter(rng);
    idx.z += jitter(rng);
    const Vec3 p = g.indexToWorld(idx);
    if (!inside || inside(p)) pts.push_back(p);
  }
  return pts;
}

bool insideMask(const MaskImage& mask, const Vec3& world) {
  const core::ImageGeometry g = core::geometryOf(mask);
  std::array<std::size_t, 3> v{};
  if (!g.worldToNearestVoxel(world, v)) return false;
  return mask.GetBufferPointer()[v[0] + g.size()[0] * (v[1] + g.size()[1] * v[2])] != 0;
}

Vec3 maskCentroid(const MaskImage& mask) {
  const auto n = mask.GetLargestPossibleRegion().GetSize();
  const core::ImageGeometry g = core::geometryOf(mask);
  const std::uint8_t* d = mask.GetBufferPointer();
  Vec3 sum;
  std::size_t cnt = 0;
  for (std::size_t k = 0; k < n[2]; ++k)
    for (std::size_t j = 0; j < n[1]; ++j)
      for (std::size_t i = 0; i < n[0]; ++i)
        if (d[i + n[0] * (j + n[1] * k)]) {
          sum += Vec3{double(i), double(j), double(k)};
          ++cnt;
        }
  if (cnt == 0) return g.center();
  return g.indexToWorld(sum / static_cast<double>(cnt));
}

double maskRadius(const MaskImage& mask, const Vec3& centre) {
  const auto n = mask.GetLargestPossibleRegion().GetSize();
  const core::ImageGeometry g = core::geometryOf(mask);
  const std::uint8_t* d = mask.GetBufferPointer();
  double sum = 0;
  std::size_t cnt = 0;
  for (std::size_t k = 0; k < n[2]; ++k)
    for (std::size_t j = 0; j < n[1]; ++j)
      for (std::size_t i = 0; i < n[0]; ++i)
        if (d[i + n[0] * (j + n[1] * k)]) {
          const Vec3 r = g.indexToWorld({double(i), double(j), double(k)}) - centre;
          sum += dot(r, r);
          ++cnt;
        }
  if (cnt == 0) return 50.0;
  return std::max(1.0, std::sqrt(sum / static_cast<double>(cnt)));
}

ItkAffine::Pointer toItkAffine(const Affine& a, const Vec3& centre) {
  ItkAffine::Pointer t = ItkAffine::New();
  ItkAffine::MatrixType m;
  ItkAffine::OutputVectorType off;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) m(r, c) = a.matrix(r, c);
    off[r] = a.translation[r];
  }
  t->SetCenter(toItkPoint(centre));
  t->SetMatrix(m);
  t->SetOffset(off);  // keeps the mapping; ITK derives its translation from centre and offset
  return t;
}

ItkEuler::Pointer toItkEuler(const Affine& rigid, const Vec3& centre) {
  if (!rigid.isRigid(1e-5))
    throw core::Error("transform is not rigid (matrix is not a rotation)");
  ItkEuler::Pointer t = ItkEuler::New();
  t->SetComputeZYX(false);  // ITK's default order: R = Rz * Rx * Ry
  ItkEuler::MatrixType m;
  ItkEuler::OutputVectorType off;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) m(r, c) = rigid.matrix(r, c);
    off[r] = rigid.translation[r];
  }
  t->SetCenter(toItkPoint(centre));
  t->SetMatrix(m, 1e-5);
  t->SetOffset(off);
  return t;
}

Affine fromItk(const ItkLinear& t) {
  Affine a;
  const auto& m = t.GetMatrix();
  const auto& off = t.GetOffset();
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) a.matrix(r, c) = m(r, c);
    a.translation[r] = off[r];
  }
  return a;
}

}  // namespace fw::registration::detail
