#include "PixelDecoder.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmimage/diregist.h>  // colour image support for DicomImage (registered once, here)
#include <dcmtk/dcmimgle/dcmimage.h>

#include "Codecs.h"
#include "DcmUtil.h"
#include "DirectRead.h"
#include "Vendor.h"
#include "fw/core/Error.h"
#include "fw/dicom/SeriesReader.h"

namespace fw::dicom::detail {

namespace {

struct StoredFormat {
  unsigned stored = 16, shift = 0;
  std::uint64_t mask = 0xffff;
  bool isSigned = false;
};

StoredFormat storedFormat(const SliceHeader& h) {
  StoredFormat f;
  const unsigned bits = h.bitsAllocated;
  f.stored = std::min(std::max(h.bitsStored, 1u), bits);
  f.shift = (h.highBit + 1 >= f.stored && h.highBit < bits) ? h.highBit + 1 - f.stored : 0;
  f.mask = f.stored >= 64 ? ~0ull : ((1ull << f.stored) - 1);
  f.isSigned = h.pixelRepresentation == 1;
  return f;
}

template <class RawT>
inline std::int64_t storedValue(const std::uint8_t* data, std::size_t n, const StoredFormat& f) {
  RawT raw;
  std::memcpy(&raw, data + n * sizeof(RawT), sizeof(RawT));
  const std::uint64_t u = (static_cast<std::uint64_t>(raw) >> f.shift) & f.mask;
  auto v = static_cast<std::int64_t>(u);
  if (f.isSigned && f.stored < 64 && ((u >> (f.stored - 1)) & 1u)) v -= static_cast<std::int64_t>(1ull << f.stored);
  return v;
}

// Stored values -> rescaled values of type OutT. Integer outputs need an integer slope and
// intercept (the caller chooses the type); values outside OutT's range make it return false.
template <class RawT, class OutT>
bool convert(const std::uint8_t* data, std::size_t count, const SliceHeader& h, OutT* out) {
  const StoredFormat f = storedFormat(h);
  if constexpr (std::is_floating_point_v<OutT>) {
    const double slope = h.rescaleSlope, intercept = h.rescaleIntercept;
    if (f.shift == 0 && sizeof(RawT) <= 2) {
      // Stored bits at the bottom (the usual case, e.g. 12 of 16): a plain typed loop the
      // compiler vectorises, with the same values as storedValue and the same double arithmetic
      // as the general loop below. Signed values are sign-extended from bit `stored - 1`.
      const unsigned spare = 32 - f.stored;
      const auto mask = static_cast<std::uint32_t>(f.mask);
      for (std::size_t n = 0; n < count; ++n) {
        RawT raw;
        std::memcpy(&raw, data + n * sizeof(RawT), sizeof(RawT));
        const std::uint32_t u = static_cast<std::uint32_t>(raw) & mask;
        const double v = f.isSigned ? double(static_cast<std::int32_t>(u << spare) >> spare) : double(u);
        out[n] = static_cast<OutT>(v * slope + intercept);
      }
      return true;
    }
    for (std::size_t n = 0; n < count; ++n)
      out[n] = static_cast<OutT>(static_cast<double>(storedValue<RawT>(data, n, f)) * slope + intercept);
    return true;
  } else {
    const auto slope = static_cast<std::int64_t>(std::llround(h.rescaleSlope));
    const auto intercept = static_cast<std::int64_t>(std::llround(h.rescaleIntercept));
    constexpr std::int64_t lo = std::numeric_limits<OutT>::min(), hi = std::numeric_limits<OutT>::max();
    bool fits = true;
    for (std::size_t n = 0; n < count; ++n) {
      const std::int64_t v = storedValue<RawT>(data, n, f) * slope + intercept;
      fits = fits && v >= lo && v <= hi;
      out[n] = static_cast<OutT>(v);
    }
    return fits;
  }
}

void checkFormat(const SliceHeader& h) {
  if (h.samplesPerPixel != 1 || (h.photometric != "MONOCHROME2" && h.photometric != "MONOCHROME1"))
    throw core::Error("a colour image (" + h.photometric + ", " + std::to_string(h.samplesPerPixel) +
                      " samples per pixel) cannot be read as greyscale");
  if (h.bitsAllocated != 8 && h.bitsAllocated != 16 && h.bitsAllocated != 32)
    throw core::Error("Bits Allocated " + std::to_string(h.bitsAllocated) + " is not supported");
  if (!h.pixelDataProblem.empty()) throw core::Error(h.pixelDataProblem);
}

// The whole stored frame (a mosaic: all tiles), straight from the file at the recorded offset.
void readDirect(const SliceHeader& h, std::uint8_t* out, std::uint64_t frameBytes) {
  const std::uint64_t at = h.pixelDataOffset + frameBytes * h.frame;
  if (frameBytes * (h.frame + 1) > h.pixelDataLength)
    throw core::Error("frame " + std::to_string(h.frame + 1) + " lies beyond the end of the pixel data");
  readFileRange(h.file, at, out, frameBytes);
}

}  // namespace

struct DcmtkFileCache::State {
  std::filesystem::path file;
  std::unique_ptr<DcmFileFormat> loaded;
};

namespace {

thread_local DcmtkFileCache::State* t_fileCache = nullptr;

// The parsed file, from the thread's cache when it holds this file; null when loading failed
// (`condition` says why).
DcmFileFormat* loadDcmtkFile(const std::filesystem::path& file, std::unique_ptr<DcmFileFormat>& owned,
                             OFCondition& condition) {
  if (t_fileCache && t_fileCache->loaded && t_fileCache->file == file) return t_fileCache->loaded.get();
  auto ff = std::make_unique<DcmFileFormat>();
  condition = ff->loadFile(file.c_str());
  if (condition.bad()) return nullptr;
  if (t_fileCache) {
    ff->loadAllDataIntoMemory();  // later frames must not go back to the file
    t_fileCache->file = file;
    t_fileCache->loaded = std::move(ff);
    return t_fileCache->loaded.get();
  }
  owned = std::move(ff);
  return owned.get();
}

// The whole stored frame through DCMTK (compressed, big endian, deflated, or offset unknown).
void readWithDcmtk(const SliceHeader& h, std::uint8_t* out, std::uint64_t frameBytes) {
  quietDcmtkWarnings();
  const std::uint64_t needed = frameBytes * (h.frame + 1);
  std::unique_ptr<DcmFileFormat> owned;
  OFCondition loaded = EC_Normal;
  DcmFileFormat* file = loadDcmtkFile(h.file, owned, loaded);
  if (!file) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(h.file, ec);
    if (!ec && size < needed)
      throw core::Error("the file is truncated (" + std::to_string(size) + " bytes, but its " +
                        std::to_string(h.columns) + "x" + std::to_string(h.rows) + " pixels alone need " +
                        std::to_string(needed) + ")");
    throw core::Error(std::string("the file is damaged or truncated (") + loaded.text() + ")");
  }
  DcmDataset& ds = *file->getDataset();
  const DcmXfer xfer(ds.getOriginalXfer());
  DcmElement* element = nullptr;
  if (ds.findAndGetElement(DCM_PixelData, element).bad() || !element) throw core::Error("the file has no Pixel Data");
  if (xfer.isEncapsulated() || isCompressedSyntax(h.transferSyntaxUid)) {  // DCMTK 3.6.7 lacks HTJ2K
    decodeCompressedFrame(ds, *element, h, out, static_cast<std::size_t>(frameBytes));
    return;
  }
  // DCMTK tolerates a value that ends early at the end of a file; we do not.
  if (element->getLength() < needed)
    throw core::Error("pixel data is truncated (" + std::to_string(element->getLength()) + " of " +
                      std::to_string(needed) + " bytes)");
  std::vector<std::uint8_t> buffer(static_cast<std::size_t>(frameBytes) + 1);
  Uint32 startFragment = 0;
  OFString colorModel;
  check(element->getUncompressedFrame(&ds, static_cast<Uint32>(h.frame), startFragment, buffer.data(),
                                      static_cast<Uint32>(buffer.size()), colorModel),
        "cannot read the pixel data");
  std::memcpy(out, buffer.data(), static_cast<std::size_t>(frameBytes));
}

}  // namespace

