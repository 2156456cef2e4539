// The linear registration engine (rigid, then affine) and the dispatch to the deformable stage.
//
// Our own design on ITK images rather than ITK's ImageRegistrationMethodv4, for speed and
// determinism: a pyramid built once by block averaging (ItkImages.h), a fixed set of random
// sample points per level inside the fixed body mask, Mattes mutual information (cubic B-spline
// Parzen window on the moving side, box on the fixed side, as Mattes et al. 2003 and ITK) with
// an analytic gradient, and a regular-step gradient descent in physical-shift units (a step of
// s moves the body by about s mm, rotations included). The histogram is summed over a fixed
// number of sample chunks in a fixed order, so the result is bit-identical for any thread
// count. ITK's v4 Mattes metric sums its derivative buffers in thread-timing order (not
// reproducible) and smooths and shrinks the full images per level unless told not to.
#include "fw/registration/Registration.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <functional>
#include <memory>
#include <sstream>

#include <omp.h>

#include "Deformable.h"
#include "ItkImages.h"
#include "LevelSampler.h"
#include "MattesKernels.h"
#include "fw/core/Error.h"

namespace fw::registration {

using core::Mat3;
using core::Vec3;

Initialiser defaultInitialiser(const core::Volume& fixed, const core::Volume& moving,
                               std::string* why) {
  const auto& ff = fixed.identity().frameOfReferenceUid;
  const bool shared = !ff.empty() && ff == moving.identity().frameOfReferenceUid;
  if (why)
    *why = shared ? "both series share the DICOM frame of reference"
                  : "no shared frame of reference";
  return shared ? Initialiser::Identity : Initialiser::Centres;
}

const char* methodName(Method m) {
  switch (m) {
    case Method::Rigid: return "rigid";
    case Method::Affine: return "affine";
    case Method::BSpline: return "bspline";
    case Method::SyN: return "syn";
  }
  return "?";
}

Method methodFromName(const std::string& name) {
  for (Method m : {Method::Rigid, Method::Affine, Method::BSpline, Method::SyN})
    if (name == methodName(m)) return m;
  throw core::Error("unknown registration method '" + name +
                    "' (choose rigid, affine, bspline or syn)");
}

namespace {

using detail::FloatImage;
using detail::MaskImage;
using detail::addParzenSample;
using detail::mutualInformation;
using detail::parzenDerivativeWeight;
using detail::robustRange;

constexpr int kPadding = 2;    // histogram bins kept free at each end for the Parzen window
constexpr int kChunks = 64;    // fixed work split: the sums do not depend on the thread count
constexpr int kSampleSets = 8;  // sample sets per level, cycled by the stochastic descent

using LevelImage = detail::LevelImage;
using Sampler = detail::TrilinearSampler;


// One pyramid level: the images, the fixed sample points and their fixed values.
struct Level {
  LevelImage fixed, moving;
  MaskImage::Pointer movingMask;  // user's moving mask on the moving level grid, or null
  std::vector<Vec3> points;
  std::vector<double> fixedValues;
  double spacing = 1;  // mean voxel size of the fixed level (mm)
};

// A parametrised linear map about a centre c: rigid (Rz*Ry*Rx angles in radians, translation)
// or affine (matrix rows, translation); y = M (x - c) + c + t.
class Model {
 public:
  Model(bool affine, const Vec3& centre, double radius) : m_affine(affine), m_c(centre) {
    const int n = affine ? 12 : 6;
    m_scales.assign(static_cast<std::size_t>(n), 1.0);
    // Physical shift per unit parameter, squared: angles move points by ~radius * sqrt(2/3),
    // matrix entries by ~radius / sqrt(3) (RMS over the body), translations by 1.
    const int k = affine ? 9 : 3;
    for (int i = 0; i < k; ++i)
      m_scales[static_cast<std::size_t>(i)] = radius * radius * (affine ? 1.0 / 3 : 2.0 / 3);
  }
  std::size_t size() const { return m_scales.size(); }
  const std::vector<double>& scales() const { return m_scales; }
  const Vec3& centre() const { return m_c; }

  std::vector<double> fromAffine(const Affine& a) const {
    std::vector<double> p(size(), 0.0);
    const Vec3 t = a.translation - m_c + a.matrix * m_c;
    if (m_affine) {
      for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) p[static_cast<std::size_t>(3 * r + c)] = a.matrix(r, c);
      for (int r = 0; r < 3; ++r) p[static_cast<std::size_t>(9 + r)] = t[r];
    } else {
      const Mat3& m = a.matrix;
      p[1] = std::asin(std::clamp(-m(2, 0), -1.0, 1.0));
      p[0] = std::atan2(m(2, 1), m(2, 2));
      p[2] = std::atan2(m(1, 0), m(0, 0));
      for (int r = 0; r < 3; ++r) p[static_cast<std::size_t>(3 + r)] = t[r];
    }
    return p;
  }

