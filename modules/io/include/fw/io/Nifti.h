#pragma once
// NIfTI-1 files written by our own code (not ITK), for DICOM conversion: 3D or 4D, the pixel
// type of the data (int16, uint16, float32), sform and qform in RAS with code 1 (scanner), mm
// and seconds as units, TR in pixdim[4]. The voxel order can be dcm2niix's, so that a file
// converted here and one converted by dcm2niix have the same affine and the same bvecs.
// Reading every volume of a 3D/4D file goes through ITK (see ImageFile.h).
#include <filesystem>
#include <string>
#include <vector>

#include "fw/core/Geometry.h"
#include "fw/core/Progress.h"
#include "fw/core/Volume.h"

namespace fw::io {

struct NiftiWriteOptions {
  // dcm2niix's voxel order: rows reversed (DICOM stores the top row first, NIfTI viewers draw
  // row 0 at the bottom) and slices ascending along the slice normal (row x column). When
  // false, the volume's own voxel order is written unchanged.
  bool dcm2niixLayout = true;
  double repetitionTimeS = 0;  // pixdim[4] of a 4D file; 0 when unknown
  std::string description;     // the header's descrip (79 bytes at most are kept)
  bool overwrite = false;      // replace an existing file (otherwise: an error naming it)
  // Colour: the volumes are channel triples (red, green, blue of volume 0, then of volume 1...)
  // written as NIfTI RGB24 (datatype 128, 24 bits, R G B interleaved per voxel, as dcm2niix
  // writes colour DICOM); values are clamped to 0..255. dim[0] is 3 for one colour volume.
  bool rgb24 = false;
};

// The voxel grid (LPS) the file will have for a volume grid `g`: the same voxels, perhaps in
// another order. Gradient directions must be expressed in this grid (see Diffusion.h).
core::ImageGeometry niftiGrid(const core::ImageGeometry& g, bool dcm2niixLayout);

// Writes one volume (3D file) or several of the same grid (4D file) to .nii or .nii.gz,
// atomically (a temporary file beside the target, renamed over it at the end). Volumes of
// different pixel types are written as float32 (see rgb24 for colour). Throws core::Error
// naming the file.
void writeNifti(const std::vector<core::VolumePtr>& volumes, const std::filesystem::path& path,
                const NiftiWriteOptions& options = {},
                core::ProgressSink& progress = core::NullProgress::instance());

// The quaternion parameters of a NIfTI qform for a (possibly non-orthogonal) RAS 3x3 matrix
// with unit-length columns: b, c, d and qfac (+1 or -1). A non-orthogonal matrix (gantry tilt)
// is replaced by its nearest rotation (polar decomposition), as NIfTI's own library does.
struct Quaternion {
  double b = 0, c = 0, d = 0, qfac = 1;
};
Quaternion niftiQuaternion(const core::Mat3& rasDirection);
// The rotation matrix (times qfac on the third column) of a qform: the inverse of the above.
core::Mat3 niftiQuaternionMatrix(const Quaternion& q);

// Every volume of a 3D or 4D image file (NIfTI, NRRD, MetaImage), each with the file's 3D
// grid. Same pixel type rules as readImageFile(). Throws core::Error naming the file.
std::vector<core::VolumePtr> readImageVolumes(const std::filesystem::path& path,
                                              core::ProgressSink& progress = core::NullProgress::instance());

}  // namespace fw::io
