#pragma once
// The header of one image frame as the reader needs it: identity, geometry, ordering keys and
// pixel format. A classic single-frame file gives one SliceHeader (frame 0); an enhanced
// multi-frame file gives one per frame from its Shared and Per-frame Functional Groups; a
// Siemens mosaic one per tile. Internal to the dicom module.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fw/core/DicomIdentity.h"
#include "fw/core/Geometry.h"

class DcmFileFormat;

namespace fw::dicom::detail {

struct SliceHeader {
  std::filesystem::path file;
  std::size_t frame = 0;  // frame index inside the file (0 for classic single-frame)
  // Siemens mosaic: the tile of the frame this slice is cut from (tileCount 0: not a mosaic).
  std::size_t mosaicTile = 0, mosaicTileCount = 0, mosaicTileRows = 0, mosaicTileColumns = 0;
  // Size of the stored frame when it differs from rows x columns (a mosaic: the whole tiled
  // frame; rows/columns are then those of one tile). 0: same as rows/columns.
  std::size_t frameRows = 0, frameColumns = 0;
  std::string manufacturer;
  std::string seriesTime;

  std::string sopClassUid;
  std::string sopInstanceUid;
  std::string transferSyntaxUid;
  std::string modality;  // (0008,0060) as written
  core::DicomIdentity identity;

  std::size_t rows = 0, columns = 0, numberOfFrames = 1;
  unsigned samplesPerPixel = 1, bitsAllocated = 16, bitsStored = 16, highBit = 15;
  unsigned pixelRepresentation = 0;  // 0 unsigned, 1 two's complement
  std::string photometric;

  bool hasPlane = false;  // Image Orientation and Position present and valid
  core::Vec3 rowDirection{1, 0, 0};     // direction of increasing column index (i)
  core::Vec3 columnDirection{0, 1, 0};  // direction of increasing row index (j)
  core::Vec3 position;                  // centre of the first voxel
  bool hasPixelSpacing = false;
  double spacingBetweenRows = 1, spacingBetweenColumns = 1;  // Pixel Spacing [0], [1]
  double sliceThickness = 0;
  double spacingBetweenSlices = 0;

  double rescaleSlope = 1, rescaleIntercept = 0;
  std::string rescaleType;
  std::optional<double> windowCenter, windowWidth;

  // Keys that order the volumes of a 4D series at one slice position.
  long instanceNumber = 0, acquisitionNumber = 0, temporalPosition = 0, echoNumber = 0;
  std::optional<double> bValue;
  std::optional<core::Vec3> gradient;
  std::optional<double> echoTimeMs, repetitionTimeMs;
  std::string acquisitionTime;
  std::string imageType;  // Image Type, or the enhanced frame's Frame Type

  // Seconds since midnight of the acquisition of this frame (Frame Acquisition DateTime,
  // Acquisition DateTime or Acquisition Time); orders and times the volumes of a 4D series.
  std::optional<double> acquisitionTimeS;
  // MAGNITUDE, PHASE, REAL, IMAGINARY (enhanced MR Complex Image Component, else the third value
  // of Image Type: M, P, R, I); empty when unknown. Volumes are grouped by it.
  std::string complexComponent;
  bool diffusionIsotropic = false;  // a trace / ADC frame, not one gradient direction

  // Enhanced multi-frame Frame Content.
  std::string stackId;
  long inStackPosition = 0;
  std::vector<std::uint32_t> dimensionIndex;

  // Where the pixel bytes of the file are, found by the header scan, so that uncompressed
  // little-endian files are read directly instead of through a full DCMTK parse.
  bool nativeLittleEndian = false;    // Implicit or Explicit VR Little Endian, not encapsulated
  std::uint64_t pixelDataOffset = 0;  // file offset of the first byte of the Pixel Data value (0: unknown)
  std::uint64_t pixelDataLength = 0;  // its length as the file states it
  // Why the pixel data cannot be read, found before any decoding (truncated file, a frame count
  // or image size the data does not hold); empty when nothing is known to be wrong.
  std::string pixelDataProblem;

  // Bytes of one stored frame (rows x columns of the stored frame x samples x bits / 8).
  std::uint64_t storedFrameBytes() const;
};

// Why a file is not usable as an image, for the user (empty when it is).
struct HeaderResult {
  // One header per frame: a classic file gives one; an enhanced multi-frame file one per frame
  // (from its functional groups); a Siemens mosaic one per tile. Empty when skipped.
  std::vector<SliceHeader> headers;
  std::string skipReason;             // set when the file is skipped (not DICOM, not an image..)
  bool nonImage = false;              // a valid DICOM object that is not an image (SR, PR, RT..)
  std::vector<std::string> warnings;  // usable, but the user should know
};

// Cheap test of the first bytes: a DICOM Part 10 preamble ("DICM" at 128) or a raw dataset
// that starts with a group 0x0002/0x0008 tag.
bool looksLikeDicom(const std::filesystem::path& file);

// Reads the header of `file` without loading its pixel data (parsing stops at Pixel Data):
// our fast reader (FastHeader.h) for the common case, DCMTK for everything it declines.
// FW_DICOM_HEADER_READER=dcmtk in the environment sends every file through DCMTK.
HeaderResult readSliceHeader(const std::filesystem::path& file);

// The two readers readSliceHeader chooses between, for tests and measurements: DCMTK's parse
// alone, and the fast reader alone (nothing when it declines the file; `why` says why).
HeaderResult readSliceHeaderDcmtk(const std::filesystem::path& file);
std::optional<HeaderResult> readSliceHeaderFast(const std::filesystem::path& file, std::string* why = nullptr);

// Fills a SliceHeader from an already parsed file. `wholeFile` (when not null) holds all
// `wholeFileSize` bytes of the file, so the pixel data is located without reading it again.
HeaderResult sliceHeaderFrom(DcmFileFormat& fileFormat, const std::filesystem::path& file,
                             const std::uint8_t* wholeFile = nullptr, std::size_t wholeFileSize = 0);

}  // namespace fw::dicom::detail

namespace fw::dicom::detail {

// The parsed headers of one series, kept by the scan so loading does not read them again.
struct SeriesHeaders {
  std::vector<SliceHeader> headers;
};

}  // namespace fw::dicom::detail
