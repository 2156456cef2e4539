#pragma once
// Internal: partial-volume sampling of the phantom on a grid, and deterministic noise.
#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "fw/core/Error.h"
#include "fw/core/Geometry.h"
#include "fw/core/Progress.h"
#include "fw/phantom/HeadPhantom.h"
#include "fw/phantom/SampleStudy.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace fw::phantom::detail {

// Counter-based noise: the value for (stream, index) does not depend on thread scheduling.
inline std::uint64_t mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
// Standard normal deviate number `index` of stream `stream` (Box-Muller).
inline double gaussian(std::uint64_t stream, std::uint64_t index) {
  const std::uint64_t h1 = mix64(mix64(stream) ^ index);
  const std::uint64_t h2 = mix64(h1 ^ 0x632BE59BD9B4E019ull);
  const double u1 = (static_cast<double>(h1 >> 11) + 0.5) * 0x1.0p-53;
  const double u2 = static_cast<double>(h2 >> 11) * 0x1.0p-53;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}
// Magnitude of a signal with complex Gaussian noise of standard deviation sigma per channel.
inline double rician(double signal, double sigma, std::uint64_t stream, std::uint64_t index) {
  const double re = signal + sigma * gaussian(stream, 2 * index);
  const double im = sigma * gaussian(stream, 2 * index + 1);
  return std::sqrt(re * re + im * im);
}

inline std::int16_t toInt16(double v) {
  return static_cast<std::int16_t>(std::lround(std::clamp(v, -32768.0, 32767.0)));
}

// Continuous voxel index -> head frame (CT world), for a grid in the CT or MR world.
struct IndexToHead {
  core::Vec3 origin;
  core::Vec3 step[3];
  core::Vec3 at(double i, double j, double k) const {
    return origin + step[0] * i + step[1] * j + step[2] * k;
  }
};
inline IndexToHead indexToHead(const core::ImageGeometry& g, bool mrWorld) {
  const RigidTransform toHead = mrWorld ? studyTruth().ctToMr.inverse() : RigidTransform::fromParameters({}, {});
  IndexToHead m;
  m.origin = toHead.apply(g.indexToWorld({0, 0, 0}));
  for (int a = 0; a < 3; ++a) {
    core::Vec3 e;
    e[a] = 1;
    m.step[a] = toHead.apply(g.indexToWorld(e)) - m.origin;
  }
  return m;
}

struct SubSample {
  Tissue tissue;
  core::Vec3 head;
};

struct SampleOptions {
  std::array<int, 3> factors{2, 2, 2};  // supersamples per voxel axis
  // Supersample only voxels whose 8 corners and centre do not all share one tissue.
  bool adaptive = true;
};

// Calls f(linearIndex, i, j, k, const SubSample* samples, int count) for every voxel of the
// grid; count is 1 (the centre) for a pure voxel, otherwise the full set of equally weighted
// supersamples. Runs in parallel over slices; f must only write to its own voxel. Throws
// core::Cancelled when progress reports cancellation.
template <class F>
void sampleGrid(const core::ImageGeometry& g, bool mrWorld, const SampleOptions& opt,
                core::ProgressSink& progress, F&& f) {
  const HeadPhantom& ph = HeadPhantom::instance();
  const IndexToHead map = indexToHead(g, mrWorld);
  const long nx = static_cast<long>(g.size()[0]), ny = static_cast<long>(g.size()[1]),
             nz = static_cast<long>(g.size()[2]);
  std::atomic<bool> cancelled{false};
  std::atomic<long> done{0};

  std::vector<std::uint8_t> corners;
  const long cx = nx + 1, cy = ny + 1, cz = nz + 1;
  if (opt.adaptive) {
    corners.resize(static_cast<std::size_t>(cx * cy * cz));
#pragma omp parallel for schedule(dynamic, 1)
    for (long k = 0; k < cz; ++k) {
      if (cancelled.load(std::memory_order_relaxed)) continue;
      for (long j = 0; j < cy; ++j)
        for (long i = 0; i < cx; ++i)
          corners[static_cast<std::size_t>((k * cy + j) * cx + i)] =
              static_cast<std::uint8_t>(ph.tissueAt(map.at(i - 0.5, j - 0.5, k - 0.5)));
      const long d = ++done;
#ifdef _OPENMP
      if (omp_get_thread_num() == 0)
#endif
        if (!progress.report(0.3 * d / cz)) cancelled = true;
    }
    if (cancelled) throw core::Cancelled();
  }
  const double p0 = opt.adaptive ? 0.3 : 0.0;
  done = 0;
  const int fx = opt.factors[0], fy = opt.factors[1], fz = opt.factors[2];
  const int full = fx * fy * fz;
#pragma omp parallel
  {
    std::vector<SubSample> subs(static_cast<std::size_t>(full));
#pragma omp for schedule(dynamic, 1)
    for (long k = 0; k < nz; ++k) {
      if (cancelled.load(std::memory_order_relaxed)) continue;
      for (long j = 0; j < ny; ++j)
        for (long i = 0; i < nx; ++i) {
          const std::size_t index = static_cast<std::size_t>((k * ny + j) * nx + i);
          const core::Vec3 centre = map.at(i, j, k);
          const Tissue t = ph.tissueAt(centre);
          bool pure = opt.adaptive;
          if (pure) {
            const auto c = static_cast<std::uint8_t>(t);
            for (int dk = 0; dk < 2 && pure; ++dk)
              for (int dj = 0; dj < 2 && pure; ++dj)
                for (int di = 0; di < 2 && pure; ++di)
                  pure = corners[static_cast<std::size_t>(((k + dk) * cy + j + dj) * cx + i + di)] == c;
          }
          if (pure) {
            subs[0] = {t, centre};
            f(index, i, j, k, subs.data(), 1);
            continue;
          }
          int n = 0;
          for (int sk = 0; sk < fz; ++sk)
            for (int sj = 0; sj < fy; ++sj)
              for (int si = 0; si < fx; ++si) {
                const core::Vec3 p = map.at(i - 0.5 + (si + 0.5) / fx, j - 0.5 + (sj + 0.5) / fy,
                                            k - 0.5 + (sk + 0.5) / fz);
                subs[static_cast<std::size_t>(n++)] = {ph.tissueAt(p), p};
              }
          f(index, i, j, k, subs.data(), n);
        }
      const long d = ++done;
#ifdef _OPENMP
      if (omp_get_thread_num() == 0)
#endif
        if (!progress.report(p0 + (1 - p0) * d / nz)) cancelled = true;
    }
  }
  if (cancelled) throw core::Cancelled();
}

}  // namespace fw::phantom::detail
