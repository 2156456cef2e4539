#include "Codecs.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dccodec.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>

#include "Jpeg2000Decoder.h"
#include "fw/core/Error.h"

namespace fw::dicom::detail {

namespace {

const char* const kJpeg2000Lossless = "1.2.840.10008.1.2.4.90";
const char* const kJpeg2000 = "1.2.840.10008.1.2.4.91";
const char* const kHtj2kLossless = "1.2.840.10008.1.2.4.201";
const char* const kHtj2kLosslessRpcl = "1.2.840.10008.1.2.4.202";
const char* const kHtj2k = "1.2.840.10008.1.2.4.203";

enum class Family { Jpeg, JpegLs, Rle, Jpeg2000, Unsupported };

Family familyOf(const std::string& uid, E_TransferSyntax xfer) {
  if (uid == kJpeg2000Lossless || uid == kJpeg2000 || uid == kHtj2kLossless || uid == kHtj2kLosslessRpcl ||
      uid == kHtj2k)
    return Family::Jpeg2000;
  switch (xfer) {
    case EXS_JPEGProcess1:
    case EXS_JPEGProcess2_4:
    case EXS_JPEGProcess14:
    case EXS_JPEGProcess14SV1:
      return Family::Jpeg;
    case EXS_JPEGLSLossless:
    case EXS_JPEGLSLossy:
      return Family::JpegLs;
    case EXS_RLELossless:
      return Family::Rle;
    default:
      return Family::Unsupported;
  }
}

struct Fragment {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
};

bool startsFrame(const Fragment& f, Family family) {
  const std::uint8_t* d = f.data;
  if (f.size < 4 || !d) return false;
  switch (family) {
    case Family::Jpeg:
    case Family::JpegLs:
      return d[0] == 0xFF && d[1] == 0xD8;  // SOI
    case Family::Jpeg2000:
      return (d[0] == 0xFF && d[1] == 0x4F && d[2] == 0xFF && d[3] == 0x51) ||  // SOC SIZ
             (f.size >= 12 && d[0] == 0 && d[1] == 0 && d[2] == 0 && d[3] == 0x0C && d[4] == 'j' && d[5] == 'P');
    default:
      return false;
  }
}

// The fragment indices [first, last) of frame `frame`, from byte offsets relative to the first
// fragment's item tag (Basic or Extended Offset Table). Empty when the offsets do not fall on
// fragment boundaries or do not increase: such a table is not trusted.
std::pair<std::size_t, std::size_t> rangeFromOffsets(const std::vector<Fragment>& fragments,
                                                     const std::vector<std::uint64_t>& offsets, std::size_t frame) {
  std::vector<std::uint64_t> starts(fragments.size());
  std::uint64_t pos = 0;
  for (std::size_t i = 0; i < fragments.size(); ++i) {
    starts[i] = pos;
    pos += 8 + fragments[i].size;
  }
  auto indexOf = [&](std::uint64_t offset) -> std::size_t {
    for (std::size_t i = 0; i < starts.size(); ++i)
      if (starts[i] == offset) return i;
    return fragments.size() + 1;
  };
  for (std::size_t i = 1; i < offsets.size(); ++i)
    if (offsets[i] <= offsets[i - 1]) return {0, 0};
  const std::size_t first = indexOf(offsets[frame]);
  const std::size_t last = frame + 1 < offsets.size() ? indexOf(offsets[frame + 1]) : fragments.size();
  if (first >= fragments.size() || last > fragments.size() || last <= first) return {0, 0};
  return {first, last};
}

// Frame `frame` of `frames` as fragments: one fragment per frame, else the Extended or Basic
// Offset Table when it is consistent, else the fragments that start a codestream (SOI, SOC).
std::vector<Fragment> frameFragments(DcmDataset& dataset, DcmPixelSequence& sequence, std::size_t frame,
                                     std::size_t frames, Family family) {
  const unsigned long items = sequence.card();
  if (items < 2) throw core::Error("the compressed pixel data has no fragments");
  std::vector<Fragment> fragments;
  for (unsigned long i = 1; i < items; ++i) {
    DcmPixelItem* item = nullptr;
    if (sequence.getItem(item, static_cast<Uint32>(i)).bad() || !item)
      throw core::Error("fragment " + std::to_string(i) + " of the compressed pixel data cannot be read");
    Uint8* data = nullptr;
    const Uint32 length = item->getLength();
    if (length > 0 && (item->getUint8Array(data).bad() || !data))
      throw core::Error("fragment " + std::to_string(i) + " of the compressed pixel data is unreadable");
    fragments.push_back({data, length});
  }
  if (frame >= frames)
    throw core::Error("frame " + std::to_string(frame + 1) + " requested, but the file has " +
                      std::to_string(frames));
  if (frames == 1) return fragments;
  if (fragments.size() == frames) return {fragments[frame]};
  if (family == Family::Rle)
    throw core::Error("RLE needs one fragment per frame, but the file has " + std::to_string(fragments.size()) +
                      " fragments for " + std::to_string(frames) + " frames");

  std::pair<std::size_t, std::size_t> range{0, 0};
  // Extended Offset Table (7FE0,0001): 64-bit offsets, one per frame.
  const Uint64* extended = nullptr;
  unsigned long extendedCount = 0;
  if (dataset.findAndGetUint64Array(DCM_ExtendedOffsetTable, extended, &extendedCount).good() && extended &&
      extendedCount == frames)
    range = rangeFromOffsets(fragments, std::vector<std::uint64_t>(extended, extended + extendedCount), frame);
  // Basic Offset Table: the first item, 32-bit little-endian offsets.
  DcmPixelItem* table = nullptr;
  if (range.second == 0 && sequence.getItem(table, 0).good() && table && table->getLength() == 4 * frames) {
    Uint8* bytes = nullptr;
    if (table->getUint8Array(bytes).good() && bytes) {
      std::vector<std::uint64_t> offsets(frames);
      for (std::size_t i = 0; i < frames; ++i)
        offsets[i] = std::uint64_t(bytes[4 * i]) | std::uint64_t(bytes[4 * i + 1]) << 8 |
                     std::uint64_t(bytes[4 * i + 2]) << 16 | std::uint64_t(bytes[4 * i + 3]) << 24;
      range = rangeFromOffsets(fragments, offsets, frame);
    }
  }
  if (range.second == 0) {
    std::vector<std::size_t> starts;
    for (std::size_t i = 0; i < fragments.size(); ++i)
      if (startsFrame(fragments[i], family)) starts.push_back(i);
    if (starts.size() != frames || starts[0] != 0)
      throw core::Error("cannot tell which of the " + std::to_string(fragments.size()) + " fragments belong to frame " +
                        std::to_string(frame + 1) + " of " + std::to_string(frames) +
                        " (no usable offset table, and " + std::to_string(starts.size()) +
                        " fragments start a codestream)");
    range = {starts[frame], frame + 1 < frames ? starts[frame + 1] : fragments.size()};
  }
  return {fragments.begin() + static_cast<std::ptrdiff_t>(range.first),
          fragments.begin() + static_cast<std::ptrdiff_t>(range.second)};
}

// Width, height, components and precision of a JPEG or JPEG-LS stream (its SOF segment).
struct JpegFrameInfo {
  unsigned precision = 0, height = 0, width = 0, components = 0;
};

JpegFrameInfo scanJpegHeader(const Fragment& f) {
  const std::uint8_t* d = f.data;
  const std::size_t n = f.size;
  if (n < 4 || d[0] != 0xFF || d[1] != 0xD8) throw core::Error("the frame does not start with a JPEG SOI marker");
  std::size_t pos = 2;
  while (pos + 4 <= n) {
    if (d[pos] != 0xFF) throw core::Error("the JPEG stream is damaged (no marker at byte " + std::to_string(pos) + ")");
    const std::uint8_t marker = d[pos + 1];
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    const std::size_t length = std::size_t(d[pos + 2]) << 8 | d[pos + 3];
    const bool sof = (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) ||
                     marker == 0xF7;  // SOF55: JPEG-LS
    if (sof) {
      if (length < 8 || pos + 2 + length > n) break;
      JpegFrameInfo info;
      info.precision = d[pos + 4];
      info.height = unsigned(d[pos + 5]) << 8 | d[pos + 6];
      info.width = unsigned(d[pos + 7]) << 8 | d[pos + 8];
      info.components = d[pos + 9];
      return info;
    }
    if (marker == 0xDA || marker == 0xD9) break;  // start of scan / end of image before any SOF
    if (length < 2) break;
    pos += 2 + length;
  }
  throw core::Error("the JPEG stream has no frame header (SOF) in its first fragment");
}

// The stored frame's size: Rows x Columns, or the whole mosaic for a Siemens mosaic tile.
struct FrameSize {
  std::size_t rows = 0, columns = 0;
};
FrameSize frameSizeOf(const SliceHeader& h) {
  return {h.frameRows ? h.frameRows : h.rows, h.frameColumns ? h.frameColumns : h.columns};
}

std::uint64_t bitMask(unsigned bits) { return bits >= 64 ? ~0ull : (1ull << bits) - 1; }

// Stores decoded sample values as the stored pixel values `header` describes (Bits Stored,
// High Bit, Bits Allocated), so the caller's conversion returns exactly `value`. A value that
// Bits Stored cannot hold is an error: it means the codestream and the header disagree.
class SampleWriter {
public:
  SampleWriter(const SliceHeader& h, std::uint8_t* out, std::size_t outBytes)
      : m_out(out), m_bytes(h.bitsAllocated / 8), m_stored(std::min(h.bitsStored, h.bitsAllocated)),
        m_shift(h.highBit + 1 >= m_stored && h.highBit < h.bitsAllocated ? h.highBit + 1 - m_stored : 0),
        m_count(outBytes / m_bytes) {
    // Signed data: -2^(n-1) .. 2^(n-1)-1, and also the unsigned range, because an unsigned
    // stream of signed data (seen in the wild) holds the same bit patterns.
    m_min = h.pixelRepresentation == 1 ? -(std::int64_t(1) << (m_stored - 1)) : 0;
    m_limitHigh = std::int64_t(bitMask(m_stored));
  }