  Mat3 matrix(const std::vector<double>& p) const {
    if (m_affine) {
      Mat3 m;
      for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) m(r, c) = p[static_cast<std::size_t>(3 * r + c)];
      return m;
    }
    return rot(2, p[2], 0) * rot(1, p[1], 0) * rot(0, p[0], 0);
  }
  Vec3 translation(const std::vector<double>& p) const {
    const std::size_t o = m_affine ? 9 : 3;
    return {p[o], p[o + 1], p[o + 2]};
  }
  Affine affine(const std::vector<double>& p) const {
    Affine a;
    a.matrix = matrix(p);
    a.translation = m_c + translation(p) - a.matrix * m_c;
    return a;
  }
  // d M / d angle_k for the rigid model.
  std::array<Mat3, 3> rotationDerivatives(const std::vector<double>& p) const {
    const Mat3 rx = rot(0, p[0], 0), ry = rot(1, p[1], 0), rz = rot(2, p[2], 0);
    return {rz * ry * rot(0, p[0], 1), rz * rot(1, p[1], 1) * rx, rot(2, p[2], 1) * ry * rx};
  }
  bool isAffine() const { return m_affine; }

 private:
  // Rotation about axis a by angle t (derivative when d == 1).
  static Mat3 rot(int a, double t, int d) {
    const double c = std::cos(t), s = std::sin(t);
    Mat3 m;
    const int i = (a + 1) % 3, j = (a + 2) % 3;
    if (d == 0) {
      m(i, i) = c;
      m(i, j) = -s;
      m(j, i) = s;
      m(j, j) = c;
    } else {
      m = Mat3{{{{0, 0, 0}, {0, 0, 0}, {0, 0, 0}}}};
      m(i, i) = -s;
      m(i, j) = -c;
      m(j, i) = c;
      m(j, j) = -s;
    }
    return m;
  }
  bool m_affine;
  Vec3 m_c;
  std::vector<double> m_scales;
};

// The steepest-descent direction in physical-shift units (q_i = p_i * sqrt(scale_i), so a unit
// step moves voxels by about a millimetre whatever the parameter) and its length.
std::vector<double> descentDirection(const std::vector<double>& gradient,
                                     const std::vector<double>& scales, double& length) {
  std::vector<double> dir(gradient.size());
  length = 0;
  for (std::size_t i = 0; i < gradient.size(); ++i) {
    dir[i] = -gradient[i] / std::sqrt(scales[i]);
    length += dir[i] * dir[i];
  }
  length = std::sqrt(length);
  return dir;
}

struct Evaluation {
  double value = 0;  // negative mutual information
  std::vector<double> gradient;
  std::size_t valid = 0;
};

// Mattes mutual information over one level's sample points.
class MattesMi {
 public:
  MattesMi(const Level& level, int bins, int threads)
      : m_level(level), m_bins(bins),
        // Below ~32k samples an evaluation takes a few ms on one core: OpenMP's barriers cost
        // more than they save, and far more on a loaded machine (measured: 10k samples, 2
        // threads on 2 busy cores, 8x slower than 1 thread). The result does not depend on it.
        m_threads(level.points.size() >= 32768 ? threads : 1),
        m_moving(level.moving, level.movingMask.GetPointer()) {
    if (bins < 8) throw core::Error("mutual information needs at least 8 histogram bins");
    auto [fmin, fmax] = robustRange(level.fixedValues);
    // Moving range: a strided subsample of the moving level.
    const std::size_t step = std::max<std::size_t>(1, m_moving.voxelCount() / 100000);
    auto [mmin, mmax] = robustRange(m_moving.strided(step));
    m_fmin = fmin;
    m_mmin = mmin;
    m_fbin = (fmax - fmin) / (bins - 2 * kPadding - 1);
    m_mbin = (mmax - mmin) / (bins - 2 * kPadding - 1);
    m_fixedBins.resize(level.points.size());
    for (std::size_t i = 0; i < level.points.size(); ++i) {
      const double f = std::clamp(level.fixedValues[i], fmin, fmax);
      m_fixedBins[i] = m_fbin > 0 ? static_cast<int>(std::floor((f - fmin) / m_fbin + 0.5)) + kPadding
                                  : kPadding;
    }
  }
  bool fixedHasContrast() const { return m_fbin > 0; }
  bool movingHasContrast() const { return m_mbin > 0; }

