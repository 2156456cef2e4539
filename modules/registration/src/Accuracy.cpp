#include "fw/registration/Accuracy.h"

#include <algorithm>
#include <cmath>
#include <string>

#include <vnl/algo/vnl_svd.h>
#include <vnl/vnl_det.h>
#include <vnl/vnl_matrix.h>

#include "ItkImages.h"
#include "fw/core/Error.h"

namespace fw::registration {

Tre targetRegistrationError(const Transform& estimated, const Transform& truth,
                            const std::vector<core::Vec3>& fixedPoints) {
  if (fixedPoints.empty()) throw core::Error("target registration error: no points");
  Tre tre;
  double sum = 0;
  for (const core::Vec3& p : fixedPoints) {
    const double e = core::norm(estimated.apply(p) - truth.apply(p));
    sum += e;
    tre.max = std::max(tre.max, e);
  }
  tre.points = fixedPoints.size();
  tre.mean = sum / static_cast<double>(fixedPoints.size());
  return tre;
}

std::vector<core::Vec3> pointsInBody(const core::Volume& fixed, std::size_t count, unsigned seed) {
  using namespace detail;
  if (count == 0) return {};
  const FloatImage::Pointer image = toFloatImage(fixed);
  // A ~4 mm grid: the mask is smooth there, and points are spread over the whole body.
  const auto factors = pyramidFactors(fixed.geometry(), 3).front();
  const FloatImage::Pointer coarse = blockAverage(*image, factors);
  MaskImage::Pointer mask = bodyMask(*coarse, isCtVolume(fixed), 0);
  // Erode by one cell (the complement dilated), so no point sits on the skin.
  const auto n = mask->GetLargestPossibleRegion().GetSize();
  const std::size_t total = n[0] * n[1] * n[2];
  MaskImage::Pointer outside = core::allocateImage<MaskImage>(core::geometryOf(*mask));
  for (std::size_t v = 0; v < total; ++v)
    outside->GetBufferPointer()[v] = mask->GetBufferPointer()[v] ? 0 : 1;
  // Voxels on the grid's border count as next to the outside too.
  MaskImage::Pointer eroded = core::allocateImage<MaskImage>(core::geometryOf(*mask));
  for (std::size_t k = 0; k < n[2]; ++k)
    for (std::size_t j = 0; j < n[1]; ++j)
      for (std::size_t i = 0; i < n[0]; ++i) {
        const std::size_t v = i + n[0] * (j + n[1] * k);
        if (!mask->GetBufferPointer()[v]) continue;
        bool keep = i > 0 && j > 0 && k > 0 && i + 1 < n[0] && j + 1 < n[1] && k + 1 < n[2];
        for (int d = 0; keep && d < 27; ++d) {
          const std::size_t ii = i + d % 3 - 1, jj = j + (d / 3) % 3 - 1, kk = k + d / 9 - 1;
          if (outside->GetBufferPointer()[ii + n[0] * (jj + n[1] * kk)]) keep = false;
        }
        eroded->GetBufferPointer()[v] = keep ? 1 : 0;
      }
  if (maskCount(*eroded) == 0) eroded = mask;
  if (maskCount(*eroded) == 0)
    throw core::Error("volume '" + fixed.name() + "' has no body voxels to place points in");
  const PointSet::Pointer points = samplePoints(*coarse, eroded.GetPointer(), count, seed);
  std::vector<core::Vec3> out;
  out.reserve(points->GetNumberOfPoints());
  for (auto it = points->GetPoints()->Begin(); it != points->GetPoints()->End(); ++it)
    out.push_back({it.Value()[0], it.Value()[1], it.Value()[2]});
  return out;
}

Affine fitRigid(const std::vector<core::Vec3>& fixed, const std::vector<core::Vec3>& moving) {
  if (fixed.size() != moving.size())
    throw core::Error("rigid landmark fit: " + std::to_string(fixed.size()) + " fixed and " +
                      std::to_string(moving.size()) + " moving points");
  if (fixed.size() < 3)
    throw core::Error("rigid landmark fit: at least 3 point pairs are needed (got " +
                      std::to_string(fixed.size()) + ")");
  const double n = static_cast<double>(fixed.size());
  core::Vec3 cf, cm;
  for (std::size_t i = 0; i < fixed.size(); ++i) {
    cf += fixed[i];
    cm += moving[i];
  }
  cf = cf / n;
  cm = cm / n;
  // H = sum (f - cf)(m - cm)^T; R = V diag(1, 1, det(V U^T)) U^T maps centred fixed to moving.
  vnl_matrix<double> h(3, 3, 0.0);
  double spread = 0;
  for (std::size_t i = 0; i < fixed.size(); ++i) {
    const core::Vec3 a = fixed[i] - cf, b = moving[i] - cm;
    spread += dot(a, a);
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) h(static_cast<unsigned>(r), static_cast<unsigned>(c)) += a[r] * b[c];
  }
  vnl_svd<double> svd(h);
  // Two non-zero singular values at least: the points span a plane, not a line.
  if (spread <= 0 || svd.W(1) <= 1e-9 * svd.W(0))
    throw core::Error("rigid landmark fit: the points are (nearly) collinear");
  const vnl_matrix<double> u = svd.U(), v = svd.V();
  vnl_matrix<double> vu = v * u.transpose();
  const double det = vnl_det(vu[0], vu[1], vu[2]);
  vnl_matrix<double> d(3, 3, 0.0);
  d(0, 0) = 1;
  d(1, 1) = 1;
  d(2, 2) = det < 0 ? -1 : 1;
  const vnl_matrix<double> r = v * d * u.transpose();
  Affine a;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) a.matrix(i, j) = r(static_cast<unsigned>(i), static_cast<unsigned>(j));
  a.translation = cm - a.matrix * cf;
  return a;
}

Tre landmarkError(const Transform& transform, const std::vector<core::Vec3>& fixed,
                  const std::vector<core::Vec3>& moving) {
  if (fixed.empty() || fixed.size() != moving.size())
    throw core::Error("landmark error: " + std::to_string(fixed.size()) + " fixed and " +
                      std::to_string(moving.size()) + " moving points");
  Tre tre;
  double sum = 0;
  for (std::size_t i = 0; i < fixed.size(); ++i) {
    const double e = core::norm(transform.apply(fixed[i]) - moving[i]);
    sum += e;
    tre.max = std::max(tre.max, e);
  }
  tre.points = fixed.size();
  tre.mean = sum / static_cast<double>(fixed.size());
  return tre;
}

}  // namespace fw::registration
