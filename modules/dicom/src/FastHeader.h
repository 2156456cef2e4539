#pragma once
// Our own reader for the common DICOM header (issue 3, docs/dicom-scan.md "Fast header
// reader"): Part 10 files in implicit or explicit VR little endian, classic or enhanced
// multi-frame (the functional groups we read are kept), Philips private tags (explicit VR); no
// Siemens CSA or GE private headers. It walks the header bytes once (sequences of defined and
// undefined length included, and checked), stops at Pixel Data and keeps only the attributes
// sliceHeaderFrom() reads, as DCMTK elements in a small DcmFileFormat, so every value is then
// interpreted by DCMTK itself. What it is not sure to read exactly as DCMTK does, it declines,
// and the caller parses the file with DCMTK. Internal to the dicom module.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

class DcmFileFormat;

namespace fw::dicom::detail {

// Parses the header in `data`, the first `size` bytes of a file. Returns a DcmFileFormat with
// the kept attributes (meta: Media Storage SOP Class/Instance UID, Transfer Syntax UID), or
// nullptr when it declines; `why` (optional) then says why, and `needMore` (optional) whether
// it declined only because the header goes on past `size` bytes (more of the file may help).
std::unique_ptr<DcmFileFormat> parseHeaderFast(const std::uint8_t* data, std::size_t size, std::string* why = nullptr,
                                               bool* needMore = nullptr);

}  // namespace fw::dicom::detail