  Evaluation evaluate(const Model& model, const std::vector<double>& p, bool wantGradient) {
    const std::size_t np = model.size();
    const std::size_t ns = m_level.points.size();
    const std::size_t b2 = static_cast<std::size_t>(m_bins * m_bins);
    const Affine a = model.affine(p);
    m_mc.assign(ns, -1.0);
    m_grad.resize(ns);
    m_hist.assign(kChunks * b2, 0.0);
    m_chunkValid.assign(kChunks, 0);
    const double mbin = m_mbin, mmin = m_mmin;
    const double mmax = mmin + mbin * (m_bins - 2 * kPadding - 1);
    // Pass 1: moving values and the joint histogram, per chunk.
#pragma omp parallel for schedule(static) num_threads(m_threads)
    for (int ch = 0; ch < kChunks; ++ch) {
      const std::size_t s0 = ns * ch / kChunks, s1 = ns * (ch + 1) / kChunks;
      double* h = m_hist.data() + static_cast<std::size_t>(ch) * b2;
      for (std::size_t s = s0; s < s1; ++s) {
        double m;
        Vec3 g;
        if (!m_moving.sample(a.apply(m_level.points[s]), m, wantGradient ? &g : nullptr)) continue;
        m_mc[s] = addParzenSample(m, g, mmin, mbin, mmax, kPadding,
                                  h + static_cast<std::size_t>(m_fixedBins[s] * m_bins));
        m_grad[s] = g;
        ++m_chunkValid[static_cast<std::size_t>(ch)];
      }
    }
    Evaluation e;
    for (int ch = 0; ch < kChunks; ++ch) e.valid += m_chunkValid[static_cast<std::size_t>(ch)];
    std::vector<double> joint(b2, 0.0);
    for (int ch = 0; ch < kChunks; ++ch)
      for (std::size_t b = 0; b < b2; ++b) joint[b] += m_hist[static_cast<std::size_t>(ch) * b2 + b];
    if (e.valid == 0) return e;
    const double z = static_cast<double>(e.valid);
    std::vector<double> logRatio;  // log(p(f,m) / pm(m))
    const double mi = mutualInformation(joint, z, static_cast<std::size_t>(m_bins), logRatio);
    e.value = -mi;
    if (!wantGradient) return e;
    // Pass 2: d MI / d p = sum_s [sum_k -B3'(k - mc_s) log(p/pm)(f_s, k)] / (z mbin) * grad_s . dT/dp.
    m_partial.assign(kChunks * np, 0.0);
    const bool affine = model.isAffine();
    const Vec3 c = model.centre();
    const auto dr = affine ? std::array<Mat3, 3>{} : model.rotationDerivatives(p);
    std::array<Mat3, 3> drT;
    for (int k = 0; k < 3; ++k) drT[static_cast<std::size_t>(k)] = dr[static_cast<std::size_t>(k)].transposed();
    const double norm = 1.0 / (z * mbin);
#pragma omp parallel for schedule(static) num_threads(m_threads)
    for (int ch = 0; ch < kChunks; ++ch) {
      const std::size_t s0 = ns * ch / kChunks, s1 = ns * (ch + 1) / kChunks;
      double* out = m_partial.data() + static_cast<std::size_t>(ch) * np;
      for (std::size_t s = s0; s < s1; ++s) {
        const double mc = m_mc[s];
        if (mc < 0) continue;
        const Vec3& g = m_grad[s];
        if (g.x == 0 && g.y == 0 && g.z == 0) continue;
        const double w = parzenDerivativeWeight(
            mc, logRatio.data() + static_cast<std::size_t>(m_fixedBins[s] * m_bins));
        const Vec3 v = g * (w * norm);
        const Vec3 x = m_level.points[s] - c;
        if (affine) {
          for (int r = 0; r < 3; ++r) {
            out[3 * r + 0] += v[r] * x.x;
            out[3 * r + 1] += v[r] * x.y;
            out[3 * r + 2] += v[r] * x.z;
            out[9 + r] += v[r];
          }
        } else {
          for (int k = 0; k < 3; ++k) out[k] += dot(drT[static_cast<std::size_t>(k)] * v, x);
          out[3] += v.x;
          out[4] += v.y;
          out[5] += v.z;
        }
      }
    }
    e.gradient.assign(np, 0.0);
    for (int ch = 0; ch < kChunks; ++ch)
      for (std::size_t k = 0; k < np; ++k)
        e.gradient[k] -= m_partial[static_cast<std::size_t>(ch) * np + k];  // of -MI
    return e;
  }

 private:
  const Level& m_level;
  int m_bins;
  int m_threads;
  Sampler m_moving;
  double m_fmin = 0, m_mmin = 0, m_fbin = 0, m_mbin = 0;
  std::vector<int> m_fixedBins;
  std::vector<double> m_mc;
  std::vector<Vec3> m_grad;
  std::vector<double> m_hist;
  std::vector<std::size_t> m_chunkValid;
  std::vector<double> m_partial;
};

double meanSpacing(const core::ImageGeometry& g) {
  return (g.spacing().x + g.spacing().y + g.spacing().z) / 3.0;
}

// Everything the linear stages share: pyramids, masks, sample points per level.
struct Prepared {
  std::vector<Level> levels;  // coarsest first
  std::vector<std::vector<Level>> sets;  // per level: kSampleSets sample sets (the first is levels[k])
  Vec3 fixedCentroid, movingCentroid;
  double radius = 50;
};

