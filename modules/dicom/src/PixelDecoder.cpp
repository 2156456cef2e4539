#include "PixelDecoder.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include "Codecs.h"
#include "DcmUtil.h"
#include "fw/core/Error.h"

namespace fw::dicom::detail {

namespace {

// Stored value of pixel n, honouring Bits Stored / High Bit and the sign.
template <class RawT>
void convert(const std::uint8_t* data, std::size_t count, const SliceHeader& h, float* out) {
  const unsigned bits = sizeof(RawT) * 8;
  const unsigned stored = std::min(h.bitsStored, bits);
  const unsigned shift = (h.highBit + 1 >= stored && h.highBit < bits) ? h.highBit + 1 - stored : 0;
  const std::uint64_t mask = stored >= 64 ? ~0ull : ((1ull << stored) - 1);
  const bool isSigned = h.pixelRepresentation == 1;
  const double slope = h.rescaleSlope, intercept = h.rescaleIntercept;
  for (std::size_t n = 0; n < count; ++n) {
    RawT raw;
    std::memcpy(&raw, data + n * sizeof(RawT), sizeof(RawT));
    std::uint64_t u = (static_cast<std::uint64_t>(raw) >> shift) & mask;
    std::int64_t v = static_cast<std::int64_t>(u);
    if (isSigned && stored < 64 && (u >> (stored - 1)) & 1u) v -= static_cast<std::int64_t>(1ull << stored);
    out[n] = static_cast<float>(static_cast<double>(v) * slope + intercept);
  }
}

}  // namespace

void decodeFrame(const SliceHeader& h, float* out) {
  const std::string where = h.file.string();
  try {
    if (h.samplesPerPixel != 1 || (h.photometric != "MONOCHROME2" && h.photometric != "MONOCHROME1"))
      throw core::Error("colour images (" + h.photometric + ") are not supported");
    if (h.bitsAllocated != 8 && h.bitsAllocated != 16 && h.bitsAllocated != 32)
      throw core::Error("Bits Allocated " + std::to_string(h.bitsAllocated) + " is not supported");

  quietDcmtkWarnings();
    const std::size_t count = h.rows * h.columns;
    const std::size_t frameBytes = count * (h.bitsAllocated / 8);
    const std::size_t needed = frameBytes * (h.frame + 1);

    DcmFileFormat ff;
    const OFCondition loaded = ff.loadFile(h.file.c_str());
    if (loaded.bad()) {
      std::error_code ec;
      const auto size = std::filesystem::file_size(h.file, ec);
      if (!ec && size < needed)
        throw core::Error("the file is truncated (" + std::to_string(size) + " bytes, but its " +
                          std::to_string(h.columns) + "x" + std::to_string(h.rows) + " pixels alone need " +
                          std::to_string(needed) + ")");
      throw core::Error(std::string("the file is damaged or truncated (") + loaded.text() + ")");
    }
    DcmDataset& ds = *ff.getDataset();
    const DcmXfer xfer(ds.getOriginalXfer());
    DcmElement* element = nullptr;
    if (ds.findAndGetElement(DCM_PixelData, element).bad() || !element)
      throw core::Error("the file has no Pixel Data");
    if (xfer.isEncapsulated()) {
      std::vector<std::uint8_t> buffer(frameBytes);
      decodeCompressedFrame(ds, *element, h, buffer.data(), buffer.size());
      switch (h.bitsAllocated) {
        case 8: convert<std::uint8_t>(buffer.data(), count, h, out); break;
        case 16: convert<std::uint16_t>(buffer.data(), count, h, out); break;
        default: convert<std::uint32_t>(buffer.data(), count, h, out); break;
      }
      return;
    }

    // DCMTK tolerates a value that ends early at the end of a file; we do not.
    if (element->getLength() < needed)
      throw core::Error("pixel data is truncated (" + std::to_string(element->getLength()) + " of " +
                        std::to_string(needed) + " bytes)");
    std::vector<std::uint8_t> buffer(frameBytes + 1);
    Uint32 startFragment = 0;
    OFString colorModel;
    check(element->getUncompressedFrame(&ds, static_cast<Uint32>(h.frame), startFragment, buffer.data(),
                                        static_cast<Uint32>(buffer.size()), colorModel),
          "cannot read the pixel data");
    switch (h.bitsAllocated) {
      case 8: convert<std::uint8_t>(buffer.data(), count, h, out); break;
      case 16: convert<std::uint16_t>(buffer.data(), count, h, out); break;
      default: convert<std::uint32_t>(buffer.data(), count, h, out); break;
    }
  } catch (core::Error& e) {
    e.addContext("reading " + where);
    throw;
  }
}

}  // namespace fw::dicom::detail