  std::size_t count() const { return m_count; }

  void put(std::size_t n, std::int64_t value) {
    if (value < m_min || value > m_limitHigh)
      throw core::Error("decoded pixel value " + std::to_string(value) + " does not fit Bits Stored (" +
                        std::to_string(m_stored) + (m_min < 0 ? ", signed" : ", unsigned") +
                        "): the compressed stream and the header disagree");
    const std::uint64_t raw = (static_cast<std::uint64_t>(value) & bitMask(m_stored)) << m_shift;
    switch (m_bytes) {
      case 1: m_out[n] = static_cast<std::uint8_t>(raw); break;
      case 2: {
        const auto v = static_cast<std::uint16_t>(raw);
        std::memcpy(m_out + 2 * n, &v, 2);
        break;
      }
      default: {
        const auto v = static_cast<std::uint32_t>(raw);
        std::memcpy(m_out + 4 * n, &v, 4);
        break;
      }
    }
  }

private:
  std::uint8_t* m_out;
  std::size_t m_bytes;
  unsigned m_stored, m_shift;
  std::size_t m_count;
  std::int64_t m_min = 0, m_limitHigh = 0;
};

// Interprets `u` (the low `precision` bits) as the codestream's sample: two's complement when
// the header says signed.
std::int64_t fromPrecision(std::uint64_t u, unsigned precision, bool isSigned) {
  u &= bitMask(precision);
  std::int64_t v = static_cast<std::int64_t>(u);
  if (isSigned && precision < 64 && ((u >> (precision - 1)) & 1u)) v -= std::int64_t(1) << precision;
  return v;
}

void copyElement(DcmDataset& from, DcmDataset& to, const DcmTagKey& key) {
  DcmElement* element = nullptr;
  if (from.findAndGetElement(key, element).good() && element) {
    DcmElement* copy = OFstatic_cast(DcmElement*, element->clone());
    if (to.insert(copy, true).bad()) delete copy;
  }
}

// JPEG, JPEG-LS and RLE through DCMTK's registered decoders: the frame's fragments go into a
// single-frame pixel sequence of a scratch dataset that has the image pixel attributes, so
// DCMTK never has to guess frame boundaries.
void decodeWithDcmtk(DcmDataset& dataset, const DcmXfer& xfer, Family family, const std::vector<Fragment>& fragments,
                     const SliceHeader& h, std::uint8_t* out, std::size_t outBytes) {
  const FrameSize size = frameSizeOf(h);
  std::size_t bytesPerSample = h.bitsAllocated / 8;
  unsigned precision = h.bitsStored;
  if (family == Family::Jpeg || family == Family::JpegLs) {
    const JpegFrameInfo info = scanJpegHeader(fragments.front());
    if (info.width != size.columns || (info.height != size.rows && info.height != 0) ||
        info.components != h.samplesPerPixel)
      throw core::Error("the JPEG stream is " + std::to_string(info.width) + "x" + std::to_string(info.height) +
                        " with " + std::to_string(info.components) + " component(s), but the header says " +
                        std::to_string(size.columns) + "x" + std::to_string(size.rows) + " with " +
                        std::to_string(h.samplesPerPixel));
    if (info.precision < 2 || info.precision > 16 || info.precision > h.bitsAllocated)
      throw core::Error("the JPEG stream has " + std::to_string(info.precision) + "-bit samples but Bits Allocated is " +
                        std::to_string(h.bitsAllocated));
    precision = info.precision;
    // DCMTK's IJG decoders write bytes for precision <= 8 and words above, whatever Bits
    // Allocated says; its JPEG-LS decoder follows Bits Allocated.
    if (family == Family::Jpeg) bytesPerSample = precision > 8 ? 2 : 1;
  }

  DcmDataset scratch;
  for (const DcmTagKey& key : {DCM_SOPClassUID, DCM_SamplesPerPixel, DCM_PhotometricInterpretation, DCM_Rows,
                               DCM_Columns, DCM_BitsAllocated, DCM_BitsStored, DCM_HighBit, DCM_PixelRepresentation,
                               DCM_PlanarConfiguration})
    copyElement(dataset, scratch, key);
  auto* sequence = new DcmPixelSequence(DcmTag(DCM_PixelData, EVR_OB));
  sequence->insert(new DcmPixelItem(DcmTag(DCM_Item, EVR_OB)));  // empty Basic Offset Table
  for (const Fragment& f : fragments) {
    auto* item = new DcmPixelItem(DcmTag(DCM_Item, EVR_OB));
    if (f.size > 0 && item->putUint8Array(f.data, static_cast<Uint32>(f.size)).bad()) {
      delete item;
      delete sequence;
      throw core::Error("out of memory copying a compressed fragment");
    }
    sequence->insert(item);
  }
  auto* pixelData = new DcmPixelData(DCM_PixelData);
  pixelData->putOriginalRepresentation(xfer.getXfer(), nullptr, sequence);
  scratch.insert(pixelData, true);

  const std::size_t samples = size.rows * size.columns * h.samplesPerPixel;
  std::vector<std::uint8_t> decoded(samples * bytesPerSample + 2);  // DCMTK swaps in 16-bit words
  Uint32 startFragment = 0;
  OFString colorModel;
  const OFCondition status = pixelData->getUncompressedFrame(&scratch, 0, startFragment, decoded.data(),
                                                             static_cast<Uint32>(decoded.size()), colorModel);
  if (status.bad())
    throw core::Error(std::string("the compressed frame cannot be decoded (") + status.text() +
                      "); the stream is damaged or truncated");
  if (!colorModel.empty() && colorModel != "MONOCHROME1" && colorModel != "MONOCHROME2")
    throw core::Error("the decoder returned colour data (" + std::string(colorModel.c_str()) +
                      ") for a greyscale image");

  SampleWriter writer(h, out, outBytes);
  if (family == Family::Rle) {
    // RLE decodes to the stored bytes themselves (little-endian words).
    std::memcpy(out, decoded.data(), std::min(outBytes, samples * bytesPerSample));
    return;
  }
  const bool isSigned = h.pixelRepresentation == 1;
  for (std::size_t n = 0; n < samples && n < writer.count(); ++n) {
    std::uint64_t u;
    if (bytesPerSample == 1) {
      u = decoded[n];
    } else {
      std::uint16_t w;
      std::memcpy(&w, decoded.data() + 2 * n, 2);
      u = w;
    }
    writer.put(n, fromPrecision(u, precision, isSigned));
  }
}

// The fragments of the header's frame in the encapsulated Pixel Data.
std::vector<Fragment> fragmentsOf(DcmDataset& dataset, DcmElement& pixelData, const SliceHeader& header, Family family) {
  auto* pixel = dynamic_cast<DcmPixelData*>(&pixelData);
  if (!pixel) throw core::Error("the Pixel Data element is not encapsulated");
  DcmPixelSequence* sequence = nullptr;
  const DcmRepresentationParameter* parameter = nullptr;
  E_TransferSyntax repType = EXS_Unknown;
  pixel->getOriginalRepresentationKey(repType, parameter);
  if (pixel->getEncapsulatedRepresentation(repType, parameter, sequence).bad() || !sequence)
    throw core::Error("the compressed pixel data is not encapsulated in fragments");
  const std::size_t frames = std::max<std::size_t>(1, header.numberOfFrames);
  return frameFragments(dataset, *sequence, header.frame, frames, family);
}

Jpeg2000Frame decodeJpeg2000Fragments(const std::vector<Fragment>& fragments, const SliceHeader& h) {
  std::vector<std::uint8_t> codestream;
  std::size_t total = 0;
  for (const Fragment& f : fragments) total += f.size;
  codestream.reserve(total);
  for (const Fragment& f : fragments) codestream.insert(codestream.end(), f.data, f.data + f.size);
  const FrameSize size = frameSizeOf(h);
  return decodeJpeg2000(codestream.data(), codestream.size(), {size.columns, size.rows, h.samplesPerPixel, h.bitsAllocated});
}

void decodeJpeg2000Frame(const std::vector<Fragment>& fragments, const SliceHeader& h, std::uint8_t* out,
                         std::size_t outBytes) {
  const Jpeg2000Frame frame = decodeJpeg2000Fragments(fragments, h);
  SampleWriter writer(h, out, outBytes);
  const bool isSigned = h.pixelRepresentation == 1;
  const std::size_t count = std::min(frame.samples.size(), writer.count());
  for (std::size_t n = 0; n < count; ++n) {
    const std::int32_t s = frame.samples[n];
    // A signed stream gives signed values; an unsigned one for signed data (seen in the wild)
    // holds two's complement in its precision.
    writer.put(n, frame.isSigned ? std::int64_t(s) : fromPrecision(static_cast<std::uint32_t>(s), frame.precision, isSigned));
  }
}

std::uint16_t toByte(double v) { return static_cast<std::uint16_t>(std::clamp(std::lround(v), 0L, 255L)); }

}  // namespace

bool isJpeg2000Syntax(const std::string& transferSyntaxUid) {
  return familyOf(transferSyntaxUid, EXS_Unknown) == Family::Jpeg2000;
}

void decodeJpeg2000ColourFrame(DcmDataset& dataset, DcmElement& pixelData, const SliceHeader& header,
                               std::uint16_t* red, std::uint16_t* green, std::uint16_t* blue) {
  const std::string uid = header.transferSyntaxUid;
  try {
    if (!isJpeg2000Syntax(uid)) throw core::Error("internal error: not a JPEG 2000 transfer syntax");
    if (header.samplesPerPixel != 3)
      throw core::Error("JPEG 2000 with " + std::to_string(header.samplesPerPixel) + " sample(s) per pixel and " +
                        header.photometric + " is not supported (RGB, YBR_ICT, YBR_RCT and YBR_FULL are)");
    if (header.bitsAllocated != 8 && header.bitsAllocated != 16)
      throw core::Error("colour with Bits Allocated " + std::to_string(header.bitsAllocated) + " is not supported");
    const Jpeg2000Frame frame = decodeJpeg2000Fragments(fragmentsOf(dataset, pixelData, header, Family::Jpeg2000), header);
    if (frame.isSigned) throw core::Error("the JPEG 2000 colour codestream holds signed samples");
    // As for other colour images: 8 bits per channel (16-bit colour keeps its top 8 bits).
    const int shift = frame.precision > 8 ? static_cast<int>(frame.precision) - 8 : 0;
    const std::size_t n = frame.width * frame.height;
    const std::int32_t* c0 = frame.samples.data();
    const std::int32_t* c1 = c0 + n;
    const std::int32_t* c2 = c1 + n;
    // The codestream's own colour transform (YBR_ICT, YBR_RCT) is undone by OpenJPEG, so its
    // output is RGB. Only YBR_FULL without one holds YCbCr (PS3.5 8.2.4: it may be used with
    // JPEG 2000 when the encoder converted before compressing).
    const bool ycbcr = !frame.mct && header.photometric.rfind("YBR_FULL", 0) == 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double a = c0[i] >> shift, b = c1[i] >> shift, c = c2[i] >> shift;
      if (ycbcr) {
        red[i] = toByte(a + 1.402 * (c - 128));
        green[i] = toByte(a - 0.344136 * (b - 128) - 0.714136 * (c - 128));
        blue[i] = toByte(a + 1.772 * (b - 128));
      } else {
        red[i] = toByte(a);
        green[i] = toByte(b);
        blue[i] = toByte(c);
      }
    }
  } catch (core::Error& e) {
    e.addContext("decoding JPEG 2000 colour pixel data" +
                 (header.numberOfFrames > 1 ? " (frame " + std::to_string(header.frame + 1) + ")" : ""));
    throw;
  }
}