Prepared prepare(const core::Volume& fixed, const core::Volume& moving, const Settings& s,
                 core::ProgressSink& progress) {
  if (s.levels < 1 || s.levels > 6)
    throw core::Error("registration: levels must be 1 to 6 (got " + std::to_string(s.levels) + ")");
  if (s.samples < 0) throw core::Error("registration: samples must be 0 (all) or more");
  if (s.iterations < 1) throw core::Error("registration: iterations must be at least 1");
  for (const core::Volume* v : {&fixed, &moving})
    if (v->geometry().voxelCount() == 0) throw core::Error("volume '" + v->name() + "' is empty");
  if (fixed.valueRange().first == fixed.valueRange().second)
    throw core::Error("fixed volume '" + fixed.name() + "' is constant: nothing to register");
  if (moving.valueRange().first == moving.valueRange().second)
    throw core::Error("moving volume '" + moving.name() + "' is constant: nothing to register");
  // The pyramid: coarse levels block-averaged straight from the volumes' own voxels, the finest
  // level read in place (int16 stays int16): no full-resolution float copy (that copy was a
  // third of the porcine preparation). Only a coarsest level that is the image itself (one
  // level, or a grid too small to shrink) is copied to float, for the body mask.
  const auto pyramid = [&](const core::Volume& v, core::ProgressSink& p) {
    std::vector<LevelImage> out;
    const auto factors = detail::pyramidFactors(v.geometry(), s.levels);
    for (std::size_t k = 0; k < factors.size(); ++k) {
      p.checkCancel(static_cast<double>(k) / static_cast<double>(factors.size()), "image pyramid");
      const auto& f = factors[k];
      if (f[0] != 1 || f[1] != 1 || f[2] != 1)
        out.push_back(LevelImage::of(detail::blockAverage(v, f)));
      else if (k == 0)
        out.push_back(LevelImage::of(detail::toFloatImage(v)));
      else
        out.push_back(LevelImage::of(v));
    }
    return out;
  };
  core::SubProgress pf(progress, 0.0, 0.5), pm(progress, 0.5, 1.0);
  const std::vector<LevelImage> fp = pyramid(fixed, pf);
  const std::vector<LevelImage> mp = pyramid(moving, pm);
  Prepared out;
  const bool fixedCt = detail::isCtVolume(fixed), movingCt = detail::isCtVolume(moving);
  // Masks are built once, on the coarsest level (4-8 mm voxels, cheap), and asked by world
  // point when sampling finer levels; the user's masks are asked directly (exact).
  const FloatImage& coarseFixed = *fp.front().coarse;
  const FloatImage& coarseMoving = *mp.front().coarse;
  MaskImage::Pointer fixedCoarseMask, movingCoarseMask;
  std::function<bool(const Vec3&)> insideFixed;
  if (s.fixedMask) {
    fixedCoarseMask = detail::maskOnGrid(*s.fixedMask, coarseFixed);
    const core::VolumePtr mask = s.fixedMask;
    insideFixed = [mask](const Vec3& p) {
      const auto v = mask->valueAtWorld(p);
      return v && *v != 0.0;
    };
  } else {
    fixedCoarseMask = detail::bodyMask(coarseFixed, fixedCt, 1);
    if (detail::maskCount(*fixedCoarseMask) < 8) {
      fixedCoarseMask = nullptr;  // no body found: every voxel takes part
    } else if (s.autoMask) {
      const MaskImage::Pointer mask = fixedCoarseMask;
      insideFixed = [mask](const Vec3& p) { return detail::insideMask(*mask, p); };
    }
  }
  if (s.movingMask) {
    movingCoarseMask = detail::maskOnGrid(*s.movingMask, coarseMoving);
    if (detail::maskCount(*movingCoarseMask) == 0)
      throw core::Error("the moving mask leaves no voxel of '" + moving.name() +
                        "' to sample (does it overlap the moving volume?)");
  } else {
    movingCoarseMask = detail::bodyMask(coarseMoving, movingCt, 0);
  }
  const MaskImage::Pointer centroidMask =
      fixedCoarseMask ? fixedCoarseMask : detail::bodyMask(coarseFixed, fixedCt, 0);
  out.fixedCentroid = detail::maskCentroid(*centroidMask);
  out.movingCentroid = detail::maskCentroid(*movingCoarseMask);
  out.radius = detail::maskRadius(*centroidMask, out.fixedCentroid);
  for (int k = 0; k < s.levels; ++k) {
    progress.checkCancel(0.9, "sample points");
    std::vector<Level> sets;
    for (int j = 0; j < kSampleSets; ++j) {
      Level level;
      level.fixed = fp[static_cast<std::size_t>(k)];
      level.moving = mp[static_cast<std::size_t>(k)];
      level.spacing = meanSpacing(level.fixed.geometry);
      if (s.movingMask) {
        level.movingMask = j == 0 ? detail::maskOnGrid(*s.movingMask, level.moving.geometry)
                                  : sets.front().movingMask;
      }
      const std::size_t count = static_cast<std::size_t>(s.samples);
      const unsigned seed =
          s.seed * 7919u + static_cast<unsigned>(k) + 104729u * static_cast<unsigned>(j);
      const auto pts =
          insideFixed ? detail::samplePoints(level.fixed.geometry, insideFixed, count, seed)
                      : detail::samplePoints(level.fixed.geometry,
                                             static_cast<const MaskImage*>(nullptr), count, seed);
      if (pts->GetNumberOfPoints() < 16)
        throw core::Error("the fixed mask leaves " + std::to_string(pts->GetNumberOfPoints()) +
                          " sample points in '" + fixed.name() +
                          "' (does it overlap the fixed volume?)");
      Sampler fs(level.fixed, nullptr);
      const core::ImageGeometry& fg = level.fixed.geometry;
      for (auto it = pts->GetPoints()->Begin(); it != pts->GetPoints()->End(); ++it) {
        const Vec3 p{it.Value()[0], it.Value()[1], it.Value()[2]};
        double v;
        if (!fs.sample(p, v, nullptr)) {
          // A jittered point just past the last voxel centre: use the centre's value instead.
          Vec3 idx = fg.worldToIndex(p);
          for (int a = 0; a < 3; ++a)
            idx[a] = std::clamp(std::round(idx[a]), 0.0,
                                double(fg.size()[static_cast<std::size_t>(a)] - 1));
          fs.sample(fg.indexToWorld(idx), v, nullptr, true);
        }
        level.points.push_back(p);
        level.fixedValues.push_back(v);
      }
      // Every voxel already (samples 0 or a small mask): other seeds give the same set.
      const bool exhaustive = s.samples == 0 || level.points.size() < count;
      sets.push_back(std::move(level));
      if (exhaustive) break;
    }
    out.levels.push_back(sets.front());
    out.sets.push_back(std::move(sets));
  }
  return out;
}

