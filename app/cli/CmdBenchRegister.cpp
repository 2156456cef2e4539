// fusion-cli bench-register: our registration next to elastix 5 with comparable settings, on the
// same image files, in one run. Each measured run is a fresh child process (this binary again, or
// elastix) that reads the same two MetaImage files, so both columns include reading the inputs
// and the peak resident memory (wait4's ru_maxrss) is the child's own.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "BenchPairs.h"
#include "Command.h"
#include "Commands.h"
#include "Elastix.h"
#include "fw/core/Error.h"
#include "fw/io/ImageFile.h"
#include "fw/phantom/SampleStudy.h"
#include "fw/registration/Accuracy.h"
#include "fw/registration/Registration.h"
#include "fw/registration/Resample.h"
#include "fw/registration/TransformIO.h"

namespace fw::cli {
namespace {

namespace fs = std::filesystem;
using registration::Affine;
using registration::Method;
using registration::Transform;

double median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// A temporary folder removed when the benchmark ends (also on errors).
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag) {
    const char* base = std::getenv("TMPDIR");
    std::string templ =
        (fs::path(base && *base ? base : "/tmp") / ("fw-bench-" + tag + "-XXXXXX")).string();
    if (!mkdtemp(templ.data()))
      throw core::Error(std::string("cannot create a temporary folder: ") + std::strerror(errno));
    path = templ;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

registration::Settings oursFor(Method method, int threads) {
  registration::Settings s;
  s.method = method;
  s.initialiser = registration::Initialiser::Centres;
  s.threads = threads;
  // The known deformation's bumps have a sigma of 18 mm: a 20 mm control grid can follow them.
  if (method == Method::BSpline) s.bsplineGridSpacingMm = 20.0;
  return s;
}

// The measured work, in a child: read the two files elastix reads, register, print the result
// (a linear transform as numbers; a deformable one into `transformFile`, an ITK .h5 file).
int childRun(const std::string& fixedFile, const std::string& movingFile, Method method,
             int threads, const std::string& transformFile) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto fixed = io::readImageFile(fixedFile);
  const auto moving = io::readImageFile(movingFile);
  const auto t1 = std::chrono::steady_clock::now();
  const auto r = registration::registerVolumes(*fixed, *moving, oursFor(method, threads));
  const auto affine = r.transform.asAffine();
  if (!affine) {
    if (transformFile.empty()) throw core::Error("a deformable result needs --transform-out FILE");
    registration::writeTransform(r.transform, transformFile);
  }
  std::printf("RESULT %.6f %.6f %.9g %d\n", std::chrono::duration<double>(t1 - t0).count(),
              r.seconds, r.finalMetric, r.iterations);
  if (affine) {
    std::printf("AFFINE");
    for (double v : affine->toMatrix4()) std::printf(" %.17g", v);
    std::printf("\n");
  }
  return 0;
}

struct OursRun {
  double wallS = 0, registerS = 0, readS = 0, metric = 0, maxRssMiB = 0;
  Transform transform;
};

OursRun runOurs(const std::string& self, const fs::path& fixed, const fs::path& moving,
                Method method, int threads, const fs::path& work) {
  const fs::path logFile = work / "ours.log", transformFile = work / "ours.h5";
  const std::vector<std::string> argv{self,
                                      "bench-register",
                                      "--child-run",
                                      fixed.string(),
                                      moving.string(),
                                      "--method",
                                      registration::methodName(method),
                                      "--threads",
                                      std::to_string(threads),
                                      "--transform-out",
                                      transformFile.string()};
  std::error_code ec;
  fs::remove(transformFile, ec);
  const auto p = elastix::runProcess(argv, logFile, 1800);
  std::ifstream in(logFile);
  std::stringstream text;
  text << in.rdbuf();
  const std::string out = text.str();
  OursRun r;
  int iterations = 0;
  const auto res = out.find("RESULT ");
  const auto aff = out.find("AFFINE");
  bool ok = p.exitCode == 0 && res != std::string::npos &&
            std::sscanf(out.c_str() + res, "RESULT %lf %lf %lf %d", &r.readS, &r.registerS,
                        &r.metric, &iterations) == 4;
  if (ok && aff != std::string::npos) {
    std::array<double, 16> m{};
    std::istringstream a(out.substr(aff + 6));
    for (auto& v : m) ok = ok && static_cast<bool>(a >> v);
    if (ok) r.transform = Transform(Affine::fromMatrix4(m));
  } else if (ok) {
    ok = fs::exists(transformFile);
    if (ok) r.transform = registration::readTransform(transformFile);
  }
  if (!ok)
    throw core::Error("our registration failed in the benchmark child (exit " +
                      std::to_string(p.exitCode) + "); command: " + elastix::commandLine(argv) +
                      "; output: " + out.substr(0, 600));
  r.wallS = p.wallS;
  r.maxRssMiB = p.maxRssMiB;
  return r;
}

std::string fmt(double v, const char* f = "%.2f");

struct Row {
  std::string pair, method;
  double oursWall = 0, oursReg = 0, elastixWall = 0;
  double oursPeak = 0, elastixPeak = 0;
  std::optional<registration::Tre> treOurs, treElastix;
  double agreementMax = 0, voxel = 0;
  double oursMetric = 0, elastixMetric = 0;
  std::string truthNote;  // how the TREs were measured, when not over body points
};

Row benchPair(const bench::RegistrationPair& pair, Method method, int repeat, int threads,
              int elastixIterations, const std::string& self, const fs::path& work) {
  std::fprintf(stderr, "%s: writing the inputs\n", pair.name.c_str());
  fs::create_directories(work);
  const fs::path fixedFile = work / "fixed.mha", movingFile = work / "moving.mha";
  io::writeImageFile(*pair.fixed, fixedFile);
  io::writeImageFile(*pair.moving, movingFile);

  Row row;
  row.pair = pair.name;
  row.method = registration::methodName(method);
  std::vector<double> oursWall, oursReg, elastixWall, oursPeak, elastixPeak;
  Transform ours, theirs;
  auto es = elastix::Settings::comparableTo(oursFor(method, threads));
  if (elastixIterations > 0) es.iterations = elastixIterations;
  es.timeoutS = 1800;
  for (int i = 0; i < repeat; ++i) {
    std::fprintf(stderr, "%s: ours, run %d/%d\n", pair.name.c_str(), i + 1, repeat);
    const auto o = runOurs(self, fixedFile, movingFile, method, threads, work);
    oursWall.push_back(o.wallS);
    oursReg.push_back(o.registerS);
    oursPeak.push_back(o.maxRssMiB);
    ours = o.transform;
    row.oursMetric = o.metric;
    std::fprintf(stderr, "%s: elastix, run %d/%d\n", pair.name.c_str(), i + 1, repeat);
    const auto e =
        elastix::registerFiles(fixedFile, movingFile, es, work / ("elastix" + std::to_string(i)));
    elastixWall.push_back(e.process.wallS + e.transformixWallS);
    elastixPeak.push_back(std::max(e.process.maxRssMiB, e.transformixMaxRssMiB));
    theirs = e.transform;
    row.elastixMetric = e.finalMetric;
  }
  row.oursWall = median(oursWall);
  row.oursReg = median(oursReg);
  row.elastixWall = median(elastixWall);
  row.oursPeak = median(oursPeak);
  row.elastixPeak = median(elastixPeak);
  const auto points = registration::pointsInBody(*pair.fixed, 500, 7);
  row.agreementMax = elastix::maxDifference(ours, theirs, points);
  row.voxel = bench::coarsestSpacing(*pair.fixed, *pair.moving);
  if (pair.truth) {
    row.treOurs = registration::targetRegistrationError(ours, *pair.truth, points);
    row.treElastix = registration::targetRegistrationError(theirs, *pair.truth, points);
  } else if (!pair.landmarksFixed.empty()) {
    row.treOurs = registration::landmarkError(ours, pair.landmarksFixed, pair.landmarksMoving);
    row.treElastix = registration::landmarkError(theirs, pair.landmarksFixed, pair.landmarksMoving);
    row.truthNote = pair.name + ": TRE over " + std::to_string(pair.landmarksFixed.size()) +
                    " hand-picked landmark pairs (their best rigid fit leaves " +
                    fmt(pair.landmarkFloor, "%.2f") + " mm: the floor)";
  }
  return row;
}

std::string fmt(double v, const char* f) {
  if (!std::isfinite(v)) return "-";
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

void printTable(const std::vector<Row>& rows) {
  std::printf("%-22s %-6s %9s %9s %9s %7s %15s %15s %9s %9s %9s\n", "pair", "method", "ours s",
              "(reg s)", "elastix s", "ratio", "TRE ours mm", "TRE elastix mm", "agree mm",
              "ours MiB", "elx MiB");
  for (const auto& r : rows) {
    const auto tre = [](const std::optional<registration::Tre>& t) {
      return t ? fmt(t->mean, "%.3f") + "/" + fmt(t->max, "%.3f") : std::string("-");
    };
    std::printf("%-22s %-6s %9s %9s %9s %7s %15s %15s %9s %9s %9s\n", r.pair.c_str(),
                r.method.c_str(), fmt(r.oursWall).c_str(), fmt(r.oursReg).c_str(),
                fmt(r.elastixWall).c_str(), (fmt(r.elastixWall / r.oursWall) + "x").c_str(),
                tre(r.treOurs).c_str(), tre(r.treElastix).c_str(),
                fmt(r.agreementMax, "%.3f").c_str(), fmt(r.oursPeak, "%.0f").c_str(),
                fmt(r.elastixPeak, "%.0f").c_str());
  }
  std::printf(
      "ours s / elastix s: wall time of a child process that reads the same two .mha files and "
      "registers "
      "(median); (reg s): our registerVolumes alone.\nratio = elastix / ours (above 1: we are "
      "faster). "
      "TRE: mean/max over 500 body points against the known truth; agree: max |ours - elastix| "
      "over the same "
      "points. MiB: the child's peak resident set.\n");
  for (const auto& r : rows)
    if (!r.truthNote.empty()) std::printf("%s\n", r.truthNote.c_str());
}

void printJson(const std::vector<Row>& rows) {
  std::printf("[\n");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const auto num = [](double v) {
      return std::isfinite(v) ? fmt(v, "%.6g") : std::string("null");
    };
    const auto tre = [&](const std::optional<registration::Tre>& t) {
      return t ? "{\"mean\": " + num(t->mean) + ", \"max\": " + num(t->max) + "}"
               : std::string("null");
    };
    std::printf(
        "  {\"pair\": \"%s\", \"method\": \"%s\", \"oursWallS\": %s, \"oursRegisterS\": %s, "
        "\"elastixWallS\": %s, \"ratio\": %s, \"treOurs\": %s, \"treElastix\": %s, "
        "\"agreementMaxMm\": %s, "
        "\"voxelMm\": %s, \"oursPeakMiB\": %s, \"elastixPeakMiB\": %s, \"oursMetric\": %s, "
        "\"elastixMetric\": %s}%s\n",
        r.pair.c_str(), r.method.c_str(), num(r.oursWall).c_str(), num(r.oursReg).c_str(),
        num(r.elastixWall).c_str(), num(r.elastixWall / r.oursWall).c_str(), tre(r.treOurs).c_str(),
        tre(r.treElastix).c_str(), num(r.agreementMax).c_str(), num(r.voxel).c_str(),
        num(r.oursPeak).c_str(), num(r.elastixPeak).c_str(), num(r.oursMetric).c_str(),
        num(r.elastixMetric).c_str(), i + 1 < rows.size() ? "," : "");
  }
  std::printf("]\n");
}

std::vector<std::string> splitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

int intOption(const Args& args, const std::string& name, int fallback, int lo, int hi) {
  const auto v = args.value(name);
  if (!v) return fallback;
  char* end = nullptr;
  const long n = std::strtol(v->c_str(), &end, 10);
  if (v->empty() || !end || *end || n < lo || n > hi)
    throw core::Error(name + " wants a whole number " + std::to_string(lo) + ".." +
                      std::to_string(hi) + ", not " + *v);
  return static_cast<int>(n);
}

int runBench(const std::vector<std::string>& argv) {
  const Args args(argv,
                  {"--child-run", "--method", "--threads", "--transform-out", "--repeat", "--pairs",
                   "--data", "--elastix-iterations", "--landmarks"},
                  {"--json"});
  const int threads = intOption(args, "--threads", 0, 0, 256);
  if (const auto fixed = args.value("--child-run")) {
    args.expectPositional(1, "the moving image file after --child-run FIXED");
    return childRun(*fixed, args.positional()[0],
                    registration::methodFromName(args.value("--method").value_or("rigid")), threads,
                    args.value("--transform-out").value_or(""));
  }
  args.expectPositional(0, "no positional arguments");
  const int repeat = intOption(args, "--repeat", 1, 1, 20);
  const int elastixIterations = intOption(args, "--elastix-iterations", 0, 0, 10000);
  const fs::path data = args.value("--data").value_or(FW_DEFAULT_SHARED_DATA);
  const auto pairs = splitList(args.value("--pairs").value_or("phantom,porcine,studyforrest"));
  const std::vector<std::string> known{"phantom", "porcine", "studyforrest", "colin27", "bspline"};
  for (const auto& p : pairs)
    if (std::find(known.begin(), known.end(), p) == known.end())
      throw core::Error("unknown pair '" + p +
                        "' (choose from phantom, porcine, studyforrest, colin27, bspline)");
  if (findProgram("elastix").empty())
    throw core::Error("elastix is not installed (not found on PATH; Debian: apt install elastix)");

  char selfPath[4096];
  const ssize_t n = readlink("/proc/self/exe", selfPath, sizeof selfPath - 1);
  if (n <= 0) throw core::Error("cannot find this program's own path (/proc/self/exe)");
  const std::string self(selfPath, static_cast<std::size_t>(n));

  TempDir tmp("register");
  std::vector<Row> rows;
  for (const auto& name : pairs) {
    std::optional<bench::RegistrationPair> pair;
    try {
      if (name == "phantom") {
        pair = bench::phantomPair();
      } else if (name == "porcine") {
        // The landmark truth of the source tree (tests/registration/data), or --landmarks.
        fs::path landmarks = args.value("--landmarks").value_or("");
        if (landmarks.empty()) {
          const fs::path inTree =
              fs::path(FW_SOURCE_DIR) / "tests" / "registration" / "data" / "porcine-landmarks.json";
          if (fs::exists(inTree)) landmarks = inTree;
          else
            std::fprintf(stderr, "porcine: no landmark truth (%s not found; --landmarks FILE)\n",
                         inTree.string().c_str());
        } else if (!fs::exists(landmarks)) {
          throw core::Error("--landmarks: " + landmarks.string() + " does not exist");
        }
        pair = bench::porcinePair(data, tmp.path / "dicom", landmarks);
      } else if (name == "studyforrest") {
        const fs::path archive = data / "mr_t1_studyforrest" / "t1w_384sl_0p67mm.tar.xz";
        bench::extractArchive(archive, tmp.path / "dicom" / "studyforrest");
        pair = bench::movedPair("studyforrest moved",
                                bench::loadLargestSeries(tmp.path / "dicom" / "studyforrest"),
                                {8, -10, 12}, {12, -18, 25});
      } else if (name == "bspline") {
        // A real T1 (colin27) when the shared data is there, else the phantom's T1.
        const fs::path colin = data / "nifti_colin27" / "ch2.nii.gz";
        pair = fs::exists(colin) ? bench::deformedPair("colin27 deformed", io::readImageFile(colin))
                                 : bench::deformedPair("phantom T1 deformed", phantom::makeT1());
      } else {
        pair = bench::movedPair("colin27 moved",
                                io::readImageFile(data / "nifti_colin27" / "ch2.nii.gz"),
                                {8, -10, 12}, {12, -18, 25});
      }
    } catch (core::Error& e) {
      if (name == "phantom") throw;
      std::fprintf(stderr, "skipping %s: %s\n", name.c_str(), e.what());
      continue;
    }
    rows.push_back(benchPair(*pair, name == "bspline" ? Method::BSpline : Method::Rigid, repeat,
                             threads, elastixIterations, self, tmp.path / name));
    std::error_code ec;
    fs::remove_all(tmp.path / "dicom", ec);
    if (!args.flag("--json")) {
      printTable({rows.back()});
      std::fflush(stdout);
    }
  }
  if (args.flag("--json"))
    printJson(rows);
  else if (rows.size() > 1) {
    std::printf("\nAll pairs:\n");
    printTable(rows);
  }
  return 0;
}

}  // namespace

