#pragma once
// The fuzz harness over the DICOM header scan and the assembly: one input is one or several
// files (parts separated by kSplit). Each part is written to a private scratch folder; every
// file goes through detail::readSliceHeader(), all headers together through
// detail::arrangeSlices(), and the folder through dicom::scan(). Problems the code reports
// (core::Error) are fine; a crash, a sanitizer report, a hang or an escaping exception of
// another type is a bug. Shared by the libFuzzer target and the plain replay test.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace fw::fuzz {

// Separates the files of one input.
inline const std::string kSplit = "\n--FW-FUZZ-SPLIT--\n";
constexpr std::size_t kMaxParts = 8;

// Joins files into one input (for seeds).
std::string joinParts(const std::vector<std::string>& parts);

// What one run saw (for the replay test's checks).
struct RunStats {
  std::size_t parts = 0, headers = 0, series = 0, arranged = 0;
};

// Runs one input through the harness in `scratch` (created, emptied first). Throws only for
// bugs (anything that is not core::Error).
RunStats runOne(const std::uint8_t* data, std::size_t size, const std::filesystem::path& scratch);

}  // namespace fw::fuzz
