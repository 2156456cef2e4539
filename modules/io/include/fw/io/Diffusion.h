#pragma once
// Diffusion gradient tables in FSL's .bval/.bvec convention (what dcm2niix, FSL, MRtrix3 and
// DIPY read): one b-value and one unit vector per volume, the vector's components along the
// NIfTI file's voxel axes, with x negated when the voxel-to-world matrix has a positive
// determinant (FSL treats every image as if stored radiologically). b=0 volumes get (0,0,0).
#include <filesystem>
#include <optional>
#include <vector>

#include "fw/core/Geometry.h"
#include "fw/core/Progress.h"
#include "fw/core/Volume.h"

namespace fw::io {

struct GradientTable {
  std::vector<double> bValues;      // s/mm^2, one per volume
  std::vector<core::Vec3> vectors;  // FSL bvecs, one per volume
};

// FSL's table for gradients given in patient LPS coordinates, for a NIfTI file whose voxel grid
// is `niftiGrid` (see niftiGrid() in Nifti.h). A volume with b > 0 and no gradient (a trace or
// ADC image) gets (0,0,0), as in dcm2niix. Throws core::Error when the lengths differ.
GradientTable fslGradients(const std::vector<double>& bValues,
                           const std::vector<std::optional<core::Vec3>>& gradientsLps,
                           const core::ImageGeometry& niftiGrid);
// The other way: the gradients of an FSL table in patient LPS coordinates (unit or zero).
std::vector<core::Vec3> gradientsLps(const GradientTable& table, const core::ImageGeometry& niftiGrid);

// OUT.bval and OUT.bvec beside OUT.nii / OUT.nii.gz.
std::filesystem::path bvalPathFor(const std::filesystem::path& nifti);
std::filesystem::path bvecPathFor(const std::filesystem::path& nifti);

// Writes both text files (bval: one row; bvec: three rows), each atomically. Refuses to replace
// existing files unless `overwrite`. Throws core::Error naming the file.
void writeGradientTable(const GradientTable& table, const std::filesystem::path& bval,
                        const std::filesystem::path& bvec, bool overwrite = false);
// Reads a table; accepts bvec as 3 rows of N or N rows of 3. Throws core::Error naming the file
// when it is missing, holds something other than numbers, or the counts disagree.
GradientTable readGradientTable(const std::filesystem::path& bval, const std::filesystem::path& bvec);

// A DWI NIfTI file with its .bval/.bvec beside it, for diffusion pipelines.
struct DiffusionImage {
  std::vector<core::VolumePtr> volumes;
  GradientTable table;                 // as in the files
  std::vector<core::Vec3> gradients;   // the same directions in patient LPS (zero for b=0)
};
// Throws core::Error naming the file when a file is missing or the counts disagree with the
// number of volumes.
DiffusionImage readDiffusionImage(const std::filesystem::path& nifti,
                                  core::ProgressSink& progress = core::NullProgress::instance());

}  // namespace fw::io
