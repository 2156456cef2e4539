#pragma once
// Writing Siemens CSA headers (both formats) for the parser tests, and a mutation fuzzer that
// runs parseCsa on damaged copies held in exact-size heap buffers (so ASan sees any read past
// the end).
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "Vendor.h"

namespace fw::test {

struct CsaTag {
  std::string name;
  std::string vr;
  int vm = 1;
  std::vector<std::string> items;  // "" is an empty item (as Siemens pads SliceNormalVector)
};

inline void putU32(std::vector<std::uint8_t>& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(std::uint8_t(v >> (8 * i)));
}
// Byte by byte: inserting a char range trips GCC 12's -Wstringop-overflow at -O2.
inline void putBytes(std::vector<std::uint8_t>& b, const char* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) b.push_back(std::uint8_t(p[i]));
}

// csa2: "SV10\4\3\2\1" format, item length in x[1]; else the old format, whose item length
// is x[0] minus the item count of the first tag (SPM's read_csa1).
inline std::vector<std::uint8_t> encodeCsa(const std::vector<CsaTag>& tags, bool csa2) {
  std::vector<std::uint8_t> b;
  if (csa2) {
    const char magic[8] = {'S', 'V', '1', '0', 4, 3, 2, 1};
    putBytes(b, magic, 8);
  }
  putU32(b, std::uint32_t(tags.size()));
  putU32(b, 77);
  const std::uint32_t firstItems = tags.empty() ? 0 : std::uint32_t(tags[0].items.size());
  for (const auto& t : tags) {
    char name[64] = {};
    std::strncpy(name, t.name.c_str(), 63);
    putBytes(b, name, 64);
    putU32(b, std::uint32_t(t.vm));
    char vr[4] = {};
    std::strncpy(vr, t.vr.c_str(), 3);
    putBytes(b, vr, 4);
    putU32(b, 0);  // syngodt
    putU32(b, std::uint32_t(t.items.size()));
    putU32(b, 77);
    for (const auto& item : t.items) {
      const std::uint32_t len = item.empty() ? 0 : std::uint32_t(item.size() + 1);  // with its NUL
      putU32(b, csa2 ? len : len + firstItems);
      putU32(b, len);
      putU32(b, 77);
      putU32(b, len);
      putBytes(b, item.data(), item.size());
      if (len) b.push_back(0);
      while (b.size() % 4) b.push_back(0);
    }
  }
  return b;
}

struct FuzzStats {
  std::size_t runs = 0, parsed = 0;
  double microsecondsEach = 0;
};

// Runs parseCsa on `count` mutated copies of `good` (truncations, byte flips, 32-bit fields
// overwritten with hostile values, all with a fixed seed). Throws when a result holds more
// text than there were bytes (something invented).
inline FuzzStats fuzzCsa(const std::vector<std::uint8_t>& good, std::size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  const std::uint32_t hostile[] = {0u, 1u, 3u, 77u, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFFu, 0xFFFFu,
                                   std::uint32_t(good.size()), std::uint32_t(good.size() + 1), 1000u, 1001u};
  FuzzStats stats;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t run = 0; run < count; ++run) {
    std::vector<std::uint8_t> b = good;
    const int mutations = 1 + int(rng() % 4);
    for (int m = 0; m < mutations && !b.empty(); ++m) {
      switch (rng() % 4) {
        case 0: b.resize(rng() % (b.size() + 1)); break;
        case 1: b[rng() % b.size()] ^= std::uint8_t(1u << (rng() % 8)); break;
        case 2: b[rng() % b.size()] = std::uint8_t(rng()); break;
        case 3:
          if (b.size() >= 4) {
            const std::size_t at = (rng() % (b.size() / 4)) * 4;
            const std::uint32_t v = rng() % 3 == 0 ? std::uint32_t(rng()) : hostile[rng() % std::size(hostile)];
            for (int i = 0; i < 4; ++i) b[at + i] = std::uint8_t(v >> (8 * i));
          }
          break;
      }
    }
    std::unique_ptr<std::uint8_t[]> exact(new std::uint8_t[b.size() ? b.size() : 1]);
    if (!b.empty()) std::memcpy(exact.get(), b.data(), b.size());
    const auto csa = dicom::detail::parseCsa(exact.get(), b.size());
    ++stats.runs;
    if (!csa) continue;
    ++stats.parsed;
    std::size_t text = 0;
    for (const auto& [name, values] : *csa) {
      text += name.size();
      for (const auto& v : values) text += v.size();
    }
    if (text > b.size()) throw std::runtime_error("parseCsa returned more text than its input held");
  }
  const double us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
  stats.microsecondsEach = stats.runs ? us / double(stats.runs) : 0;
  return stats;
}

}  // namespace fw::test
