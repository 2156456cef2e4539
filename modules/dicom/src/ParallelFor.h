#pragma once
// A parallel loop over slice indices on plain std::threads, for the pixel loader (issue 3,
// docs/dicom-scan.md "OpenMP spin"). OpenMP was used before: after every parallel region
// libgomp's idle workers spin (busy-wait) for a while before they sleep, and a series of many
// small volumes (BOLD, the XA30 session) opens one region per volume, so the workers spun for
// most of the load: on the shared 2-core machine the XA30 load took 1.6 s of wall time with
// libgomp's default wait policy and 0.45 s with OMP_WAIT_POLICY=passive. Threads here sleep
// when there is no work. Internal to the dicom module.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace fw::dicom::detail {

// Calls body(k) for every k in [0, count) on up to `threads` threads (0: the hardware's), the
// calling thread being one of them; each thread first constructs one PerThread (e.g. a
// DcmtkFileCache) and keeps it for all the indices it runs. body returns false to skip the
// indices not yet started. The first exception thrown by body is rethrown here, after every
// thread has finished the index it was on.
template <class PerThread, class Body>
void parallelFor(std::size_t count, const Body& body, unsigned threads = 0) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::exception_ptr error;
  std::mutex errorMutex;
  const auto work = [&] {
    PerThread state;
    (void)state;
    for (;;) {
      if (stop.load(std::memory_order_relaxed)) return;
      const std::size_t k = next.fetch_add(1);
      if (k >= count) return;
      try {
        if (!body(k)) stop.store(true);
      } catch (...) {
        std::lock_guard<std::mutex> lock(errorMutex);
        if (!error) error = std::current_exception();
        stop.store(true);
      }
    }
  };
  std::vector<std::thread> helpers;
  const std::size_t wanted = std::min<std::size_t>(threads, count);
  for (std::size_t t = 1; t < wanted; ++t) {
    try {
      helpers.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // fewer threads than asked; the calling thread still works
    }
  }
  work();
  for (auto& t : helpers) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace fw::dicom::detail
