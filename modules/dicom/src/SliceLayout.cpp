#include "SliceLayout.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <tuple>

#include "fw/core/Error.h"

namespace fw::dicom::detail {

namespace {

// Slices closer than this along the normal are at the same position (mm).
constexpr double kSamePositionTolerance = 0.01;
// Relative deviation of a slice gap from the mean that we accept silently / as uniform.
constexpr double kSpacingSilent = 1e-3;
constexpr double kSpacingUniform = 0.1;
// In-plane shift (voxels) between slices above which the stack is sheared (gantry tilt).
constexpr double kShearVoxels = 0.05;

std::string fmt(double v, int decimals = 3) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// Magnitude first, then phase, real, imaginary, others.
int complexRank(const std::string& c) {
  if (c.empty() || c == "MAGNITUDE") return 0;
  if (c == "PHASE") return 1;
  if (c == "REAL") return 2;
  if (c == "IMAGINARY") return 3;
  return 4;
}

// Order of the volumes that share one slice position: by image type (magnitude before phase),
// echo, time, then what the scanner numbered.
auto volumeKey(const SliceHeader& h) {
  return std::make_tuple(complexRank(h.complexComponent), h.echoNumber, h.echoTimeMs.value_or(0), h.temporalPosition,
                         h.acquisitionNumber, h.acquisitionTimeS.value_or(0), h.instanceNumber, h.bValue.value_or(0),
                         h.dimensionIndex, h.stackId);
}

bool volumeOrderLess(const SliceHeader& a, const SliceHeader& b) {
  const auto ka = volumeKey(a), kb = volumeKey(b);
  return std::tie(ka, a.file, a.frame, a.mosaicTile) < std::tie(kb, b.file, b.frame, b.mosaicTile);
}

// True when both pixel data are known to be byte-identical (read straight from the files).
bool samePixels(const SliceHeader& a, const SliceHeader& b) {
  if (!a.nativeLittleEndian || !b.nativeLittleEndian || a.pixelDataOffset == 0 || b.pixelDataOffset == 0 ||
      a.mosaicTileCount || b.mosaicTileCount)
    return false;
  const std::uint64_t n = a.storedFrameBytes();
  if (n != b.storedFrameBytes() || n > (64u << 20)) return false;
  std::vector<char> x(n), y(n);
  std::ifstream fa(a.file, std::ios::binary), fb(b.file, std::ios::binary);
  fa.seekg(static_cast<std::streamoff>(a.pixelDataOffset + n * a.frame));
  fb.seekg(static_cast<std::streamoff>(b.pixelDataOffset + n * b.frame));
  fa.read(x.data(), static_cast<std::streamsize>(n));
  fb.read(y.data(), static_cast<std::streamsize>(n));
  return fa && fb && x == y;
}

std::string where(const SliceHeader& h) {
  std::string s = h.file.string();
  if (h.numberOfFrames > 1) s += " frame " + std::to_string(h.frame + 1);
  if (h.mosaicTileCount) s += " tile " + std::to_string(h.mosaicTile + 1);
  return s;
}

}  // namespace

SeriesLayout arrangeSlices(const std::vector<SliceHeader>& headers) {
  if (headers.empty()) throw core::Error("the series has no image files");
  const SliceHeader& first = headers.front();
  SeriesLayout layout;

  for (const auto& h : headers) {
    if (h.rows != first.rows || h.columns != first.columns)
      throw core::Error(h.file.string() + ": image size " + std::to_string(h.columns) + "x" + std::to_string(h.rows) +
                        " differs from " + std::to_string(first.columns) + "x" + std::to_string(first.rows) + " of " +
                        first.file.string() + "; the series mixes images of different sizes");
    if (!h.hasPlane)
      throw core::Error(where(h) + ": no valid Image Position/Orientation (Patient); cannot place the slice in space");
    if (core::dot(h.rowDirection, first.rowDirection) < 1 - 1e-4 ||
        core::dot(h.columnDirection, first.columnDirection) < 1 - 1e-4)
      throw core::Error(where(h) + ": image orientation differs from " + where(first) + " (" +
                        core::toString(h.rowDirection, 4) + " / " + core::toString(h.columnDirection, 4) + " vs " +
                        core::toString(first.rowDirection, 4) + " / " + core::toString(first.columnDirection, 4) +
                        "); the series mixes planes");
    if (h.hasPixelSpacing != first.hasPixelSpacing ||
        std::abs(h.spacingBetweenRows - first.spacingBetweenRows) > 1e-3 * first.spacingBetweenRows ||
        std::abs(h.spacingBetweenColumns - first.spacingBetweenColumns) > 1e-3 * first.spacingBetweenColumns)
      throw core::Error(h.file.string() + ": pixel spacing differs from " + first.file.string());
  }
  if (!first.hasPixelSpacing)
    layout.warnings.push_back("no Pixel Spacing in " + first.file.string() + "; assuming 1 mm pixels");

  std::set<std::string> frames;
  for (const auto& h : headers)
    if (!h.identity.frameOfReferenceUid.empty()) frames.insert(h.identity.frameOfReferenceUid);
  if (frames.size() > 1)
    layout.warnings.push_back("the series mixes " + std::to_string(frames.size()) +
                              " frames of reference (the patient may have been repositioned between its images); "
                              "positions are taken as they are");

  // Duplicates by SOP Instance UID (the same image copied twice): keep the first.
  std::vector<bool> dropped(headers.size(), false);
  {
    std::map<std::tuple<std::string, std::size_t, std::size_t>, std::size_t> seen;
    std::size_t count = 0;
    std::string example;
    for (std::size_t i = 0; i < headers.size(); ++i) {
      const auto& h = headers[i];
      if (h.sopInstanceUid.empty()) continue;
      auto [it, inserted] = seen.emplace(std::make_tuple(h.sopInstanceUid, h.frame, h.mosaicTile), i);
      if (inserted) continue;
      dropped[i] = true;
      layout.duplicates.push_back(i);
      if (count++ == 0) example = h.file.string() + " repeats " + headers[it->second].file.string();
    }
    if (count)
      layout.warnings.push_back(std::to_string(count) + " duplicate image(s) with the same SOP Instance UID ignored (" +
                                example + ")");
  }

  const core::Vec3 row = first.rowDirection;
  const core::Vec3 col = core::normalized(first.columnDirection - row * core::dot(row, first.columnDirection));
  const core::Vec3 normal = core::normalized(core::cross(row, col));

  // Sort by distance along the normal, then cluster equal positions.
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < headers.size(); ++i)
    if (!dropped[i]) order.push_back(i);
  std::vector<double> dist(headers.size());
  for (std::size_t i = 0; i < headers.size(); ++i) dist[i] = core::dot(headers[i].position, normal);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return dist[a] < dist[b]; });

  std::vector<std::vector<std::size_t>> positions;
  for (std::size_t idx : order) {
    if (positions.empty() || dist[idx] - dist[positions.back().front()] > kSamePositionTolerance)
      positions.push_back({});
    positions.back().push_back(idx);
  }

  // Duplicates by content: same position, same acquisition attributes, same pixels.
  std::size_t contentDuplicates = 0;
  std::string contentExample;
  for (auto& p : positions) {
    std::stable_sort(p.begin(), p.end(),
                     [&](std::size_t a, std::size_t b) { return volumeOrderLess(headers[a], headers[b]); });
    std::vector<std::size_t> kept;
    for (std::size_t idx : p) {
      const bool dup = !kept.empty() && volumeKey(headers[kept.back()]) == volumeKey(headers[idx]) &&
                       core::norm(headers[kept.back()].position - headers[idx].position) < kSamePositionTolerance &&
                       samePixels(headers[kept.back()], headers[idx]);
      if (!dup) {
        kept.push_back(idx);
        continue;
      }
      layout.duplicates.push_back(idx);
      if (contentDuplicates++ == 0) contentExample = where(headers[idx]) + " repeats " + where(headers[kept.back()]);
    }
    p = std::move(kept);
  }
  if (contentDuplicates)
    layout.warnings.push_back(std::to_string(contentDuplicates) +
                              " duplicate slice(s) (same position, acquisition and pixels) ignored (" + contentExample +
                              ")");

  // Volumes: the n-th slice (in volume order) at every position belongs to volume n.
  std::size_t minCount = headers.size(), maxCount = 0;
  for (const auto& p : positions) {
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

  const std::size_t n = positions.size();
  const double dx = first.hasPixelSpacing ? first.spacingBetweenColumns : 1.0;
  const double dy = first.hasPixelSpacing ? first.spacingBetweenRows : 1.0;
  double sliceSpacing = first.spacingBetweenSlices > 0 ? first.spacingBetweenSlices
                        : first.sliceThickness > 0     ? first.sliceThickness
                                                       : 1.0;
  const SliceHeader& h0 = headers[positions.front().front()];
  std::vector<double> d(n);  // distance of each position from the first, along the normal
  for (std::size_t k = 0; k < n; ++k) d[k] = dist[positions[k].front()] - dist[positions.front().front()];

  // In-plane offset of each slice from the first (gantry tilt shears the stack).
  std::vector<std::array<double, 2>> shift(n, {0.0, 0.0});
  double minI = 0, maxI = 0, minJ = 0, maxJ = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const core::Vec3 step = headers[positions[k].front()].position - h0.position;
    const core::Vec3 lateral = step - normal * core::dot(step, normal);
    shift[k] = {core::dot(lateral, row) / dx, core::dot(lateral, col) / dy};
    minI = std::min(minI, shift[k][0]);
    maxI = std::max(maxI, shift[k][0]);
    minJ = std::min(minJ, shift[k][1]);
    maxJ = std::max(maxJ, shift[k][1]);
  }
  const bool sheared = std::max(maxI - minI, maxJ - minJ) > kShearVoxels;

  bool uneven = false;
  std::size_t outSlices = n;
  if (n > 1) {
    const double total = d.back();
    sliceSpacing = total / static_cast<double>(n - 1);
    double minGap = 1e300, maxGap = 0;
    for (std::size_t k = 1; k < n; ++k) {
      minGap = std::min(minGap, d[k] - d[k - 1]);
      maxGap = std::max(maxGap, d[k] - d[k - 1]);
    }
    const double deviation = std::max(maxGap - sliceSpacing, sliceSpacing - minGap) / sliceSpacing;
    if (deviation > kSpacingUniform) {
      // Equidistant slices at the smallest gap (dcm2niix's "_Eq"), at most twice as many.
      uneven = true;
      outSlices = static_cast<std::size_t>(std::llround(total / minGap)) + 1;
      sliceSpacing = minGap;
      if (outSlices > 2 * n) {
        outSlices = 2 * n;
        sliceSpacing = total / static_cast<double>(outSlices - 1);
      }
      // Gaps that are whole multiples of the usual gap are missing slices: say where.
      std::vector<double> gaps;
      for (std::size_t k = 1; k < n; ++k) gaps.push_back(d[k] - d[k - 1]);
      std::vector<double> sorted = gaps;
      std::sort(sorted.begin(), sorted.end());
      const double usual = sorted[sorted.size() / 2];
      std::vector<std::string> missing;
      bool onlyMissing = true;
      for (std::size_t k = 1; k < n; ++k) {
        const double ratio = gaps[k - 1] / usual;
        const double m = std::round(ratio);
        if (std::abs(ratio - m) > kSpacingUniform * std::max(1.0, m) || m < 1) {
          onlyMissing = false;
          continue;
        }
        for (int extra = 1; extra < static_cast<int>(m); ++extra)
          missing.push_back(fmt(dist[positions[k - 1].front()] + usual * extra, 2) + " mm (between " +
                            headers[positions[k - 1].front()].file.filename().string() + " and " +
                            headers[positions[k].front()].file.filename().string() + ")");
      }
      if (onlyMissing && !missing.empty()) {
        std::string list;
        for (std::size_t i = 0; i < missing.size() && i < 8; ++i) list += (i ? "; " : "") + missing[i];
        if (missing.size() > 8) list += "; ...";
        // Regular slices with holes: keep the usual spacing.
        sliceSpacing = usual;
        outSlices = static_cast<std::size_t>(std::llround(total / usual)) + 1;
        layout.warnings.push_back(std::to_string(missing.size()) + " slice(s) missing, at slice location " + list +
                                  ": the gap is filled by linear interpolation between its neighbours, so do not "
                                  "measure there");
      } else {
        layout.warnings.push_back("slice spacing is uneven (gaps from " + fmt(minGap) + " to " + fmt(maxGap) +
                                  " mm): resampled to " + std::to_string(outSlices) + " equidistant slices of " +
                                  fmt(sliceSpacing, 4) +
                                  " mm by linear interpolation between neighbouring slices (as dcm2niix's _Eq "
                                  "output); values between the original slices are interpolated");
      }
    } else if (deviation > kSpacingSilent) {
      layout.warnings.push_back("slice spacing varies slightly (" + fmt(minGap) + " to " + fmt(maxGap) +
                                " mm); using the mean " + fmt(sliceSpacing, 4) + " mm");
    }
    if (sheared) {
      const double lateralMm = std::hypot((maxI - minI) * dx, (maxJ - minJ) * dy);
      const double tiltDeg = std::atan2(lateralMm, std::abs(total)) * 180.0 / M_PI;
      layout.warnings.push_back("gantry tilt of " + fmt(tiltDeg, 1) +
                                " degrees: the slices were shifted in their planes (up to " + fmt(lateralMm, 1) +
                                " mm, linear interpolation) onto an orthogonal grid (as dcm2niix's _Tilt output), so "
                                "positions are true everywhere; the grid is larger than the images and the added "
                                "border holds the darkest value");
    }
  }

  core::Vec3 origin = h0.position;
  std::size_t columns = first.columns, rows = first.rows;
  if (sheared) {
    origin = origin + row * (minI * dx) + col * (minJ * dy);
    // Rounding noise of the written positions (a 4-decimal DS is 1e-4 voxels off) must not add a
    // column or row of border.
    columns += static_cast<std::size_t>(std::ceil(maxI - minI - 1e-3));
    rows += static_cast<std::size_t>(std::ceil(maxJ - minJ - 1e-3));
  }
  if (sheared || uneven) {
    layout.resample = true;
    layout.sliceDistance = d;
    layout.sliceShift.resize(n);
    // Without shear the slices sit on the grid's columns and rows (rounding noise of the
    // positions must not push edge pixels outside).
    for (std::size_t k = 0; k < n; ++k)
      layout.sliceShift[k] = sheared ? std::array<double, 2>{shift[k][0] - minI, shift[k][1] - minJ}
                                     : std::array<double, 2>{0.0, 0.0};
  }
  layout.geometry =
      core::ImageGeometry({columns, rows, outSlices}, {dx, dy, sliceSpacing}, origin, core::Mat3::fromColumns(row, col, normal));
  return layout;
}

