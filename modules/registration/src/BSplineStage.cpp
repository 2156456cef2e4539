// The B-spline deformable stage: our own sparse Mattes mutual information on a cubic B-spline
// control grid (BSplineGrid.h) and elastix's adaptive stochastic gradient descent.
//
// Why not ITK: the v4 Mattes metric treats a B-spline as a global transform (a dense 3 x N
// Jacobian per sample, PDF derivatives over all N parameters), so an iteration costs samples x
// parameters and the derivative buffers are summed in thread-arrival order. Here each sample
// touches only its 64 control points, so an iteration costs samples x 64, and the sums run over
// a fixed number of sample chunks in a fixed order: bit-identical for any thread count.
//
// Per level (coarsest first, control spacing bsplineGridSpacingMm * 2^(levels-1-level), the
// finer grid made from the coarser one exactly by the two-scale relation): `samples` new random
// points inside the fixed mask every iteration (elastix's RandomCoordinate sampler with
// NewSamplesEveryIteration), the gradient of -MI plus `regularisation` x bending energy, and a
// step gain a / (t + A + 1)^alpha with elastix's defaults A = 20, alpha = 0.602: a is set from
// the first gradient so that the first step moves the most-moved control point by 3 voxels of
// the level, and the "time" t grows when consecutive gradients disagree and shrinks when they
// agree (elastix's adaptive sigmoid). No control point moves by more than that per step. The
// level's result is the mean of its second half of iterates.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <sstream>

#include <omp.h>

#include "BSplineGrid.h"
#include "DeformableStages.h"
#include "ItkImages.h"
#include "LevelSampler.h"
#include "MattesKernels.h"
#include "fw/core/Error.h"

namespace fw::registration::detail {

namespace {

using core::Mat3;
using core::Vec3;

constexpr int kPadding = 2;                // histogram bins kept free for the Parzen window
constexpr std::size_t kParallelFrom = 16384;  // samples per iteration from which OpenMP pays
constexpr double kGainA = 20.0, kGainAlpha = 0.602;       // elastix SP_A, SP_alpha
constexpr double kSigmoidMax = 1.0, kSigmoidMin = -0.8;   // elastix SigmoidMax/Min
constexpr double kSigmoidScale = 0.1;  // on the cosine between consecutive gradients
// The first step and the largest step per iteration, in voxels of the level (for the most-moved
// control point). Measured on colin27 deformed (3 seeds) and the phantom test: 1 voxel gave
// mean/max TRE 0.064-0.072 / 0.72-0.86 mm and 0.38 mm; 3 voxels with the averaging below
// 0.065-0.073 / 0.53-0.59 mm and 0.29 mm; 4 voxels 0.076-0.098 / 0.52-0.57 mm.
constexpr double kMaxStepVoxels = 3.0;

std::string fmt(double v, int decimals = 4) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(decimals);
  s << v;
  return s.str();
}

// One iteration's fixed points: world position, fixed histogram bin, control-grid support.
struct SampleSet {
  std::vector<Vec3> points;
  std::vector<int> fixedBins;
  std::vector<BSplineGrid::Support> support;
};

// Draws points uniformly in the fixed level's voxels (jittered within the voxel), kept when
// `inside` says so: the body mask on the coarsest level, or the user's mask asked directly.
class Sampler {
 public:
  Sampler(const FloatImage::Pointer& fixedLevel, std::function<bool(const Vec3&)> inside)
      : m_geometry(core::geometryOf(*fixedLevel)), m_values(LevelImage::of(fixedLevel), nullptr),
        m_inside(std::move(inside)) {}

  std::vector<Vec3> draw(std::size_t count, std::seed_seq& seed) const {
    const auto& n = m_geometry.size();
    std::vector<Vec3> pts;
    if (count == 0) {  // every voxel centre inside, once
      for (std::size_t k = 0; k < n[2]; ++k)
        for (std::size_t j = 0; j < n[1]; ++j)
          for (std::size_t i = 0; i < n[0]; ++i) {
            const Vec3 p = m_geometry.indexToWorld({double(i), double(j), double(k)});
            if (!m_inside || m_inside(p)) pts.push_back(p);
          }
      return pts;
    }
    std::mt19937 rng(seed);
    return drawPointsInside(m_geometry, m_inside, count, rng);
  }

