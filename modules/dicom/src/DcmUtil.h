#pragma once
// Small helpers shared by the reader and the writer: DCMTK status conversion and DICOM string
// formatting. Internal to the dicom module.
#include <optional>
#include <string>

#include "fw/core/Geometry.h"

class OFCondition;
class DcmItem;
class DcmTagKey;

namespace fw::dicom::detail {

// DCMTK logs parser warnings to stderr (e.g. "PixelData encountered, skipping rest of dataset"
// for every header-only read). We report problems through core::Error and warnings instead,
// so the dcmdata logger is set to fatal errors only, once.
void quietDcmtkWarnings();

// Throws core::Error("<what>: <DCMTK's text>") when the condition is bad.
void check(const OFCondition& cond, const std::string& what);

// A Decimal String value (at most 16 characters) as precise as fits.
std::string formatDS(double v);
// "a\b\c" of formatDS values.
std::string formatDS(const core::Vec3& v);
// An Integer String value.
std::string formatIS(long v);

// Reading attributes: nothing when absent or unparsable.
std::optional<std::string> getString(DcmItem& item, const DcmTagKey& tag);  // whole value, trimmed
std::string getStringOr(DcmItem& item, const DcmTagKey& tag, const std::string& fallback = {});
std::optional<double> getDouble(DcmItem& item, const DcmTagKey& tag, unsigned long pos = 0);
std::optional<long> getLong(DcmItem& item, const DcmTagKey& tag, unsigned long pos = 0);
std::optional<unsigned> getUShort(DcmItem& item, const DcmTagKey& tag);

// Puts a string; throws core::Error naming the tag on failure.
void put(DcmItem& item, const DcmTagKey& tag, const std::string& value);
void putUShort(DcmItem& item, const DcmTagKey& tag, unsigned value);

}  // namespace fw::dicom::detail
