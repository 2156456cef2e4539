#include "BenchPairs.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "Elastix.h"
#include "Landmarks.h"
#include "fw/core/Error.h"
#include "fw/dicom/Scan.h"
#include "fw/dicom/SeriesReader.h"
#include "fw/phantom/SampleStudy.h"
#include "fw/registration/Accuracy.h"
#include "fw/registration/Resample.h"

namespace fw::cli::bench {

namespace fs = std::filesystem;
using core::Error;
using core::Vec3;
using registration::Affine;
using registration::Transform;

RegistrationPair phantomPair() {
  RegistrationPair p;
  p.name = "phantom T1<-CT";
  p.fixed = phantom::makeT1();
  p.moving = phantom::makeCt();
  const auto inv = phantom::studyTruth().ctToMr.inverse();
  Affine a;
  a.matrix = inv.rotation;
  a.translation = inv.translation;
  p.truth = Transform(a);
  return p;
}

void extractArchive(const fs::path& archive, const fs::path& into) {
  if (!fs::exists(archive)) throw Error("missing archive " + archive.string());
  fs::create_directories(into);
  const std::vector<std::string> argv{"tar", "-xJf", archive.string(), "-C", into.string()};
  const auto r =
      elastix::runProcess(argv, into.parent_path() / (into.filename().string() + ".tar.log"), 600);
  if (r.exitCode != 0 || r.timedOut)
    throw Error("cannot extract " + archive.string() + " (" + elastix::commandLine(argv) +
                " exit " + std::to_string(r.exitCode) + ")");
}

core::VolumePtr loadLargestSeries(const fs::path& folder) {
  core::NullProgress quiet;
  const auto result = dicom::scan(folder, quiet);
  const dicom::SeriesEntry* best = nullptr;
  for (const auto& s : result.series) {
    if (s.kind == dicom::SeriesKind::Localizer || s.kind == dicom::SeriesKind::NotAssembled ||
        !s.geometry)
      continue;
    if (!best || s.geometry->voxelCount() > best->geometry->voxelCount()) best = &s;
  }
  if (!best) throw Error("no image series that forms a volume under " + folder.string());
  try {
    return dicom::loadSeriesVolume(*best, quiet);
  } catch (Error& e) {
    throw e.addContext("loading " + best->displayName() + " from " + folder.string());
  }
}

RegistrationPair porcinePair(const fs::path& sharedData, const fs::path& scratch,
                             const fs::path& landmarkFile) {
  const fs::path set = sharedData / "ctmr_mridir_porcine";
  extractArchive(set / "mr_t2_94sl.tar.xz", scratch / "porcine_mr");
  extractArchive(set / "ct_103sl_2p5mm.tar.xz", scratch / "porcine_ct");
  RegistrationPair p;
  p.name = "porcine T2<-CT";
  p.fixed = loadLargestSeries(scratch / "porcine_mr");
  p.moving = loadLargestSeries(scratch / "porcine_ct");
  if (!landmarkFile.empty()) {
    const PorcineLandmarks lm = readPorcineLandmarks(landmarkFile.string());
    p.landmarksFixed = lm.t2;
    p.landmarksMoving = lm.ct;
    p.landmarkFloor = registration::landmarkError(
        Transform(registration::fitRigid(lm.t2, lm.ct)), lm.t2, lm.ct).mean;
  }
  return p;
}

RegistrationPair movedPair(const std::string& name, core::VolumePtr image, const Vec3& anglesDeg,
                           const Vec3& translationMm) {
  const Affine t = Affine::rigid(anglesDeg, translationMm, image->geometry().center());
  const auto& g = image->geometry();
  const core::ImageGeometry moved(g.size(), g.spacing(), t.apply(g.origin()),
                                  t.matrix * g.direction());
  core::Volume::ImageVariant copy = std::visit(
      [&](const auto& img) -> core::Volume::ImageVariant {
        using ImageT = typename std::decay_t<decltype(img)>::ObjectType;
        auto out = core::allocateImage<ImageT>(moved);
        std::memcpy(out->GetBufferPointer(), img->GetBufferPointer(),
                    g.voxelCount() * sizeof(typename ImageT::PixelType));
        return out;
      },
      image->image());
  auto movedVolume = std::make_shared<core::Volume>(copy, image->modality(), image->units());
  movedVolume->setName(image->name() + " (moved)");
  RegistrationPair p;
  p.name = name;
  p.fixed = std::move(image);
  p.moving = std::move(movedVolume);
  p.truth = Transform(t);
  return p;
}

RegistrationPair deformedPair(const std::string& name, core::VolumePtr image) {
  struct Bump {
    Vec3 offset, amplitude;
  };
  const Bump bumps[] = {
      {{28, -18, 32}, {4.0, -2.0, 2.0}},   // 4.9 mm
      {{-30, 28, 12}, {-2.5, 3.0, -2.0}},  // 4.4 mm
      {{4, 12, -14}, {2.0, 1.5, 2.5}},     // 3.5 mm
  };
  constexpr double kSigma = 18.0, kStep = 4.0;
  const Vec3 centre = image->geometry().center();
  Vec3 lo, hi;
  image->geometry().worldBounds(lo, hi);
  std::array<std::size_t, 3> n{};
  for (int a = 0; a < 3; ++a)
    n[a] = static_cast<std::size_t>(std::ceil((hi[a] - lo[a]) / kStep)) + 1;
  const core::ImageGeometry grid(n, {kStep, kStep, kStep}, lo, core::Mat3::identity());
  std::vector<float> xyz(3 * grid.voxelCount());
  std::size_t v = 0;
  for (std::size_t k = 0; k < n[2]; ++k)
    for (std::size_t j = 0; j < n[1]; ++j)
      for (std::size_t i = 0; i < n[0]; ++i, ++v) {
        const Vec3 p = grid.indexToWorld({double(i), double(j), double(k)});
        Vec3 d;
        for (const auto& b : bumps) {
          const Vec3 r = p - (centre + b.offset);
          d += b.amplitude * std::exp(-core::dot(r, r) / (2 * kSigma * kSigma));
        }
        for (int c = 0; c < 3; ++c)
          xyz[3 * v + static_cast<std::size_t>(c)] = static_cast<float>(d[c]);
      }
  const Transform truth(
      std::make_shared<const registration::DisplacementField>(grid, std::move(xyz)));
  RegistrationPair p;
  p.name = name;
  auto fixed = registration::resample(*image, image->geometry(), truth);
  p.fixed = fixed;
  p.moving = std::move(image);
  p.truth = truth;
  return p;
}

double coarsestSpacing(const core::Volume& a, const core::Volume& b) {
  double s = 0;
  for (int i = 0; i < 3; ++i)
    s = std::max({s, a.geometry().spacing()[i], b.geometry().spacing()[i]});
  return s;
}

}  // namespace fw::cli::bench
