#pragma once
// Arranges the slice headers of one series into volumes: checks that they share one image
// plane orientation and size, groups them by position along the slice normal (several
// slices at one position make a 4D series), orders the volumes at each position and derives
// the grid geometry. Internal to the dicom module; used by both the scan (volume count) and
// the assembly (geometry, slice order).
#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "SliceHeader.h"
#include "fw/core/Geometry.h"

namespace fw::dicom::detail {

struct SeriesLayout {
  // volumes[v][k]: index into the headers of slice k of volume v, k ascending along the normal.
  std::vector<std::vector<std::size_t>> volumes;
  core::ImageGeometry geometry;  // of one volume
  std::vector<std::string> warnings;

  // Set when the slices do not lie on the grid `geometry` (gantry tilt, missing slices,
  // uneven spacing): the assembler decodes each volume as a stack of its slices and resamples
  // it onto `geometry`. For slice k of every volume: pixel (u, v) of the slice lies at grid
  // index (u + sliceShift[k][0], v + sliceShift[k][1]) in the plane at sliceDistance[k] mm
  // along the grid's third axis from its origin.
  bool resample = false;
  std::vector<double> sliceDistance;
  std::vector<std::array<double, 2>> sliceShift;
  // Headers left out as duplicates (same SOP Instance UID, or same position and content).
  std::vector<std::size_t> duplicates;
};

// Throws core::Error naming the offending files when the headers cannot form a volume
// (differing rows/columns/orientation/pixel spacing, missing Image Plane attributes). Missing
// slices, uneven spacing and gantry tilt are resampled (see SeriesLayout::resample) and told in
// `warnings`; duplicates are left out and told.
SeriesLayout arrangeSlices(const std::vector<SliceHeader>& headers);

// One stack of a series that holds several (see splitStacks): the indices of its headers and
// words for the user, e.g. "stack 2 of 2 (Stack ID 2)" or "stack 1 of 3 (orientation 1 0 0 / 0 0 -1)".
struct StackPart {
  std::vector<std::size_t> indices;
  std::string label;
};

// Splits the headers of one series into stacks that each may form a volume: by Stack ID when the
// frames carry several (enhanced multi-frame), else by image orientation when every frame comes
// from a multi-frame file and the orientations differ (several planes in one enhanced file).
// Empty when there is nothing to split (classic series with mixed planes stay one series and
// are refused by arrangeSlices, as before).
std::vector<StackPart> splitStacks(const std::vector<SliceHeader>& headers);

}  // namespace fw::dicom::detail
