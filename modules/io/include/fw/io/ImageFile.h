#pragma once
// Research image files through ITK: NIfTI (.nii, .nii.gz), NRRD (.nrrd, .nhdr), MetaImage
// (.mha, .mhd). ITK keeps LPS internally and converts NIfTI's RAS, so volumes read here have
// the same world geometry as DICOM ones.
#include <filesystem>
#include <string>
#include <vector>

#include "fw/core/Progress.h"
#include "fw/core/Volume.h"

namespace fw::io {

// Registers ITK's NIfTI, NRRD and MetaImage IO factories (once; thread-safe), for code that uses
// itk::ImageFileReader/Writer directly. The functions below do not need it: they pick the IO
// by extension and call it themselves.
void registerImageIOFactories();

// True when the file name has an extension this module reads.
bool isImageFileName(const std::filesystem::path& path);

// Header facts without reading pixels.
struct ImageFileInfo {
  std::filesystem::path path;
  std::string format;         // "NIfTI", "NRRD", "MetaImage"
  unsigned dimensions = 3;    // 3, or 4 for a time/diffusion series
  std::vector<std::size_t> size;
  std::vector<double> spacing;
  core::Vec3 origin;          // LPS mm
  core::Mat3 direction;       // LPS
  std::string componentType;  // "int16", "float32", ...
  unsigned components = 1;
};
ImageFileInfo readImageInfo(const std::filesystem::path& path);

// Reads a 3D scalar volume (the first volume of a 4D file). uint8/int8 become int16, int32 and
// wider become float32; 16-bit types are kept. Throws core::Error naming the file.
core::VolumePtr readImageFile(const std::filesystem::path& path,
                              core::ProgressSink& progress = core::NullProgress::instance());

// Writes a volume (atomically: temporary file in the same folder, then rename).
void writeImageFile(const core::Volume& volume, const std::filesystem::path& path);

}  // namespace fw::io
