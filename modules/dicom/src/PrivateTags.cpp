#include "PrivateTags.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcelem.h>
#include <dcmtk/dcmdata/dcitem.h>

namespace fw::dicom::detail {

namespace {

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(std::string(" \t\r\n\0", 5));
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(std::string(" \t\r\n\0", 5));
  return s.substr(first, last - first + 1);
}

// Splits "a\b\c" and parses every token as a finite number; stops at the first that is not.
std::vector<double> parseNumberList(const std::string& text) {
  std::vector<double> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find('\\', start), text.size());
    const std::string token = trim(text.substr(start, end - start));
    if (token.empty()) break;
    char* stop = nullptr;
    const double v = std::strtod(token.c_str(), &stop);
    if (stop != token.c_str() + token.size() || !std::isfinite(v)) break;
    out.push_back(v);
    start = end + 1;
  }
  return out;
}

template <typename T>
std::vector<double> readRaw(const std::uint8_t* data, std::size_t size) {
  std::vector<double> out;
  for (std::size_t off = 0; off + sizeof(T) <= size; off += sizeof(T)) {
    T v;
    std::memcpy(&v, data + off, sizeof(T));  // little endian host and data (x86, LE syntaxes)
    const double d = static_cast<double>(v);
    if (!std::isfinite(d)) break;
    out.push_back(d);
  }
  return out;
}

}  // namespace

DcmElement* findPrivate(DcmItem& item, std::uint16_t group, const std::string& creator,
                        std::uint8_t offset) {
  // One pass over the item's elements (in tag order) for the reservations (gggg,0010-00FF):
  // 240 separate searches of a Philips header were half of the scan time.
  for (DcmObject* obj = item.nextInContainer(nullptr); obj; obj = item.nextInContainer(obj)) {
    const DcmTagKey tag = obj->getTag();
    if (tag.getGroup() != group || tag.getElement() < 0x10 || tag.getElement() > 0xFF) continue;
    auto* reservation = dynamic_cast<DcmElement*>(obj);
    const auto name = reservation ? elementText(*reservation) : std::nullopt;
    if (!name || *name != creator) continue;
    DcmElement* element = nullptr;
    const DcmTagKey key(group, static_cast<Uint16>((tag.getElement() << 8) | offset));
    if (item.findAndGetElement(key, element, OFFalse).good()) return element;
    return nullptr;
  }
  return nullptr;
}

bool elementBytes(DcmElement& element, const std::uint8_t*& data, std::size_t& size) {
  const DcmEVR vr = element.ident();
  if (vr != EVR_OB && vr != EVR_UN && vr != EVR_OW && vr != EVR_ox && vr != EVR_UNKNOWN &&
      vr != EVR_UNKNOWN2B)
    return false;
  data = nullptr;
  size = element.getLength();
  if (size == 0) return true;
  Uint8* bytes = nullptr;
  if (element.getUint8Array(bytes).good() && bytes) {
    data = bytes;
    return true;
  }
  Uint16* words = nullptr;
  if (element.getUint16Array(words).good() && words) {
    data = reinterpret_cast<const std::uint8_t*>(words);
    return true;
  }
  return false;
}

std::optional<std::string> elementText(DcmElement& element) {
  if (element.isaString()) {
    OFString s;
    if (element.getOFStringArray(s).bad()) return std::nullopt;
    return trim(std::string(s.c_str(), s.length()));
  }
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  if (!elementBytes(element, data, size)) return std::nullopt;
  if (size == 0) return std::string();
  const auto* text = reinterpret_cast<const char*>(data);
  return trim(std::string(text, strnlen(text, size)));
}

std::vector<double> elementNumbers(DcmElement& element, RawAs raw) {
  const unsigned long vm = element.getVM();
  std::vector<double> out;
  auto collect = [&](auto getter) {
    for (unsigned long i = 0; i < vm; ++i) {
      double v = 0;
      if (!getter(i, v) || !std::isfinite(v)) break;
      out.push_back(v);
    }
    return out;
  };
  switch (element.ident()) {
    case EVR_US:
      return collect([&](unsigned long i, double& v) {
        Uint16 x = 0;
        const bool ok = element.getUint16(x, i).good();
        v = x;
        return ok;
      });
    case EVR_SS:
      return collect([&](unsigned long i, double& v) {
        Sint16 x = 0;
        const bool ok = element.getSint16(x, i).good();
        v = x;
        return ok;
      });
    case EVR_UL:
      return collect([&](unsigned long i, double& v) {
        Uint32 x = 0;
        const bool ok = element.getUint32(x, i).good();
        v = x;
        return ok;
      });
    case EVR_SL:
      return collect([&](unsigned long i, double& v) {
        Sint32 x = 0;
        const bool ok = element.getSint32(x, i).good();
        v = x;
        return ok;
      });
    case EVR_FL:
      return collect([&](unsigned long i, double& v) {
        Float32 x = 0;
        const bool ok = element.getFloat32(x, i).good();
        v = x;
        return ok;
      });
    case EVR_FD:
      return collect([&](unsigned long i, double& v) {
        Float64 x = 0;
        const bool ok = element.getFloat64(x, i).good();
        v = x;
        return ok;
      });
    default:
      break;
  }
  if (element.isaString()) {
    OFString s;
    if (element.getOFStringArray(s).bad()) return {};
    return parseNumberList(std::string(s.c_str(), s.length()));
  }
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  if (!elementBytes(element, data, size) || size == 0) return {};
  switch (raw) {
    case RawAs::Text: {
      const auto* text = reinterpret_cast<const char*>(data);
      return parseNumberList(std::string(text, strnlen(text, size)));
    }
    case RawAs::US: return readRaw<std::uint16_t>(data, size);
    case RawAs::SS: return readRaw<std::int16_t>(data, size);
    case RawAs::UL: return readRaw<std::uint32_t>(data, size);
    case RawAs::SL: return readRaw<std::int32_t>(data, size);
    case RawAs::FL: return readRaw<float>(data, size);
    case RawAs::FD: return readRaw<double>(data, size);
  }
  return {};
}

}  // namespace fw::dicom::detail
