#pragma once
// Reading vendors' private elements whatever way the file stores them: with their real VR
// (explicit VR files, or DCMTK's private dictionary knows the creator) or as raw bytes (UN/OB:
// implicit VR files whose creator DCMTK does not know). Internal to the dicom module.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

class DcmItem;
class DcmElement;

namespace fw::dicom::detail {

// The element (group, bb<<8 | offset) where bb is the block reserved by private creator
// `creator` ((group,00bb) equal to it, surrounding spaces ignored); nullptr when the creator or
// the element is absent. Only this item's own elements are searched (not nested sequences).
DcmElement* findPrivate(DcmItem& item, std::uint16_t group, const std::string& creator,
                        std::uint8_t offset);

// How to read the bytes of an element whose VR is unknown (UN, OB): the VR the vendor uses.
enum class RawAs { Text, US, SS, UL, SL, FL, FD };

// The element's values as numbers: by its VR when known (US, SS, UL, SL, FL, FD, IS, DS and other
// strings split at '\'), else its bytes read as `raw` (little endian). Values that do not parse
// or are not finite end the list. Empty when there are none.
std::vector<double> elementNumbers(DcmElement& element, RawAs raw);

// The element's value as text (string VRs, or the bytes of UN/OB up to the first NUL), trimmed.
std::optional<std::string> elementText(DcmElement& element);

// The element's value bytes (any VR whose value is a byte array: OB, UN, OW); false otherwise.
bool elementBytes(DcmElement& element, const std::uint8_t*& data, std::size_t& size);

}  // namespace fw::dicom::detail
