// Deformable stage: entry point (input checks, float images, result assembly) and the B-spline
// method (ITK v4 metric + LBFGSB on itk::BSplineTransform, coarse-to-fine control grid, own
// image pyramid and own random samples, a bending-energy regulariser). SyN lives in
// DeformableSyN.cpp.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <sstream>

#include <itkBSplineTransform.h>
#include <itkBSplineTransformParametersAdaptor.h>
#include <itkCommand.h>
#include <itkCompositeTransform.h>
#include <itkLBFGSBOptimizerv4.h>
#include <itkMattesMutualInformationImageToImageMetricv4.h>
#include <itkMultiThreaderBase.h>

#include "Deformable.h"
#include "DeformableStages.h"
#include "ItkImages.h"
#include "fw/core/Error.h"

namespace fw::registration::detail {

namespace {

using core::Vec3;

const char* stageName(Method m) { return m == Method::SyN ? "syn" : "bspline"; }
using Image = FloatImage;
using BSpline = itk::BSplineTransform<double, 3, 3>;
using Composite = itk::CompositeTransform<double, 3>;
using MattesBase = itk::MattesMutualInformationImageToImageMetricv4<Image, Image>;

// Mattes MI plus `regularisation` times a discrete bending energy of the B-spline coefficients
// c (mm): the mean over control points of sum_ab (D_ab c)^2 * h^2 / (h_a h_b)^2, where D_aa are
// second differences along axis a, D_ab (a != b) mixed differences (counted twice, as in the
// continuous bending energy), h_a the control spacing and h^2 the mean squared spacing. The
// value is dimensionless (change of strain per control cell), so one setting means the same at
// every level and grid spacing. 0 = plain Mattes.
class RegularisedMattes : public MattesBase {
 public:
  ITK_DISALLOW_COPY_AND_MOVE(RegularisedMattes);
  using Self = RegularisedMattes;
  using Superclass = MattesBase;
  using Pointer = itk::SmartPointer<Self>;
  using ConstPointer = itk::SmartPointer<const Self>;
  itkNewMacro(Self)
  itkTypeMacro(RegularisedMattes, MattesMutualInformationImageToImageMetricv4);

  void setBendingWeight(double w) { m_weight = w; }
  void setGrid(std::array<std::size_t, 3> size, std::array<double, 3> spacing) {
    m_size = size;
    m_spacing = spacing;
  }

  MeasureType GetValue() const override {
    return Superclass::GetValue() + bending(nullptr);
  }
  void GetValueAndDerivative(MeasureType& value, DerivativeType& derivative) const override {
    Superclass::GetValueAndDerivative(value, derivative);
    value += bending(&derivative);
  }
  // The Mattes term alone (for reports).
  MeasureType mattesValue() const { return Superclass::GetValue(); }

 protected:
  RegularisedMattes() = default;
  ~RegularisedMattes() override = default;

 private:
  // Adds the penalty's negative gradient to `derivative` (ITK v4 metrics return the direction
  // that lowers the value) and returns the penalty.
  double bending(DerivativeType* derivative) const {
    if (m_weight <= 0) return 0.0;
    const auto& params = this->GetParameters();
    const std::size_t nx = m_size[0], ny = m_size[1], nz = m_size[2];
    const std::size_t n = nx * ny * nz;
    if (params.GetSize() != 3 * n) return 0.0;
    const double h2 = (m_spacing[0] * m_spacing[0] + m_spacing[1] * m_spacing[1] +
                       m_spacing[2] * m_spacing[2]) / 3.0;
    const double scale = m_weight / static_cast<double>(n);
    double energy = 0;
    auto at = [&](std::size_t i, std::size_t j, std::size_t k) { return i + nx * (j + ny * k); };
    const std::array<std::size_t, 3> dims{nx, ny, nz};
    struct Term {
      std::array<std::size_t, 4> idx;
      std::array<double, 4> coef;
      int count;
      double w;
    };
    for (std::size_t k = 0; k < nz; ++k)
      for (std::size_t j = 0; j < ny; ++j)
        for (std::size_t i = 0; i < nx; ++i) {
          const std::array<std::size_t, 3> p{i, j, k};
          Term terms[6];
          int nt = 0;
          for (int a = 0; a < 3; ++a) {
            if (p[a] == 0 || p[a] + 1 >= dims[a]) continue;
            auto lo = p, hi = p;
            --lo[a];
            ++hi[a];
            terms[nt++] = {{at(lo[0], lo[1], lo[2]), at(i, j, k), at(hi[0], hi[1], hi[2]), 0},
                           {1, -2, 1, 0}, 3, h2 / (m_spacing[a] * m_spacing[a] * m_spacing[a] * m_spacing[a])};
          }
          for (int a = 0; a < 3; ++a)
            for (int b = a + 1; b < 3; ++b) {
              if (p[a] + 1 >= dims[a] || p[b] + 1 >= dims[b]) continue;
              auto pa = p, pb = p, pab = p;
              ++pa[a];
              ++pb[b];
              ++pab[a];
              ++pab[b];
              terms[nt++] = {{at(pab[0], pab[1], pab[2]), at(pa[0], pa[1], pa[2]),
                              at(pb[0], pb[1], pb[2]), at(i, j, k)},
                             {1, -1, -1, 1}, 4,
                             2.0 * h2 / (m_spacing[a] * m_spacing[a] * m_spacing[b] * m_spacing[b])};
            }
          for (int t = 0; t < nt; ++t)
            for (std::size_t c = 0; c < 3; ++c) {
              const Term& term = terms[t];
              double r = 0;
              for (int s = 0; s < term.count; ++s) r += term.coef[s] * params[c * n + term.idx[s]];
              energy += term.w * r * r;
              if (derivative)
                for (int s = 0; s < term.count; ++s)
                  (*derivative)[c * n + term.idx[s]] -= scale * 2.0 * term.w * r * term.coef[s];
            }
        }
    return scale * energy;
  }

