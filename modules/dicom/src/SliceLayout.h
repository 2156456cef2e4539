#pragma once
// Arranges the slice headers of one series into volumes: checks that they share one image
// plane orientation and size, groups them by position along the slice normal (several
// slices at one position make a 4D series), orders the volumes at each position and derives
// the grid geometry. Internal to the dicom module; used by both the scan (volume count) and
// the assembly (geometry, slice order).
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
};

// Throws core::Error naming the offending file when the headers cannot form a volume
// (differing rows/columns/orientation/pixel spacing, missing Image Plane attributes, gaps).
SeriesLayout arrangeSlices(const std::vector<SliceHeader>& headers);

}  // namespace fw::dicom::detail
