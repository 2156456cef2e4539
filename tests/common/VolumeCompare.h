#pragma once
// Test helper: two volumes compared voxel by voxel through world space (a converted or
// reoriented copy against its source), with the first difference described.
#include <QString>
#include <cmath>
#include <cstddef>

#include "fw/core/Volume.h"

namespace fw::test {

// Every voxel of `read` has the value of the voxel of `source` at the same world position
// (the grids must match up to orientation: same voxel count, every centre on a source centre).
inline bool sameByWorld(const core::Volume& read, const core::Volume& source, QString& why) {
  const auto& g = read.geometry();
  const auto& n = g.size();
  if (g.voxelCount() != source.geometry().voxelCount()) {
    why = "voxel counts differ";
    return false;
  }
  for (std::size_t k = 0; k < n[2]; ++k)
    for (std::size_t j = 0; j < n[1]; ++j)
      for (std::size_t i = 0; i < n[0]; ++i) {
        const core::Vec3 idx = source.geometry().worldToIndex(g.indexToWorld({double(i), double(j), double(k)}));
        std::size_t v[3];
        for (int a = 0; a < 3; ++a) {
          const double r = std::round(idx[a]);
          if (std::abs(idx[a] - r) > 1e-3 || r < 0 || r >= double(source.geometry().size()[a])) {
            why = QString("voxel (%1,%2,%3) is not on the source grid").arg(i).arg(j).arg(k);
            return false;
          }
          v[a] = static_cast<std::size_t>(r);
        }
        if (read.valueAt(i, j, k) != source.valueAt(v[0], v[1], v[2])) {
          why = QString("voxel (%1,%2,%3): %4 vs %5").arg(i).arg(j).arg(k).arg(read.valueAt(i, j, k)).arg(source.valueAt(v[0], v[1], v[2]));
          return false;
        }
      }
  return true;
}

}  // namespace fw::test
