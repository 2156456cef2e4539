#include "FuzzHarness.h"

#include <fstream>

#include "SliceHeader.h"
#include "SliceLayout.h"
#include "fw/core/Error.h"
#include "fw/dicom/Scan.h"

namespace fw::fuzz {

namespace fs = std::filesystem;

std::string joinParts(const std::vector<std::string>& parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += kSplit;
    out += parts[i];
  }
  return out;
}

RunStats runOne(const std::uint8_t* data, std::size_t size, const fs::path& scratch) {
  RunStats stats;
  const std::string input(reinterpret_cast<const char*>(data), size);
  fs::remove_all(scratch);
  fs::create_directories(scratch);
  std::vector<fs::path> files;
  std::size_t pos = 0;
  while (files.size() < kMaxParts) {
    const std::size_t next = input.find(kSplit, pos);
    const std::string part = input.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    files.push_back(scratch / ("part" + std::to_string(files.size()) + ".dcm"));
    std::ofstream(files.back(), std::ios::binary).write(part.data(), static_cast<std::streamsize>(part.size()));
    if (next == std::string::npos) break;
    pos = next + kSplit.size();
  }
  stats.parts = files.size();

  std::vector<dicom::detail::SliceHeader> headers;
  for (const auto& f : files) {
    auto r = dicom::detail::readSliceHeader(f);
    for (auto& h : r.headers) headers.push_back(std::move(h));
  }
  stats.headers = headers.size();
  if (!headers.empty()) {
    try {
      const auto layout = dicom::detail::arrangeSlices(headers);
      stats.arranged = layout.volumes.size();
      // The layout must index the headers it was given.
      for (const auto& v : layout.volumes)
        for (std::size_t k : v)
          if (k >= headers.size()) throw std::logic_error("arrangeSlices returned an index out of range");
    } catch (const core::Error&) {
      // reported to the user: fine
    }
  }
  dicom::ScanOptions o;
  o.threads = 1;
  const auto result = dicom::scan(scratch, core::NullProgress::instance(), o);
  stats.series = result.series.size();
  if (result.filesExamined != files.size()) throw std::logic_error("scan did not examine every file");
  std::size_t accounted = result.skipped.size();
  for (const auto& s : result.series) accounted += s.files.size();
  for (const auto& n : result.notes)
    if (n.rfind("ignored: ", 0) == 0 || n.find("duplicate copy ignored") != std::string::npos) ++accounted;
  if (accounted != files.size()) throw std::logic_error("scan lost or invented a file");
  return stats;
}

}  // namespace fw::fuzz
