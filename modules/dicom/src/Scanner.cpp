// scan(): header-only discovery of DICOM series. First version: sequential, folders and
// single files. (Parallel reading and DICOMDIR come next; see issue 3.)
#include <algorithm>
#include <map>
#include <tuple>

#include "SliceHeader.h"
#include "SliceLayout.h"
#include "fw/core/Error.h"
#include "fw/dicom/SeriesReader.h"

namespace fw::dicom {

namespace fs = std::filesystem;
using detail::SliceHeader;

namespace {

std::vector<fs::path> listFiles(const fs::path& root, std::vector<std::string>& notes) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (fs::is_regular_file(root, ec)) return {root};
  if (!fs::is_directory(root, ec)) throw core::Error(root.string() + ": no such file or folder");
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
  if (ec) throw core::Error(root.string() + ": cannot list the folder: " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) {
      notes.push_back(root.string() + ": " + ec.message());
      break;
    }
    std::error_code fec;
    if (it->is_regular_file(fec)) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

SeriesKind kindOf(const std::vector<SliceHeader>& headers, const detail::SeriesLayout& layout) {
  const SliceHeader& first = headers.front();
  if (first.imageType.find("LOCALIZER") != std::string::npos) return SeriesKind::Localizer;
  if (layout.volumes.size() <= 1) return SeriesKind::Image;
  bool diffusion = false;
  std::vector<double> echoes;
  for (const auto& vol : layout.volumes) {
    const SliceHeader& h = headers[vol.front()];
    if (h.bValue && *h.bValue > 0) diffusion = true;
    if (h.echoTimeMs && std::find(echoes.begin(), echoes.end(), *h.echoTimeMs) == echoes.end())
      echoes.push_back(*h.echoTimeMs);
  }
  if (diffusion) return SeriesKind::Diffusion;
  if (echoes.size() > 1) return SeriesKind::MultiEcho;
  if (first.modality == "MR") return SeriesKind::Functional;
  return SeriesKind::OtherMultiVolume;
}

}  // namespace

ScanResult scan(const fs::path& path, core::ProgressSink& progress, const ScanOptions& /*options*/) {
  ScanResult result;
  const auto files = listFiles(path, result.notes);
  result.filesExamined = files.size();

  struct Group {
    std::vector<SliceHeader> headers;
    std::vector<std::string> warnings;
  };
  std::map<std::string, Group> groups;  // by Series Instance UID
  for (std::size_t i = 0; i < files.size(); ++i) {
    progress.checkCancel(static_cast<double>(i) / static_cast<double>(std::max<std::size_t>(1, files.size())),
                         "scanning for DICOM series");
    auto r = detail::readSliceHeader(files[i]);
    if (r.headers.empty()) {
      if (r.nonImage)
        result.notes.push_back(files[i].string() + ": ignored, " + r.skipReason);
      else
        result.skipped.push_back({files[i], r.skipReason});
      continue;
    }
    std::string key = r.headers.front().identity.seriesInstanceUid;
    if (key.empty()) key = "(no Series Instance UID) " + files[i].parent_path().string();
    auto& g = groups[key];
    g.warnings.insert(g.warnings.end(), r.warnings.begin(), r.warnings.end());
    for (auto& h : r.headers) g.headers.push_back(std::move(h));
  }

  for (auto& [uid, g] : groups) {
    SeriesEntry e;
    const SliceHeader& first = g.headers.front();
    e.identity = first.identity;
    e.modality = core::modalityFromCode(first.modality);
    e.modalityCode = first.modality;
    e.manufacturer = first.manufacturer;
    e.seriesTime = first.seriesTime;
    e.imageType = first.imageType;
    e.rows = first.rows;
    e.columns = first.columns;
    e.transferSyntaxUid = first.transferSyntaxUid;
    e.frameCount = g.headers.size();
    e.warnings = std::move(g.warnings);
    try {
      auto layout = detail::arrangeSlices(g.headers);
      e.volumeCount = std::max<std::size_t>(1, layout.volumes.size());
      e.sliceCount = layout.volumes.empty() ? 0 : layout.volumes.front().size();
      e.geometry = layout.geometry;
      e.kind = kindOf(g.headers, layout);
      e.warnings.insert(e.warnings.end(), layout.warnings.begin(), layout.warnings.end());
    } catch (const core::Error& err) {
      e.kind = SeriesKind::NotAssembled;
      e.warnings.push_back(std::string("cannot be assembled as a volume: ") + err.what());
    }
    std::stable_sort(g.headers.begin(), g.headers.end(), [](const SliceHeader& a, const SliceHeader& b) {
      return std::tie(a.instanceNumber, a.file, a.frame) < std::tie(b.instanceNumber, b.file, b.frame);
    });
    for (const auto& h : g.headers)
      if (e.files.empty() || e.files.back() != h.file) e.files.push_back(h.file);
    auto cache = std::make_shared<detail::SeriesHeaders>();
    cache->headers = std::move(g.headers);
    e.headers = std::move(cache);
    result.series.push_back(std::move(e));
  }
  std::sort(result.series.begin(), result.series.end(), [](const SeriesEntry& a, const SeriesEntry& b) {
    const auto& x = a.identity;
    const auto& y = b.identity;
    return std::tie(x.patientName, x.patientId, x.studyDate, x.studyTime, x.studyInstanceUid, x.seriesNumber,
                    x.seriesInstanceUid) < std::tie(y.patientName, y.patientId, y.studyDate, y.studyTime,
                                                    y.studyInstanceUid, y.seriesNumber, y.seriesInstanceUid);
  });
  progress.report(1.0, "scanning for DICOM series");
  return result;
}

std::vector<SeriesEntry> scanForSeries(const fs::path& folderOrFile, core::ProgressSink& progress,
                                       std::vector<std::string>& skipped) {
  auto r = scan(folderOrFile, progress);
  for (const auto& s : r.skipped) skipped.push_back(s.file.string() + ": skipped, " + s.reason);
  skipped.insert(skipped.end(), r.notes.begin(), r.notes.end());
  return std::move(r.series);
}

std::vector<SeriesEntry> scanForSeries(const fs::path& folderOrFile, core::ProgressSink& progress) {
  std::vector<std::string> skipped;
  auto result = scanForSeries(folderOrFile, progress, skipped);
  if (!result.empty()) {
    auto& w = result.front().warnings;
    w.insert(w.end(), skipped.begin(), skipped.end());
  }
  return result;
}

}  // namespace fw::dicom
