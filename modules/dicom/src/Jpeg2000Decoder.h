#pragma once
// JPEG 2000 (Part 1) and High-Throughput JPEG 2000 (Part 15) decoding of one frame with
// OpenJPEG's C API, from memory. Each call has its own codec and stream objects, so frames
// decode in parallel. Internal to the dicom module.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fw::dicom::detail {

// One decoded frame: width*height samples per component, x fastest, as signed integers.
struct Jpeg2000Frame {
  std::size_t width = 0, height = 0, components = 0;
  unsigned precision = 0;
  bool isSigned = false;
  // Component after component (a greyscale frame: width*height samples). For colour, OpenJPEG
  // has already undone the codestream's multiple component transform (ICT or RCT) when `mct`.
  std::vector<std::int32_t> samples;
  bool mct = false;  // the codestream used a multiple component transform (YBR_ICT / YBR_RCT)
};

// What the header says the frame must be; a codestream that disagrees is refused.
struct Jpeg2000Expect {
  std::size_t width = 0, height = 0, components = 1;
  unsigned bitsAllocated = 16;
};

// Decodes the codestream (a raw J2K codestream, or a JP2 file as some encoders wrongly write)
// in `data`. Refuses a truncated or damaged codestream (OpenJPEG's strict mode), a size or
// component count other than `expect`, subsampled components, components of different
// precision, and a precision above Bits Allocated. Throws core::Error.
Jpeg2000Frame decodeJpeg2000(const std::uint8_t* data, std::size_t size, const Jpeg2000Expect& expect);

// OpenJPEG's version string, for the docs and reports.
std::string openJpegVersion();

}  // namespace fw::dicom::detail