  double m_weight = 0;
  std::array<std::size_t, 3> m_size{0, 0, 0};
  std::array<double, 3> m_spacing{1, 1, 1};
};

// Calls a std::function for ITK events (iteration reports, cancel).
class FunctionCommand : public itk::Command {
 public:
  using Self = FunctionCommand;
  using Pointer = itk::SmartPointer<Self>;
  itkNewMacro(Self)
  std::function<void(const itk::EventObject&)> callback;
  void Execute(itk::Object*, const itk::EventObject& e) override { callback(e); }
  void Execute(const itk::Object*, const itk::EventObject& e) override { callback(e); }
};

std::string fmt(double v, int decimals = 4) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(decimals);
  s << v;
  return s.str();
}

// Samples p -> T(p) - p of any ITK transform (of the fixed world) on the field grid, in parallel.
template <class TransformT>
std::shared_ptr<const DisplacementField> denseField(const TransformT& t,
                                                    const core::ImageGeometry& grid) {
  const auto& n = grid.size();
  std::vector<float> xyz(3 * grid.voxelCount());
  itk::MultiThreaderBase::Pointer mt = itk::MultiThreaderBase::New();
  mt->ParallelizeArray(
      0, n[2],
      [&](itk::SizeValueType k) {
        for (std::size_t j = 0; j < n[1]; ++j)
          for (std::size_t i = 0; i < n[0]; ++i) {
            const Vec3 p = grid.indexToWorld(
                {static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)});
            typename TransformT::InputPointType ip;
            for (int a = 0; a < 3; ++a) ip[a] = p[a];
            const auto q = t.TransformPoint(ip);
            const std::size_t v = 3 * (i + n[0] * (j + n[1] * k));
            for (int a = 0; a < 3; ++a) xyz[v + a] = static_cast<float>(q[a] - ip[a]);
          }
      },
      nullptr);
  return std::make_shared<const DisplacementField>(grid, std::move(xyz));
}

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

