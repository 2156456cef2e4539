// "Acquires" the phantom: samples it on each series' grid with partial-volume supersampling and
// turns tissue mixtures into CT numbers, T1 contrast, diffusion, BOLD and SWI signals.
#include <array>
#include <complex>
#include <memory>

#include "Sampling.h"
#include "Study.h"
#include "fw/core/Volume.h"

namespace fw::phantom {

using core::Vec3;
using detail::SubSample;

namespace {

constexpr std::size_t kTissues = static_cast<std::size_t>(Tissue::Count);
using Table = std::array<double, kTissues>;

// Order: Air Skin Fat SoftTissue CorticalBone CancellousBone SinusAir Dura Csf Ventricle
//        GreyMatter WhiteMatter DeepGrey Lesion Edema Vitreous Lens CstLeft CstRight Callosal
//        Vein VenousSinus Microbleed
constexpr Table kCtHu{-1000, 40, -100, 50, 1400, 700, -1000, 55, 7, 7,
                      40, 26, 38, 75, 18, 12, 100, 27, 27, 27,
                      50, 55, 45};
constexpr Table kT1{0, 350, 950, 300, 30, 620, 0, 250, 120, 120,
                    480, 760, 560, 320, 380, 100, 450, 740, 740, 740,
                    250, 220, 420};
constexpr Table kDwiS0{0, 250, 80, 300, 20, 60, 0, 300, 1600, 1600,
                       950, 720, 850, 800, 1300, 1500, 400, 680, 680, 680,
                       400, 400, 300};
constexpr Table kAdc{1.0e-3, 1.0e-3, 0.02e-3, 1.5e-3, 0.5e-3, 0.5e-3, 1.0e-3, 1.0e-3, 3.0e-3, 3.0e-3,
                     0.85e-3, 0.75e-3, 0.78e-3, 0.7e-3, 1.6e-3, 3.0e-3, 0.5e-3, 0.73e-3, 0.73e-3, 0.73e-3,
                     1.5e-3, 1.5e-3, 0.8e-3};
constexpr double kLambdaPar = 1.7e-3, kLambdaPerp = 0.25e-3;  // bundle tensor, mm^2/s
constexpr Table kBoldS0{0, 300, 150, 400, 20, 80, 0, 300, 1300, 1300,
                        1000, 800, 900, 750, 1150, 1200, 400, 800, 800, 800,
                        500, 500, 300};
constexpr Table kSwiM0{0, 500, 900, 450, 30, 400, 0, 400, 900, 900,
                       820, 720, 780, 650, 850, 950, 500, 720, 720, 720,
                       700, 700, 600};
constexpr Table kSwiR2s{0, 30, 30, 35, 200, 80, 0, 30, 4, 4,
                        18, 22, 32, 45, 12, 4, 30, 24, 24, 24,
                        80, 60, 300};
constexpr Table kSwiPhase{0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                          -0.04, 0, -0.12, 0, 0, 0, 0, 0, 0, 0,
                          0, 0, 0};

constexpr double kCtNoise = 3.0, kT1Noise = 12.0, kDwiNoise = 15.0, kBoldNoise = 8.0, kSwiNoise = 6.0;
constexpr std::uint64_t kSeed = 0x5EED0F11A5E0001ull;

inline double lookup(const Table& t, Tissue s) { return t[static_cast<std::size_t>(s)]; }

inline bool isParenchyma(Tissue t) {
  return t == Tissue::GreyMatter || t == Tissue::WhiteMatter || t == Tissue::DeepGrey || isBundle(t);
}

template <class ImageT>
core::VolumePtr finish(typename ImageT::Pointer image, const SeriesSpec& spec, const std::string& suffix = {}) {
  auto v = std::make_shared<core::Volume>(core::Volume::ImageVariant(image), spec.modality, spec.units);
  v->setIdentity(detail::identityFor(spec));
  v->setName(std::string(core::modalityCode(spec.modality)) + " " + spec.description + suffix);
  return v;
}

// Mean of a per-tissue table over the samples.
inline double mixture(const Table& t, const SubSample* s, int n) {
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += lookup(t, s[i].tissue);
  return sum / n;
}

}  // namespace

core::VolumePtr makeCt(core::ProgressSink& progress) {
  const SeriesSpec& spec = seriesSpec("ct");
  auto img = core::allocateImage<core::ImageI16>(spec.geometry);
  std::int16_t* out = img->GetBufferPointer();
  detail::sampleGrid(spec.geometry, false, {{3, 3, 2}, true}, progress,
                     [&](std::size_t idx, long, long, long, const SubSample* s, int n) {
                       const double hu = mixture(kCtHu, s, n) + kCtNoise * detail::gaussian(kSeed + 1, idx);
                       out[idx] = detail::toInt16(std::max(hu, -1024.0));
                     });
  return finish<core::ImageI16>(img, spec);
}

core::VolumePtr makeT1(core::ProgressSink& progress) {
  const SeriesSpec& spec = seriesSpec("t1");
  const auto& g = spec.geometry;
  const Vec3 c = g.center();
  auto img = core::allocateImage<core::ImageI16>(g);
  std::int16_t* out = img->GetBufferPointer();
  detail::sampleGrid(g, true, {{2, 2, 2}, true}, progress,
                     [&](std::size_t idx, long i, long j, long k, const SubSample* s, int n) {
                       // Smooth receive-coil bias field (about +-8%), in scanner (MR world) coordinates.
                       const Vec3 w = g.indexToWorld({double(i), double(j), double(k)}) - c;
                       const double bias = 1 + 0.05 * w.x / 90 - 0.04 * w.y / 100 + 0.06 * (w.z / 90) * (w.z / 90);
                       const double v = mixture(kT1, s, n) * bias;
                       out[idx] = detail::toInt16(detail::rician(v, kT1Noise, kSeed + 2, idx));
                     });
  return finish<core::ImageI16>(img, spec);
}

std::vector<core::VolumePtr> makeDwi(core::ProgressSink& progress) {
  const SeriesSpec& spec = seriesSpec("dwi");
  const StudyTruth& truth = studyTruth();
  const HeadPhantom& ph = HeadPhantom::instance();
  const std::size_t nv = truth.bValues.size();
  std::vector<core::ImageI16::Pointer> images;
  std::vector<std::int16_t*> out;
  for (std::size_t v = 0; v < nv; ++v) {
    images.push_back(core::allocateImage<core::ImageI16>(spec.geometry));
    out.push_back(images.back()->GetBufferPointer());
  }
  // Isotropic attenuation per tissue and volume.
  std::vector<Table> iso(nv);
  for (std::size_t v = 0; v < nv; ++v)
    for (std::size_t t = 0; t < kTissues; ++t) iso[v][t] = kDwiS0[t] * std::exp(-truth.bValues[v] * kAdc[t]);
  constexpr std::size_t kMaxVolumes = 64;
  detail::sampleGrid(spec.geometry, true, {{3, 3, 3}, true}, progress,
                     [&](std::size_t idx, long, long, long, const SubSample* s, int n) {
                       std::array<double, kMaxVolumes> sig{};
                       for (int m = 0; m < n; ++m) {
                         const Tissue t = s[m].tissue;
                         if (isBundle(t)) {
                           const Vec3 e = truth.ctToMr.applyToVector(ph.bundleDirection(t, s[m].head));
                           for (std::size_t v = 0; v < nv; ++v) {
                             const double ge = dot(truth.gradientsLps[v], e);
                             const double adc = kLambdaPerp + (kLambdaPar - kLambdaPerp) * ge * ge;
                             sig[v] += lookup(kDwiS0, t) * std::exp(-truth.bValues[v] * adc);
                           }
                         } else {
                           for (std::size_t v = 0; v < nv; ++v) sig[v] += lookup(iso[v], t);
                         }
                       }
                       for (std::size_t v = 0; v < nv; ++v)
                         out[v][idx] = detail::toInt16(
                             detail::rician(sig[v] / n, kDwiNoise, kSeed + 100 + v, idx));
                     });
  std::vector<core::VolumePtr> volumes;
  for (std::size_t v = 0; v < nv; ++v)
    volumes.push_back(finish<core::ImageI16>(images[v], spec, " vol " + std::to_string(v + 1)));
  return volumes;
}

namespace detail {

std::vector<core::VolumePtr> makeBoldWithMap(core::ProgressSink& progress, core::VolumePtr* activationMap) {
  const SeriesSpec& spec = seriesSpec("bold");
  const StudyTruth& truth = studyTruth();
  const Ball& blob = HeadPhantom::instance().activation();
  const std::size_t nv = truth.boldVolumes;
  std::vector<core::ImageI16::Pointer> images;
  std::vector<std::int16_t*> out;
  for (std::size_t v = 0; v < nv; ++v) {
    images.push_back(core::allocateImage<core::ImageI16>(spec.geometry));
    out.push_back(images.back()->GetBufferPointer());
  }
  auto act = core::allocateImage<core::ImageF32>(spec.geometry);
  float* actOut = act->GetBufferPointer();
  std::vector<double> drift(nv);
  const double duration = nv * truth.repetitionTimeS;
  for (std::size_t v = 0; v < nv; ++v) {
    const double t = v * truth.repetitionTimeS;
    drift[v] = 1 + 0.004 * (t / duration - 0.5) + 0.003 * std::sin(2 * M_PI * t / 97.0);
  }
  const double amplitude = truth.activationPercent / 100.0;
  // Not adaptive: the blob's edge is not a tissue boundary.
  sampleGrid(spec.geometry, true, {{3, 3, 3}, false}, progress,
             [&](std::size_t idx, long, long, long, const SubSample* s, int n) {
               double s0 = 0;
               int active = 0;
               for (int m = 0; m < n; ++m) {
                 s0 += lookup(kBoldS0, s[m].tissue);
                 const Vec3 d = s[m].head - blob.centre;
                 if (isParenchyma(s[m].tissue) && dot(d, d) < blob.radius * blob.radius) ++active;
               }
               s0 /= n;
               const double fraction = static_cast<double>(active) / n;
               actOut[idx] = static_cast<float>(fraction);
               for (std::size_t v = 0; v < nv; ++v) {
                 const double signal = s0 * (1 + amplitude * fraction * truth.blockRegressor[v]) * drift[v];
                 out[v][idx] = toInt16(rician(signal, kBoldNoise, kSeed + 1000 + v, idx));
               }
             });
  if (activationMap) {
    auto v = std::make_shared<core::Volume>(core::Volume::ImageVariant(act), core::Modality::Unknown, "fraction");
    v->setName("BOLD activation truth");
    *activationMap = v;
  }
  std::vector<core::VolumePtr> volumes;
  for (std::size_t v = 0; v < nv; ++v)
    volumes.push_back(finish<core::ImageI16>(images[v], spec, " vol " + std::to_string(v + 1)));
  return volumes;
}

SwiImages makeSwiWithMap(core::ProgressSink& progress, core::VolumePtr* vesselMap) {
  const SeriesSpec& magSpec = seriesSpec("swi_mag");
  const SeriesSpec& phaseSpec = seriesSpec("swi_phase");
  const auto& g = magSpec.geometry;
  const StudyTruth& truth = studyTruth();
  const HeadPhantom& ph = HeadPhantom::instance();
  auto mag = core::allocateImage<core::ImageI16>(g);
  auto pha = core::allocateImage<core::ImageI16>(g);
  auto ves = core::allocateImage<core::ImageI16>(g);
  std::int16_t* magOut = mag->GetBufferPointer();
  std::int16_t* phaOut = pha->GetBufferPointer();
  std::int16_t* vesOut = ves->GetBufferPointer();
  const double te = magSpec.echoTimeMs / 1000.0;
  // Phase per ppm of field: gamma * B0 * TE (right-handed: phase = +gamma dB TE).
  const double radPerPpm = 2 * M_PI * 42.577e6 * magSpec.fieldStrengthT * te * 1e-6;
  const Vec3 b0Head = truth.ctToMr.inverse().applyToVector({0, 0, 1});  // B0 along scanner z
  const Vec3 c = g.center();
  // Not adaptive: the susceptibility field varies inside voxels around veins and bleeds, and
  // its intravoxel dephasing is what makes microbleeds bloom.
  sampleGrid(g, true, {{2, 2, 3}, false}, progress,
             [&](std::size_t idx, long i, long j, long k, const SubSample* s, int n) {
               std::complex<double> sum = 0;
               int vessel = 0;
               for (int m = 0; m < n; ++m) {
                 const Tissue t = s[m].tissue;
                 if (t == Tissue::Microbleed) vessel = 2;
                 else if ((t == Tissue::Vein || t == Tissue::VenousSinus) && vessel == 0) vessel = 1;
                 const double amp = lookup(kSwiM0, t) * std::exp(-te * lookup(kSwiR2s, t));
                 if (amp == 0) continue;
                 const double phase = lookup(kSwiPhase, t) + radPerPpm * ph.fieldShiftPpm(s[m].head, b0Head);
                 sum += std::polar(amp, phase);
               }
               sum /= n;
               // Smooth background field (air-tissue interfaces, shim), wrapping near the edges.
               const Vec3 w = g.indexToWorld({double(i), double(j), double(k)}) - c;
               const double bg = 1.2 * (w.x / 90) * (w.x / 90) - 0.8 * (w.y / 100) * (w.y / 100) + 1.8 * w.z / 38 + 0.3;
               sum *= std::polar(1.0, bg);
               sum += std::complex<double>(kSwiNoise * gaussian(kSeed + 5, 2 * idx),
                                           kSwiNoise * gaussian(kSeed + 5, 2 * idx + 1));
               magOut[idx] = toInt16(std::abs(sum));
               phaOut[idx] = toInt16(std::arg(sum) / kPhaseUnitRad);
               vesOut[idx] = static_cast<std::int16_t>(vessel);
             });
  if (vesselMap) {
    auto v = std::make_shared<core::Volume>(core::Volume::ImageVariant(ves), core::Modality::Unknown, "label");
    v->setName("SWI vessel truth");
    *vesselMap = v;
  }
  return {finish<core::ImageI16>(mag, magSpec), finish<core::ImageI16>(pha, phaseSpec)};
}

}  // namespace detail

std::vector<core::VolumePtr> makeBold(core::ProgressSink& progress) {
  return detail::makeBoldWithMap(progress, nullptr);
}

SwiImages makeSwi(core::ProgressSink& progress) { return detail::makeSwiWithMap(progress, nullptr); }

core::VolumePtr makeActivationMap(core::ProgressSink& progress) {
  core::VolumePtr map;
  detail::makeBoldWithMap(progress, &map);
  return map;
}

core::VolumePtr makeVesselMap(core::ProgressSink& progress) {
  core::VolumePtr map;
  detail::makeSwiWithMap(progress, &map);
  return map;
}

core::VolumePtr makeTissueLabels(const std::string& seriesKey, core::ProgressSink& progress) {
  const SeriesSpec& spec = seriesSpec(seriesKey);
  auto img = core::allocateImage<core::ImageI16>(spec.geometry);
  std::int16_t* out = img->GetBufferPointer();
  const HeadPhantom& ph = HeadPhantom::instance();
  const detail::IndexToHead map = detail::indexToHead(spec.geometry, spec.mrWorld);
  const long nx = static_cast<long>(spec.geometry.size()[0]), ny = static_cast<long>(spec.geometry.size()[1]),
             nz = static_cast<long>(spec.geometry.size()[2]);
#pragma omp parallel for schedule(dynamic, 1)
  for (long k = 0; k < nz; ++k)
    for (long j = 0; j < ny; ++j)
      for (long i = 0; i < nx; ++i)
        out[(k * ny + j) * nx + i] = static_cast<std::int16_t>(ph.tissueAt(map.at(i, j, k)));
  progress.checkCancel(1.0, "tissue labels");
  auto v = std::make_shared<core::Volume>(core::Volume::ImageVariant(img), core::Modality::Unknown, "label");
  v->setName(spec.key + " tissue labels");
  return v;
}

core::VolumePtr makeBundleMap(core::ProgressSink& progress) {
  const SeriesSpec& spec = seriesSpec("dwi");
  auto img = core::allocateImage<core::ImageI16>(spec.geometry);
  std::int16_t* out = img->GetBufferPointer();
  detail::sampleGrid(spec.geometry, true, {{3, 3, 3}, true}, progress,
                     [&](std::size_t idx, long, long, long, const SubSample* s, int n) {
                       std::array<int, 4> count{};
                       for (int m = 0; m < n; ++m) {
                         const Tissue t = s[m].tissue;
                         if (t == Tissue::CstLeft) ++count[1];
                         else if (t == Tissue::CstRight) ++count[2];
                         else if (t == Tissue::Callosal) ++count[3];
                       }
                       std::int16_t label = 0;
                       for (int b = 1; b <= 3; ++b)
                         if (2 * count[static_cast<std::size_t>(b)] >= n) label = static_cast<std::int16_t>(b);
                       out[idx] = label;
                     });
  auto v = std::make_shared<core::Volume>(core::Volume::ImageVariant(img), core::Modality::Unknown, "label");
  v->setName("DWI bundle truth");
  return v;
}

}  // namespace fw::phantom
