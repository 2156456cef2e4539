#pragma once
// The porcine landmark truth for the tests: the reader shared with fusion-cli bench-register
// (app/cli/Landmarks.h) on the file in tests/registration/data.
#include <string>

#include "Landmarks.h"

namespace fw::test {

using cli::bench::PorcineLandmarks;

inline std::string porcineLandmarksPath() {
  return std::string(FW_TEST_SOURCE_DIR) + "/registration/data/porcine-landmarks.json";
}

inline PorcineLandmarks readPorcineLandmarks(const std::string& path = porcineLandmarksPath()) {
  return cli::bench::readPorcineLandmarks(path);
}

}  // namespace fw::test
