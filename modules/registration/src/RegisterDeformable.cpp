// Deformable stage: entry point (input checks, float images, result assembly). The methods
// live in BSplineStage.cpp (our own sparse Mattes metric on a B-spline control grid) and
// DeformableSyN.cpp (ITK's SyN).
#include <algorithm>
#include <chrono>
#include <cmath>

#include <itkMacro.h>

#include "Deformable.h"
#include "DeformableStages.h"
#include "ItkImages.h"
#include "fw/core/Error.h"

namespace fw::registration::detail {

namespace {

using core::Vec3;

const char* stageName(Method m) { return m == Method::SyN ? "syn" : "bspline"; }

}  // namespace

core::ImageGeometry fieldGridFor(const core::ImageGeometry& fixed, double spacingMm) {
  std::array<std::size_t, 3> size{};
  Vec3 spacing;
  for (int a = 0; a < 3; ++a) {
    const double extent = fixed.spacing()[a] * static_cast<double>(fixed.size()[a] - 1);
    spacing[a] = std::max(spacingMm, fixed.spacing()[a]);
    size[a] = static_cast<std::size_t>(std::ceil(extent / spacing[a] - 1e-9)) + 1;
  }
  return core::ImageGeometry(size, spacing, fixed.origin(), fixed.direction());
}

Result registerDeformable(const core::Volume& fixed, const core::Volume& moving,
                          const Settings& settings, const Transform& linear,
                          core::ProgressSink& progress, const IterationCallback& onIteration) {
  const auto start = std::chrono::steady_clock::now();
  if (settings.method != Method::BSpline && settings.method != Method::SyN)
    throw core::Error("deformable registration: the method must be bspline or syn (rigid and "
                      "affine are linear stages)");
  auto label = [](const core::Volume& v, const char* role) {
    return std::string(role) + " volume" + (v.name().empty() ? "" : " '" + v.name() + "'");
  };
  for (const auto* v : {&fixed, &moving}) {
    const auto& n = v->geometry().size();
    if (n[0] < 4 || n[1] < 4 || n[2] < 4)
      throw core::Error("deformable registration: the " +
                        label(*v, v == &fixed ? "fixed" : "moving") + " has " +
                        std::to_string(n[0]) + "x" + std::to_string(n[1]) + "x" +
                        std::to_string(n[2]) + " voxels (at least 4 per axis needed)");
  }
  const auto affine = linear.asAffine();
  if (!affine)
    throw core::Error("deformable registration: the starting transform must be affine (the "
                      "rigid/affine result), not one with a displacement field");

  DeformableProblem pb;
  pb.fixed = toFloatImage(fixed);
  pb.moving = toFloatImage(moving);
  pb.fixedIsCt = isCtVolume(fixed);
  pb.fixedGeometry = fixed.geometry();
  pb.linear = *affine;
  pb.settings = &settings;
  pb.progress = &progress;
  pb.onIteration = &onIteration;
  pb.threads = settings.threads > 0 ? static_cast<unsigned>(settings.threads) : 0u;

  DeformableOutcome outcome;
  try {
    outcome = settings.method == Method::BSpline ? runBSpline(pb) : runSyN(pb);
  } catch (const core::Error&) {
    throw;  // Cancelled included
  } catch (const itk::ExceptionObject& e) {
    throw core::Error(std::string("ITK: ") + e.GetDescription())
        .addContext(std::string(stageName(settings.method)) + " registration of the " +
                    label(moving, "moving") + " onto the " + label(fixed, "fixed"));
  }
  progress.checkCancel(1.0, stageName(settings.method));

  Result r;
  r.transform = Transform(outcome.field).then(linear);
  r.finalMetric = outcome.finalMetric;
  r.iterations = outcome.iterations;
  r.log = std::move(outcome.log);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace fw::registration::detail
