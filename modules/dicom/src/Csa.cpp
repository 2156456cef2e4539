// Siemens CSA header parser. Layout (nibabel's csareader and dcm2niix agree):
//   "SV10" + 4 bytes ("\4\3\2\1")          only in the newer format (CSA2)
//   uint32 tagCount, uint32 (77)
//   tagCount times: char name[64] (NUL-terminated), int32 vm, char vr[4], int32 syngodt,
//                   int32 itemCount, int32 (77 or 205)                        = 84 bytes
//     itemCount times: int32 x[4], then the value bytes, padded to a multiple of 4.
//       CSA2: value length = x[1]. CSA1: value length = x[0] - itemCount of the first tag
//       (SPM's spm_dicom_headers read_csa1, the format's original reader).
// Everything little endian. Every length and count is checked against the bytes left, so a
// hostile header can at worst end the parse early: what was read before the damage is kept.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcelem.h>
#include <dcmtk/dcmdata/dcitem.h>

#include "Csa.h"
#include "PrivateTags.h"

namespace fw::dicom::detail {

namespace {

constexpr std::size_t kTagBytes = 84;
constexpr std::size_t kItemHeaderBytes = 16;
// More tags than this is not a CSA header (real ones have ~100; nibabel allows 1000).
constexpr std::uint32_t kMaxTags = 1000;

class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : m_data(data), m_size(size) {}
  std::size_t left() const { return m_size - m_pos; }
  std::size_t pos() const { return m_pos; }
  bool skip(std::size_t n) {
    if (n > left()) return false;
    m_pos += n;
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (left() < 4) return false;
    v = std::uint32_t(m_data[m_pos]) | std::uint32_t(m_data[m_pos + 1]) << 8 |
        std::uint32_t(m_data[m_pos + 2]) << 16 | std::uint32_t(m_data[m_pos + 3]) << 24;
    m_pos += 4;
    return true;
  }
  bool i32(std::int32_t& v) {
    std::uint32_t u = 0;
    if (!u32(u)) return false;
    std::memcpy(&v, &u, 4);
    return true;
  }
  // A NUL-terminated string inside a fixed field of n bytes (no NUL: the whole field).
  bool fixedString(std::size_t n, std::string& s) {
    if (left() < n) return false;
    const auto* p = reinterpret_cast<const char*>(m_data + m_pos);
    s.assign(p, strnlen(p, n));
    m_pos += n;
    return true;
  }

 private:
  const std::uint8_t* m_data;
  std::size_t m_size;
  std::size_t m_pos = 0;
};

std::string trimmed(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace

std::optional<CsaHeader> parseCsa(const std::uint8_t* data, std::size_t size) {
  if (!data || size < 8) return std::nullopt;
  Reader r(data, size);
  bool csa2 = false;
  if (size >= 4 && std::memcmp(data, "SV10", 4) == 0) {
    csa2 = true;
    r.skip(8);
  }
  std::uint32_t tagCount = 0, check = 0;
  if (!r.u32(tagCount) || !r.u32(check)) return std::nullopt;
  if (tagCount == 0 || tagCount > kMaxTags) return std::nullopt;
  // The old format has no magic: insist on its check word so random bytes are not a header.
  if (!csa2 && check != 77) return std::nullopt;

  CsaHeader header;
  std::int32_t firstItemCount = 0;
  for (std::uint32_t t = 0; t < tagCount; ++t) {
    if (r.left() < kTagBytes) break;
    std::string name, vr;
    std::int32_t vm = 0, syngodt = 0, itemCount = 0, unused = 0;
    r.fixedString(64, name);
    r.i32(vm);
    r.fixedString(4, vr);
    r.i32(syngodt);
    r.i32(itemCount);
    r.i32(unused);
    if (t == 0) firstItemCount = itemCount;
    // Each item needs at least its 16-byte header: a count beyond the bytes left is damage.
    if (itemCount < 0 || vm < 0 || static_cast<std::uint64_t>(itemCount) * kItemHeaderBytes > r.left())
      break;
    const std::int32_t valueCount = vm == 0 ? itemCount : vm;
    std::vector<std::string> values;
    bool damaged = false;
    for (std::int32_t i = 0; i < itemCount; ++i) {
      std::int32_t x[4] = {0, 0, 0, 0};
      if (!r.i32(x[0]) || !r.i32(x[1]) || !r.i32(x[2]) || !r.i32(x[3])) {
        damaged = true;  // the values before used up the bytes the item headers needed
        break;
      }
      std::int64_t length = csa2 ? x[1] : std::int64_t(x[0]) - firstItemCount;
      if (length < 0 || static_cast<std::uint64_t>(length) > r.left()) {
        damaged = true;
        break;
      }
      const std::size_t padded = std::min<std::size_t>((std::size_t(length) + 3) / 4 * 4, r.left());
      std::string value;
      r.fixedString(std::size_t(length), value);
      r.skip(padded - std::size_t(length));
      if (i < valueCount) {
        value = trimmed(value);
        if (!value.empty()) values.push_back(std::move(value));
      }
    }
    if (damaged) break;
    if (!name.empty()) header[name] = std::move(values);
  }
  if (header.empty()) return std::nullopt;
  return header;
}

std::optional<CsaHeader> readCsa(DcmItem& item, CsaKind kind) {
  DcmElement* e = findPrivate(item, 0x0029, "SIEMENS CSA HEADER", kind == CsaKind::Image ? 0x10 : 0x20);
  if (!e) return std::nullopt;
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  if (!elementBytes(*e, data, size)) {
    // Some writers store it with a string VR; its bytes are still the header.
    if (!e->isaString()) return std::nullopt;
    char* text = nullptr;
    if (e->getString(text).bad() || !text) return std::nullopt;
    data = reinterpret_cast<const std::uint8_t*>(text);
    size = e->getLength();
  }
  return parseCsa(data, size);
}

std::optional<std::string> csaString(const CsaHeader& csa, const std::string& name) {
  const auto it = csa.find(name);
  if (it == csa.end() || it->second.empty()) return std::nullopt;
  return it->second.front();
}

std::optional<std::vector<double>> csaNumbers(const CsaHeader& csa, const std::string& name,
                                              std::size_t count) {
  const auto it = csa.find(name);
  if (it == csa.end() || it->second.size() < count || count == 0) return std::nullopt;
  std::vector<double> out;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string& s = it->second[i];
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
    out.push_back(v);
  }
  return out;
}

std::optional<double> csaNumber(const CsaHeader& csa, const std::string& name) {
  auto v = csaNumbers(csa, name, 1);
  if (!v) return std::nullopt;
  return v->front();
}

}  // namespace fw::dicom::detail
