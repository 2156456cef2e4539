#pragma once
// Reading uncompressed little-endian pixel data straight from a file: one open and pread per
// frame into the caller's buffer (no stream buffer, no intermediate copy), and the test for
// frames whose stored bytes are already the output values, which are then read into the
// volume itself. Internal to the dicom module (docs/dicom-scan.md, "Pixel loading").
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <type_traits>

#include "SliceHeader.h"

namespace fw::dicom::detail {

// Reads exactly `bytes` bytes at `offset` of `file` into `out`. Throws core::Error ("cannot
// open the file (...)", "the file is truncated (pixel data ends early)", ...) otherwise.
void readFileRange(const std::filesystem::path& file, std::uint64_t offset, std::uint8_t* out, std::uint64_t bytes);

// Asks the kernel to back the large buffer [data, data + bytes) with huge pages (Linux
// transparent huge pages in "madvise" mode), before it is first written: a volume of 80 MB
// otherwise costs 20,000 page faults, a third of its load time. Harmless when not supported.
void adviseHugePages(void* data, std::size_t bytes);

// True when the stored bytes of `h`'s frame are already its rescaled values as T: same width
// and signedness, every allocated bit stored, slope 1 and intercept 0 as the integer decoder
// rounds them, not a mosaic, and the pixel data's offset known. Float output never qualifies.
template <class T>
bool storedIsOutput(const SliceHeader& h) {
  if constexpr (std::is_floating_point_v<T>) {
    return false;
  } else {
    return h.nativeLittleEndian && h.pixelDataOffset > 0 && h.mosaicTileCount == 0 && h.frameRows == 0 &&
           h.frameColumns == 0 && h.samplesPerPixel == 1 && h.bitsAllocated == 8 * sizeof(T) &&
           h.bitsStored == h.bitsAllocated && h.highBit + 1 == h.bitsAllocated &&
           (h.pixelRepresentation == 1) == std::is_signed_v<T> && std::llround(h.rescaleSlope) == 1 &&
           std::llround(h.rescaleIntercept) == 0;
  }
}

}  // namespace fw::dicom::detail