int threadCount(const Settings& s) {
  return s.threads > 0 ? s.threads : std::max(1, omp_get_num_procs());
}

struct Descent {
  std::vector<double> p;
  double value = 0;
  int evaluations = 0;
  std::string stop = "maximum iterations";
};

// Gradient descent with a regular step in physical-shift units on one level's fixed sample set
// (the sampled metric is deterministic). A step is kept only when it lowers the metric;
// otherwise the optimiser goes back to the best point and halves the step. It stops when the
// step falls below minStep. Halving on a worse metric rather than on every reversal of the
// gradient's direction keeps the sample noise in the gradient from collapsing the step after a
// few iterations (the old rule stopped the finest porcine level after 11 iterations).
Descent descend(MattesMi& mi, const Model& model, const Level& level, std::vector<double> p,
                double step, double minStep, int iterations, int levelIndex, int levels,
                const char* stage, core::ProgressSink& progress,
                const IterationCallback& onIteration, bool firstOnLevel0,
                bool risingProgress = false) {
  Descent d;
  const std::size_t np = model.size();
  Evaluation e = mi.evaluate(model, p, true);
  const std::size_t minValid = std::max<std::size_t>(16, level.points.size() / 10);
  if (e.valid < minValid) {
    if (firstOnLevel0)
      throw core::Error("the volumes do not overlap: only " + std::to_string(e.valid) + " of " +
                        std::to_string(level.points.size()) +
                        " fixed sample points map inside the moving volume (try --init centres "
                        "or moments)");
    d.p = p;
    d.value = 0;
    d.stop = "no overlap";
    return d;
  }
  d.p = p;
  d.value = e.value;
  for (int it = 0; it < iterations; ++it) {
    // The search's descents (no callback) hold progress at the level's start: it stays monotone.
    const double frac =
        (levelIndex + (risingProgress ? static_cast<double>(it) / iterations : 0.0)) / levels;
    progress.checkCancel(frac, stage);
    ++d.evaluations;
    if (onIteration) onIteration({stage, levelIndex, levels, it, d.value});
    double len = 0;
    const std::vector<double> dir = descentDirection(e.gradient, model.scales(), len);
    if (len < 1e-12) {
      d.stop = "zero gradient";
      break;
    }
    // Try the step; halve it until the metric improves or the step is too small.
    bool moved = false;
    while (step >= minStep) {
      std::vector<double> q = d.p;
      for (std::size_t i = 0; i < np; ++i)
        q[i] += step * dir[i] / len / std::sqrt(model.scales()[i]);
      Evaluation t = mi.evaluate(model, q, true);
      if (t.valid >= minValid && t.value < d.value) {
        d.p = std::move(q);
        d.value = t.value;
        e = std::move(t);
        moved = true;
        break;
      }
      step *= 0.5;
    }
    if (!moved) {
      d.stop = "converged (step below " + std::to_string(minStep) + " mm)";
      break;
    }
  }
  return d;
}

