// fusion-cli register: a moving volume onto a fixed one (rigid, affine, B-spline, SyN); writes
// the ITK transform file (fixed -> moving, LPS) and optionally the resampled moving volume.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "Command.h"
#include "Commands.h"
#include "fw/core/Error.h"
#include "fw/dicom/Scan.h"
#include "fw/dicom/SeriesReader.h"
#include "fw/io/ImageFile.h"
#include "fw/io/Nifti.h"
#include "fw/registration/Registration.h"
#include "fw/registration/Resample.h"
#include "fw/registration/TransformIO.h"

namespace fw::cli {
namespace {

namespace fs = std::filesystem;
using namespace fw::registration;

struct Input {
  core::VolumePtr volume;
  bool dicom = false;
};

// The volume numbered `volume` (1-based; 0: the first, with a warning when there are more).
// Masks have no volume option: they always take their first volume.
core::VolumePtr pickVolume(std::vector<core::VolumePtr> volumes, int volume, const char* role) {
  if (volumes.empty()) throw core::Error("no volume in it");
  const bool isMask = std::string(role).find("mask") != std::string::npos;
  if (volume > static_cast<int>(volumes.size()))
    throw core::Error("--" + std::string(role) + "-volume " + std::to_string(volume) + ": it has " +
                      std::to_string(volumes.size()) + " volume(s)");
  if (volume == 0 && volumes.size() > 1) {
    if (isMask)
      std::fprintf(stderr, "warning: the %s has %zu volumes; using the first\n", role, volumes.size());
    else
      std::fprintf(stderr, "warning: the %s image has %zu volumes; registering the first (choose one with --%s-volume N)\n",
                   role, volumes.size(), role);
  }
  return volumes[static_cast<std::size_t>(std::max(volume, 1) - 1)];
}

// An image file (NIfTI, NRRD, MetaImage) or a DICOM folder/file; `series` picks one series
// (number or UID) when there are several (the same rule as `convert --series`), `volume` one
// volume of a 4D series or file (1-based; 0: the first).
Input loadInput(const fs::path& path, const std::optional<std::string>& series, const char* role, int volume = 0) {
  try {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw core::Error("no such file or folder");
    Input in;
    if (!fs::is_directory(path, ec) && io::isImageFileName(path)) {
      ConsoleProgress progress(std::string("reading ") + role);
      in.volume = pickVolume(io::readImageVolumes(path, progress), volume, role);
      return in;
    }
    dicom::ScanResult scan;
    {
      ConsoleProgress progress(std::string("scanning ") + role);
      scan = dicom::scan(path, progress);
    }
    if (scan.series.empty()) throw core::Error("no image file and no DICOM image series here");
    std::vector<const dicom::SeriesEntry*> hits;
    for (const auto& s : scan.series) {
      if (!series) {
        hits.push_back(&s);
        continue;
      }
      if (seriesMatches(*series, s.identity.seriesNumber, s.identity.seriesInstanceUid, s.stackIndex))
        hits.push_back(&s);
    }
    std::string numbers;  // as --fixed-series/--moving-series take them: "5", or "5.2" for a stack
    for (const auto& s : scan.series)
      numbers += (numbers.empty() ? "" : ", ") + seriesLabel(s.identity.seriesNumber, s.stackIndex);
    if (hits.empty())
      throw core::Error("no series " + *series + " here (series numbers: " + numbers + ")");
    if (hits.size() > 1)
      throw core::Error(std::to_string(hits.size()) + " series here (numbers " + numbers +
                        "): choose one with --" + role + "-series NUMBER or UID");
    dicom::LoadedSeries loaded;
    {
      ConsoleProgress progress(std::string("loading ") + role);
      loaded = dicom::loadSeries(*hits.front(), progress);
    }
    if (loaded.volumes.empty()) throw core::Error("the series gave no volume");
    for (const auto& w : loaded.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    in.volume = pickVolume(std::move(loaded.volumes), volume, role);
    in.dicom = true;
    return in;
  } catch (core::Error& e) {
    throw e.addContext(std::string("reading the ") + role + " image " + path.string());
  }
}

int intOption(const Args& args, const std::string& name, int fallback, int lo, int hi) {
  const auto v = args.value(name);
  if (!v) return fallback;
  try {
    std::size_t used = 0;
    const long n = std::stol(*v, &used);
    if (used != v->size() || n < lo || n > hi) throw std::invalid_argument(*v);
    return static_cast<int>(n);
  } catch (const std::exception&) {
    throw core::Error(name + " wants a whole number from " + std::to_string(lo) + " to " +
                      std::to_string(hi) + " (got '" + *v + "')");
  }
}

bool endsWith(std::string s, const std::string& e) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s.size() > e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0;
}

void checkOutputFolder(const fs::path& p) {
  std::error_code ec;
  const fs::path folder = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  if (!fs::is_directory(folder, ec))
    throw core::Error("the output folder " + folder.string() + " does not exist");
  if (fs::is_directory(p, ec))
    throw core::Error("cannot write " + p.string() + ": a folder of that name exists");
}

int runRegister(const std::vector<std::string>& argv) {
  const Args args(argv,
                  {"--fixed", "--moving", "--transform", "-o", "--output", "--resampled",
                   "--fixed-mask", "--moving-mask", "--init", "--samples", "--levels", "--seed",
                   "--threads", "--iterations", "--fixed-series", "--moving-series", "--fixed-volume",
                   "--moving-volume"},
                  {});
  args.expectPositional(0, "no positional arguments (use --fixed and --moving)");
  const auto fixedPath = args.value("--fixed");
  const auto movingPath = args.value("--moving");
  if (!fixedPath) throw core::Error("missing option --fixed F (image file or DICOM folder)");
  if (!movingPath) throw core::Error("missing option --moving M (image file or DICOM folder)");
  auto out = args.value("-o");
  if (!out) out = args.value("--output");
  if (!out) throw core::Error("missing option -o OUT.tfm (or .h5)");
  const fs::path output = *out;
  if (!(endsWith(output.string(), ".tfm") || endsWith(output.string(), ".txt") ||
        endsWith(output.string(), ".h5")))
    throw core::Error("the transform file " + output.string() + " must end in .tfm, .txt or .h5");
  checkOutputFolder(output);
  std::optional<fs::path> resampled;
  if (const auto r = args.value("--resampled")) {
    resampled = *r;
    if (!io::isImageFileName(*resampled))
      throw core::Error("the resampled image " + resampled->string() +
                        " must be .nii, .nii.gz, .nrrd, .nhdr, .mha or .mhd");
    checkOutputFolder(*resampled);
  }

  Settings s;
  s.method = methodFromName(args.value("--transform").value_or("rigid"));
  s.samples = intOption(args, "--samples", s.samples, 0, 100000000);
  s.levels = intOption(args, "--levels", s.levels, 1, 6);
  s.seed = static_cast<unsigned>(intOption(args, "--seed", static_cast<int>(s.seed), 0, 2147483647));
  s.threads = intOption(args, "--threads", 0, 0, 1024);
  s.iterations = intOption(args, "--iterations", s.iterations, 1, 100000);

  const int fixedVolume = intOption(args, "--fixed-volume", 0, 1, 1000000);
  const int movingVolume = intOption(args, "--moving-volume", 0, 1, 1000000);
  const Input fixed = loadInput(*fixedPath, args.value("--fixed-series"), "fixed", fixedVolume);
  const Input moving = loadInput(*movingPath, args.value("--moving-series"), "moving", movingVolume);
  if (const auto m = args.value("--fixed-mask"))
    s.fixedMask = loadInput(*m, std::nullopt, "fixed-mask").volume;
  if (const auto m = args.value("--moving-mask"))
    s.movingMask = loadInput(*m, std::nullopt, "moving-mask").volume;

  // Default start: identity when both DICOM series share a frame of reference (same scanner
  // session: their worlds already agree), else the grid centres.
  std::string why;
  if (const auto init = args.value("--init")) {
    if (*init == "identity") s.initialiser = Initialiser::Identity;
    else if (*init == "centres" || *init == "centers") s.initialiser = Initialiser::Centres;
    else if (*init == "moments") s.initialiser = Initialiser::Moments;
    else throw core::Error("--init wants identity, centres or moments (got '" + *init + "')");
    why = "as asked";
  } else {
    s.initialiser = registration::defaultInitialiser(*fixed.volume, *moving.volume, &why);
  }
  const char* initName = s.initialiser == Initialiser::Identity ? "identity"
                         : s.initialiser == Initialiser::Centres ? "centres" : "moments";
  std::fprintf(stderr, "initialiser: %s (%s)\n", initName, why.c_str());

  int lastLevel = -1;
  std::string lastStage;
  auto onIteration = [&](const IterationReport& r) {
    if (r.stage != lastStage || r.level != lastLevel) {
      lastStage = r.stage;
      lastLevel = r.level;
      std::fprintf(stderr, "%s level %d/%d\n", r.stage.c_str(), r.level + 1, r.levels);
    }
    if (r.iteration % 10 == 0)
      std::fprintf(stderr, "  %s level %d/%d iteration %d metric %.5f\n", r.stage.c_str(),
                   r.level + 1, r.levels, r.iteration, r.metric);
  };
  Result result;
  {
    ConsoleProgress progress("registering");
    result = registerVolumes(*fixed.volume, *moving.volume, s, progress, onIteration);
  }
  for (const auto& line : result.log) std::fprintf(stderr, "%s\n", line.c_str());
  if (endsWith(output.string(), ".tfm") || endsWith(output.string(), ".txt")) {
    for (const auto& st : result.transform.stages())
      if (std::holds_alternative<std::shared_ptr<const DisplacementField>>(st))
        std::fprintf(stderr,
                     "warning: a displacement field in a text transform file is large and slow "
                     "to read; .h5 is better\n");
  }
  writeTransform(result.transform, output);
  if (resampled) {
    ConsoleProgress progress("resampling");
    const auto r = resample(*moving.volume, fixed.volume->geometry(), result.transform,
                            Interpolation::Linear, std::nullopt, progress);
    io::writeImageFile(*r, *resampled);
  }

  std::printf("method: %s\ninitialiser: %s\n", methodName(s.method), initName);
  if (const auto a = result.transform.asAffine()) {
    const core::Mat3& m = a->matrix;
    if (a->isRigid(1e-4)) {
      // Angles of R = Rz * Ry * Rx (degrees about the LPS axes), as Affine::rigid takes them.
      const double ry = std::asin(std::clamp(-m(2, 0), -1.0, 1.0));
      const double rx = std::atan2(m(2, 1), m(2, 2)), rz = std::atan2(m(1, 0), m(0, 0));
      std::printf("rotation (deg, Rz*Ry*Rx about LPS x,y,z): %.3f %.3f %.3f\n", rx * 180 / M_PI,
                  ry * 180 / M_PI, rz * 180 / M_PI);
    }
    std::printf("matrix (fixed -> moving, LPS):\n");
    for (int r = 0; r < 3; ++r)
      std::printf("  %10.6f %10.6f %10.6f   %10.4f\n", m(r, 0), m(r, 1), m(r, 2), a->translation[r]);
    // The same translation read two ways, labelled as the workstation's panel labels them:
    // about the world origin (the .tfm's; what ITK, ANTs and Slicer's file hold), and where the
    // fixed image's centre goes (what the panel calls the centre shift).
    const core::Vec3 centre = fixed.volume->geometry().center();
    const core::Vec3 shift = a->apply(centre) - centre;
    std::printf("translation (mm, LPS, about the origin, as in the .tfm): %.3f %.3f %.3f\n", a->translation.x,
                a->translation.y, a->translation.z);
    std::printf("centre shift (mm, LPS, where the fixed centre %.2f %.2f %.2f goes): %.3f %.3f %.3f\n", centre.x,
                centre.y, centre.z, shift.x, shift.y, shift.z);
    // 3D Slicer's Transforms module shows the inverse ("to parent", moving -> fixed) in RAS.
    const Affine inv = a->inverse();
    std::printf("translation as 3D Slicer shows it (moving -> fixed, RAS): %.3f %.3f %.3f\n", -inv.translation.x,
                -inv.translation.y, inv.translation.z);
  } else {
    std::printf("transform: %zu stages (with a displacement field)\n",
                result.transform.stages().size());
  }
  std::printf("final metric (negative Mattes MI): %.5f\niterations: %d\ntime: %.2f s\n",
              result.finalMetric, result.iterations, result.seconds);
  std::printf("transform file: %s\n", output.string().c_str());
  if (resampled) std::printf("resampled moving image: %s\n", resampled->string().c_str());
  return 0;
}

}  // namespace

const Command kRegisterCommand{
    "register", "register a moving image onto a fixed one (rigid, affine, bspline, syn)",
    "Usage: fusion-cli register --fixed F --moving M -o OUT.tfm|OUT.h5\n"
    "         [--transform rigid|affine|bspline|syn] [--resampled OUT.nii.gz]\n"
    "         [--fixed-mask MASK] [--moving-mask MASK] [--init identity|centres|moments]\n"
    "         [--samples N] [--levels N] [--iterations N] [--seed N] [--threads N]\n"
    "         [--fixed-series N|UID] [--moving-series N|UID]\n"
    "         [--fixed-volume N] [--moving-volume N]\n\n"
    "F and M are image files (NIfTI, NRRD, MetaImage) or DICOM folders/files; when a folder\n"
    "holds several series, pick one with --fixed-series / --moving-series (number or UID).\n\n"
    "Options:\n"
    "  --transform T     rigid (default), affine (rigid first), bspline or syn (rigid+affine first)\n"
    "  -o, --output OUT  the ITK transform file: fixed -> moving point mapping in LPS mm, as ITK,\n"
    "                    ANTs and 3D Slicer (\"from parent\") read it; .tfm/.txt text or .h5\n"
    "  --resampled OUT   also write the moving image resampled onto the fixed grid (linear)\n"
    "  --moving-volume N the volume of a 4D moving series or file to register (1-based; default\n"
    "                    the first), e.g. the b = 0 volume of a DWI or one BOLD volume\n"
    "  --fixed-volume N  the same for a 4D fixed series or file\n"
    "  --fixed-mask M    only fixed voxels where M != 0 take part (M on any grid)\n"
    "  --moving-mask M   only moving voxels where M != 0 take part\n"
    "  --init I          identity, centres (grid centres) or moments (body centroids); default:\n"
    "                    identity when both are DICOM series with the same frame of reference,\n"
    "                    else centres\n"
    "  --samples N       metric samples per iteration (default 3000; 0 = every voxel)\n"
    "  --levels N        pyramid levels (default 3: ~4 mm, ~2 mm, full resolution)\n"
    "  --iterations N    maximum iterations per level (default 100)\n"
    "  --seed N          sampling seed (default 1): same seed, same result\n"
    "  --threads N       threads (default: all cores)\n\n"
    "Progress goes to stderr (stage, level, iteration, metric); the summary to stdout (rotation\n"
    "in degrees; the translation in mm both about the origin, as in the .tfm, and as the shift of\n"
    "the fixed image's centre, as the workstation's panel shows it; final metric, time). Files\n"
    "are written to a temporary name and renamed. Exit code 0 on success, 1 on an error.",
    runRegister};

}  // namespace fw::cli