  double fixedValue(const Vec3& p) const {
    double v = 0;
    m_values.sample(p, v, nullptr, true);
    return v;
  }

 private:
  core::ImageGeometry m_geometry;
  TrilinearSampler m_values;
  std::function<bool(const Vec3&)> m_inside;
};

// Mattes mutual information (box Parzen window on the fixed side, cubic B-spline on the
// moving side, as Mattes 2003 and ITK) of fixed(p) and moving(L(p + d(p))), with its gradient
// with respect to the control-point coefficients of d.
class SparseMattes {
 public:
  SparseMattes(const FloatImage::Pointer& moving, const core::Volume* movingMask, const Affine& linear,
               int bins, std::pair<double, double> fixedRange, int threads)
      : m_moving(LevelImage::of(moving), nullptr), m_movingMask(movingMask), m_linear(linear),
        m_linearT(linear.matrix.transposed()), m_bins(bins), m_threads(threads) {
    m_fmin = fixedRange.first;
    m_fbin = (fixedRange.second - fixedRange.first) / (bins - 2 * kPadding - 1);
    // Moving range: a strided subsample of the moving level.
    const std::size_t total = moving->GetLargestPossibleRegion().GetNumberOfPixels();
    const std::size_t step = std::max<std::size_t>(1, total / 100000);
    std::vector<double> mv;
    for (std::size_t v = 0; v < total; v += step)
      if (const float x = moving->GetBufferPointer()[v]; !std::isnan(x)) mv.push_back(x);
    const auto [mmin, mmax] = robustRange(std::move(mv));
    m_mmin = mmin;
    m_mbin = (mmax - mmin) / (bins - 2 * kPadding - 1);
  }
  bool hasContrast() const { return m_fbin > 0 && m_mbin > 0; }

  int fixedBin(double f) const {
    const double fmax = m_fmin + m_fbin * (m_bins - 2 * kPadding - 1);
    f = std::clamp(f, m_fmin, fmax);
    return static_cast<int>(std::floor((f - m_fmin) / m_fbin + 0.5)) + kPadding;
  }

  struct Value {
    double value = 0;  // -MI
    std::size_t valid = 0;
  };

