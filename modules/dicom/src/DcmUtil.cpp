#include "DcmUtil.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <mutex>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dctag.h>
#include <dcmtk/oflog/oflog.h>
#include <dcmtk/ofstd/ofcond.h>

#include "fw/core/Error.h"

namespace fw::dicom::detail {

void quietDcmtkWarnings() {
  static std::once_flag once;
  std::call_once(once, [] { OFLog::getLogger("dcmtk.dcmdata").setLogLevel(OFLogger::FATAL_LOG_LEVEL); });
}

void check(const OFCondition& cond, const std::string& what) {
  if (cond.bad()) throw core::Error(what + ": " + cond.text());
}

std::string formatDS(double v) {
  if (!std::isfinite(v)) return "0";
  if (std::abs(v) < 1e-300) return "0";
  char buf[64];
  for (int precision = 15; precision >= 1; --precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strlen(buf) <= 16) return buf;
  }
  return "0";
}

std::string formatDS(const core::Vec3& v) {
  return formatDS(v.x) + "\\" + formatDS(v.y) + "\\" + formatDS(v.z);
}

std::string formatIS(long v) { return std::to_string(v); }

std::optional<std::string> getString(DcmItem& item, const DcmTagKey& tag) {
  OFString s;
  if (item.findAndGetOFStringArray(tag, s).bad()) return std::nullopt;
  std::string r(s.c_str());
  const auto first = r.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return std::string();
  const auto last = r.find_last_not_of(" \t\r\n");
  return r.substr(first, last - first + 1);
}

std::string getStringOr(DcmItem& item, const DcmTagKey& tag, const std::string& fallback) {
  auto s = getString(item, tag);
  return s ? *s : fallback;
}

std::optional<double> getDouble(DcmItem& item, const DcmTagKey& tag, unsigned long pos) {
  Float64 v = 0;
  if (item.findAndGetFloat64(tag, v, pos).bad() || !std::isfinite(v)) return std::nullopt;
  return static_cast<double>(v);
}

std::optional<long> getLong(DcmItem& item, const DcmTagKey& tag, unsigned long pos) {
  Sint32 v = 0;
  if (item.findAndGetSint32(tag, v, pos).good()) return static_cast<long>(v);
  // Binary VRs DCMTK does not convert to Sint32: UL (In-Stack Position Number, Temporal Position
  // Index), US (Frame Acquisition Number), SS. Before, these read as absent.
  Uint32 u32 = 0;
  if (item.findAndGetUint32(tag, u32, pos).good()) return static_cast<long>(u32);
  Uint16 u16 = 0;
  if (item.findAndGetUint16(tag, u16, pos).good()) return static_cast<long>(u16);
  Sint16 s16 = 0;
  if (item.findAndGetSint16(tag, s16, pos).good()) return static_cast<long>(s16);
  // Some writers put decimals into IS; accept them rounded.
  if (auto d = getDouble(item, tag, pos)) return std::lround(*d);
  return std::nullopt;
}

std::optional<unsigned> getUShort(DcmItem& item, const DcmTagKey& tag) {
  Uint16 v = 0;
  if (item.findAndGetUint16(tag, v).bad()) return std::nullopt;
  return static_cast<unsigned>(v);
}

void put(DcmItem& item, const DcmTagKey& tag, const std::string& value) {
  const OFCondition cond = item.putAndInsertString(tag, value.c_str());
  if (cond.bad())
    throw core::Error("cannot set " + std::string(DcmTag(tag).getTagName()) + " to '" + value +
                      "': " + cond.text());
}

void putUShort(DcmItem& item, const DcmTagKey& tag, unsigned value) {
  const OFCondition cond = item.putAndInsertUint16(tag, static_cast<Uint16>(value));
  if (cond.bad())
    throw core::Error("cannot set " + std::string(DcmTag(tag).getTagName()) + ": " + cond.text());
}

}  // namespace fw::dicom::detail
