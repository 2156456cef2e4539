#pragma once
// A driver for elastix 5 and transformix (the Debian peer tools), for the cross-check test and
// `fusion-cli bench-register`; not part of the library. It writes the two volumes as MetaImage,
// writes parameter files with settings comparable to ours (registration::Settings: same
// transform stages, Mattes MI with the same histogram bins, random samples per iteration,
// resolutions, iterations, seed; adaptive stochastic gradient descent), runs
// `elastix -f -m -p ... -out` in a child process with a timeout, and reads the result back as
// our Transform (fixed world -> moving world, LPS mm: elastix's convention is ours).
#include <filesystem>
#include <string>
#include <vector>

#include "fw/core/Geometry.h"
#include "fw/core/Volume.h"
#include "fw/registration/Registration.h"
#include "fw/registration/Transform.h"

namespace fw::cli::elastix {

struct Settings {
  registration::Method method =
      registration::Method::Rigid;  // Rigid: Euler; Affine: Euler then
                                    // affine; BSpline: Euler, affine, B-spline
  int levels = 3;
  int iterations = 100;  // per level, linear stages
  int samples = 3000;    // NumberOfSpatialSamples, new every iteration
  int histogramBins = 32;
  unsigned seed = 1;
  double bsplineGridSpacingMm = 40.0;
  int deformableIterations = 50;  // per level, B-spline stage
  int threads = 0;                // 0: elastix's default (all cores)
  double timeoutS = 900;          // elastix is killed after this and an error thrown

  // The same choices as our engine's settings.
  static Settings comparableTo(const registration::Settings& ours);
};

// The text of one elastix parameter file for a stage ("EulerTransform", "AffineTransform",
// "BSplineTransform").
std::string parameterFileText(const std::string& elastixTransform, const Settings& settings);

struct ProcessResult {
  int exitCode = -1;  // -1: killed by a signal (or timed out)
  bool timedOut = false;
  double wallS = 0;
  double maxRssMiB = 0;  // the child's peak resident set (wait4)
  double userS = 0, systemS = 0;
};

// Runs argv (argv[0] searched on PATH) with stdout and stderr into `logFile`; kills the whole
// process group after `timeoutS`. Throws core::Error when it cannot be started at all.
ProcessResult runProcess(const std::vector<std::string>& argv, const std::filesystem::path& logFile,
                         double timeoutS);

// One command line as the user would type it, for messages.
std::string commandLine(const std::vector<std::string>& argv);

struct Result {
  registration::Transform transform;  // fixed world -> moving world
  ProcessResult process;              // elastix's wall time, peak memory
  double finalMetric = 0;             // elastix's last "Final metric value"
  std::filesystem::path outDir;
  std::filesystem::path lastTransformParameters;  // TransformParameters.N.txt of the last stage
  double transformixMaxRssMiB = 0;
  double transformixWallS = 0;  // B-spline only: the deformation field by transformix
};

// Registers moving onto fixed with elastix from files (.mha, .nii...). Works in `workDir`
// (created; its parameter files, log and output stay there). Throws core::Error naming the
// command when elastix is missing, fails, or times out.
Result registerFiles(const std::filesystem::path& fixedFile,
                     const std::filesystem::path& movingFile, const Settings& settings,
                     const std::filesystem::path& workDir);
// The same from volumes: writes workDir/fixed.mha and workDir/moving.mha first.
Result registerVolumes(const core::Volume& fixed, const core::Volume& moving,
                       const Settings& settings, const std::filesystem::path& workDir);

// Reads an elastix TransformParameters file (and the chain of InitialTransformParametersFileName
// files it names, combined by composition) as our Transform. Supports EulerTransform,
// AffineTransform, TranslationTransform and SimilarityTransform; a BSplineTransform stage throws
// (use deformationField()). Throws core::Error naming the file.
registration::Transform readTransformParameters(const std::filesystem::path& file);

// The whole chain of a TransformParameters file as a displacement field on its fixed grid, by
// `transformix -def all`. Throws core::Error naming the command on failure.
registration::Transform deformationField(const std::filesystem::path& transformParameters,
                                         const std::filesystem::path& workDir, double timeoutS,
                                         ProcessResult* run = nullptr);

// The largest |a(p) - b(p)| over the points (mm).
double maxDifference(const registration::Transform& a, const registration::Transform& b,
                     const std::vector<core::Vec3>& points);

}  // namespace fw::cli::elastix
