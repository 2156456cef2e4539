#include "Jpeg2000Decoder.h"

#include <algorithm>
#include <cstring>
#include <memory>

// ITK's include folder (public through fw::core) has its own, older, symbol-mangled
// openjpeg.h that would shadow the system one: name the system header by its folder.
#include <openjpeg-2.5/openjpeg.h>

#include "fw/core/Error.h"

namespace fw::dicom::detail {

namespace {

// A read-only memory source for OpenJPEG's stream callbacks.
struct MemorySource {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  std::size_t pos = 0;
};

OPJ_SIZE_T readMemory(void* buffer, OPJ_SIZE_T bytes, void* user) {
  auto* src = static_cast<MemorySource*>(user);
  if (src->pos >= src->size) return static_cast<OPJ_SIZE_T>(-1);
  const std::size_t n = std::min<std::size_t>(bytes, src->size - src->pos);
  std::memcpy(buffer, src->data + src->pos, n);
  src->pos += n;
  return n;
}

OPJ_OFF_T skipMemory(OPJ_OFF_T bytes, void* user) {
  auto* src = static_cast<MemorySource*>(user);
  if (bytes < 0) {
    const auto back = static_cast<std::size_t>(-bytes);
    if (back > src->pos) return -1;
    src->pos -= back;
    return bytes;
  }
  const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(bytes), src->size - src->pos);
  src->pos += n;
  return n == 0 && bytes > 0 ? -1 : static_cast<OPJ_OFF_T>(n);
}

OPJ_BOOL seekMemory(OPJ_OFF_T offset, void* user) {
  auto* src = static_cast<MemorySource*>(user);
  if (offset < 0 || static_cast<std::size_t>(offset) > src->size) return OPJ_FALSE;
  src->pos = static_cast<std::size_t>(offset);
  return OPJ_TRUE;
}

// OpenJPEG reports errors through a callback; keep the first message of this call.
void collectError(const char* message, void* user) {
  auto* text = static_cast<std::string*>(user);
  if (text->empty() && message) {
    *text = message;
    while (!text->empty() && (text->back() == '\n' || text->back() == ' ')) text->pop_back();
  }
}
void ignoreMessage(const char*, void*) {}

struct CodecDeleter {
  void operator()(opj_codec_t* c) const { opj_destroy_codec(c); }
};
struct StreamDeleter {
  void operator()(opj_stream_t* s) const { opj_stream_destroy(s); }
};
struct ImageDeleter {
  void operator()(opj_image_t* i) const { opj_image_destroy(i); }
};

bool isJp2File(const std::uint8_t* d, std::size_t n) {
  static const std::uint8_t signature[12] = {0, 0, 0, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A};
  return n >= 12 && std::memcmp(d, signature, 12) == 0;
}

bool isCodestream(const std::uint8_t* d, std::size_t n) {
  return n >= 4 && d[0] == 0xFF && d[1] == 0x4F && d[2] == 0xFF && d[3] == 0x51;  // SOC, SIZ
}

std::string sizeText(std::size_t w, std::size_t h) { return std::to_string(w) + "x" + std::to_string(h); }

}  // namespace

std::string openJpegVersion() { return opj_version(); }

