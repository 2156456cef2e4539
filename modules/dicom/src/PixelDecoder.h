#pragma once
// Decodes the pixel data of one frame (or one mosaic tile) straight into the volume's pixel
// type with Rescale Slope/Intercept applied: no float intermediate for integer data.
// Uncompressed little-endian files are read directly at the Pixel Data offset the header scan
// recorded; everything else (big endian, deflate, encapsulated syntaxes through Codecs.h)
// goes through DCMTK. Internal to the dicom module.
#include <cstdint>
#include <memory>
#include <vector>

#include "SliceHeader.h"

namespace fw::dicom::detail {

// While one of these lives on a thread, the file that thread last read through DCMTK
// (compressed, big endian, deflated; colour) stays parsed, so the frames of a multi-frame file
// are decoded from one parse of the file per thread instead of one per frame. Create one per
// thread of a decoding loop (inside the parallel region); the file is released with it.
// Without one, every frame loads its file anew.
class DcmtkFileCache {
 public:
  DcmtkFileCache();
  ~DcmtkFileCache();
  DcmtkFileCache(const DcmtkFileCache&) = delete;
  DcmtkFileCache& operator=(const DcmtkFileCache&) = delete;
  struct State;

 private:
  std::unique_ptr<State> m_state;
  State* m_previous = nullptr;
};

// The stored bytes of `header`'s frame (a mosaic: its tile), native little-endian,
// rows*columns*samplesPerPixel*bitsAllocated/8 of them. Throws core::Error naming the file on
// every problem (truncated, compressed and undecodable, colour, ...).
void readStoredFrame(const SliceHeader& header, std::vector<std::uint8_t>& out);

// Decodes rows*columns rescaled values into `out`, x fastest. T is std::int16_t, std::uint16_t
// or float. Returns false when a value does not fit T (the caller then decodes as float);
// throws core::Error naming the file on every problem.
template <class T>
bool decodeFrameAs(const SliceHeader& header, T* out);

// decodeFrameAs<float>.
void decodeFrame(const SliceHeader& header, float* out);

// True for colour images: Samples per Pixel 3 (RGB, YBR_FULL, YBR_FULL_422, YBR_PARTIAL_*,
// YBR_ICT/RCT) or PALETTE COLOR. Such series load as three channel volumes (ColourModel::Rgb).
bool isColour(const SliceHeader& header);

// Decodes the frame of a colour image to RGB, 0..255 per channel (16-bit colour is scaled to 8
// bits), into three planes of rows*columns values, x fastest. YBR is converted to RGB, palette
// colour through its lookup tables, either planar configuration. Goes through DCMTK's
// DicomImage (uncompressed, JPEG, JPEG-LS, RLE; not JPEG 2000). Throws core::Error naming the
// file on every problem.
void decodeColourFrame(const SliceHeader& header, std::uint16_t* red, std::uint16_t* green, std::uint16_t* blue);

// The range of rescaled values the stored pixels can take (from Bits Stored, Pixel
// Representation, slope and intercept), for choosing the volume's pixel type before decoding.
void rescaledRange(const SliceHeader& header, double& lo, double& hi);

}  // namespace fw::dicom::detail