DeformableOutcome runBSpline(const DeformableProblem& pb) {
  const Settings& s = *pb.settings;
  DeformableOutcome out;
  const int levels = std::max(1, s.levels);
  if (!(s.bsplineGridSpacingMm > 0))
    throw core::Error("B-spline control point spacing must be positive (got " +
                      fmt(s.bsplineGridSpacingMm, 1) + " mm)");

  // The transform's domain: the fixed image's voxels, corner to corner.
  const core::ImageGeometry& fg = pb.fixedGeometry;
  BSpline::OriginType domainOrigin;
  BSpline::PhysicalDimensionsType domainSize;
  BSpline::DirectionType domainDirection;
  const Vec3 corner = fg.indexToWorld({-0.5, -0.5, -0.5});
  for (int a = 0; a < 3; ++a) {
    domainOrigin[a] = corner[a];
    domainSize[a] = fg.spacing()[a] * static_cast<double>(fg.size()[a]);
    for (int c = 0; c < 3; ++c) domainDirection(a, c) = fg.direction()(a, c);
  }
  auto meshFor = [&](double spacing) {
    BSpline::MeshSizeType mesh;
    for (int a = 0; a < 3; ++a)
      mesh[a] = static_cast<unsigned>(std::max(1.0, std::round(domainSize[a] / spacing)));
    return mesh;
  };

  auto bspline = BSpline::New();
  auto linear = toItkAffine(pb.linear);
  const Pyramid fixedPyramid = buildPyramid(pb.fixed, levels);
  const Pyramid movingPyramid = buildPyramid(pb.moving, levels);
  const int iterationsPerLevel = std::max(1, s.deformableIterations);

  for (int level = 0; level < levels; ++level) {
    const double levelStart = static_cast<double>(level) / levels;
    pb.progress->checkCancel(levelStart * 0.95, "bspline");
    const unsigned factor = 1u << static_cast<unsigned>(levels - 1 - level);
    const double gridSpacing = s.bsplineGridSpacingMm * static_cast<double>(factor);
    const auto mesh = meshFor(gridSpacing);
    if (level == 0) {
      bspline->SetTransformDomainOrigin(domainOrigin);
      bspline->SetTransformDomainPhysicalDimensions(domainSize);
      bspline->SetTransformDomainDirection(domainDirection);
      bspline->SetTransformDomainMeshSize(mesh);
      bspline->SetIdentity();
    } else if (mesh != bspline->GetTransformDomainMeshSize()) {
      using Adaptor = itk::BSplineTransformParametersAdaptor<BSpline>;
      auto adaptor = Adaptor::New();
      adaptor->SetTransform(bspline);
      adaptor->SetRequiredTransformDomainOrigin(domainOrigin);
      adaptor->SetRequiredTransformDomainPhysicalDimensions(domainSize);
      adaptor->SetRequiredTransformDomainDirection(domainDirection);
      adaptor->SetRequiredTransformDomainMeshSize(mesh);
      adaptor->AdaptTransformParameters();
    }

    const FloatImage::Pointer& fixedLevel = fixedPyramid.levels[static_cast<std::size_t>(level)];
    const FloatImage::Pointer& movingLevel = movingPyramid.levels[static_cast<std::size_t>(level)];
    const auto& shrinkFactors = fixedPyramid.factors[static_cast<std::size_t>(level)];

    auto composite = Composite::New();
    composite->AddTransform(linear);   // applied second
    composite->AddTransform(bspline);  // applied first: p -> p + d(p) -> linear
    composite->SetOnlyMostRecentTransformToOptimizeOn();

    auto metric = RegularisedMattes::New();
    metric->SetNumberOfHistogramBins(static_cast<itk::SizeValueType>(std::max(8, s.histogramBins)));
    metric->SetFixedImage(fixedLevel);
    metric->SetMovingImage(movingLevel);
    metric->SetMovingTransform(composite);
    metric->SetUseFixedImageGradientFilter(false);
    metric->SetUseMovingImageGradientFilter(false);
    if (pb.threads > 0) metric->SetMaximumNumberOfWorkUnits(pb.threads);
    const auto gridSize = bspline->GetTransformDomainMeshSize();
    std::array<std::size_t, 3> cps{};
    std::array<double, 3> cpSpacing{};
    for (int a = 0; a < 3; ++a) {
      cps[a] = gridSize[a] + BSpline::SplineOrder;
      cpSpacing[a] = domainSize[a] / gridSize[a];
    }
    metric->setGrid(cps, cpSpacing);
    metric->setBendingWeight(s.regularisation);

    // Samples: a fixed number of random points in the body (or the user's fixed mask), drawn
    // once per level (LBFGSB needs the same function at every step).
    MaskImage::Pointer mask;
    if (s.fixedMask)
      mask = maskOnGrid(*s.fixedMask, *fixedLevel);
    else if (s.autoMask)
      mask = bodyMask(*fixedLevel, pb.fixedIsCt, 1);
    const std::size_t inside = mask ? maskCount(*mask) : fixedLevel->GetLargestPossibleRegion().GetNumberOfPixels();
    if (inside < 100)
      throw core::Error("deformable registration: only " + std::to_string(inside) +
                        " fixed voxels inside the " + (s.fixedMask ? "fixed mask" : "body mask") +
                        " at level " + std::to_string(level + 1) + " (at least 100 needed)");
    const std::size_t samples = s.samples > 0 ? static_cast<std::size_t>(s.samples) : 0;
    metric->SetFixedSampledPointSet(
        samplePoints(*fixedLevel, mask.GetPointer(), samples, s.seed + 7919u * static_cast<unsigned>(level)));
    metric->SetUseSampledPointSet(true);
    metric->Initialize();

    auto optimizer = itk::LBFGSBOptimizerv4::New();
    const unsigned nParams = bspline->GetNumberOfParameters();
    itk::LBFGSBOptimizerv4::BoundSelectionType bounds(nParams);
    bounds.Fill(0);  // unbounded
    itk::LBFGSBOptimizerv4::BoundValueType zero(nParams);
    zero.Fill(0);
    optimizer->SetBoundSelection(bounds);
    optimizer->SetLowerBound(zero);
    optimizer->SetUpperBound(zero);
    optimizer->SetNumberOfIterations(static_cast<itk::SizeValueType>(iterationsPerLevel));
    optimizer->SetMaximumNumberOfFunctionEvaluations(static_cast<unsigned>(3 * iterationsPerLevel + 10));
    optimizer->SetMaximumNumberOfCorrections(7);
    optimizer->SetCostFunctionConvergenceFactor(1e7);
    optimizer->SetGradientConvergenceTolerance(1e-6);
    optimizer->SetTrace(false);
    optimizer->SetMetric(metric);
    if (pb.threads > 0) optimizer->SetNumberOfWorkUnits(pb.threads);

    int iteration = 0;
    auto observer = FunctionCommand::New();
    observer->callback = [&](const itk::EventObject& event) {
      // Function evaluations (a subclass of IterationEvent) only check for cancel.
      if (itk::FunctionAndGradientEvaluationIterationEvent().CheckEvent(&event)) {
        pb.progress->checkCancel(
            (levelStart + std::min(1.0, double(iteration) / iterationsPerLevel) / levels) * 0.95,
            "bspline");
        return;
      }
      ++iteration;
      if (*pb.onIteration) {
        IterationReport r;
        r.stage = "bspline";
        r.level = level;
        r.levels = levels;
        r.iteration = iteration;
        r.metric = optimizer->GetCurrentMetricValue();
        (*pb.onIteration)(r);
      }
      const double f = levelStart + std::min(1.0, double(iteration) / iterationsPerLevel) / levels;
      pb.progress->checkCancel(f * 0.95, "bspline");  // throws core::Cancelled out of ITK
    };
    optimizer->AddObserver(itk::IterationEvent(), observer);
    optimizer->StartOptimization();
    bspline->SetParameters(optimizer->GetCurrentPosition());

    out.iterations += iteration;
    out.finalMetric = metric->mattesValue();
    std::ostringstream line;
    line << "bspline level " << level + 1 << "/" << levels << ": grid " << gridSize[0] << "x"
         << gridSize[1] << "x" << gridSize[2] << " cells of " << fmt(gridSpacing, 1)
         << " mm, image shrink " << shrinkFactors[0] << "x" << shrinkFactors[1] << "x"
         << shrinkFactors[2] << ", " << nParams << " parameters, "
         << metric->GetNumberOfValidPoints() << " samples"
         << ", " << iteration << " iterations, Mattes " << fmt(out.finalMetric) << ", stop: "
         << optimizer->GetStopConditionDescription();
    out.log.push_back(line.str());
  }

  pb.progress->checkCancel(0.95, "bspline: dense field");
  const core::ImageGeometry grid = fieldGridFor(fg, kFieldSpacingMm);
  out.field = denseField(*bspline, grid);

  // Interpolation error of the dense field against the B-spline at random points.
  std::mt19937 rng(pb.settings->seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  double maxErr = 0, sumErr = 0;
  const int probes = 2000;
  for (int i = 0; i < probes; ++i) {
    Vec3 idx;
    for (int a = 0; a < 3; ++a) idx[a] = unit(rng) * static_cast<double>(fg.size()[a] - 1);
    const Vec3 p = fg.indexToWorld(idx);
    BSpline::InputPointType ip;
    for (int a = 0; a < 3; ++a) ip[a] = p[a];
    const auto q = bspline->TransformPoint(ip);
    const Vec3 exact{q[0] - p[0], q[1] - p[1], q[2] - p[2]};
    const double e = core::norm(out.field->displacementAt(p) - exact);
    maxErr = std::max(maxErr, e);
    sumErr += e;
  }
  out.log.push_back("bspline dense field: " + std::to_string(grid.size()[0]) + "x" +
                    std::to_string(grid.size()[1]) + "x" + std::to_string(grid.size()[2]) +
                    " at " + fmt(grid.spacing()[0], 1) + " mm; interpolation error vs the " +
                    "B-spline at " + std::to_string(probes) + " random points: mean " +
                    fmt(sumErr / probes) + " mm, max " + fmt(maxErr) + " mm");
  return out;
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
