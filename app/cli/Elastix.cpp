#include "Elastix.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include <itkImageFileReader.h>
#include <itkVector.h>

#include "Command.h"
#include "fw/core/Error.h"
#include "fw/io/ImageFile.h"

namespace fw::cli::elastix {

namespace fs = std::filesystem;
using core::Error;
using core::Mat3;
using core::Vec3;
using registration::Affine;
using registration::Transform;
using Clock = std::chrono::steady_clock;

Settings Settings::comparableTo(const registration::Settings& ours) {
  Settings s;
  s.method = ours.method;
  s.levels = ours.levels;
  s.iterations = ours.iterations;
  s.samples = ours.samples;
  s.histogramBins = ours.histogramBins;
  s.seed = ours.seed;
  s.bsplineGridSpacingMm = ours.bsplineGridSpacingMm;
  s.deformableIterations = ours.deformableIterations;
  s.threads = ours.threads;
  return s;
}

std::string parameterFileText(const std::string& elastixTransform, const Settings& s) {
  const bool first = elastixTransform == "EulerTransform";
  const bool bspline = elastixTransform == "BSplineTransform";
  if (s.levels < 1 || s.iterations < 1 || s.histogramBins < 4)
    throw Error("elastix parameters: levels, iterations and histogram bins must be positive");
  std::ostringstream o;
  o << "// Written by fusion-workstation's elastix driver: settings comparable to our engine's.\n"
    << "(FixedInternalImagePixelType \"float\")\n(MovingInternalImagePixelType \"float\")\n"
    << "(FixedImageDimension 3)\n(MovingImageDimension 3)\n"
    << "(UseDirectionCosines \"true\")\n"
    << "(Registration \"MultiResolutionRegistration\")\n"
    << "(FixedImagePyramid \"FixedSmoothingImagePyramid\")\n"
    << "(MovingImagePyramid \"MovingSmoothingImagePyramid\")\n"
    << "(NumberOfResolutions " << s.levels << ")\n"
    << "(Interpolator \"LinearInterpolator\")\n"
    << "(ResampleInterpolator \"FinalBSplineInterpolator\")\n(FinalBSplineInterpolationOrder 1)\n"
    << "(Resampler \"DefaultResampler\")\n"
    << "(Metric \"AdvancedMattesMutualInformation\")\n"
    << "(NumberOfHistogramBins " << s.histogramBins << ")\n"
    << "(ImageSampler \"RandomCoordinate\")\n"
    << "(NumberOfSpatialSamples " << s.samples << ")\n"
    << "(NewSamplesEveryIteration \"true\")\n"
    << "(RandomSeed " << s.seed << ")\n"
    << "(Optimizer \"AdaptiveStochasticGradientDescent\")\n"
    << "(AutomaticParameterEstimation \"true\")\n"
    << "(MaximumNumberOfIterations " << (bspline ? s.deformableIterations : s.iterations) << ")\n"
    << "(Transform \"" << elastixTransform << "\")\n"
    << "(HowToCombineTransforms \"Compose\")\n";
  if (!bspline) o << "(AutomaticScalesEstimation \"true\")\n";
  // The first stage starts from the grid centres aligned, as our Initialiser::Centres.
  o << "(AutomaticTransformInitialization \"" << (first ? "true" : "false") << "\")\n";
  if (first) o << "(AutomaticTransformInitializationMethod \"GeometricalCenter\")\n";
  if (bspline) {
    o << "(FinalGridSpacingInPhysicalUnits " << s.bsplineGridSpacingMm << ")\n"
      << "(BSplineTransformSplineOrder 3)\n";
  }
  o << "(WriteResultImage \"false\")\n(ResultImageFormat \"mha\")\n(ResultImagePixelType "
       "\"float\")\n"
    << "(DefaultPixelValue 0)\n"
    << "(WriteTransformParametersEachIteration \"false\")\n"
    << "(WriteTransformParametersEachResolution \"false\")\n";
  return o.str();
}

std::string commandLine(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    s += a.find(' ') == std::string::npos ? a : "'" + a + "'";
  }
  return s;
}

