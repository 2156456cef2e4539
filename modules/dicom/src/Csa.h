#pragma once
// Siemens CSA headers: reading values out of a parsed header and finding the headers in a
// dataset. The parser itself is parseCsa (Vendor.h). Internal to the dicom module.
#include <optional>
#include <string>
#include <vector>

#include "Vendor.h"

class DcmItem;

namespace fw::dicom::detail {

// Which CSA header of a Siemens image: (0029,xx10) image or (0029,xx20) series, in the block
// of the private creator "SIEMENS CSA HEADER" (found wherever the creator put it).
enum class CsaKind { Image, Series };

// The parsed CSA header of `item`, or nothing when it has none or it does not parse.
std::optional<CsaHeader> readCsa(DcmItem& item, CsaKind kind);

// The first value of element `name`, trimmed; nothing when absent or empty.
std::optional<std::string> csaString(const CsaHeader& csa, const std::string& name);
// The values of element `name` as numbers; nothing when absent, when fewer than `count` values
// are present or when one of the first `count` does not parse as a finite number. Only the first
// `count` values are returned.
std::optional<std::vector<double>> csaNumbers(const CsaHeader& csa, const std::string& name,
                                              std::size_t count);
std::optional<double> csaNumber(const CsaHeader& csa, const std::string& name);

}  // namespace fw::dicom::detail