Jpeg2000Frame decodeJpeg2000(const std::uint8_t* data, std::size_t size, const Jpeg2000Expect& expect) {
  if (!data || size == 0) throw core::Error("the JPEG 2000 frame is empty");
  const bool jp2 = isJp2File(data, size);
  if (!jp2 && !isCodestream(data, size))
    throw core::Error("the frame does not start with a JPEG 2000 codestream (no SOC/SIZ marker)");

  std::unique_ptr<opj_codec_t, CodecDeleter> codec(opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K));
  if (!codec) throw core::Error("OpenJPEG could not create a decoder");
  std::string error;
  opj_set_error_handler(codec.get(), collectError, &error);
  opj_set_warning_handler(codec.get(), ignoreMessage, nullptr);
  opj_set_info_handler(codec.get(), ignoreMessage, nullptr);

  opj_dparameters_t parameters;
  opj_set_default_decoder_parameters(&parameters);
  if (!opj_setup_decoder(codec.get(), &parameters)) throw core::Error("OpenJPEG could not set up the decoder");
  // Strict mode: a truncated codestream is an error, not a silently partial image.
  opj_decoder_set_strict_mode(codec.get(), OPJ_TRUE);
  // The reader already decodes slices in parallel; one thread per frame.
  opj_codec_set_threads(codec.get(), 1);

  MemorySource source{data, size, 0};
  std::unique_ptr<opj_stream_t, StreamDeleter> stream(opj_stream_create(64 * 1024, OPJ_TRUE));
  if (!stream) throw core::Error("OpenJPEG could not create a stream");
  opj_stream_set_user_data(stream.get(), &source, nullptr);
  opj_stream_set_user_data_length(stream.get(), size);
  opj_stream_set_read_function(stream.get(), readMemory);
  opj_stream_set_skip_function(stream.get(), skipMemory);
  opj_stream_set_seek_function(stream.get(), seekMemory);

  opj_image_t* raw = nullptr;
  const bool headerRead = opj_read_header(stream.get(), codec.get(), &raw);
  std::unique_ptr<opj_image_t, ImageDeleter> image(raw);
  if (!headerRead || !image)
    throw core::Error("the JPEG 2000 header cannot be read" + (error.empty() ? std::string() : " (" + error + ")"));

  const std::size_t width = image->x1 > image->x0 ? image->x1 - image->x0 : 0;
  const std::size_t height = image->y1 > image->y0 ? image->y1 - image->y0 : 0;
  if (width != expect.width || height != expect.height)
    throw core::Error("the JPEG 2000 codestream is " + sizeText(width, height) + " pixels, but the header says " +
                      sizeText(expect.width, expect.height) + " (Columns x Rows)");
  if (image->numcomps != expect.components || !image->comps)
    throw core::Error("the JPEG 2000 codestream has " + std::to_string(image->numcomps) +
                      " components, but the header says " + std::to_string(expect.components) +
                      " (Samples per Pixel)");
  const opj_image_comp_t& header0 = image->comps[0];
  for (std::size_t k = 0; k < image->numcomps; ++k) {
    const opj_image_comp_t& ck = image->comps[k];
    if (ck.dx != 1 || ck.dy != 1)
      throw core::Error(std::string("the JPEG 2000 codestream is subsampled, which DICOM does not allow") +
                        (image->numcomps > 1 ? " (component " + std::to_string(k + 1) + ")" : std::string()));
    if (ck.prec != header0.prec || ck.sgnd != header0.sgnd)
      throw core::Error("the JPEG 2000 codestream's components differ in precision or sign");
  }
  if (header0.prec < 1 || header0.prec > expect.bitsAllocated || header0.prec > 31)
    throw core::Error("the JPEG 2000 codestream has " + std::to_string(header0.prec) +
                      "-bit samples, more than Bits Allocated (" + std::to_string(expect.bitsAllocated) + ")");
  bool mct = false;
  if (opj_codestream_info_v2_t* info = opj_get_cstr_info(codec.get())) {
    mct = info->m_default_tile_info.mct != 0;
    opj_destroy_cstr_info(&info);
  }

  if (!opj_decode(codec.get(), stream.get(), image.get()) || !opj_end_decompress(codec.get(), stream.get()))
    throw core::Error("the JPEG 2000 codestream is damaged or truncated" +
                      (error.empty() ? std::string() : " (OpenJPEG: " + error + ")"));

  Jpeg2000Frame frame;
  frame.width = width;
  frame.height = height;
  frame.components = image->numcomps;
  frame.precision = header0.prec;
  frame.isSigned = header0.sgnd != 0;
  frame.mct = mct;
  frame.samples.reserve(width * height * image->numcomps);
  for (std::size_t k = 0; k < image->numcomps; ++k) {
    const opj_image_comp_t& c = image->comps[k];
    if (!c.data || c.w != width || c.h != height)
      throw core::Error("OpenJPEG decoded " + sizeText(c.w, c.h) + " samples instead of " + sizeText(width, height));
    frame.samples.insert(frame.samples.end(), c.data, c.data + width * height);
  }
  return frame;
}

}  // namespace fw::dicom::detail
