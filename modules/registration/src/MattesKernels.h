#pragma once
// Pieces of Mattes mutual information shared by the rigid/affine engine (Register.cpp) and the
// B-spline stage (BSplineStage.cpp): the cubic B-spline Parzen window and its derivative, and
// the robust intensity range the histograms span. Internal to the registration module.
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

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

}  // namespace fw::registration::detail