std::vector<StackPart> splitStacks(const std::vector<SliceHeader>& headers) {
  std::vector<StackPart> parts;
  // By Stack ID, in order of first appearance.
  std::vector<std::string> ids;
  for (const auto& h : headers)
    if (!h.stackId.empty() && std::find(ids.begin(), ids.end(), h.stackId) == ids.end()) ids.push_back(h.stackId);
  if (ids.size() > 1) {
    for (const auto& id : ids) {
      StackPart p;
      for (std::size_t i = 0; i < headers.size(); ++i)
        if (headers[i].stackId == id) p.indices.push_back(i);
      p.label = "Stack ID " + id;
      parts.push_back(std::move(p));
    }
    // Frames without a Stack ID (none expected) join the first stack.
    for (std::size_t i = 0; i < headers.size(); ++i)
      if (headers[i].stackId.empty()) parts.front().indices.push_back(i);
  } else {
    // By orientation, only for multi-frame files (one enhanced file holding several planes).
    for (const auto& h : headers)
      if (h.numberOfFrames <= 1 || !h.hasPlane) return {};
    auto same = [](const SliceHeader& a, const SliceHeader& b) {
      return core::dot(a.rowDirection, b.rowDirection) > 0.9999 && core::dot(a.columnDirection, b.columnDirection) > 0.9999;
    };
    std::vector<std::size_t> representative;  // a header of each orientation
    for (std::size_t i = 0; i < headers.size(); ++i) {
      std::size_t o = 0;
      while (o < representative.size() && !same(headers[representative[o]], headers[i])) ++o;
      if (o == representative.size()) {
        representative.push_back(i);
        StackPart p;
        const auto& h = headers[i];
        p.label = "orientation " + core::toString(h.rowDirection, 3) + " / " + core::toString(h.columnDirection, 3);
        parts.push_back(std::move(p));
      }
      parts[o].indices.push_back(i);
    }
    if (parts.size() < 2) return {};
  }
  for (std::size_t s = 0; s < parts.size(); ++s)
    parts[s].label = "stack " + std::to_string(s + 1) + " of " + std::to_string(parts.size()) + " (" + parts[s].label + ")";
  return parts;
}

}  // namespace fw::dicom::detail