void readStoredFrame(const SliceHeader& h, std::vector<std::uint8_t>& out) {
  const std::string where = h.file.string();
  try {
    checkFormat(h);
    const std::uint64_t frameBytes = h.storedFrameBytes();
    const std::size_t bpp = h.bitsAllocated / 8;
    const std::size_t tileBytes = h.rows * h.columns * bpp;
    const bool mosaic = h.mosaicTileCount > 0;
    // A mosaic frame is read whole, then its tile is cut out.
    thread_local std::vector<std::uint8_t> frameBuffer;
    std::uint8_t* target = nullptr;
    if (mosaic) {
      frameBuffer.resize(static_cast<std::size_t>(frameBytes));
      target = frameBuffer.data();
    } else {
      out.resize(static_cast<std::size_t>(frameBytes));
      target = out.data();
    }
    if (h.nativeLittleEndian && h.pixelDataOffset > 0)
      readDirect(h, target, frameBytes);
    else
      readWithDcmtk(h, target, frameBytes);
    if (mosaic) {
      MosaicLayout layout;
      layout.tileCount = h.mosaicTileCount;
      layout.tileRows = h.mosaicTileRows;
      layout.tileColumns = h.mosaicTileColumns;
      // ceil(sqrt(count)), as readMosaic: a frame wider than the tiles (padding at the right)
      // must not add a tile column.
      layout.tilesPerRow = 1;
      while (layout.tilesPerRow * layout.tilesPerRow < h.mosaicTileCount) ++layout.tilesPerRow;
      layout.frameRows = h.frameRows;
      layout.frameColumns = h.frameColumns;
      out.resize(tileBytes);
      extractMosaicTile(layout, frameBuffer.data(), h.frameColumns, bpp, h.mosaicTile, out.data());
    }
  } catch (core::Error& e) {
    e.addContext("reading " + where);
    throw;
  }
}

