#include "DirectRead.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "fw/core/Error.h"

namespace fw::dicom::detail {

void readFileRange(const std::filesystem::path& file, std::uint64_t offset, std::uint8_t* out, std::uint64_t bytes) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw core::Error(std::string("cannot open the file (") + std::strerror(errno) + ")");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  std::uint64_t done = 0;
  while (done < bytes) {
    const ssize_t n = ::pread(fd, out + done, static_cast<std::size_t>(bytes - done), static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw core::Error(std::string("cannot read the file (") + std::strerror(errno) + ")");
    if (n == 0) throw core::Error("the file is truncated (pixel data ends early)");
    done += static_cast<std::uint64_t>(n);
  }
}

void adviseHugePages(void* data, std::size_t bytes) {
#ifdef MADV_HUGEPAGE
  constexpr std::uintptr_t kHuge = 2u << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1), last = (begin + bytes) & ~(kHuge - 1);
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);  // advice only
#else
  (void)data;
  (void)bytes;
#endif
}

}  // namespace fw::dicom::detail