// The 23 axis-aligned orientations other than the identity (the rotations of a cube: 90-degree
// steps), for the orientation search. A specimen or patient scanned upside down, prone against
// supine, or feet first differs from the start by one of these (porcine T2/CT: 180 degrees).
std::vector<Mat3> otherOrientations() {
  std::vector<Mat3> out;
  const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  for (const auto& pm : perms)
    for (int signs = 0; signs < 8; ++signs) {
      Mat3 m{{{{0, 0, 0}, {0, 0, 0}, {0, 0, 0}}}};
      for (int r = 0; r < 3; ++r) m(r, pm[r]) = (signs >> r) & 1 ? -1.0 : 1.0;
      if (m.determinant() < 0) continue;
      bool identity = true;
      for (int r = 0; r < 3; ++r) identity = identity && m(r, r) == 1.0;
      if (!identity) out.push_back(m);
    }
  return out;
}

// A few rotations and shifts around a start, for the search at the coarsest level.
std::vector<std::vector<double>> searchStarts(const std::vector<double>& p0, double shift) {
  std::vector<std::vector<double>> out;
  const double a = 15.0 * 3.14159265358979323846 / 180.0;
  for (int rx = -1; rx <= 1; ++rx)
    for (int ry = -1; ry <= 1; ++ry)
      for (int rz = -1; rz <= 1; ++rz)
        for (int tx = -1; tx <= 1; ++tx)
          for (int ty = -1; ty <= 1; ++ty)
            for (int tz = -1; tz <= 1; ++tz) {
              if (!rx && !ry && !rz && !tx && !ty && !tz) continue;
              std::vector<double> p = p0;
              p[0] += rx * a;
              p[1] += ry * a;
              p[2] += rz * a;
              p[3] += tx * shift;
              p[4] += ty * shift;
              p[5] += tz * shift;
              out.push_back(std::move(p));
            }
  return out;
}

