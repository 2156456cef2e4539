// scan(): header-only discovery of DICOM series in a folder tree, a DICOMDIR or one file.
// Three stages: list the candidate files (sequential, cheap), read their headers in parallel
// (parsing stops before Pixel Data), then group and arrange them into series (sequential, in
// file order, so the result does not depend on the thread count).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <set>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <utility>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcuid.h>

#include "DicomDir.h"
#include "PixelDecoder.h"
#include "SliceHeader.h"
#include "SliceLayout.h"
#include "fw/core/Error.h"
#include "fw/dicom/SeriesReader.h"

namespace fw::dicom {

namespace fs = std::filesystem;
using detail::HeaderResult;
using detail::SliceHeader;

namespace {

constexpr double kListEnd = 0.05;  // progress: listing 0..5 %, headers 5..95 %, series 95..100 %
constexpr double kReadEnd = 0.95;
constexpr const char* kStage = "scanning for DICOM series";

// A file to read, or the reason it is skipped without opening it.
struct Candidate {
  fs::path path;
  std::string skipReason;
};

bool isDicomDirName(const fs::path& p) {
  std::string n = p.filename().string();
  for (auto& c : n) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return n == "DICOMDIR";
}

// Walks a folder tree: real folders first, then folders reached through symbolic links, each
// real folder (device, inode) once, so link loops end. Entries are visited in name order.
class FolderWalker {
 public:
  FolderWalker(const ScanOptions& options, core::ProgressSink& progress, std::vector<std::string>& notes)
      : m_options(options), m_progress(progress), m_notes(notes) {}

  std::vector<Candidate> walk(const fs::path& root) {
    struct stat st {};
    if (::stat(root.c_str(), &st) != 0)
      throw core::Error(root.string() + ": cannot open the folder (" + std::strerror(errno) + ")");
    m_visited.emplace(st.st_dev, st.st_ino);
    m_pending.push_back(root);
    std::vector<Candidate> out;
    while (!m_pending.empty() || !m_linked.empty()) {
      fs::path dir;
      if (!m_pending.empty()) {
        dir = std::move(m_pending.back());
        m_pending.pop_back();
      } else {
        auto [linkPath, target] = std::move(m_linked.front());
        m_linked.erase(m_linked.begin());
        if (!m_visited.insert(target).second) {
          m_notes.push_back(linkPath.string() + ": symbolic link to a folder that is already scanned (" +
                            "a link loop or a second path to it); not followed");
          continue;
        }
        dir = std::move(linkPath);
      }
      listFolder(dir, dir == root, out);
    }
    std::sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) { return a.path < b.path; });
    if (m_duplicateFiles > 0)
      m_notes.push_back(std::to_string(m_duplicateFiles) +
                        " file(s) reached a second time through links were read once");
    return out;
  }

 private:
  void tick() {
    if (++m_ticks % 256 == 0) m_progress.checkCancel(0.0, kStage);
  }

  void listFolder(const fs::path& dir, bool isRoot, std::vector<Candidate>& out) {
    std::error_code ec;
    fs::directory_iterator it(dir, ec), end;
    if (ec) {
      if (isRoot) throw core::Error(dir.string() + ": cannot list the folder (" + ec.message() + ")");
      m_notes.push_back(dir.string() + ": cannot list the folder (" + ec.message() + "); skipped");
      return;
    }
    std::vector<fs::path> entries;
    for (; it != end; it.increment(ec)) {
      entries.push_back(it->path());
      tick();
    }
    if (ec) m_notes.push_back(dir.string() + ": listing stopped early (" + ec.message() + ")");
    std::sort(entries.begin(), entries.end());
    std::vector<fs::path> subfolders;
    for (auto& p : entries) {
      tick();
      struct stat lst {};
      if (::lstat(p.c_str(), &lst) != 0) {
        out.push_back({p, std::string("cannot be examined (") + std::strerror(errno) + ")"});
        continue;
      }
      const bool link = S_ISLNK(lst.st_mode);
      struct stat st = lst;
      if (link && ::stat(p.c_str(), &st) != 0) {
        out.push_back({p, std::string("broken symbolic link (") + std::strerror(errno) + ")"});
        continue;
      }
      if (S_ISDIR(st.st_mode)) {
        if (!link) {
          if (m_visited.emplace(st.st_dev, st.st_ino).second) subfolders.push_back(p);
        } else if (m_options.followSymlinks) {
          m_linked.emplace_back(p, std::make_pair(st.st_dev, st.st_ino));
        } else {
          m_notes.push_back(p.string() + ": symbolic link to a folder; not followed");
        }
        continue;
      }
      if (!S_ISREG(st.st_mode)) {
        out.push_back({p, "not a regular file (named pipe, socket or device); not opened"});
        continue;
      }
      if (!m_files.emplace(st.st_dev, st.st_ino).second) {
        ++m_duplicateFiles;
        continue;
      }
      if (isDicomDirName(p)) {
        m_notes.push_back(p.string() + ": DICOMDIR index found; its folder is scanned file by file instead " +
                          "(open the DICOMDIR itself to follow its records)");
        continue;
      }
      if (st.st_size == 0) {
        out.push_back({p, "empty file (0 bytes)"});
        continue;
      }
      out.push_back({p, {}});
    }
    // Depth first, in name order.
    for (auto s = subfolders.rbegin(); s != subfolders.rend(); ++s) m_pending.push_back(*s);
  }

