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

}  // namespace fw::dicom::detail