// Descent over the pyramid for one model (rigid or affine), per level:
// 1. Rigid stage, coarsest level: a search. The metric at 728 rotations (+-15 degrees about each
//    axis) and shifts (+-2 voxels, at least 10 mm) around the start, then a descent from the
//    start and from the best six; a search pose wins only when its metric is lower by over 10%. A fraction of a second on the
//    coarsest level; colin27 moved 28 mm / 15 degrees from the grid centres ended in a local
//    optimum (TRE 32 mm) without it.
// 2. A stochastic regular-step descent like elastix's: iteration i takes its gradient on sample
//    set i mod kSampleSets (different random points, fixed by the seed), steps along it by a
//    gain that decays from one voxel as (A + 1) / (i + A + 1), and the result is the mean of
//    the parameters over the second half of the iterations. A single fixed sample set makes
//    the sampled metric bumpy: a descent on it stopped within a few iterations in a bump that
//    depended on the seed (porcine T2/CT: 9.8 against 2.6 degrees about z for seeds 1 and 2).
// 3. The level's metric is reported as the mean over the sample sets.
Affine runStage(const char* stage, bool affine, const Affine& start, const Prepared& prep,
                const Settings& s, core::ProgressSink& progress,
                const IterationCallback& onIteration, Result& result) {
  Model model(affine, prep.fixedCentroid, prep.radius);
  std::vector<double> p = model.fromAffine(start);
  const int levels = static_cast<int>(prep.levels.size());
  const std::size_t np = model.size();
  for (int k = 0; k < levels; ++k) {
    const std::vector<Level>& sets = prep.sets[static_cast<std::size_t>(k)];
    const Level& level = sets.front();
    std::vector<std::unique_ptr<MattesMi>> mis;
    for (const Level& l : sets)
      mis.push_back(std::make_unique<MattesMi>(l, s.histogramBins, threadCount(s)));
    MattesMi& mi = *mis.front();
    if (!mi.fixedHasContrast() || !mi.movingHasContrast())
      throw core::Error(std::string("the ") + (mi.fixedHasContrast() ? "moving" : "fixed") +
                        " volume has no contrast inside its body at level " + std::to_string(k));
    const double step0 = level.spacing;  // mm per iteration at the start of the level
    const std::size_t minValid = std::max<std::size_t>(16, level.points.size() / 10);
    if (k == 0) {
      const Evaluation e = mi.evaluate(model, p, false);
      if (e.valid < minValid)
        throw core::Error("the volumes do not overlap: only " + std::to_string(e.valid) + " of " +
                          std::to_string(level.points.size()) +
                          " fixed sample points map inside the moving volume (try --init centres "
                          "or moments)");
    }
    std::string searched;
    if (k == 0 && !affine && levels > 1) {
      const double minStep = 0.005 * level.spacing;
      int searchIterations = 0;
      // Local search around a descended pose: the metric at 728 rotations (+-15 degrees) and
      // shifts around it, then a descent from the best six. A search pose replaces the pose
      // only when it wins clearly: by more than 10% of the metric. Within that the sample set
      // decides (porcine T2/CT: search poses 3-5% better, different for seeds 1 and 2); a start
      // in a wrong optimum loses by far more (colin27 moved 28 mm / 15 degrees from the grid
      // centres: -0.15 against -1.76).
      const auto localSearch = [&](Descent d, bool& won) {
        const double from = d.value;
        const auto starts = searchStarts(d.p, std::max(10.0, 2 * level.spacing));
        std::vector<std::pair<double, std::size_t>> scored;
        for (std::size_t i = 0; i < starts.size(); ++i) {
          if (i % 64 == 0) progress.checkCancel(0.0, stage);
          const Evaluation e = mi.evaluate(model, starts[i], false);
          if (e.valid >= minValid) scored.push_back({e.value, i});
        }
        std::sort(scored.begin(), scored.end());
        won = false;
        const std::size_t tries = std::min<std::size_t>(6, scored.size());
        for (std::size_t t = 0; t < tries; ++t) {
          Descent c = descend(mi, model, level, starts[scored[t].second], step0, minStep,
                              s.iterations, k, levels, stage, progress, nullptr, false);
          searchIterations += c.evaluations;
          if (c.value < d.value - 1e-6 && c.value < from - 0.1 * std::abs(from)) {
            d = std::move(c);
            won = true;
          }
        }
        return d;
      };
      Descent d = descend(mi, model, level, p, step0, minStep, s.iterations, k, levels, stage,
                          progress, nullptr, true);
      searchIterations += d.evaluations;
      const double fromStart = d.value;
      bool won = false;
      d = localSearch(std::move(d), won);
      // Orientation search (not when the worlds already agree: a shared frame of reference or
      // a given start): the start turned by each of the 23 other axis-aligned orientations (90
      // degree steps) about the fixed body centroid, each descended. The best, searched locally
      // as above, replaces the result only when its metric is lower by over 10% (porcine T2/CT,
      // the specimen upside down in one scanner: -0.55 against -0.33 for the best pose within
      // 15 degrees of the grid centres, 180 degrees and 100 mm of landmark error away).
      std::string oriented = "not searched (the worlds agree)";
      if (!s.initial && s.initialiser != Initialiser::Identity) {
        const Affine start = model.affine(p);
        const Vec3 c = model.centre();
        Descent best;
        best.value = 0;
        for (const Mat3& o : otherOrientations()) {
          Affine turn;
          turn.matrix = o;
          turn.translation = c - o * c;
          const std::vector<double> q = model.fromAffine(start * turn);
          if (mi.evaluate(model, q, false).valid < minValid) continue;
          Descent t = descend(mi, model, level, q, step0, minStep, s.iterations, k, levels, stage,
                              progress, nullptr, false);
          searchIterations += t.evaluations;
          if (t.value < best.value) best = std::move(t);
        }
        std::ostringstream o;
        if (!best.p.empty() && best.value < d.value - 0.1 * std::abs(d.value)) {
          bool wonTurned = false;
          const double turned = best.value;
          best = localSearch(std::move(best), wonTurned);
          o << "turned (metric " << turned << " against " << d.value << ")";
          d = std::move(best);
          won = wonTurned;
        } else {
          o << "kept (best other " << best.value << ")";
        }
        oriented = o.str();
      }
      p = d.p;
      std::ostringstream note;
      note << "; orientation " << oriented << "; local search: "
           << (won ? "a search pose won" : "the descended pose won") << " (" << searchIterations
           << " search iterations, not counted; metric from the start " << fromStart
           << ", best " << d.value << ")";
      searched = note.str();
    }
    if (affine) {
      // 12 parameters: the stochastic descent's first steps (one voxel) wander off the rigid
      // result and 100 iterations do not bring it back (phantom: 2.6 mm mean TRE); the affine
      // stage refines from the rigid one with the deterministic descent on one sample set.
      const Descent d = descend(mi, model, level, p, 0.5 * step0, 0.005 * level.spacing,
                                s.iterations, k, levels, stage, progress, onIteration, false, true);
      p = d.p;
      result.iterations += d.evaluations;
      std::ostringstream line;
      line << stage << " level " << k + 1 << "/" << levels << ": " << d.evaluations
           << " iterations, metric " << d.value << ", " << level.points.size() << " samples at "
           << level.spacing << " mm, stopped: " << d.stop;
      result.log.push_back(line.str());
      if (k == levels - 1) result.finalMetric = d.value;
      continue;
    }
    // Stochastic descent over the sample sets, averaged over its second half.
    const double gainA = std::max(1.0, s.iterations / 10.0);
    std::vector<double> sum(np, 0.0);
    int summed = 0, evaluations = 0, outside = 0;
    for (int it = 0; it < s.iterations; ++it) {
      const double frac = (k + static_cast<double>(it) / s.iterations) / levels;
      progress.checkCancel(frac, stage);
      MattesMi& m = *mis[static_cast<std::size_t>(it) % mis.size()];
      const Evaluation e = m.evaluate(model, p, true);
      ++evaluations;
      if (e.valid >= minValid) {
        if (onIteration) onIteration({stage, k, levels, it, e.value});
        double len = 0;
        const std::vector<double> dir = descentDirection(e.gradient, model.scales(), len);
        if (len > 1e-12) {
          const double gain = step0 * (gainA + 1) / (it + gainA + 1);
          for (std::size_t i = 0; i < np; ++i)
            p[i] += gain * dir[i] / len / std::sqrt(model.scales()[i]);
        }
      } else {
        ++outside;  // left the overlap: the average below pulls it back
      }
      if (2 * it >= s.iterations) {
        for (std::size_t i = 0; i < np; ++i) sum[i] += p[i];
        ++summed;
      }
    }
    if (summed > 0)
      for (std::size_t i = 0; i < np; ++i) p[i] = sum[i] / summed;
    double metric = 0;
    std::size_t counted = 0;
    for (auto& m : mis) {
      const Evaluation e = m->evaluate(model, p, false);
      if (e.valid >= minValid) {
        metric += e.value;
        ++counted;
      }
    }
    if (counted == 0)
      throw core::Error(std::string(stage) + " registration left the overlap of the volumes at level " +
                        std::to_string(k + 1) + " (try --init centres or moments)");
    metric /= static_cast<double>(counted);
    result.iterations += evaluations;
    std::ostringstream line;
    line << stage << " level " << k + 1 << "/" << levels << ": " << evaluations
         << " iterations, metric " << metric << " (mean over " << counted << " sample sets of "
         << level.points.size() << " at " << level.spacing << " mm), mean of the last "
         << summed << " iterates" << (outside ? ", " + std::to_string(outside) + " outside the overlap" : "")
         << searched;
    result.log.push_back(line.str());
    if (k == levels - 1) result.finalMetric = metric;
  }
  return model.affine(p);
}

