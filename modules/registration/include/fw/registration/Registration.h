#pragma once
// Registration of a moving volume onto a fixed one (CT to MR, MR to MR, CT to CT), ITK v4
// underneath, plain types on top (ITK templates stay in src/, few translation units).
// Speed by design, not ITK defaults: a pyramid built once by block averaging, a fixed number of
// random metric samples per iteration, a body mask that skips air, ITK's thread pool.
// Deterministic for a given seed and thread count.
#include <functional>
#include <string>
#include <vector>

#include "fw/core/Progress.h"
#include "fw/core/Volume.h"
#include "fw/registration/Transform.h"

namespace fw::registration {

enum class Method { Rigid, Affine, BSpline, SyN };
const char* methodName(Method m);                 // "rigid", "affine", "bspline", "syn"
Method methodFromName(const std::string& name);   // throws core::Error naming the choices

enum class Initialiser {
  Identity,  // the worlds already agree (same DICOM frame of reference): start from identity
  Centres,   // align the centres of the two grids
  Moments,   // align the intensity centres of mass (body masks)
};

// The starting point a user expects: Identity when both volumes come from DICOM series that
// share a Frame of Reference UID (their worlds already agree), else Centres. `why` (optional)
// receives the reason in words. The CLI and the workstation both use this rule.
Initialiser defaultInitialiser(const core::Volume& fixed, const core::Volume& moving,
                               std::string* why = nullptr);

struct Settings {
  Method method = Method::Rigid;  // Affine runs rigid first; BSpline and SyN run rigid+affine first
  Initialiser initialiser = Initialiser::Centres;
  int levels = 3;           // pyramid levels, coarsest first
  int iterations = 100;     // maximum optimiser iterations per level (linear stages)
  int samples = 3000;       // metric samples per iteration (0 = every voxel of the level)
  int histogramBins = 32;   // Mattes mutual information
  unsigned seed = 1;        // sampling seed: same seed, same result
  bool autoMask = true;     // skip air: threshold-based body masks when no mask is given
  core::VolumePtr fixedMask;   // optional: voxels != 0 take part (on any grid; world-sampled)
  core::VolumePtr movingMask;
  double bsplineGridSpacingMm = 40.0;  // control point spacing at the finest level
  double regularisation = 1.0;         // deformable smoothness; 0 = none, larger = smoother
  int deformableIterations = 50;       // per level, deformable stage
  // When set, registration starts here (the initialiser and the stages it replaces are skipped:
  // for Affine/BSpline/SyN the given transform stands for the rigid or rigid+affine result).
  std::optional<Transform> initial;
  int threads = 0;          // 0 = all cores
};

// One optimiser step, for progress displays and logs (called on the registration thread).
struct IterationReport {
  std::string stage;  // "rigid", "affine", "bspline", "syn"
  int level = 0;      // 0-based, coarsest first
  int levels = 0;
  int iteration = 0;  // within the level
  double metric = 0;  // the optimiser's value (negative MI: lower is better)
};
using IterationCallback = std::function<void(const IterationReport&)>;

struct Result {
  Transform transform;       // fixed world -> moving world
  double finalMetric = 0;    // Mattes MI at the finest level, on the final transform
  int iterations = 0;        // over all stages and levels
  double seconds = 0;
  std::vector<std::string> log;  // one line per stage/level: iterations, metric, stop reason
};

// Registers `moving` onto `fixed`. Reports progress (0..1 over all stages) and throws
// core::Cancelled when progress.report() returns false; throws core::Error for bad input
// (empty volume, masks that leave no samples) with the volumes' names.
Result registerVolumes(const core::Volume& fixed, const core::Volume& moving,
                       const Settings& settings,
                       core::ProgressSink& progress = core::NullProgress::instance(),
                       const IterationCallback& onIteration = {});

}  // namespace fw::registration
