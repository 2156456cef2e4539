#pragma once
// Pieces of Mattes mutual information shared by the rigid/affine engine (Register.cpp) and the
// B-spline stage (BSplineStage.cpp): the cubic B-spline Parzen window and its derivative, and
// the robust intensity range the histograms span. Internal to the registration module.
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "fw/core/Geometry.h"

namespace fw::registration::detail {

// The cubic B-spline kernel (support |u| < 2) and its derivative.
inline double bspline3(double u) {
  u = std::abs(u);
  if (u < 1) return (4.0 - 6.0 * u * u + 3.0 * u * u * u) / 6.0;
  if (u < 2) return (2.0 - u) * (2.0 - u) * (2.0 - u) / 6.0;
  return 0.0;
}
inline double bspline3Derivative(double u) {
  const double a = std::abs(u);
  if (a < 1) return -2.0 * u + 1.5 * u * a;
  if (a < 2) return (u > 0 ? -0.5 : 0.5) * (2.0 - a) * (2.0 - a);
  return 0.0;
}

// The 0.5th and 99.5th percentiles of the values ({0, 0} when empty): the histogram's span,
// so a few extreme voxels (metal, air) do not squeeze the tissue into a few bins.
inline std::pair<double, double> robustRange(std::vector<double> v) {
  if (v.empty()) return {0, 0};
  const std::size_t lo = v.size() / 200, hi = v.size() - 1 - v.size() / 200;
  std::nth_element(v.begin(), v.begin() + static_cast<long>(lo), v.end());
  const double a = v[lo];
  std::nth_element(v.begin(), v.begin() + static_cast<long>(hi), v.end());
  return {a, v[hi]};
}

// One sample's moving value m into the joint histogram: m (and its gradient g, zeroed where
// clamped) clamped to [mmin, mmax], its continuous bin index mc (bins of width mbin, `padding`
// bins free at the low end), and the cubic Parzen window around mc added to `row` (the fixed
// bin's row). Returns mc.
inline double addParzenSample(double m, core::Vec3& g, double mmin, double mbin, double mmax, int padding,
                              double* row) {
  if (m <= mmin) {
    m = mmin;
    g = {};
  } else if (m >= mmax) {
    m = mmax;
    g = {};
  }
  const double mc = (m - mmin) / mbin + padding;
  const int mb = static_cast<int>(mc);
  for (int k = mb - 1; k <= mb + 2; ++k) row[k] += bspline3(k - mc);
  return mc;
}

// Mutual information of a joint histogram (bins x bins, fixed-major) holding `total` samples:
// normalises `joint` to probabilities in place and fills `logRatio` with log(p(f,m) / p(m)),
// which the gradient needs (0 where p(f,m) is empty).
inline double mutualInformation(std::vector<double>& joint, double total, std::size_t bins,
                                std::vector<double>& logRatio) {
  std::vector<double> pf(bins, 0.0), pm(bins, 0.0);
  for (std::size_t f = 0; f < bins; ++f)
    for (std::size_t m = 0; m < bins; ++m) {
      const double v = joint[f * bins + m] / total;
      joint[f * bins + m] = v;
      pf[f] += v;
      pm[m] += v;
    }
  double mi = 0;
  logRatio.assign(bins * bins, 0.0);
  for (std::size_t f = 0; f < bins; ++f)
    for (std::size_t m = 0; m < bins; ++m) {
      const double v = joint[f * bins + m];
      if (v > 1e-16) {
        logRatio[f * bins + m] = std::log(v / pm[m]);
        mi += v * (logRatio[f * bins + m] - std::log(pf[f]));
      }
    }
  return mi;
}

// d MI / d (moving value) of one sample, up to the factor 1 / (total mbin): -sum over the
// Parzen window of B3'(k - mc) log(p/pm)(f, k), `row` being the fixed bin's logRatio row.
inline double parzenDerivativeWeight(double mc, const double* row) {
  const int mb = static_cast<int>(mc);
  double w = 0;
  for (int k = mb - 1; k <= mb + 2; ++k) w -= bspline3Derivative(k - mc) * row[k];
  return w;
}

}  // namespace fw::registration::detail