  // -MI over the sample set; its gradient (3 per control point, interleaved as the grid's
  // coefficients) into `gradient` when not null.
  Value evaluate(const BSplineGrid& grid, const SampleSet& set, std::vector<double>* gradient) {
    const std::size_t ns = set.points.size();
    const std::size_t b2 = static_cast<std::size_t>(m_bins * m_bins);
    // The work split depends on the sample count only, never on the thread count.
    const int chunks = static_cast<int>(std::clamp<std::size_t>(ns / 1024, 1, 16));
    const int threads = ns >= kParallelFrom ? m_threads : 1;
    m_mc.assign(ns, -1.0);
    m_grad.resize(ns);
    m_hist.assign(static_cast<std::size_t>(chunks) * b2, 0.0);
    m_chunkValid.assign(static_cast<std::size_t>(chunks), 0);
    const double mmin = m_mmin, mbin = m_mbin;
    const double mmax = mmin + mbin * (m_bins - 2 * kPadding - 1);
    const bool wantGradient = gradient != nullptr;
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int ch = 0; ch < chunks; ++ch) {
      const std::size_t s0 = ns * static_cast<std::size_t>(ch) / static_cast<std::size_t>(chunks);
      const std::size_t s1 =
          ns * static_cast<std::size_t>(ch + 1) / static_cast<std::size_t>(chunks);
      double* h = m_hist.data() + static_cast<std::size_t>(ch) * b2;
      for (std::size_t s = s0; s < s1; ++s) {
        const Vec3 q = m_linear.apply(set.points[s] + grid.displacement(set.support[s]));
        if (m_movingMask) {
          const auto mv = m_movingMask->valueAtWorld(q);
          if (!mv || *mv == 0.0) continue;
        }
        double m;
        Vec3 g;
        if (!m_moving.sample(q, m, wantGradient ? &g : nullptr) || std::isnan(m)) continue;
        m_mc[s] = addParzenSample(m, g, mmin, mbin, mmax, kPadding,
                                  h + static_cast<std::size_t>(set.fixedBins[s] * m_bins));
        m_grad[s] = g;
        ++m_chunkValid[static_cast<std::size_t>(ch)];
      }
    }
    Value e;
    for (int ch = 0; ch < chunks; ++ch) e.valid += m_chunkValid[static_cast<std::size_t>(ch)];
    if (gradient) gradient->assign(3 * grid.count(), 0.0);
    if (e.valid == 0) return e;
    std::vector<double> joint(b2, 0.0);
    for (int ch = 0; ch < chunks; ++ch)
      for (std::size_t b = 0; b < b2; ++b) joint[b] += m_hist[static_cast<std::size_t>(ch) * b2 + b];
    const double z = static_cast<double>(e.valid);
    const std::size_t nb = static_cast<std::size_t>(m_bins);
    std::vector<double> logRatio;  // log(p(f,m) / pm(m))
    const double mi = mutualInformation(joint, z, nb, logRatio);
    e.value = -mi;
    if (!gradient) return e;
    // d MI / d c = sum_s [sum_k -B3'(k - mc_s) log(p/pm)(f_s, k)] / (z mbin) * w_c(p_s) L^T grad_s.
    const std::size_t np = 3 * grid.count();
    const auto& size = grid.size();
    const std::size_t nx = size[0], nxy = size[0] * size[1];
    m_partial.assign(static_cast<std::size_t>(chunks) * np, 0.0);
    const double norm = 1.0 / (z * mbin);
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int ch = 0; ch < chunks; ++ch) {
      const std::size_t s0 = ns * static_cast<std::size_t>(ch) / static_cast<std::size_t>(chunks);
      const std::size_t s1 =
          ns * static_cast<std::size_t>(ch + 1) / static_cast<std::size_t>(chunks);
      double* out = m_partial.data() + static_cast<std::size_t>(ch) * np;
      for (std::size_t s = s0; s < s1; ++s) {
        const double mc = m_mc[s];
        if (mc < 0) continue;
        const Vec3& g = m_grad[s];
        if (g.x == 0 && g.y == 0 && g.z == 0) continue;
        const double w = parzenDerivativeWeight(
            mc, logRatio.data() + static_cast<std::size_t>(set.fixedBins[s] * m_bins));
        const Vec3 v = m_linearT * (g * (w * norm));
        const BSplineGrid::Support& sp = set.support[s];
        for (std::size_t k = 0; k < 4; ++k)
          for (std::size_t j = 0; j < 4; ++j) {
            const double wjk = sp.w[2][k] * sp.w[1][j];
            double* c = out + 3 * (sp.base + j * nx + k * nxy);
            for (std::size_t i = 0; i < 4; ++i) {
              const double wi = wjk * sp.w[0][i];
              c[3 * i] += wi * v.x;
              c[3 * i + 1] += wi * v.y;
              c[3 * i + 2] += wi * v.z;
            }
          }
      }
    }
    for (int ch = 0; ch < chunks; ++ch) {
      const double* part = m_partial.data() + static_cast<std::size_t>(ch) * np;
      for (std::size_t k = 0; k < np; ++k) (*gradient)[k] -= part[k];  // of -MI
    }
    return e;
  }

 private:
  TrilinearSampler m_moving;
  const core::Volume* m_movingMask;
  Affine m_linear;
  Mat3 m_linearT;
  int m_bins;
  int m_threads;
  double m_fmin = 0, m_fbin = 0, m_mmin = 0, m_mbin = 0;
  std::vector<double> m_mc;
  std::vector<Vec3> m_grad;
  std::vector<double> m_hist;
  std::vector<std::size_t> m_chunkValid;
  std::vector<double> m_partial;
};

double meanSpacing(const FloatImage& image) {
  const auto& s = image.GetSpacing();
  return (s[0] + s[1] + s[2]) / 3.0;
}

// Largest control-point vector length of a gradient or step (3 per control point).
double maxVector(const std::vector<double>& v) {
  double m = 0;
  for (std::size_t i = 0; i + 2 < v.size(); i += 3)
    m = std::max(m, v[i] * v[i] + v[i + 1] * v[i + 1] + v[i + 2] * v[i + 2]);
  return std::sqrt(m);
}

}  // namespace

