#pragma once
// Helpers shared by the test executables.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace fw::test {

// The shared real data set (../shared/data beside the checkout).
inline std::filesystem::path sharedData() { return FW_SHARED_DATA; }

// Returns sharedData()/relative, or exits with code 77 (CTest: skipped) and a message naming
// the missing path. Call it at the top of main() or initTestCase(), never mid-test.
inline std::filesystem::path requireSharedData(const std::string& relative) {
  const auto p = sharedData() / relative;
  if (!std::filesystem::exists(p)) {
    std::fprintf(stderr, "SKIP: shared test data not found: %s (see ../shared/data/README.md)\n",
                 p.string().c_str());
    std::exit(77);
  }
  return p;
}

// A fresh, empty scratch folder for one test, under the build tree.
inline std::filesystem::path scratchDir(const std::string& name) {
  const auto p = std::filesystem::path(FW_TEST_BINARY_DIR) / "scratch" / name;
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p;
}

}  // namespace fw::test
