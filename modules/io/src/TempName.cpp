#include "TempName.h"

#include <unistd.h>

#include <cstdint>
#include <mutex>
#include <random>

namespace fw::io::detail {

std::string randomFileTag() {
  static std::mutex mutex;
  static std::mt19937_64 rng(std::random_device{}() ^ static_cast<std::uint64_t>(::getpid()));
  std::lock_guard<std::mutex> lock(mutex);
  static const char* digits = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string tag;
  for (int i = 0; i < 8; ++i) tag += digits[rng() % 36];
  return tag;
}

}  // namespace fw::io::detail
