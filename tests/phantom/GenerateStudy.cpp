// The phantom_study test fixture: writes the sample study once for the phantom's disk tests.
#include <chrono>
#include <cstdio>

#include "PhantomTestUtil.h"
#include "fw/core/Error.h"

int main() {
  try {
    const auto start = std::chrono::steady_clock::now();
    const auto dir = fw::test::writeFreshSampleStudy();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("sample study written to %s in %.1f s\n", dir.string().c_str(), s);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
