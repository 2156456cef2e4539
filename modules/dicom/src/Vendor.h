#pragma once
// Vendor-specific header knowledge: Siemens CSA headers (mosaic layout, slice normal, DWI
// gradients), GE and Philips private diffusion tags, and the standard diffusion attributes
// (classic and enhanced MR). Pure functions over DCMTK items; no pixel data, no files.
// Internal to the dicom module.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fw/core/Geometry.h"

class DcmItem;

namespace fw::dicom::detail {

// A parsed Siemens CSA header ("SV10" or the older unmarked format): element name -> values.
using CsaHeader = std::map<std::string, std::vector<std::string>>;
// Parses the bytes of (0029,1010) or (0029,1020). Returns nothing when they are not a CSA
// header; never reads past `size` (hostile lengths are refused).
std::optional<CsaHeader> parseCsa(const std::uint8_t* data, std::size_t size);

struct Diffusion {
  std::optional<double> bValue;            // s/mm^2
  std::optional<core::Vec3> gradientLps;   // unit vector in patient LPS (nothing for b=0/trace)
  bool isotropic = false;                  // a trace/ADC image, not one direction
  std::string source;                      // "standard", "Siemens CSA", "GE", "Philips"
};

// b-value and gradient of a classic single-frame image: the standard attributes first
// ((0018,9087), (0018,9089)), then the vendor's private tags. rowDir/colDir are the image's
// orientation, for vendors that store gradients in image coordinates (GE).
Diffusion readDiffusion(DcmItem& dataset, const std::string& manufacturer, const core::Vec3& rowDir,
                        const core::Vec3& colDir);

// b-value and gradient from an enhanced MR functional-group item (MR Diffusion Sequence).
Diffusion readDiffusionFromFunctionalGroup(DcmItem& group);

// Philips classic (single-frame) images: the rescale that gives dcm2niix's default output
// (-p y, "Philips precise float"): FP = (SV * RS + RI) / (RS * SS), SS the private scale slope
// (2005,100E) of "Philips MR Imaging DD 001", RS/RI the Rescale Slope/Intercept or, when they
// are absent, the Real World Value Slope/Intercept (0040,9225/9224; top level or the first item
// of (0040,9096)). Nothing when Manufacturer is not Philips or SS is absent, zero or not finite.
struct PhilipsScale {
  double slope = 1, intercept = 0;  // FP = SV * slope + intercept
  double scaleSlope = 0;            // SS
};
std::optional<PhilipsScale> philipsPreciseScale(DcmItem& dataset);

// Siemens mosaic: several slices tiled in one frame.
struct MosaicLayout {
  std::size_t tileCount = 0;                  // NumberOfImagesInMosaic
  std::size_t tilesPerRow = 0;                // ceil(sqrt(tileCount))
  std::size_t tileRows = 0, tileColumns = 0;  // size of one slice
  std::size_t frameRows = 0, frameColumns = 0;  // the whole frame (may exceed tiles x tileRows)
  core::Vec3 normal;                          // slice normal (SliceNormalVector), LPS
  // Added for issue 3: distance between tile centres along `normal` (Spacing Between Slices,
  // else Slice Thickness; 0 when neither is present), and where `normal` came from.
  double sliceSpacing = 0;
  bool normalFromCsa = false;  // false: cross(row, column) of Image Orientation (Patient)
};
// Nothing when the image is not a mosaic. rows/columns are those of the whole frame.
std::optional<MosaicLayout> readMosaic(DcmItem& dataset, std::size_t rows, std::size_t columns);

// Position of the first voxel of tile `tile` (the mosaic's Image Position (Patient) is that of
// the whole frame's corner; dcm2niix's correction).
// pixelSpacingRow is Pixel Spacing[0] (between rows, along colDir), pixelSpacingColumn Pixel
// Spacing[1] (between columns, along rowDir). Tiles are stored in order along layout.normal,
// layout.sliceSpacing apart (as dcm2niix reads them): tile k is k * sliceSpacing along normal.
core::Vec3 mosaicTilePosition(const MosaicLayout& layout, const core::Vec3& framePosition, const core::Vec3& rowDir,
                              const core::Vec3& colDir, double pixelSpacingRow, double pixelSpacingColumn,
                              std::size_t tile);

// Copies tile `tile` out of a decoded mosaic frame (bytesPerPixel per value, frame columns wide).
// Writes nothing when tile >= tilesPerRow^2 or the frame is narrower than the tiles.
void extractMosaicTile(const MosaicLayout& layout, const std::uint8_t* frame, std::size_t frameColumns,
                       std::size_t bytesPerPixel, std::size_t tile, std::uint8_t* out);

}  // namespace fw::dicom::detail
