// libFuzzer entry point (built with -DFW_BUILD_FUZZERS=ON and clang; see docs/dicom-scan.md).
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "FuzzHarness.h"

namespace {

// A private scratch folder (in memory when /dev/shm exists), removed at exit.
struct Scratch {
  std::filesystem::path path;
  Scratch() {
    const std::filesystem::path shm = "/dev/shm";
    std::error_code ec;
    const auto base = std::filesystem::is_directory(shm, ec) ? shm : std::filesystem::temp_directory_path();
    path = base / ("fw-fuzz-" + std::to_string(::getpid()));
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Scratch scratch;
  fw::fuzz::runOne(data, size, scratch.path);
  return 0;
}
