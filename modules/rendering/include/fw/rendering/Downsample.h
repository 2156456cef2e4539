#pragma once
// Smaller copies of a volume for volume rendering on software OpenGL, where ray-casting time
// grows with the voxel count: a 512x512x300 CT (79 M voxels) renders at about a frame per
// second on llvmpipe. Whole voxel blocks are averaged (integer factors per axis, chosen so the
// copy has at most maxVoxels), and the copy keeps the volume's world placement: its first
// voxel centre is the centre of the first block. Slice views never use these copies.
#include <array>
#include <cstddef>

#include "fw/core/Progress.h"
#include "fw/core/Volume.h"

namespace fw::rendering {

// Integer block factors per axis (each >= 1) for at most maxVoxels voxels, as even as the
// spacing allows (the finest axis is reduced first).
std::array<std::size_t, 3> downsampleFactors(const core::ImageGeometry& geometry,
                                             std::size_t maxVoxels);

// The volume itself when it is small enough; otherwise a block-averaged copy of the same pixel
// type, modality and identity. Checks `progress` for cancel between slabs (throws
// core::Cancelled through ProgressSink::checkCancel).
core::VolumePtr downsampleForRendering(const core::VolumePtr& volume, std::size_t maxVoxels,
                                       core::ProgressSink* progress = nullptr);

}  // namespace fw::rendering
