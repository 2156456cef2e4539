#pragma once
// Research image files through ITK: NIfTI (.nii, .nii.gz), NRRD (.nrrd, .nhdr), MetaImage
// (.mha, .mhd). ITK keeps LPS internally and converts NIfTI's RAS, so volumes read here have
// the same world geometry as DICOM ones.
#include <filesystem>
#include <optional>
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

// Every volume of a 3D or 4D image file (NIfTI, NRRD, MetaImage) with what the header and the
// files beside it say about them, for showing a 4D file as a series.
struct ImageSeries {
  std::vector<core::VolumePtr> volumes;  // in file order, each on the file's 3D grid
  // A NIfTI with OUT.bval and OUT.bvec beside it whose counts match the volumes (a DWI file, as
  // dcm2niix and FSL write them): b-values, and gradients in patient LPS (zero for b = 0).
  std::vector<double> bValues;
  std::vector<core::Vec3> gradientsLps;
  // pixdim[4] of a 4D NIfTI (the repetition time of a BOLD file, as ITK reads it), when
  // positive; not set for NRRD and MetaImage, whose 4th axis may be anything.
  std::optional<double> volumeSpacing;
  std::vector<std::string> warnings;  // for the user: a .bval/.bvec beside it that does not fit
};
// Throws core::Error naming the file when the image cannot be read; a gradient table that cannot
// be used (unreadable, other volume count) is a warning, not an error: the volumes still show.
ImageSeries readImageSeries(const std::filesystem::path& path,
                            core::ProgressSink& progress = core::NullProgress::instance());

// Writes a volume (atomically: temporary file in the same folder, then rename).
void writeImageFile(const core::Volume& volume, const std::filesystem::path& path);

}  // namespace fw::io