template <class T>
bool decodeFrameAs(const SliceHeader& h, T* out) {
  if (storedIsOutput<T>(h)) {
    try {
      checkFormat(h);
      readDirect(h, reinterpret_cast<std::uint8_t*>(out), h.storedFrameBytes());
    } catch (core::Error& e) {
      e.addContext("reading " + h.file.string());
      throw;
    }
    return true;
  }
  thread_local std::vector<std::uint8_t> stored;
  readStoredFrame(h, stored);
  const std::size_t count = h.rows * h.columns;
  switch (h.bitsAllocated) {
    case 8: return convert<std::uint8_t>(stored.data(), count, h, out);
    case 16: return convert<std::uint16_t>(stored.data(), count, h, out);
    default: return convert<std::uint32_t>(stored.data(), count, h, out);
  }
}

template bool decodeFrameAs<std::int16_t>(const SliceHeader&, std::int16_t*);
template bool decodeFrameAs<std::uint16_t>(const SliceHeader&, std::uint16_t*);
template bool decodeFrameAs<float>(const SliceHeader&, float*);

void decodeFrame(const SliceHeader& h, float* out) { decodeFrameAs<float>(h, out); }

DcmtkFileCache::DcmtkFileCache() : m_state(std::make_unique<State>()), m_previous(t_fileCache) {
  t_fileCache = m_state.get();
}

DcmtkFileCache::~DcmtkFileCache() { t_fileCache = m_previous; }

bool isColour(const SliceHeader& h) {
  return h.samplesPerPixel == 3 || h.photometric == "PALETTE COLOR";
}