  using Key = std::pair<dev_t, ino_t>;
  const ScanOptions& m_options;
  core::ProgressSink& m_progress;
  std::vector<std::string>& m_notes;
  std::set<Key> m_visited, m_files;
  std::vector<fs::path> m_pending;
  std::vector<std::pair<fs::path, Key>> m_linked;
  std::size_t m_ticks = 0, m_duplicateFiles = 0;
};

// Reads one header; never throws.
HeaderResult readOne(const Candidate& c) {
  HeaderResult r;
  if (!c.skipReason.empty()) {
    r.skipReason = c.skipReason;
    return r;
  }
  try {
    r = detail::readSliceHeader(c.path);
  } catch (const std::exception& e) {
    r = HeaderResult{};
    r.skipReason = std::string("cannot read the header (") + e.what() + ")";
  } catch (...) {
    r = HeaderResult{};
    r.skipReason = "cannot read the header (unknown error)";
  }
  if (r.headers.empty() && r.skipReason == "not a DICOM file" && ::access(c.path.c_str(), R_OK) != 0)
    r.skipReason = std::string("cannot be opened (") + std::strerror(errno) + ")";
  return r;
}

// Reads every candidate's header with `threads` threads (the calling thread is one of them).
// Progress and cancellation stay on the calling thread; results are in candidate order.
std::vector<HeaderResult> readHeaders(const std::vector<Candidate>& files, unsigned threads,
                                      core::ProgressSink& progress) {
  const std::size_t n = files.size();
  std::vector<HeaderResult> results(n);
  std::atomic<std::size_t> next{0}, done{0};
  std::atomic<bool> stop{false};
  auto work = [&] {
    for (;;) {
      if (stop.load(std::memory_order_relaxed)) return;
      const std::size_t i = next.fetch_add(1);
      if (i >= n) return;
      results[i] = readOne(files[i]);
      done.fetch_add(1, std::memory_order_release);
    }
  };
  struct Pool {
    std::atomic<bool>& stop;
    std::vector<std::thread> threads;
    ~Pool() {
      stop.store(true);
      for (auto& t : threads) t.join();
    }
  } pool{stop, {}};
  const unsigned helpers = static_cast<unsigned>(std::min<std::size_t>(threads, n)) - (n > 0 ? 1 : 0);
  for (unsigned t = 0; t < helpers; ++t) {
    try {
      pool.threads.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // fewer threads than asked; the calling thread still works
    }
  }
  const auto frac = [&] {
    return kListEnd + (kReadEnd - kListEnd) * static_cast<double>(done.load(std::memory_order_acquire)) /
                          static_cast<double>(std::max<std::size_t>(1, n));
  };
  auto lastReport = std::chrono::steady_clock::time_point{};
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    if (now - lastReport >= std::chrono::milliseconds(20)) {
      lastReport = now;
      progress.checkCancel(frac(), kStage);  // throws Cancelled; Pool stops and joins the helpers
    }
    const std::size_t i = next.fetch_add(1);
    if (i >= n) break;
    results[i] = readOne(files[i]);
    done.fetch_add(1, std::memory_order_release);
  }
  // Helpers finish the file they are on; keep reporting meanwhile.
  while (done.load(std::memory_order_acquire) < n) {
    progress.checkCancel(frac(), kStage);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return results;
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

struct Group {
  std::vector<SliceHeader> headers;
  std::vector<std::string> warnings;
  std::unordered_map<std::string, fs::path> sopInstances;  // first file of each SOP Instance UID
};

SeriesEntry makeEntry(Group& g) {
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
  e.colour = detail::isColour(first) ? ColourModel::Rgb : ColourModel::Grey;
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
  // Kept for the load: without the slack of push_back growth (up to half a vector of 1.3 KB
  // headers per series; XA30 session: about 1 MB).
  cache->headers.shrink_to_fit();
  e.headers = std::move(cache);
  return e;
}

// Groups the headers (in file order) into series and arranges each.
void buildSeries(const std::vector<Candidate>& files, std::vector<HeaderResult>& results, ScanResult& result,
                 core::ProgressSink& progress) {
  // Keyed by patient, study and series: a Series Instance UID reused across patients or studies
  // (a broken anonymiser) must never merge two patients' images.
  std::map<std::tuple<std::string, std::string, std::string>, Group> groups;
  std::map<std::string, std::set<std::pair<std::string, std::string>>> uidOwners;
  for (std::size_t i = 0; i < files.size(); ++i) {
    auto& r = results[i];
    const fs::path& file = files[i].path;
    if (r.headers.empty()) {
      if (r.nonImage)
        result.notes.push_back("ignored: " + r.skipReason + ": " + file.string());
      else
        result.skipped.push_back({file, r.skipReason.empty() ? "no image header" : r.skipReason});
      continue;
    }
    const auto& id = r.headers.front().identity;
    std::string uid = id.seriesInstanceUid;
    if (uid.empty()) uid = "(no Series Instance UID) " + file.parent_path().string();
    auto& g = groups[{id.patientId, id.studyInstanceUid, uid}];
    uidOwners[uid].emplace(id.patientId, id.studyInstanceUid);
    const std::string& sop = r.headers.front().sopInstanceUid;
    if (!sop.empty()) {
      auto [it, fresh] = g.sopInstances.emplace(sop, file);
      if (!fresh) {
        result.notes.push_back(file.string() + ": same SOP Instance UID as " + it->second.string() +
                               "; duplicate copy ignored");
        continue;
      }
    }
    g.warnings.insert(g.warnings.end(), r.warnings.begin(), r.warnings.end());
    for (auto& h : r.headers) g.headers.push_back(std::move(h));
  }

  std::size_t k = 0;
  for (auto& [key, g] : groups) {
    progress.checkCancel(kReadEnd + (1.0 - kReadEnd) * static_cast<double>(k++) / static_cast<double>(groups.size()),
                         kStage);
    // Several stacks (Stack IDs, or planes of one enhanced file): one entry per stack (issue 3).
    std::vector<Group> parts;
    for (const auto& stack : detail::splitStacks(g.headers)) {
      Group part;
      part.warnings = g.warnings;
      part.warnings.push_back("one of several stacks in this series, loaded on its own: " + stack.label);
      for (std::size_t i : stack.indices) {
        part.headers.push_back(g.headers[i]);
        auto& d = part.headers.back().identity.seriesDescription;
        d = (d.empty() ? "series " + std::to_string(part.headers.back().identity.seriesNumber) : d) + " [" + stack.label + "]";
      }
      parts.push_back(std::move(part));
    }
    const std::size_t stackCount = parts.size();
    if (parts.empty()) parts.push_back(std::move(g));
    for (std::size_t p = 0; p < parts.size(); ++p) {
      SeriesEntry e = makeEntry(parts[p]);
      if (stackCount > 0) {
        e.stackIndex = p + 1;
        e.stackCount = stackCount;
      }
      if (uidOwners[std::get<2>(key)].size() > 1)
        e.warnings.push_back("the Series Instance UID " + std::get<2>(key) +
                             " also appears in another patient or study; those images are kept apart");
      result.series.push_back(std::move(e));
    }
  }
  std::stable_sort(result.series.begin(), result.series.end(), [](const SeriesEntry& a, const SeriesEntry& b) {
    const auto& x = a.identity;
    const auto& y = b.identity;
    return std::tie(x.patientName, x.patientId, x.studyDate, x.studyTime, x.studyInstanceUid, x.seriesNumber,
                    x.seriesInstanceUid) < std::tie(y.patientName, y.patientId, y.studyDate, y.studyTime,
                                                    y.studyInstanceUid, y.seriesNumber, y.seriesInstanceUid);
  });
}

unsigned threadCount(const ScanOptions& options) {
  unsigned t = options.threads;
  if (t == 0) t = std::max(1u, std::thread::hardware_concurrency());
  return std::min(t, 64u);
}

}  // namespace

