// fusion-cli bench-import: how fast and how lean our DICOM import is, next to dcm2niix, on the
// same files. Each measured run is a fresh child process (this binary again, or dcm2niix), so
// page-cache state is the same for both and the child's peak resident memory (wait4's
// ru_maxrss) is its own, not the benchmark's.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "Command.h"
#include "Commands.h"
#include "fw/core/Error.h"
#include "fw/dicom/Scan.h"
#include "fw/dicom/SeriesReader.h"
#include "fw/dicom/SeriesWriter.h"
#include "fw/phantom/SampleStudy.h"

namespace fw::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct ProcessResult {
  int exitCode = -1;
  double wallS = 0;
  double maxRssMiB = 0;  // the child's peak resident set
  std::string out;       // stdout when captured
};

// Runs argv[0] (searched on PATH) with the given arguments; stdout captured or discarded,
// stderr discarded. Throws core::Error when it cannot be started.
ProcessResult runProcess(const std::vector<std::string>& argv, bool captureOut) {
  int pipeFd[2] = {-1, -1};
  if (captureOut && pipe(pipeFd) != 0) throw core::Error(std::string("cannot create a pipe: ") + std::strerror(errno));
  const auto start = Clock::now();
  const pid_t pid = fork();
  if (pid < 0) throw core::Error(std::string("cannot start ") + argv[0] + ": " + std::strerror(errno));
  if (pid == 0) {
    const int devNull = open("/dev/null", O_WRONLY);
    if (captureOut) {
      dup2(pipeFd[1], 1);
      close(pipeFd[0]);
      close(pipeFd[1]);
    } else {
      dup2(devNull, 1);
    }
    dup2(devNull, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  ProcessResult r;
  if (captureOut) {
    close(pipeFd[1]);
    char buf[4096];
    ssize_t n;
    while ((n = read(pipeFd[0], buf, sizeof buf)) > 0) r.out.append(buf, static_cast<std::size_t>(n));
    close(pipeFd[0]);
  }
  int status = 0;
  struct rusage usage {};
  while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  r.wallS = seconds(start, Clock::now());
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.maxRssMiB = static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: kilobytes
  return r;
}

std::string selfExe() {
  std::error_code ec;
  const auto p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw core::Error("cannot find this program's own path (/proc/self/exe)");
  return p.string();
}

// The measured work, in a child: scan the folder and load every series that forms volumes,
// keeping them all (as the workstation does when it opens a study).
int childRun(const fs::path& folder) {
  core::NullProgress quiet;
  const auto t0 = Clock::now();
  const auto scan = dicom::scan(folder, quiet);
  const auto t1 = Clock::now();
  std::vector<dicom::LoadedSeries> loaded;
  double voxelBytes = 0;
  std::size_t volumes = 0, failures = 0;
  for (const auto& s : scan.series) {
    if (s.kind == dicom::SeriesKind::Localizer || s.kind == dicom::SeriesKind::NotAssembled) continue;
    try {
      loaded.push_back(dicom::loadSeries(s, quiet));
      for (const auto& v : loaded.back().volumes) {
        voxelBytes += static_cast<double>(v->geometry().voxelCount()) * (v->pixelType() == core::PixelType::Float32 ? 4.0 : 2.0);
        ++volumes;
      }
    } catch (const core::Error&) {
      ++failures;
    }
  }
  const auto t2 = Clock::now();
  std::printf("RESULT %.6f %.6f %.0f %zu %zu %zu %zu\n", seconds(t0, t1), seconds(t1, t2), voxelBytes,
              scan.filesExamined, scan.series.size(), volumes, failures);
  return 0;
}

struct ChildFigures {
  double scanS = 0, loadS = 0, voxelBytes = 0;
  std::size_t files = 0, series = 0, volumes = 0, failures = 0;
  double maxRssMiB = 0;
};

ChildFigures runChild(const std::string& self, const fs::path& folder) {
  const auto r = runProcess({self, "bench-import", "--child-run", folder.string()}, true);
  ChildFigures f;
  const auto p = r.out.find("RESULT ");
  if (r.exitCode != 0 || p == std::string::npos ||
      std::sscanf(r.out.c_str() + p, "RESULT %lf %lf %lf %zu %zu %zu %zu", &f.scanS, &f.loadS, &f.voxelBytes, &f.files,
                  &f.series, &f.volumes, &f.failures) != 7)
    throw core::Error("the import of " + folder.string() + " failed in the benchmark child (exit " +
                      std::to_string(r.exitCode) + "); try fusion-cli info on it");
  f.maxRssMiB = r.maxRssMiB;
  return f;
}

// Default input: every DICOM archive of the shared data, extracted into `into`.
std::vector<fs::path> extractSharedSeries(const fs::path& data, const fs::path& into) {
  std::vector<fs::path> archives;
  std::error_code ec;
  if (!fs::is_directory(data, ec))
    throw core::Error("no DICOM folders given and the shared data folder " + data.string() +
                      " does not exist (give folders, or --data DIR)");
  for (const auto& e : fs::recursive_directory_iterator(data, ec)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && name.size() > 7 && name.compare(name.size() - 7, 7, ".tar.xz") == 0 &&
        name.rfind("dcm2niix_ref", 0) != 0)
      archives.push_back(e.path());
  }
  std::sort(archives.begin(), archives.end());
  std::vector<fs::path> folders;
  for (const auto& a : archives) {
    const std::string stem = a.filename().string().substr(0, a.filename().string().size() - 7);
    const fs::path dest = into / (a.parent_path().filename().string() + "__" + stem);
    fs::create_directories(dest);
    std::fprintf(stderr, "extracting %s\n", a.string().c_str());
    const auto r = runProcess({"tar", "-xJf", a.string(), "-C", dest.string()}, false);
    if (r.exitCode != 0) throw core::Error("cannot extract " + a.string() + " (tar exit " + std::to_string(r.exitCode) + ")");
    folders.push_back(dest);
  }
  if (folders.empty()) throw core::Error("no DICOM archives (.tar.xz) under " + data.string());
  return folders;
}

// A temporary folder removed when the benchmark ends (also on errors).
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag) {
    const char* base = std::getenv("TMPDIR");
    std::string templ = (fs::path(base && *base ? base : "/tmp") / ("fw-bench-" + tag + "-XXXXXX")).string();
    if (!mkdtemp(templ.data())) throw core::Error(std::string("cannot create a temporary folder: ") + std::strerror(errno));
    path = templ;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

int benchScanFiles(std::size_t count, int repeat) {
  if (count < 1 || count > 1000000) throw core::Error("--scan-files wants 1..1000000 files");
  TempDir tmp("scan");
  // Slices of the phantom's first BOLD volume, written once as an MR series, then copied.
  const fs::path series = tmp.path / "series";
  {
    std::fprintf(stderr, "writing phantom slices\n");
    const auto bold = phantom::makeBold();
    dicom::SeriesWriteOptions o;
    o.modality = core::Modality::MR;
    o.repetitionTimeMs = 2000;
    o.echoTimeMs = 30;
    dicom::writeSeries({bold.front()}, {dicom::FrameInfo{}}, o, series, core::NullProgress::instance());
  }
  std::vector<fs::path> slices;
  for (const auto& e : fs::directory_iterator(series)) slices.push_back(e.path());
  std::sort(slices.begin(), slices.end());
  const fs::path folder = tmp.path / "files";
  fs::create_directories(folder);
  double bytes = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const fs::path& src = slices[i % slices.size()];
    const fs::path sub = folder / ("d" + std::to_string(i / 1000));  // 1000 files per folder, as PACS exports
    if (i % 1000 == 0) fs::create_directories(sub);
    fs::copy_file(src, sub / ("IM" + std::to_string(i)), fs::copy_options::overwrite_existing);
    bytes += static_cast<double>(fs::file_size(src));
  }
  std::vector<double> times;
  std::size_t examined = 0;
  for (int r = 0; r < repeat; ++r) {
    core::NullProgress quiet;
    const auto t0 = Clock::now();
    const auto scan = dicom::scan(folder, quiet);
    times.push_back(seconds(t0, Clock::now()));
    examined = scan.filesExamined;
  }
  const double t = median(times);
  std::printf("scan of %zu DICOM files (%.1f MB, %zu distinct phantom slices copied), median of %d runs:\n", examined,
              bytes / 1e6, slices.size(), repeat);
  std::printf("  %.3f s, %.0f files/s\n", t, t > 0 ? double(examined) / t : 0.0);
  return 0;
}

