#pragma once
// Decoding of encapsulated (compressed) Pixel Data: JPEG baseline/extended/lossless, JPEG-LS
// and RLE through DCMTK's codecs, JPEG 2000 through OpenJPEG. Deflate and big-endian syntaxes
// are not encapsulated and are handled by DCMTK's parser. Internal to the dicom module.
#include <cstddef>
#include <cstdint>
#include <string>

#include "SliceHeader.h"

class DcmDataset;
class DcmElement;

namespace fw::dicom::detail {

// Registers the DCMTK decoders once (thread-safe; called by decodeCompressedFrame).
void registerDecoders();

// True for the transfer syntaxes whose Pixel Data is encapsulated (compressed), including the
// HTJ2K syntaxes (1.2.840.10008.1.2.4.201-203) that DCMTK 3.6.7 does not know yet.
bool isCompressedSyntax(const std::string& transferSyntaxUid);

// True for JPEG 2000 (Part 1, lossless and lossy) and HTJ2K transfer syntaxes.
bool isJpeg2000Syntax(const std::string& transferSyntaxUid);

// Decodes the header's frame of a colour JPEG 2000 / HTJ2K image (Samples per Pixel 3: RGB,
// YBR_ICT, YBR_RCT, YBR_FULL) into three planes of rows*columns values 0..255 (16-bit colour
// keeps its top 8 bits). The codestream's colour transform is undone by OpenJPEG, so ICT/RCT
// give RGB; YBR_FULL without one is converted. Throws core::Error saying what failed.
void decodeJpeg2000ColourFrame(DcmDataset& dataset, DcmElement& pixelData, const SliceHeader& header,
                               std::uint16_t* red, std::uint16_t* green, std::uint16_t* blue);

// Decodes frame `frame` of the encapsulated Pixel Data `pixelData` of `dataset` into `out`
// (outBytes = rows*columns*samplesPerPixel*bitsAllocated/8, native little-endian, the layout
// an uncompressed frame would have). Throws core::Error saying what failed and which
// transfer syntax it was. The frame's fragments are found from one fragment per frame, the
// Extended or Basic Offset Table when consistent, or the fragments that start a codestream.
// Values are checked against Bits Stored; the stream's size against Rows/Columns.
void decodeCompressedFrame(DcmDataset& dataset, DcmElement& pixelData, const SliceHeader& header,
                           std::uint8_t* out, std::size_t outBytes);

}  // namespace fw::dicom::detail