ScanResult scan(const fs::path& path, core::ProgressSink& progress, const ScanOptions& options) {
  ScanResult result;
  progress.checkCancel(0.0, kStage);
  std::error_code ec;
  const auto st = fs::status(path, ec);
  std::vector<Candidate> files;
  if (fs::is_directory(st)) {
    files = FolderWalker(options, progress, result.notes).walk(path);
  } else if (fs::is_regular_file(st)) {
    if (detail::isDicomDir(path)) {
      try {
        auto dir = detail::readDicomDir(path);
        result.dicomDir = path;
        for (auto& f : dir.files) files.push_back({std::move(f), {}});
        std::sort(files.begin(), files.end(), [](const Candidate& a, const Candidate& b) { return a.path < b.path; });
        result.skipped = std::move(dir.missing);
        result.notes = std::move(dir.notes);
      } catch (const core::Error& e) {
        const fs::path folder = path.parent_path().empty() ? fs::path(".") : path.parent_path();
        result.notes.push_back(std::string(e.what()) + "; scanned its folder " + folder.string() + " instead");
        files = FolderWalker(options, progress, result.notes).walk(folder);
      }
    } else {
      files.push_back({path, {}});
    }
  } else if (fs::exists(st)) {
    throw core::Error(path.string() + ": not a file or folder that can be scanned (a pipe, socket or device)");
  } else {
    throw core::Error(path.string() + ": no such file or folder");
  }
  result.filesExamined = files.size();
  progress.checkCancel(kListEnd, kStage);

  auto headers = readHeaders(files, threadCount(options), progress);
  buildSeries(files, headers, result, progress);
  progress.report(1.0, kStage);
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
