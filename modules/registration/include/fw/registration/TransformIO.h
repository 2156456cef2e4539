#pragma once
// Transform files other tools read: ITK transform files, text (.tfm, .txt) or HDF5 (.h5).
// Convention (stated in docs/registration.md): the file holds the fixed-to-moving point mapping
// in LPS millimetres, as ITK, ANTs and 3D Slicer ("from parent") expect; a chain is written as
// an ITK CompositeTransform. Writes are atomic (temporary file, then rename); never a half file.
#include <filesystem>

#include "fw/registration/Transform.h"

namespace fw::registration {

void writeTransform(const Transform& transform, const std::filesystem::path& file);
// Throws core::Error naming the file and the problem (missing, unreadable, unsupported kind).
Transform readTransform(const std::filesystem::path& file);

}  // namespace fw::registration