DeformableOutcome runBSpline(const DeformableProblem& pb) {
  const Settings& s = *pb.settings;
  DeformableOutcome out;
  const int levels = std::max(1, s.levels);
  if (!(s.bsplineGridSpacingMm > 0))
    throw core::Error("B-spline control point spacing must be positive (got " +
                      fmt(s.bsplineGridSpacingMm, 1) + " mm)");
  if (s.samples < 0) throw core::Error("registration: samples must be 0 (all) or more");
  const int threads = pb.threads > 0 ? static_cast<int>(pb.threads) : omp_get_max_threads();

  // The control grid's box: the fixed image's voxels, corner to corner. Finest cells as ITK's
  // BSplineTransform would have them for that spacing; a coarser level has ceil(cells / f)
  // cells of f times the spacing from the same corner (it may reach past the far side), so
  // each finer grid is an exact refinement of the coarser one.
  const core::ImageGeometry& fg = pb.fixedGeometry;
  const Vec3 corner = fg.indexToWorld({-0.5, -0.5, -0.5});
  std::array<std::size_t, 3> finestCells{};
  Vec3 finestSpacing;
  for (int a = 0; a < 3; ++a) {
    const double extent = fg.spacing()[a] * static_cast<double>(fg.size()[a]);
    finestCells[a] = static_cast<std::size_t>(std::max(1.0, std::round(extent / s.bsplineGridSpacingMm)));
    finestSpacing[a] = extent / static_cast<double>(finestCells[a]);
  }
  auto cellsAt = [&](int level) {
    const std::size_t f = std::size_t{1} << static_cast<unsigned>(levels - 1 - level);
    std::array<std::size_t, 3> c{};
    for (int a = 0; a < 3; ++a) c[a] = (finestCells[a] + f - 1) / f;
    return c;
  };

  const Pyramid fixedPyramid = buildPyramid(pb.fixed, levels);
  const Pyramid movingPyramid = buildPyramid(pb.moving, levels);
  const FloatImage& coarsest = *fixedPyramid.levels.front();

  // Where samples are drawn: the user's fixed mask (asked at the exact point), else the body
  // mask of the coarsest level (dilated one voxel so the skin edge counts), else everywhere.
  std::function<bool(const Vec3&)> inside;
  std::string maskName = "body mask";
  if (s.fixedMask) {
    maskName = "fixed mask";
    const core::VolumePtr mask = s.fixedMask;
    const std::size_t n = maskCount(*maskOnGrid(*mask, coarsest));
    if (n == 0)
      throw core::Error("deformable registration: the fixed mask leaves no voxel of the fixed "
                        "volume to sample (does it overlap the fixed volume?)");
    inside = [mask](const Vec3& p) {
      const auto v = mask->valueAtWorld(p);
      return v && *v != 0.0;
    };
  } else if (s.autoMask) {
    const MaskImage::Pointer body = bodyMask(coarsest, pb.fixedIsCt, 1);
    if (maskCount(*body) >= 8) inside = [body](const Vec3& p) { return insideMask(*body, p); };
  }

  const int iterationsPerLevel = std::max(1, s.deformableIterations);
  const int bins = std::max(8, s.histogramBins);
  std::unique_ptr<BSplineGrid> grid;
  for (int level = 0; level < levels; ++level) {
    const auto t0 = std::chrono::steady_clock::now();
    const double levelStart = static_cast<double>(level) / levels;
    pb.progress->checkCancel(levelStart * 0.95, "bspline");
    const auto cells = cellsAt(level);
    const double factor = static_cast<double>(std::size_t{1} << static_cast<unsigned>(levels - 1 - level));
    if (!grid)
      grid = std::make_unique<BSplineGrid>(corner, fg.direction(), cells, finestSpacing * factor);
    else
      grid = std::make_unique<BSplineGrid>(grid->refined(cells));

    const std::size_t li = static_cast<std::size_t>(level);
    const FloatImage& fixedLevel = *fixedPyramid.levels[li];
    const Sampler sampler(fixedPyramid.levels[li], inside);
    const double delta = kMaxStepVoxels * meanSpacing(fixedLevel);

    // Fixed intensity range over a large draw inside the mask.
    std::seed_seq rangeSeed{s.seed, 0x5eedu, static_cast<unsigned>(level)};
    const std::size_t requested = static_cast<std::size_t>(s.samples);
    const auto rangePoints = sampler.draw(requested == 0 ? 0 : std::max<std::size_t>(20000, requested), rangeSeed);
    if (rangePoints.size() < 100)
      throw core::Error("deformable registration: only " + std::to_string(rangePoints.size()) +
                        " fixed points inside the " + maskName + " at level " +
                        std::to_string(level + 1) + " (at least 100 needed)");
    std::vector<double> rangeValues;
    rangeValues.reserve(rangePoints.size());
    for (const Vec3& p : rangePoints)
      if (const double f = sampler.fixedValue(p); !std::isnan(f)) rangeValues.push_back(f);
    SparseMattes metric(movingPyramid.levels[li], s.movingMask.get(), pb.linear, bins,
                        robustRange(std::move(rangeValues)), threads);
    if (!metric.hasContrast())
      throw core::Error("deformable registration: the fixed or moving image has no contrast "
                        "inside the " + maskName + " at level " + std::to_string(level + 1));

    auto makeSet = [&](std::vector<Vec3> pts) {
      SampleSet set;
      set.points.reserve(pts.size());
      set.fixedBins.reserve(pts.size());
      set.support.reserve(pts.size());
      for (const Vec3& p : pts) {
        BSplineGrid::Support sp;
        const double f = sampler.fixedValue(p);
        if (std::isnan(f) || !grid->support(p, sp)) continue;  // NaN voxels take no part
        set.points.push_back(p);
        set.fixedBins.push_back(metric.fixedBin(f));
        set.support.push_back(sp);
      }
      return set;
    };
    SampleSet everyVoxel;  // samples == 0: every voxel inside, the same set each iteration
    if (requested == 0) everyVoxel = makeSet(rangePoints);

    std::vector<double>& c = grid->coefficients();
    // The level's result is the mean of the iterates over its second half (as the rigid
    // engine's): it averages out the sample noise of the last steps.
    std::vector<double> gradient, previous, mean(c.size(), 0.0);
    const int averageFrom = iterationsPerLevel / 2;
    int averaged = 0;
    double gain = 0, time = 0, value = 0;
    std::size_t valid = 0;
    int iteration = 0;
    for (; iteration < iterationsPerLevel; ++iteration) {
      pb.progress->checkCancel(
          (levelStart + double(iteration) / iterationsPerLevel / levels) * 0.95, "bspline");
      SampleSet drawn;
      if (requested > 0) {
        std::seed_seq seed{s.seed, static_cast<unsigned>(level), static_cast<unsigned>(iteration)};
        drawn = makeSet(sampler.draw(requested, seed));
      }
      const SampleSet& set = requested > 0 ? drawn : everyVoxel;
      const auto e = metric.evaluate(*grid, set, &gradient);
      valid = e.valid;
      if (e.valid < 100) {
        out.log.push_back("bspline level " + std::to_string(level + 1) + ": only " +
                          std::to_string(e.valid) + " samples map into the moving image; stopped");
        break;
      }
      value = e.value + grid->bendingEnergy(s.regularisation, &gradient);
      if (iteration == 0) {
        const double g0 = maxVector(gradient);
        if (!(g0 > 0)) break;  // flat: nothing to do at this level
        gain = delta / g0;
      } else {
        double dot = 0, n1 = 0, n2 = 0;
        for (std::size_t i = 0; i < gradient.size(); ++i) {
          dot += gradient[i] * previous[i];
          n1 += gradient[i] * gradient[i];
          n2 += previous[i] * previous[i];
        }
        const double x = n1 > 0 && n2 > 0 ? -dot / std::sqrt(n1 * n2) : 0.0;
        const double sig = kSigmoidMin + (kSigmoidMax - kSigmoidMin) /
                                             (1.0 - (kSigmoidMax / kSigmoidMin) * std::exp(-x / kSigmoidScale));
        time = std::max(0.0, time + sig);
      }
      double step = gain * std::pow((kGainA + 1.0) / (time + kGainA + 1.0), kGainAlpha);
      const double largest = step * maxVector(gradient);
      if (largest > delta) step *= delta / largest;
      for (std::size_t i = 0; i < c.size(); ++i) c[i] -= step * gradient[i];
      if (iteration >= averageFrom) {
        for (std::size_t i = 0; i < c.size(); ++i) mean[i] += c[i];
        ++averaged;
      }
      previous.swap(gradient);
      if (*pb.onIteration) {
        IterationReport r;
        r.stage = "bspline";
        r.level = level;
        r.levels = levels;
        r.iteration = iteration + 1;
        r.metric = value;
        (*pb.onIteration)(r);
      }
    }
    out.iterations += iteration;
    if (averaged > 0)
      for (std::size_t i = 0; i < c.size(); ++i) c[i] = mean[i] / averaged;

    // The level's Mattes value on a fresh sample set (for the log and Result::finalMetric).
    {
      std::seed_seq seed{s.seed, static_cast<unsigned>(level), 0xf1u};
      const SampleSet check = requested > 0 ? makeSet(sampler.draw(requested, seed)) : everyVoxel;
      out.finalMetric = metric.evaluate(*grid, check, nullptr).value;
    }
    const auto& fs = fixedPyramid.factors[li];
    std::ostringstream line;
    line << "bspline level " << level + 1 << "/" << levels << ": grid " << cells[0] << "x"
         << cells[1] << "x" << cells[2] << " cells of " << fmt(grid->spacing()[0], 1) << " mm, image shrink "
         << fs[0] << "x" << fs[1] << "x" << fs[2] << ", " << 3 * grid->count() << " parameters, "
         << (requested > 0 ? std::to_string(requested) + " new samples per iteration"
                           : std::to_string(everyVoxel.points.size()) + " samples (every voxel)")
         << " (" << valid << " valid in the last), " << iteration << " iterations, time "
         << fmt(time, 1) << ", Mattes " << fmt(out.finalMetric) << ", "
         << fmt(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 2)
         << " s";
    out.log.push_back(line.str());
  }

  pb.progress->checkCancel(0.95, "bspline: dense field");
  const core::ImageGeometry fieldGrid = fieldGridFor(fg, kFieldSpacingMm);
  const auto& n = fieldGrid.size();
  std::vector<float> xyz(3 * fieldGrid.voxelCount());
  const long nz = static_cast<long>(n[2]);
#pragma omp parallel for schedule(static) num_threads(threads)
  for (long k = 0; k < nz; ++k)
    for (std::size_t j = 0; j < n[1]; ++j)
      for (std::size_t i = 0; i < n[0]; ++i) {
        const Vec3 d = grid->displacement(
            fieldGrid.indexToWorld({static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)}));
        const std::size_t v = 3 * (i + n[0] * (j + n[1] * static_cast<std::size_t>(k)));
        for (int a = 0; a < 3; ++a) xyz[v + static_cast<std::size_t>(a)] = static_cast<float>(d[a]);
      }
  out.field = std::make_shared<const DisplacementField>(fieldGrid, std::move(xyz));

  // Interpolation error of the dense field against the B-spline at random points.
  std::mt19937 rng(s.seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  double maxErr = 0, sumErr = 0;
  const int probes = 2000;
  for (int i = 0; i < probes; ++i) {
    Vec3 idx;
    for (int a = 0; a < 3; ++a) idx[a] = unit(rng) * static_cast<double>(fg.size()[a] - 1);
    const Vec3 p = fg.indexToWorld(idx);
    const double e = core::norm(out.field->displacementAt(p) - grid->displacement(p));
    maxErr = std::max(maxErr, e);
    sumErr += e;
  }
  out.log.push_back("bspline dense field: " + std::to_string(n[0]) + "x" + std::to_string(n[1]) +
                    "x" + std::to_string(n[2]) + " at " + fmt(fieldGrid.spacing()[0], 1) +
                    " mm; interpolation error vs the B-spline at " + std::to_string(probes) +
                    " random points: mean " + fmt(sumErr / probes) + " mm, max " + fmt(maxErr) +
                    " mm");
  return out;
}

}  // namespace fw::registration::detail