Affine initialAffine(const Settings& s, const Prepared& prep, const core::Volume& fixed,
                     const core::Volume& moving) {
  switch (s.initialiser) {
    case Initialiser::Identity: return Affine::identity();
    case Initialiser::Centres: {
      Affine a;
      a.translation = moving.geometry().center() - fixed.geometry().center();
      return a;
    }
    case Initialiser::Moments: {
      Affine a;
      a.translation = prep.movingCentroid - prep.fixedCentroid;
      return a;
    }
  }
  return Affine::identity();
}

}  // namespace

Result registerVolumes(const core::Volume& fixed, const core::Volume& moving,
                       const Settings& settings, core::ProgressSink& progress,
                       const IterationCallback& onIteration) {
  const auto t0 = std::chrono::steady_clock::now();
  Result result;
  const bool deformable = settings.method == Method::BSpline || settings.method == Method::SyN;
  const bool skipLinear = deformable && settings.initial.has_value();
  Affine linear = Affine::identity();
  if (!skipLinear) {
    const double linearEnd = deformable ? 0.3 : 1.0;
    core::SubProgress prepProgress(progress, 0.0, 0.05 * linearEnd, "preparing");
    const Prepared prep = prepare(fixed, moving, settings, prepProgress);
    {
      std::ostringstream line;
      line << "prepared pyramids, masks and samples in "
           << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s";
      result.log.push_back(line.str());
    }
    std::optional<Affine> start;
    if (settings.initial) {
      start = settings.initial->asAffine();
      if (!start)
        throw core::Error("the initial transform of a linear registration must be linear");
    }
    const bool runRigid = !(settings.initial && settings.method == Method::Affine);
    const bool runAffine = settings.method != Method::Rigid;
    const double mid = runRigid && runAffine ? 0.05 + 0.45 : 0.05;
    linear = start ? *start : initialAffine(settings, prep, fixed, moving);
    if (settings.initial && settings.method == Method::Rigid && !linear.isRigid(1e-4))
      throw core::Error("the initial transform of a rigid registration must be rigid");
    if (runRigid) {
      core::SubProgress sp(progress, 0.05 * linearEnd, (runAffine ? mid : 1.0) * linearEnd, "rigid");
      linear = runStage("rigid", false, linear, prep, settings, sp, onIteration, result);
    }
    if (runAffine) {
      core::SubProgress sp(progress, (runRigid ? mid : 0.05) * linearEnd, linearEnd, "affine");
      linear = runStage("affine", true, linear, prep, settings, sp, onIteration, result);
    }
  } else {
    const auto a = settings.initial->asAffine();
    if (!a) throw core::Error("the initial transform of a deformable registration must be linear");
    linear = *a;
  }
  result.transform = Transform(linear);
  if (deformable) {
    core::SubProgress sp(progress, skipLinear ? 0.0 : 0.3, 1.0, methodName(settings.method));
    Result d = detail::registerDeformable(fixed, moving, settings, result.transform, sp, onIteration);
    result.transform = d.transform;
    result.finalMetric = d.finalMetric;
    result.iterations += d.iterations;
    result.log.insert(result.log.end(), d.log.begin(), d.log.end());
  }
  progress.checkCancel(1.0, "done");
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace fw::registration