int runBench(const std::vector<std::string>& argv) {
  const Args args(argv, {"--child-run", "--scan-files", "--repeat", "--data"}, {"--no-dcm2niix"});
  if (const auto child = args.value("--child-run")) return childRun(*child);
  int repeat = 3;
  if (const auto r = args.value("--repeat")) {
    repeat = std::atoi(r->c_str());
    if (repeat < 1 || repeat > 100) throw core::Error("--repeat wants 1..100, not " + *r);
  }
  if (const auto n = args.value("--scan-files")) {
    char* end = nullptr;
    const unsigned long long count = std::strtoull(n->c_str(), &end, 10);
    if (!end || *end || n->empty()) throw core::Error("--scan-files wants a number of files, not " + *n);
    return benchScanFiles(static_cast<std::size_t>(count), repeat);
  }

  std::unique_ptr<TempDir> extracted;
  std::vector<fs::path> folders;
  for (const auto& p : args.positional()) {
    std::error_code ec;
    if (!fs::is_directory(p, ec)) throw core::Error("not a folder: " + p);
    folders.emplace_back(p);
  }
  if (folders.empty()) {
    extracted = std::make_unique<TempDir>("data");
    folders = extractSharedSeries(args.value("--data").value_or(FW_DEFAULT_SHARED_DATA), extracted->path);
  }
  const std::string self = selfExe();
  const std::string dcm2niix = args.flag("--no-dcm2niix") ? std::string() : findProgram("dcm2niix");
  if (!args.flag("--no-dcm2niix") && dcm2niix.empty())
    std::fprintf(stderr, "dcm2niix is not on PATH: its column stays empty (Debian: apt install dcm2niix)\n");

  // The memory of a child that loads nothing: libraries and the program itself.
  TempDir emptyDir("empty");
  const double baselineMiB = runChild(self, emptyDir.path).maxRssMiB;

  std::printf("bench-import: median of %d runs each; peak = child's max resident set; baseline %.1f MiB (empty folder)\n",
              repeat, baselineMiB);
  std::printf("%-44s %6s %4s %5s %9s %8s %8s %8s %9s %7s %8s %7s\n", "folder", "files", "ser", "vols", "voxels MB",
              "scan s", "load s", "ours s", "dcm2niix", "ratio", "peak MiB", "/voxels");
  for (const auto& folder : folders) {
    std::vector<double> scanT, loadT, totalT, dcmT, rss;
    ChildFigures f;
    for (int r = 0; r < repeat; ++r) {
      f = runChild(self, folder);
      scanT.push_back(f.scanS);
      loadT.push_back(f.loadS);
      totalT.push_back(f.scanS + f.loadS);
      rss.push_back(f.maxRssMiB);
    }
    if (!dcm2niix.empty()) {
      for (int r = 0; r < repeat; ++r) {
        TempDir out("dcm2niix");
        const auto d = runProcess({dcm2niix, "-z", "n", "-b", "n", "-o", out.path.string(), folder.string()}, false);
        if (d.exitCode == 0) dcmT.push_back(d.wallS);
      }
    }
    const double ours = median(totalT);
    const double voxelMiB = f.voxelBytes / (1024.0 * 1024.0);
    const double peak = median(rss);
    std::string name = folder.filename().string();
    if (name.size() > 44) name = name.substr(0, 41) + "...";
    char dcmText[32] = "-", ratioText[32] = "-", perVoxel[32] = "-";
    if (!dcmT.empty()) {
      std::snprintf(dcmText, sizeof dcmText, "%.3f", median(dcmT));
      std::snprintf(ratioText, sizeof ratioText, "%.2fx", ours > 0 ? median(dcmT) / ours : 0.0);
    }
    if (voxelMiB > 0) std::snprintf(perVoxel, sizeof perVoxel, "%.2f", (peak - baselineMiB) / voxelMiB);
    std::printf("%-44s %6zu %4zu %5zu %9.1f %8.3f %8.3f %8.3f %9s %7s %8.1f %7s\n", name.c_str(), f.files, f.series,
                f.volumes, f.voxelBytes / 1e6, median(scanT), median(loadT), ours, dcmText, ratioText, peak, perVoxel);
    if (f.failures) std::printf("  (%zu series of this folder failed to load: not counted)\n", f.failures);
    std::fflush(stdout);
  }
  std::printf("ratio = dcm2niix time / our scan+load time (above 1: we are faster); /voxels = (peak - baseline) / voxel data\n");
  return 0;
}

}  // namespace

const Command kBenchImportCommand{
    "bench-import", "time and memory of DICOM import next to dcm2niix",
    "Usage: fusion-cli bench-import [FOLDER...] [--repeat N] [--data DIR] [--no-dcm2niix]\n"
    "       fusion-cli bench-import --scan-files N [--repeat N]\n\n"
    "For each DICOM folder (default: every DICOM archive of the shared test data, extracted to a\n"
    "temporary folder): our scan + load of every series, each run in a fresh child process\n"
    "(wall time: median of N runs, default 3), dcm2niix's wall time on the same files (-z n -b n\n"
    "into a temporary folder; median of N), their ratio, and the child's peak resident memory\n"
    "(wait4 ru_maxrss) against the voxel data loaded, after subtracting the peak of a child that\n"
    "loads nothing (libraries and program). Prints a plain table.\n\n"
    "Options:\n"
    "  --repeat N       runs per measurement (default 3)\n"
    "  --data DIR       the shared data folder to take the archives from\n"
    "  --no-dcm2niix    do not run dcm2niix\n"
    "  --scan-files N   write N DICOM files (copies of phantom MR slices, 1000 per folder) to a\n"
    "                   temporary folder and report how many files per second scan() reads",
    runBench};

}  // namespace fw::cli
