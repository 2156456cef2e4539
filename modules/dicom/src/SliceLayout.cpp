#include "SliceLayout.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <tuple>

#include "fw/core/Error.h"

namespace fw::dicom::detail {

namespace {

// Slices closer than this along the normal are at the same position (mm).
constexpr double kSamePositionTolerance = 0.01;
// Relative deviation of a slice gap from the mean that we accept silently / with a warning.
constexpr double kSpacingSilent = 1e-3;
constexpr double kSpacingWarn = 0.1;

std::string fmt(double v, int decimals = 3) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// Order of the volumes that share one slice position.
bool volumeOrderLess(const SliceHeader& a, const SliceHeader& b) {
  const double ba = a.bValue.value_or(0), bb = b.bValue.value_or(0);
  return std::make_tuple(a.temporalPosition, a.acquisitionNumber, a.echoNumber, a.instanceNumber, ba,
                         a.file.string(), a.frame) <
         std::make_tuple(b.temporalPosition, b.acquisitionNumber, b.echoNumber, b.instanceNumber, bb,
                         b.file.string(), b.frame);
}

}  // namespace

SeriesLayout arrangeSlices(const std::vector<SliceHeader>& headers) {
  if (headers.empty()) throw core::Error("the series has no image files");
  const SliceHeader& first = headers.front();
  SeriesLayout layout;

  for (const auto& h : headers) {
    if (h.rows != first.rows || h.columns != first.columns)
      throw core::Error(h.file.string() + ": image size " + std::to_string(h.columns) + "x" +
                        std::to_string(h.rows) + " differs from " + std::to_string(first.columns) + "x" +
                        std::to_string(first.rows) + " of " + first.file.string() +
                        "; the series mixes images of different sizes");
    if (!h.hasPlane)
      throw core::Error(h.file.string() +
                        ": no valid Image Position/Orientation (Patient); cannot place the slice in space");
    if (core::dot(h.rowDirection, first.rowDirection) < 1 - 1e-4 ||
        core::dot(h.columnDirection, first.columnDirection) < 1 - 1e-4)
      throw core::Error(h.file.string() + ": image orientation differs from " + first.file.string() +
                        " (" + core::toString(h.rowDirection, 4) + " / " + core::toString(h.columnDirection, 4) +
                        " vs " + core::toString(first.rowDirection, 4) + " / " +
                        core::toString(first.columnDirection, 4) + "); the series mixes planes");
    if (h.hasPixelSpacing != first.hasPixelSpacing ||
        std::abs(h.spacingBetweenRows - first.spacingBetweenRows) > 1e-3 * first.spacingBetweenRows ||
        std::abs(h.spacingBetweenColumns - first.spacingBetweenColumns) > 1e-3 * first.spacingBetweenColumns)
      throw core::Error(h.file.string() + ": pixel spacing differs from " + first.file.string());
  }
  if (!first.hasPixelSpacing)
    layout.warnings.push_back("no Pixel Spacing in " + first.file.string() + "; assuming 1 mm pixels");

  const core::Vec3 row = first.rowDirection;
  const core::Vec3 col = core::normalized(first.columnDirection - row * core::dot(row, first.columnDirection));
  const core::Vec3 normal = core::normalized(core::cross(row, col));

  // Sort by distance along the normal, then cluster equal positions.
  std::vector<std::size_t> order(headers.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<double> dist(headers.size());
  for (std::size_t i = 0; i < headers.size(); ++i) dist[i] = core::dot(headers[i].position, normal);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return dist[a] < dist[b]; });

  std::vector<std::vector<std::size_t>> positions;
  for (std::size_t idx : order) {
    if (positions.empty() || dist[idx] - dist[positions.back().front()] > kSamePositionTolerance)
      positions.push_back({});
    positions.back().push_back(idx);
  }

  // Volumes: the n-th slice (in volume order) at every position belongs to volume n.
  std::size_t minCount = headers.size(), maxCount = 0;
  for (auto& p : positions) {
    std::stable_sort(p.begin(), p.end(),
                     [&](std::size_t a, std::size_t b) { return volumeOrderLess(headers[a], headers[b]); });
    minCount = std::min(minCount, p.size());
    maxCount = std::max(maxCount, p.size());
  }
  if (minCount != maxCount)
    layout.warnings.push_back("slice positions have between " + std::to_string(minCount) + " and " +
                              std::to_string(maxCount) + " images each (incomplete or duplicated slices); using " +
                              std::to_string(minCount) + " volume(s)");
  layout.volumes.assign(minCount, {});
  for (const auto& p : positions)
    for (std::size_t v = 0; v < minCount; ++v) layout.volumes[v].push_back(p[v]);

  // Slice spacing from the positions; uniform within tolerance, or an error when slices are
  // missing (a gap much larger than the others would put every later slice in the wrong place).
  const std::size_t n = positions.size();
  double sliceSpacing = first.spacingBetweenSlices > 0 ? first.spacingBetweenSlices
                        : first.sliceThickness > 0     ? first.sliceThickness
                                                       : 1.0;
  if (n > 1) {
    const double total = dist[positions.back().front()] - dist[positions.front().front()];
    sliceSpacing = total / static_cast<double>(n - 1);
    double minGap = 1e300, maxGap = 0;
    std::size_t worst = 1;  // the slice after the gap furthest from the mean
    for (std::size_t k = 1; k < n; ++k) {
      const double gap = dist[positions[k].front()] - dist[positions[k - 1].front()];
      minGap = std::min(minGap, gap);
      maxGap = std::max(maxGap, gap);
      const double worstGap = dist[positions[worst].front()] - dist[positions[worst - 1].front()];
      if (std::abs(gap - sliceSpacing) > std::abs(worstGap - sliceSpacing)) worst = k;
    }
    const double deviation = std::max(maxGap - sliceSpacing, sliceSpacing - minGap) / sliceSpacing;
    if (deviation > kSpacingWarn)
      throw core::Error("slice spacing is not uniform (gaps from " + fmt(minGap) + " to " + fmt(maxGap) +
                        " mm, e.g. between " + headers[positions[worst - 1].front()].file.string() + " and " +
                        headers[positions[worst].front()].file.string() +
                        "); slices are missing or the series mixes stacks, so it cannot be assembled as one volume");
    if (deviation > kSpacingSilent)
      layout.warnings.push_back("slice spacing varies slightly (" + fmt(minGap) + " to " + fmt(maxGap) +
                                " mm); using the mean " + fmt(sliceSpacing, 4) + " mm");

    // Sheared stacks (gantry tilt): the slice positions do not move along the normal.
    const core::Vec3 step = headers[positions.back().front()].position - headers[positions.front().front()].position;
    const double lateral = core::norm(step - normal * core::dot(step, normal));
    if (lateral > 1e-3 * std::max(1.0, std::abs(total))) {
      const double tiltDeg = std::atan2(lateral, std::abs(total)) * 180.0 / M_PI;
      layout.warnings.push_back("the slices are sheared by " + fmt(tiltDeg, 2) +
                                " degrees (gantry tilt); the volume is placed as an unsheared stack, positions "
                                "away from the centre are approximate");
    }
  }

  const core::Vec3 origin = headers[positions.front().front()].position;
  layout.geometry = core::ImageGeometry(
      {first.columns, first.rows, n},
      {first.hasPixelSpacing ? first.spacingBetweenColumns : 1.0, first.hasPixelSpacing ? first.spacingBetweenRows : 1.0,
       sliceSpacing},
      origin, core::Mat3::fromColumns(row, col, normal));
  return layout;
}

}  // namespace fw::dicom::detail
