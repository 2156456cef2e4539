// SyN stage (itk::SyNImageRegistrationMethod, dense Mattes MI), after the linear result.
// The images are block-averaged once to about 3 mm first (dense SyN costs about a second per
// iteration per 100k voxels on a loaded 2-core machine): SyN's last level runs on that grid and
// its forward field is kept as it is, on that grid (no second interpolation).
#include <algorithm>
#include <cmath>
#include <sstream>

#include <itkCommand.h>
#include <itkDisplacementFieldTransform.h>
#include <itkDisplacementFieldTransformParametersAdaptor.h>
#include <itkImageMaskSpatialObject.h>
#include <itkMattesMutualInformationImageToImageMetricv4.h>
#include <itkShrinkImageFilter.h>
#include <itkSyNImageRegistrationMethod.h>

#include "DeformableStages.h"
#include "ItkImages.h"
#include "fw/core/Error.h"

namespace fw::registration::detail {

namespace {

constexpr double kSyNSpacingMm = 3.0;

using Image = FloatImage;
using FieldTransform = itk::DisplacementFieldTransform<double, 3>;
using SyN = itk::SyNImageRegistrationMethod<Image, Image, FieldTransform>;
using Mattes = itk::MattesMutualInformationImageToImageMetricv4<Image, Image>;
using MaskObject = itk::ImageMaskSpatialObject<3, MaskImage::PixelType>;

// A user mask (any grid) on a working grid, as the spatial object ITK's metric asks; throws
// when no voxel of the grid is inside.
MaskObject::Pointer maskObject(const core::Volume& mask, const FloatImage& grid, const char* role) {
  const MaskImage::Pointer m = maskOnGrid(mask, grid);
  if (maskCount(*m) == 0)
    throw core::Error(std::string("deformable registration (syn): the ") + role +
                      " mask leaves no voxel of the " + role +
                      " volume to use (does it overlap the " + role + " volume?)");
  auto object = MaskObject::New();
  object->SetImage(m);
  object->Update();
  return object;
}

class SyNCommand : public itk::Command {
 public:
  using Self = SyNCommand;
  using Pointer = itk::SmartPointer<Self>;
  itkNewMacro(Self)
  std::function<void()> callback;
  void Execute(itk::Object*, const itk::EventObject&) override { callback(); }
  void Execute(const itk::Object*, const itk::EventObject&) override { callback(); }
};

}  // namespace

DeformableOutcome runSyN(const DeformableProblem& pb) {
  const Settings& s = *pb.settings;
  DeformableOutcome out;

  // Working grid: each axis block-averaged to about kSyNSpacingMm (never below 8 voxels).
  std::array<unsigned, 3> work{};
  const auto fixedSize = pb.fixed->GetLargestPossibleRegion().GetSize();
  const auto movingSize = pb.moving->GetLargestPossibleRegion().GetSize();
  std::array<unsigned, 3> movingWork{};
  for (unsigned a = 0; a < 3; ++a) {
    const double sp = pb.fixed->GetSpacing()[a];
    work[a] = static_cast<unsigned>(std::max(1.0, std::round(kSyNSpacingMm / sp)));
    work[a] = std::max(1u, std::min<unsigned>(work[a], static_cast<unsigned>(fixedSize[a] / 8)));
    const double msp = pb.moving->GetSpacing()[a];
    movingWork[a] = static_cast<unsigned>(std::max(1.0, std::round(kSyNSpacingMm / msp)));
    movingWork[a] =
        std::max(1u, std::min<unsigned>(movingWork[a], static_cast<unsigned>(movingSize[a] / 8)));
  }
  const FloatImage::Pointer fixedW =
      work == std::array<unsigned, 3>{1, 1, 1} ? pb.fixed : blockAverage(*pb.fixed, work);
  const FloatImage::Pointer movingW =
      movingWork == std::array<unsigned, 3>{1, 1, 1} ? pb.moving : blockAverage(*pb.moving, movingWork);
  const auto workSize = fixedW->GetLargestPossibleRegion().GetSize();

  const int levels = std::max(1, s.levels);
  const int iterationsPerLevel = std::max(1, s.deformableIterations);
  SyN::ShrinkFactorsArrayType shrink(static_cast<unsigned>(levels));
  SyN::SmoothingSigmasArrayType sigmas(static_cast<unsigned>(levels));
  SyN::NumberOfIterationsArrayType iterations(static_cast<unsigned>(levels));
  const auto minSize = std::min({workSize[0], workSize[1], workSize[2]});
  for (int l = 0; l < levels; ++l) {
    unsigned f = 1u << static_cast<unsigned>(levels - 1 - l);
    while (f > 1 && minSize / f < 8) f /= 2;
    shrink[static_cast<unsigned>(l)] = f;
    sigmas[static_cast<unsigned>(l)] = std::log2(static_cast<double>(f));  // 2, 1, 0 voxels
    iterations[static_cast<unsigned>(l)] = static_cast<itk::SizeValueType>(iterationsPerLevel);
  }

  auto metric = Mattes::New();
  metric->SetNumberOfHistogramBins(static_cast<itk::SizeValueType>(std::max(8, s.histogramBins)));
  metric->SetUseFixedImageGradientFilter(false);
  metric->SetUseMovingImageGradientFilter(false);
  if (pb.threads > 0) metric->SetMaximumNumberOfWorkUnits(pb.threads);
  // The user's masks (SyN resamples them onto each level's virtual domain through the current
  // transforms): the metric and its gradient use only voxels inside them. No automatic body
  // mask and no `samples`: SyN's metric is dense over the working grid.
  if (s.fixedMask) metric->SetFixedImageMask(maskObject(*s.fixedMask, *fixedW, "fixed"));
  if (s.movingMask) metric->SetMovingImageMask(maskObject(*s.movingMask, *movingW, "moving"));

  auto linear = toItkAffine(pb.linear);

  auto reg = SyN::New();
  reg->SetFixedImage(fixedW);
  reg->SetMovingImage(movingW);
  reg->SetMetric(metric);
  reg->SetMovingInitialTransform(linear);
  reg->SetNumberOfLevels(static_cast<itk::SizeValueType>(levels));
  reg->SetShrinkFactorsPerLevel(shrink);
  reg->SetSmoothingSigmasPerLevel(sigmas);
  reg->SetSmoothingSigmasAreSpecifiedInPhysicalUnits(false);
  reg->SetNumberOfIterationsPerLevel(iterations);
  // The fields move to each level's virtual domain through adaptors; the domain is what the
  // registration method's own shrink filter makes of the fixed image at that level.
  {
    SyN::TransformParametersAdaptorsContainerType adaptors;
    for (int l = 0; l < levels; ++l) {
      auto shrinker = itk::ShrinkImageFilter<Image, Image>::New();
      shrinker->SetShrinkFactors(shrink[static_cast<unsigned>(l)]);
      shrinker->SetInput(fixedW);
      shrinker->UpdateOutputInformation();
      const Image* level = shrinker->GetOutput();
      using Adaptor = itk::DisplacementFieldTransformParametersAdaptor<FieldTransform>;
      auto adaptor = Adaptor::New();
      adaptor->SetRequiredSpacing(level->GetSpacing());
      adaptor->SetRequiredSize(level->GetLargestPossibleRegion().GetSize());
      adaptor->SetRequiredDirection(level->GetDirection());
      adaptor->SetRequiredOrigin(level->GetOrigin());
      adaptors.push_back(adaptor.GetPointer());
    }
    reg->SetTransformParametersAdaptorsPerLevel(adaptors);
    // The base class adapts the output transform too, so it starts as a zero field.
    auto zero = FieldTransform::DisplacementFieldType::New();
    zero->CopyInformation(fixedW);
    zero->SetRegions(fixedW->GetLargestPossibleRegion());
    zero->Allocate();
    zero->FillBuffer(FieldTransform::DisplacementFieldType::PixelType(0.0));
    auto initial = FieldTransform::New();
    initial->SetDisplacementField(zero);
    reg->SetInitialTransform(initial);
  }
  reg->SetLearningRate(0.25);  // ANTs' default gradient step (voxels at each level)
  reg->SetConvergenceThreshold(1e-7);
  reg->SetConvergenceWindowSize(10);
  // Regularisation: Gaussian smoothing of the update field (variance 3 voxels^2 at 1, ANTs'
  // default) and of the total field (0 at 1, ANTs' default; 0.5 * (r - 1) above 1).
  const double r = std::max(0.0, s.regularisation);
  reg->SetGaussianSmoothingVarianceForTheUpdateField(3.0 * r);
  reg->SetGaussianSmoothingVarianceForTheTotalField(std::max(0.0, 0.5 * (r - 1.0)));
  reg->SetMetricSamplingStrategy(SyN::MetricSamplingStrategyEnum::NONE);
  reg->SetInPlace(true);
  if (pb.threads > 0) reg->SetNumberOfWorkUnits(pb.threads);

  std::vector<int> levelIterations(static_cast<std::size_t>(levels), 0);
  std::vector<double> levelMetric(static_cast<std::size_t>(levels), 0.0);
  auto observer = SyNCommand::New();
  observer->callback = [&]() {
    const int level = static_cast<int>(reg->GetCurrentLevel());
    const int it = static_cast<int>(reg->GetCurrentIteration());
    if (level >= 0 && level < levels) {
      levelIterations[static_cast<std::size_t>(level)] = it;
      levelMetric[static_cast<std::size_t>(level)] = reg->GetCurrentMetricValue();
    }
    if (*pb.onIteration) {
      IterationReport rep;
      rep.stage = "syn";
      rep.level = level;
      rep.levels = levels;
      rep.iteration = it;
      rep.metric = reg->GetCurrentMetricValue();
      (*pb.onIteration)(rep);
    }
    // A finer level has 8 times the voxels of the one before: weight its iterations so.
    double total = 0, done = 0;
    for (int l = 0; l < levels; ++l) {
      const double w = std::pow(8.0, l);
      total += w;
      if (l < level) done += w;
      if (l == level) done += w * std::min(1.0, double(it) / iterationsPerLevel);
    }
    pb.progress->checkCancel(0.95 * done / total, "syn");  // throws core::Cancelled out of ITK
  };
  reg->AddObserver(itk::IterationEvent(), observer);
  pb.progress->checkCancel(0.0, "syn");
  reg->Update();

  const FieldTransform* result = reg->GetTransform();
  const auto* fieldImage = result->GetDisplacementField();
  const core::ImageGeometry grid = core::geometryOf(*fieldImage);
  std::vector<float> xyz(3 * grid.voxelCount());
  const auto* src = fieldImage->GetBufferPointer();
  for (std::size_t v = 0; v < grid.voxelCount(); ++v)
    for (unsigned a = 0; a < 3; ++a) xyz[3 * v + a] = static_cast<float>(src[v][a]);
  out.field = std::make_shared<const DisplacementField>(grid, std::move(xyz));
  out.finalMetric = reg->GetCurrentMetricValue();
  for (int l = 0; l < levels; ++l) {
    out.iterations += levelIterations[static_cast<std::size_t>(l)];
    std::ostringstream line;
    line.setf(std::ios::fixed);
    line.precision(4);
    line << "syn level " << l + 1 << "/" << levels << ": shrink " << shrink[static_cast<unsigned>(l)]
         << " of the " << workSize[0] << "x" << workSize[1] << "x" << workSize[2]
         << " working grid, " << levelIterations[static_cast<std::size_t>(l)]
         << " iterations, Mattes " << levelMetric[static_cast<std::size_t>(l)];
    out.log.push_back(line.str());
  }
  std::ostringstream line;
  line.setf(std::ios::fixed);
  line.precision(2);
  line << "syn field: " << grid.size()[0] << "x" << grid.size()[1] << "x" << grid.size()[2]
       << " at " << grid.spacing()[0] << " x " << grid.spacing()[1] << " x " << grid.spacing()[2]
       << " mm (SyN's own working grid; no resampling)";
  out.log.push_back(line.str());
  return out;
}

}  // namespace fw::registration::detail
