#pragma once
// Decodes the pixel data of one frame into rescaled values (Rescale Slope/Intercept applied).
// Classic uncompressed transfer syntaxes for now; compressed syntaxes (JPEG, JPEG-LS, RLE,
// JPEG 2000) plug in here later by registering DCMTK's codecs, since DCMTK's
// getUncompressedFrame() already decodes through them. Internal to the dicom module.
#include "SliceHeader.h"

namespace fw::dicom::detail {

// Loads `header.file`, checks that its pixel format matches `header` (the caller compares
// headers across the series) and writes rows*columns values to `out`, x fastest.
// Throws core::Error naming the file on every problem (truncated, compressed, colour, ...).
void decodeFrame(const SliceHeader& header, float* out);

}  // namespace fw::dicom::detail