ProcessResult runProcess(const std::vector<std::string>& argv, const fs::path& logFile,
                         double timeoutS) {
  if (argv.empty()) throw Error("runProcess: no command");
  const std::string program = findProgram(argv[0]);
  if (program.empty())
    throw Error(argv[0] + " is not installed (not found on PATH); command: " + commandLine(argv));
  const auto start = Clock::now();
  const pid_t pid = fork();
  if (pid < 0) throw Error("cannot start " + commandLine(argv) + ": " + std::strerror(errno));
  if (pid == 0) {
    setpgid(0, 0);  // its own process group, so a timeout kills its threads and children too
    const int log = open(logFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int devNull = open("/dev/null", O_RDONLY);
    if (devNull >= 0) dup2(devNull, 0);
    if (log >= 0) {
      dup2(log, 1);
      dup2(log, 2);
    }
    std::vector<char*> args;
    args.push_back(const_cast<char*>(program.c_str()));
    for (std::size_t i = 1; i < argv.size(); ++i)
      args.push_back(const_cast<char*>(argv[i].c_str()));
    args.push_back(nullptr);
    execv(program.c_str(), args.data());
    _exit(127);
  }
  ProcessResult r;
  int status = 0;
  struct rusage usage {};
  for (;;) {
    const pid_t w = wait4(pid, &status, WNOHANG, &usage);
    if (w == pid) break;
    if (w < 0 && errno != EINTR)
      throw Error("waiting for " + commandLine(argv) + ": " + std::strerror(errno));
    if (!r.timedOut && std::chrono::duration<double>(Clock::now() - start).count() > timeoutS) {
      r.timedOut = true;
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  r.wallS = std::chrono::duration<double>(Clock::now() - start).count();
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.maxRssMiB = static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: kilobytes
  r.userS = static_cast<double>(usage.ru_utime.tv_sec) +
            1e-6 * static_cast<double>(usage.ru_utime.tv_usec);
  r.systemS = static_cast<double>(usage.ru_stime.tv_sec) +
              1e-6 * static_cast<double>(usage.ru_stime.tv_usec);
  return r;
}

namespace {

std::string readText(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot read " + file.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeText(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw Error("cannot write " + file.string());
}

// The lines of a log that say what went wrong (elastix prints "ERROR" and ITK's "Description:").
std::string logExcerpt(const fs::path& log) {
  std::string text;
  try {
    text = readText(log);
  } catch (const Error&) {
    return "(no log)";
  }
  std::istringstream in(text);
  std::string line, picked, last;
  std::vector<std::string> tail;
  while (std::getline(in, line)) {
    if (line.find("ERROR") != std::string::npos || line.find("rror:") != std::string::npos ||
        line.find("Description:") != std::string::npos)
      picked += (picked.empty() ? "" : " | ") + line;
    if (!line.empty()) tail.push_back(line);
  }
  if (picked.empty()) {
    for (std::size_t i = tail.size() > 3 ? tail.size() - 3 : 0; i < tail.size(); ++i)
      picked += (picked.empty() ? "" : " | ") + tail[i];
  }
  if (picked.size() > 600) picked = picked.substr(0, 600) + "...";
  return picked.empty() ? "(empty log)" : picked;
}

void checkRun(const std::vector<std::string>& argv, const ProcessResult& r, const fs::path& log,
              double timeoutS) {
  if (r.timedOut)
    throw Error(argv[0] + " did not finish within " + std::to_string(static_cast<int>(timeoutS)) +
                " s and was stopped; command: " + commandLine(argv));
  if (r.exitCode == 127)
    throw Error(argv[0] + " could not be run (exit 127); command: " + commandLine(argv));
  if (r.exitCode != 0)
    throw Error(argv[0] + " failed (exit " + std::to_string(r.exitCode) + "); command: " +
                commandLine(argv) + "; its log (" + log.string() + "): " + logExcerpt(log));
}

double finalMetric(const fs::path& log) {
  std::string text;
  try {
    text = readText(log);
  } catch (const Error&) {
    return std::nan("");
  }
  const auto p = text.rfind("Final metric value");
  if (p == std::string::npos) return std::nan("");
  const auto eq = text.find('=', p);
  return eq == std::string::npos ? std::nan("") : std::strtod(text.c_str() + eq + 1, nullptr);
}

// An elastix parameter file: (Name value value ...) per line, strings in double quotes.
using ParameterMap = std::map<std::string, std::vector<std::string>>;

ParameterMap parseParameters(const fs::path& file) {
  const std::string text = readText(file);
  ParameterMap map;
  std::size_t pos = 0;
  while ((pos = text.find('(', pos)) != std::string::npos) {
    // Skip "(" inside comments: a comment runs from "//" to the end of the line.
    const auto lineStart = text.rfind('\n', pos);
    const auto comment = text.find("//", lineStart == std::string::npos ? 0 : lineStart);
    if (comment != std::string::npos && comment < pos) {
      pos = text.find('\n', pos);
      if (pos == std::string::npos) break;
      continue;
    }
    const auto end = text.find(')', pos);
    if (end == std::string::npos)
      throw Error(file.string() + ": unterminated parameter at offset " + std::to_string(pos));
    std::vector<std::string> words;
    std::size_t i = pos + 1;
    while (i < end) {
      while (i < end && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
      if (i >= end) break;
      if (text[i] == '"') {
        const auto q = text.find('"', i + 1);
        if (q == std::string::npos || q > end) throw Error(file.string() + ": unterminated string");
        words.push_back(text.substr(i + 1, q - i - 1));
        i = q + 1;
      } else {
        const auto b = i;
        while (i < end && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        words.push_back(text.substr(b, i - b));
      }
    }
    if (!words.empty())
      map[words.front()] = std::vector<std::string>(words.begin() + 1, words.end());
    pos = end + 1;
  }
  return map;
}

std::vector<double> numbers(const ParameterMap& map, const std::string& key, std::size_t count,
                            const fs::path& file) {
  const auto it = map.find(key);
  if (it == map.end()) throw Error(file.string() + ": no " + key);
  if (it->second.size() != count)
    throw Error(file.string() + ": " + key + " has " + std::to_string(it->second.size()) +
                " values, " + std::to_string(count) + " expected");
  std::vector<double> v;
  for (const auto& w : it->second) {
    char* e = nullptr;
    const double d = std::strtod(w.c_str(), &e);
    if (!e || *e || !std::isfinite(d))
      throw Error(file.string() + ": " + key + " value '" + w + "' is not a number");
    v.push_back(d);
  }
  return v;
}

std::string word(const ParameterMap& map, const std::string& key, const std::string& fallback) {
  const auto it = map.find(key);
  return it == map.end() || it->second.empty() ? fallback : it->second.front();
}

// ITK's Euler3DTransform matrix (elastix's EulerTransform): Rz*Rx*Ry, or Rz*Ry*Rx with ComputeZYX.
Mat3 eulerMatrix(double ax, double ay, double az, bool zyx) {
  const Mat3 rx = Mat3::rotation({1, 0, 0}, ax), ry = Mat3::rotation({0, 1, 0}, ay),
             rz = Mat3::rotation({0, 0, 1}, az);
  return zyx ? rz * ry * rx : rz * rx * ry;
}

// y = M (x - c) + c + t.
Affine centred(const Mat3& m, const Vec3& t, const Vec3& c) {
  Affine a;
  a.matrix = m;
  a.translation = c - m * c + t;
  return a;
}

Transform readOne(const fs::path& file, int depth) {
  if (depth > 32)
    throw Error(file.string() + ": the chain of initial transforms is too long (a loop?)");
  const ParameterMap p = parseParameters(file);
  Transform initial;
  const std::string init = word(p, "InitialTransformParametersFileName", "NoInitialTransform");
  if (init != "NoInitialTransform") {
    fs::path initFile = init;
    if (initFile.is_relative()) initFile = file.parent_path() / initFile;
    try {
      initial = readOne(initFile, depth + 1);
    } catch (Error& e) {
      throw e.addContext("reading the initial transform of " + file.string());
    }
    const std::string how = word(p, "HowToCombineTransforms", "Compose");
    if (how != "Compose")
      throw Error(file.string() + ": HowToCombineTransforms \"" + how +
                  "\" is not supported (only Compose)");
  }
  const std::string kind = word(p, "Transform", "");
  if (numbers(p, "FixedImageDimension", 1, file)[0] != 3 ||
      numbers(p, "MovingImageDimension", 1, file)[0] != 3)
    throw Error(file.string() + ": not a 3D transform");
  Affine a;
  if (kind == "TranslationTransform") {
    const auto t = numbers(p, "TransformParameters", 3, file);
    a.translation = {t[0], t[1], t[2]};
  } else if (kind == "EulerTransform") {
    const auto t = numbers(p, "TransformParameters", 6, file);
    const auto c = numbers(p, "CenterOfRotationPoint", 3, file);
    a = centred(eulerMatrix(t[0], t[1], t[2], word(p, "ComputeZYX", "false") == "true"),
                {t[3], t[4], t[5]}, {c[0], c[1], c[2]});
  } else if (kind == "AffineTransform") {
    const auto t = numbers(p, "TransformParameters", 12, file);
    const auto c = numbers(p, "CenterOfRotationPoint", 3, file);
    Mat3 m;
    for (int r = 0; r < 3; ++r)
      for (int k = 0; k < 3; ++k) m(r, k) = t[static_cast<std::size_t>(r * 3 + k)];
    a = centred(m, {t[9], t[10], t[11]}, {c[0], c[1], c[2]});
  } else if (kind == "SimilarityTransform") {
    // Versor (3) + translation (3) + scale: ITK's Similarity3DTransform.
    const auto t = numbers(p, "TransformParameters", 7, file);
    const auto c = numbers(p, "CenterOfRotationPoint", 3, file);
    const Vec3 v{t[0], t[1], t[2]};
    const double n = core::norm(v);
    const double angle = 2.0 * std::asin(std::min(1.0, n));
    Mat3 m = n > 0 ? Mat3::rotation(v / n, angle) : Mat3::identity();
    for (int r = 0; r < 3; ++r)
      for (int k = 0; k < 3; ++k) m(r, k) *= t[6];
    a = centred(m, {t[3], t[4], t[5]}, {c[0], c[1], c[2]});
  } else if (kind == "BSplineTransform" || kind == "RecursiveBSplineTransform") {
    throw Error(file.string() +
                ": a B-spline transform is read as a deformation field (transformix -def all)");
  } else {
    throw Error(file.string() + ": transform \"" + kind + "\" is not supported");
  }
  // Elastix's composition: the initial transform maps the fixed point first.
  return initial.then(Transform(a));
}

}  // namespace

Transform readTransformParameters(const fs::path& file) {
  try {
    return readOne(file, 0);
  } catch (Error& e) {
    throw e.addContext("reading the elastix transform " + file.string());
  }
}

Transform deformationField(const fs::path& transformParameters, const fs::path& workDir,
                           double timeoutS, ProcessResult* run) {
  fs::create_directories(workDir);
  const std::vector<std::string> argv{
      "transformix", "-def", "all", "-out", workDir.string(), "-tp", transformParameters.string()};
  const fs::path log = workDir / "transformix.stdout.txt";
  const auto r = runProcess(argv, log, timeoutS);
  checkRun(argv, r, log, timeoutS);
  if (run) *run = r;
  fs::path file;
  for (const char* ext : {".mha", ".mhd", ".nii.gz", ".nii"})
    if (fs::exists(workDir / (std::string("deformationField") + ext))) {
      file = workDir / (std::string("deformationField") + ext);
      break;
    }
  if (file.empty())
    throw Error("transformix wrote no deformationField file into " + workDir.string() +
                "; command: " + commandLine(argv));
  io::registerImageIOFactories();
  using FieldImage = itk::Image<itk::Vector<float, 3>, 3>;
  auto reader = itk::ImageFileReader<FieldImage>::New();
  reader->SetFileName(file.string());
  try {
    reader->Update();
  } catch (const itk::ExceptionObject& e) {
    throw Error("cannot read transformix's deformation field " + file.string() + ": " +
                e.GetDescription());
  }
  const FieldImage* img = reader->GetOutput();
  const core::ImageGeometry grid = core::geometryOf(*img);
  std::vector<float> xyz(3 * grid.voxelCount());
  const auto* src = img->GetBufferPointer();
  for (std::size_t i = 0; i < grid.voxelCount(); ++i)
    for (unsigned c = 0; c < 3; ++c) xyz[3 * i + c] = src[i][c];
  return Transform(std::make_shared<const registration::DisplacementField>(grid, std::move(xyz)));
}

Result registerFiles(const fs::path& fixedFile, const fs::path& movingFile,
                     const Settings& settings, const fs::path& workDir) {
  if (findProgram("elastix").empty())
    throw Error("elastix is not installed (not found on PATH; Debian: apt install elastix)");
  const fs::path out = workDir / "out";
  fs::create_directories(out);
  std::vector<std::string> stages{"EulerTransform"};
  if (settings.method == registration::Method::Affine ||
      settings.method == registration::Method::BSpline)
    stages.push_back("AffineTransform");
  if (settings.method == registration::Method::BSpline) stages.push_back("BSplineTransform");
  if (settings.method == registration::Method::SyN)
    throw Error("elastix has no SyN stage to compare with");
  std::vector<std::string> argv{"elastix", "-f", fixedFile.string(), "-m", movingFile.string()};
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const fs::path pf = workDir / ("parameters." + std::to_string(i) + "." + stages[i] + ".txt");
    writeText(pf, parameterFileText(stages[i], settings));
    argv.push_back("-p");
    argv.push_back(pf.string());
  }
  argv.push_back("-out");
  argv.push_back(out.string());
  if (settings.threads > 0) {
    argv.push_back("-threads");
    argv.push_back(std::to_string(settings.threads));
  }
  const fs::path log = workDir / "elastix.stdout.txt";
  Result result;
  result.outDir = out;
  result.process = runProcess(argv, log, settings.timeoutS);
  checkRun(argv, result.process, fs::exists(out / "elastix.log") ? out / "elastix.log" : log,
           settings.timeoutS);
  result.finalMetric = finalMetric(out / "elastix.log");
  result.lastTransformParameters =
      out / ("TransformParameters." + std::to_string(stages.size() - 1) + ".txt");
  if (!fs::exists(result.lastTransformParameters))
    throw Error("elastix finished but wrote no " + result.lastTransformParameters.string() +
                "; command: " + commandLine(argv));
  if (settings.method == registration::Method::BSpline) {
    ProcessResult run;
    result.transform = deformationField(result.lastTransformParameters, workDir / "transformix",
                                        settings.timeoutS, &run);
    result.transformixWallS = run.wallS;
    result.transformixMaxRssMiB = run.maxRssMiB;
  } else {
    result.transform = readTransformParameters(result.lastTransformParameters);
  }
  return result;
}

Result registerVolumes(const core::Volume& fixed, const core::Volume& moving,
                       const Settings& settings, const fs::path& workDir) {
  fs::create_directories(workDir);
  const fs::path f = workDir / "fixed.mha", m = workDir / "moving.mha";
  io::writeImageFile(fixed, f);
  io::writeImageFile(moving, m);
  return registerFiles(f, m, settings, workDir);
}

double maxDifference(const Transform& a, const Transform& b, const std::vector<Vec3>& points) {
  double worst = 0;
  for (const auto& p : points) worst = std::max(worst, core::norm(a.apply(p) - b.apply(p)));
  return worst;
}

}  // namespace fw::cli::elastix