const Command kBenchRegisterCommand{
    "bench-register", "time, accuracy and memory of our registration next to elastix",
    "Usage: fusion-cli bench-register [--pairs LIST] [--repeat N] [--threads N] [--data DIR]\n"
    "                                 [--elastix-iterations N] [--landmarks FILE] [--json]\n\n"
    "For each pair, rigid registration by our engine and by elastix 5 with comparable settings\n"
    "(Euler transform, Mattes MI with the same histogram bins, the same random samples per\n"
    "iteration, resolutions, iterations and seed; adaptive stochastic gradient descent), each run\n"
    "in a fresh child process reading the same two .mha files: wall times (median of N runs), "
    "their\n"
    "ratio, the TRE of both against the known truth (mean/max over 500 body points) or, without a\n"
    "truth, the largest difference between the two transforms, and both peak resident memories.\n\n"
    "Pairs (default phantom,porcine,studyforrest; a pair whose data is missing is skipped):\n"
    "  phantom       the sample phantom's T1 (fixed) and CT (moving), known rigid offset\n"
    "  porcine       ctmr_mridir_porcine: T2 MR (fixed) and CT (moving); TRE over the 12\n"
    "                landmark pairs of tests/registration/data/porcine-landmarks.json\n"
    "  studyforrest  mr_t1_studyforrest T1 and a copy moved by a known rigid transform\n"
    "  colin27       nifti_colin27 T1 and a copy moved by a known rigid transform\n"
    "  bspline       nifti_colin27 T1 deformed by a known smooth field (three bumps of 3.5-4.9\n"
    "                mm): rigid, affine, then B-spline (20 mm grid) in both tools; the phantom's\n"
    "                T1 when the shared data is missing\n\n"
    "Options:\n"
    "  --repeat N              runs per measurement (default 1)\n"
    "  --threads N             threads for both tools (default 0: all cores)\n"
    "  --data DIR              the shared data folder\n"
    "  --elastix-iterations N  elastix's iterations per level (default: ours, 100)\n"
    "  --landmarks FILE        the porcine landmark truth (default: the source tree's)\n"
    "  --json                  print the rows as JSON instead of a table",
    runBench};

}  // namespace fw::cli