void registerDecoders() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Colour conversion only where the photometric interpretation asks for it; greyscale data
    // passes unchanged. Registration is global in DCMTK and guarded by its codec list lock.
    DJDecoderRegistration::registerCodecs(EDC_photometricInterpretation, EUC_never);
    DJLSDecoderRegistration::registerCodecs(EJLSUC_never);
    DcmRLEDecoderRegistration::registerCodecs(OFFalse, OFFalse);
  });
}

bool isCompressedSyntax(const std::string& transferSyntaxUid) {
  if (transferSyntaxUid.empty()) return false;
  const DcmXfer xfer(transferSyntaxUid.c_str());
  return familyOf(transferSyntaxUid, xfer.getXfer()) != Family::Unsupported || xfer.isEncapsulated();
}

void decodeCompressedFrame(DcmDataset& dataset, DcmElement& pixelData, const SliceHeader& header, std::uint8_t* out,
                           std::size_t outBytes) {
  const DcmXfer original(dataset.getOriginalXfer());
  // DCMTK 3.6.7 does not know the HTJ2K UIDs: trust the file's meta header for those.
  std::string uid = header.transferSyntaxUid.empty() ? original.getXferID() : header.transferSyntaxUid;
  const DcmXfer xfer(uid.c_str());
  const Family family = familyOf(uid, xfer.getXfer());
  const std::string name = xfer.getXfer() != EXS_Unknown ? std::string(xfer.getXferName()) : uid;
  try {
    if (family == Family::Unsupported)
      throw core::Error("this compressed transfer syntax is not supported (JPEG, JPEG-LS, RLE and JPEG 2000 are)");
    if (header.samplesPerPixel != 1)
      throw core::Error("compressed colour images are not supported");
    if (header.bitsAllocated != 8 && header.bitsAllocated != 16 && header.bitsAllocated != 32)
      throw core::Error("Bits Allocated " + std::to_string(header.bitsAllocated) + " is not supported");
    if (header.bitsStored == 0 || header.bitsStored > header.bitsAllocated)
      throw core::Error("Bits Stored " + std::to_string(header.bitsStored) + " does not fit Bits Allocated " +
                        std::to_string(header.bitsAllocated));
    const FrameSize size = frameSizeOf(header);
    const std::size_t needed = size.rows * size.columns * header.samplesPerPixel * (header.bitsAllocated / 8);
    if (!out || outBytes < needed) throw core::Error("internal error: the output buffer is too small");

    const std::vector<Fragment> fragments = fragmentsOf(dataset, pixelData, header, family);

    if (family == Family::Jpeg2000) {
      decodeJpeg2000Frame(fragments, header, out, outBytes);
    } else {
      registerDecoders();
      decodeWithDcmtk(dataset, xfer, family, fragments, header, out, outBytes);
    }
  } catch (core::Error& e) {
    e.addContext("decoding " + name + " pixel data" +
                 (header.numberOfFrames > 1 ? " (frame " + std::to_string(header.frame + 1) + ")" : ""));
    throw;
  }
}

}  // namespace fw::dicom::detail