void decodeColourFrame(const SliceHeader& h, std::uint16_t* red, std::uint16_t* green, std::uint16_t* blue) {
  try {
    if (!isColour(h)) throw core::Error("not a colour image (" + h.photometric + ")");
    if (h.mosaicTileCount > 0) throw core::Error("colour mosaic images are not supported");
    if (h.samplesPerPixel != 3 && h.samplesPerPixel != 1)
      throw core::Error(std::to_string(h.samplesPerPixel) + " samples per pixel are not supported");
    if (h.bitsAllocated != 8 && h.bitsAllocated != 16)
      throw core::Error("colour with Bits Allocated " + std::to_string(h.bitsAllocated) + " is not supported");
    if (!h.pixelDataProblem.empty()) throw core::Error(h.pixelDataProblem);
    const bool jpeg2000 = isJpeg2000Syntax(h.transferSyntaxUid);
    quietDcmtkWarnings();
    registerDecoders();
    std::unique_ptr<DcmFileFormat> owned;
    OFCondition loaded = EC_Normal;
    DcmFileFormat* file = loadDcmtkFile(h.file, owned, loaded);
    if (!file) throw core::Error(std::string("the file is damaged or truncated (") + loaded.text() + ")");
    DcmDataset& ds = *file->getDataset();
    DcmElement* element = nullptr;
    if (ds.findAndGetElement(DCM_PixelData, element).bad() || !element) throw core::Error("the file has no Pixel Data");
    if (jpeg2000) {  // DCMTK has no JPEG 2000 decoder: OpenJPEG (Codecs.cpp)
      decodeJpeg2000ColourFrame(ds, *element, h, red, green, blue);
      return;
    }
    const DcmXfer xfer(ds.getOriginalXfer());
    if (!xfer.isEncapsulated()) {
      const std::uint64_t needed = h.storedFrameBytes() * (h.frame + 1);
      if (element->getLength() < needed)
        throw core::Error("pixel data is truncated (" + std::to_string(element->getLength()) + " of " +
                          std::to_string(needed) + " bytes)");
    }
    DicomImage image(&ds, ds.getOriginalXfer(), CIF_UsePartialAccessToPixelData, static_cast<unsigned long>(h.frame), 1);
    if (image.getStatus() != EIS_Normal)
      throw core::Error(std::string("the colour image cannot be decoded (") +
                        DicomImage::getString(image.getStatus()) + ")");
    if (image.isMonochrome()) throw core::Error("DCMTK decoded the colour image as greyscale");
    if (image.getWidth() != h.columns || image.getHeight() != h.rows)
      throw core::Error("the decoded image is " + std::to_string(image.getWidth()) + "x" +
                        std::to_string(image.getHeight()) + " pixels, but the header says " +
                        std::to_string(h.columns) + "x" + std::to_string(h.rows));
    const std::size_t count = h.rows * h.columns;
    if (image.getOutputDataSize(8) != count * 3) throw core::Error("the decoded colour image has an unexpected size");
    const auto* rgb = static_cast<const std::uint8_t*>(image.getOutputData(8, 0, 0));  // interleaved RGB
    if (!rgb) throw core::Error("the colour image cannot be decoded");
    for (std::size_t n = 0; n < count; ++n) {
      red[n] = rgb[3 * n];
      green[n] = rgb[3 * n + 1];
      blue[n] = rgb[3 * n + 2];
    }
  } catch (core::Error& e) {
    e.addContext("reading " + h.file.string());
    throw;
  }
}

void rescaledRange(const SliceHeader& h, double& lo, double& hi) {
  const StoredFormat f = storedFormat(h);
  const double storedLo = f.isSigned ? -std::ldexp(1.0, static_cast<int>(f.stored) - 1) : 0.0;
  const double storedHi = f.isSigned ? std::ldexp(1.0, static_cast<int>(f.stored) - 1) - 1 : std::ldexp(1.0, static_cast<int>(f.stored)) - 1;
  const double a = storedLo * h.rescaleSlope + h.rescaleIntercept, b = storedHi * h.rescaleSlope + h.rescaleIntercept;
  lo = std::min(a, b);
  hi = std::max(a, b);
}

}  // namespace fw::dicom::detail

namespace fw::dicom {

core::VolumePtr colourLuminance(const std::array<core::VolumePtr, 3>& rgb) {
  for (const auto& c : rgb)
    if (!c) throw core::Error("a colour volume lacks a channel");
  const auto& g = rgb[0]->geometry();
  for (const auto& c : rgb)
    if (c->geometry().size() != g.size()) throw core::Error("the colour channels of a volume differ in size");
  auto img = core::allocateImage<core::ImageU16>(g);
  std::uint16_t* out = img->GetBufferPointer();
  const std::size_t n = g.voxelCount();
  std::vector<float> acc(n, 0.0f);
  static constexpr float kWeight[3] = {0.299f, 0.587f, 0.114f};
  for (int c = 0; c < 3; ++c)
    rgb[static_cast<std::size_t>(c)]->visitData([&](const auto* p) {
      for (std::size_t i = 0; i < n; ++i) acc[i] += kWeight[c] * static_cast<float>(p[i]);
    });
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint16_t>(std::clamp(std::lround(acc[i]), 0L, 65535L));
  auto v = std::make_shared<core::Volume>(img, rgb[0]->modality(), rgb[0]->units());
  v->setIdentity(rgb[0]->identity());
  std::string name = rgb[0]->name();
  if (const auto at = name.rfind(" (red)"); at != std::string::npos) name.erase(at);
  v->setName(name);
  return v;
}

}  // namespace fw::dicom
