// The sample study's fixed definition: series grids and parameters, the rigid offset of the MR
// session, the DWI scheme, the BOLD design, and the truth derived from the phantom.
#include <cmath>

#include "Study.h"
#include "fw/core/Error.h"

namespace fw::phantom {

using core::Mat3;
using core::Vec3;

RigidTransform RigidTransform::fromParameters(const Vec3& anglesDeg, const Vec3& translation) {
  RigidTransform t;
  t.anglesDeg = anglesDeg;
  t.translation = translation;
  const double d = M_PI / 180.0;
  t.rotation = Mat3::rotation({0, 0, 1}, anglesDeg.z * d) * Mat3::rotation({0, 1, 0}, anglesDeg.y * d) *
               Mat3::rotation({1, 0, 0}, anglesDeg.x * d);
  return t;
}

RigidTransform RigidTransform::inverse() const {
  RigidTransform t;
  t.rotation = rotation.transposed();
  t.translation = -(t.rotation * translation);
  return t;
}

std::array<double, 16> RigidTransform::matrix() const {
  return {rotation(0, 0), rotation(0, 1), rotation(0, 2), translation.x,
          rotation(1, 0), rotation(1, 1), rotation(1, 2), translation.y,
          rotation(2, 0), rotation(2, 1), rotation(2, 2), translation.z,
          0, 0, 0, 1};
}

const char* sampleStudyVersion() { return "head-phantom-1.0"; }

namespace {

// The MR session's pose relative to the CT: a few degrees and millimetres.
const RigidTransform& ctToMr() {
  static const RigidTransform t = RigidTransform::fromParameters({4.0, -2.5, 6.0}, {4.0, -7.5, 10.0});
  return t;
}

// A grid of `size` voxels with direction `dir`, centred on `centre` (LPS mm).
core::ImageGeometry centredGrid(std::array<std::size_t, 3> size, Vec3 spacing, const Mat3& dir, Vec3 centre) {
  Vec3 half;
  for (int a = 0; a < 3; ++a) half[a] = spacing[a] * (static_cast<double>(size[a]) - 1) / 2;
  // Round the origin to 1/1000 mm so DICOM's decimal strings hold it exactly.
  Vec3 origin = centre - dir * half;
  for (int a = 0; a < 3; ++a) origin[a] = std::round(origin[a] * 1000) / 1000;
  return core::ImageGeometry(size, spacing, origin, dir);
}

std::vector<SeriesSpec> buildSpecs() {
  const RigidTransform& m = ctToMr();
  std::vector<SeriesSpec> specs;

  SeriesSpec ct;
  ct.key = "ct";
  ct.description = "CT Head phantom 0.9 mm";
  ct.number = 1;
  ct.modality = core::Modality::CT;
  ct.geometry = centredGrid({256, 256, 140}, {0.9, 0.9, 1.25}, Mat3::identity(), {0, -2, 7});
  ct.mrWorld = false;
  ct.imageType = "ORIGINAL\\PRIMARY\\AXIAL";
  ct.kvp = 120;
  ct.units = "HU";
  specs.push_back(ct);

  // T1: oblique sagittal 3D acquisition, 1 mm isotropic: rows run posterior, columns inferior,
  // slices to the right, tilted 10 degrees about L-R and 3 degrees about S-I.
  SeriesSpec t1;
  t1.key = "t1";
  t1.description = "T1 3D GRE sag 1 mm";
  t1.number = 2;
  const Mat3 sag = Mat3::fromColumns({0, 1, 0}, {0, 0, -1}, {-1, 0, 0});
  const Mat3 tilt = Mat3::rotation({1, 0, 0}, 10 * M_PI / 180) * Mat3::rotation({0, 0, 1}, -3 * M_PI / 180);
  t1.geometry = centredGrid({224, 208, 176}, {1, 1, 1}, tilt * sag, m.apply({1.5, 0, 6}));
  t1.imageType = "ORIGINAL\\PRIMARY\\M\\ND";
  // A spoiled 3D gradient echo (an MPRAGE would need InversionTime, which the writer lacks).
  t1.scanningSequence = "GR";
  t1.sequenceVariant = "SP";
  t1.repetitionTimeMs = 11;
  t1.echoTimeMs = 4.6;
  t1.flipAngleDeg = 15;
  t1.fieldStrengthT = 3;
  t1.units = "a.u.";
  specs.push_back(t1);

  SeriesSpec dwi;
  dwi.key = "dwi";
  dwi.description = "DWI 2 mm b1000 32 dir";
  dwi.number = 3;
  dwi.geometry = centredGrid({96, 96, 66}, {2, 2, 2}, Mat3::identity(), m.apply({0, 4, 10}));
  dwi.volumes = kDwiB0Count + kDwiDirections;
  dwi.imageType = "ORIGINAL\\PRIMARY\\DIFFUSION\\NONE";
  dwi.scanningSequence = "EP";
  dwi.sequenceVariant = "SK\\SP";
  dwi.repetitionTimeMs = 8000;
  dwi.echoTimeMs = 85;
  dwi.flipAngleDeg = 90;
  dwi.fieldStrengthT = 3;
  dwi.units = "a.u.";
  specs.push_back(dwi);

  SeriesSpec bold;
  bold.key = "bold";
  bold.description = "BOLD fingertapping 3 mm";
  bold.number = 4;
  bold.geometry = centredGrid({64, 64, 36}, {3, 3, 3}, Mat3::identity(), m.apply({0, 5, 16}));
  bold.volumes = kBoldVolumes;
  bold.imageType = "ORIGINAL\\PRIMARY\\FMRI\\NONE";
  bold.scanningSequence = "EP";
  bold.sequenceVariant = "SK";
  bold.repetitionTimeMs = kBoldTrS * 1000;
  bold.echoTimeMs = 30;
  bold.flipAngleDeg = 77;
  bold.fieldStrengthT = 3;
  bold.units = "a.u.";
  specs.push_back(bold);

  SeriesSpec mag;
  mag.key = "swi_mag";
  mag.description = "SWI magnitude 0.8 mm";
  mag.number = 5;
  mag.geometry = centredGrid({224, 256, 48}, {0.8, 0.8, 1.6}, Mat3::identity(), m.apply({0, 3, 36}));
  mag.imageType = "ORIGINAL\\PRIMARY\\M\\ND";
  mag.scanningSequence = "GR";
  mag.sequenceVariant = "SP";
  mag.repetitionTimeMs = 29;
  mag.echoTimeMs = kSwiEchoTimeMs;
  mag.flipAngleDeg = 15;
  mag.fieldStrengthT = kSwiFieldT;
  mag.units = "a.u.";
  specs.push_back(mag);

  SeriesSpec phase = mag;
  phase.key = "swi_phase";
  phase.description = "SWI phase 0.8 mm";
  phase.number = 6;
  phase.imageType = "ORIGINAL\\PRIMARY\\P\\ND";
  phase.units = "mrad";
  specs.push_back(phase);
  return specs;
}

// Electrostatic repulsion of n antipodally symmetric unit vectors, from a Fibonacci start.
// Deterministic: fixed start, fixed iteration count, sequential arithmetic.
std::vector<Vec3> gradientDirections(int n) {
  std::vector<Vec3> p(static_cast<std::size_t>(n));
  const double golden = M_PI * (3.0 - std::sqrt(5.0));
  for (int i = 0; i < n; ++i) {
    const double z = 1.0 - (i + 0.5) / n;
    const double r = std::sqrt(1 - z * z);
    p[static_cast<std::size_t>(i)] = {r * std::cos(i * golden), r * std::sin(i * golden), z};
  }
  for (int iter = 0; iter < 400; ++iter) {
    const double step = 0.02 * (1.0 - iter / 400.0) + 0.001;
    std::vector<Vec3> force(p.size());
    for (std::size_t i = 0; i < p.size(); ++i)
      for (std::size_t j = 0; j < p.size(); ++j) {
        if (i == j) continue;
        for (double s : {1.0, -1.0}) {
          const Vec3 d = p[i] - p[j] * s;
          const double r = norm(d);
          force[i] += d / (r * r * r);
        }
      }
    for (std::size_t i = 0; i < p.size(); ++i) {
      const Vec3 tangential = force[i] - p[i] * dot(force[i], p[i]);
      p[i] = normalized(p[i] + tangential * (step / n));
    }
  }
  for (auto& v : p) {
    if (v.z < 0) v = -v;  // conventional hemisphere; the sign does not matter to diffusion
    for (int a = 0; a < 3; ++a) v[a] = std::round(v[a] * 1e6) / 1e6;  // as DICOM will hold it
    v = normalized(v);
  }
  return p;
}

// Canonical double-gamma HRF (SPM: peak 6 s, undershoot 16 s, ratio 1/6).
double hrf(double t) {
  if (t <= 0) return 0;
  const auto gammaPdf = [](double x, double a) { return std::exp((a - 1) * std::log(x) - x - std::lgamma(a)); };
  return gammaPdf(t, 6) - gammaPdf(t, 16) / 6.0;
}

StudyTruth buildTruth() {
  const HeadPhantom& ph = HeadPhantom::instance();
  StudyTruth t;
  t.ctToMr = ctToMr();
  t.landmarksCt = ph.landmarks();
  for (const auto& l : ph.landmarks()) t.landmarksMr.push_back({l.name, t.ctToMr.apply(l.position)});
  t.lesionCt = ph.lesion();
  t.lesionMr = {ph.lesion().name, t.ctToMr.apply(ph.lesion().centre), ph.lesion().radius};
  for (const auto& b : ph.bundles()) {
    Polyline l{b.name, {}, b.radius};
    for (const auto& p : b.points) l.points.push_back(t.ctToMr.apply(p));
    t.bundlesMr.push_back(l);
  }
  t.activationMr = {ph.activation().name, t.ctToMr.apply(ph.activation().centre), ph.activation().radius};
  t.activationPercent = kActivationPercent;
  t.repetitionTimeS = kBoldTrS;
  t.boldVolumes = kBoldVolumes;
  t.blockDurationS = kBlockS;
  for (double on = kBlockS; on < kBoldVolumes * kBoldTrS; on += 2 * kBlockS) t.blockOnsetsS.push_back(on);
  // Block design convolved with the HRF (0.05 s steps), scaled so a sustained block reaches 1.
  const double dt = 0.05;
  double area = 0;
  for (double s = dt / 2; s < 32; s += dt) area += hrf(s) * dt;
  for (std::size_t v = 0; v < kBoldVolumes; ++v) {
    const double time = v * kBoldTrS;
    double r = 0;
    for (double s = dt / 2; s < 32 && s <= time; s += dt) {
      const double u = time - s;
      bool on = false;
      for (double o : t.blockOnsetsS) on = on || (u >= o && u < o + kBlockS);
      if (on) r += hrf(s) * dt;
    }
    t.blockRegressor.push_back(r / area);
  }
  const auto dirs = gradientDirections(kDwiDirections);
  for (int i = 0; i < kDwiB0Count; ++i) {
    t.bValues.push_back(0);
    t.gradientsLps.push_back({0, 0, 0});
  }
  for (const auto& d : dirs) {
    t.bValues.push_back(kDwiB);
    t.gradientsLps.push_back(d);
  }
  for (const auto& v : ph.veins()) {
    Polyline l{v.name, {}, v.radius};
    for (const auto& p : v.points) l.points.push_back(t.ctToMr.apply(p));
    t.veinsMr.push_back(l);
  }
  for (const auto& b : ph.microbleeds()) t.microbleedsMr.push_back({b.name, t.ctToMr.apply(b.centre), b.radius});
  t.swiPhaseUnitRad = kPhaseUnitRad;
  return t;
}

}  // namespace

const std::vector<SeriesSpec>& seriesSpecs() {
  static const std::vector<SeriesSpec> specs = buildSpecs();
  return specs;
}

const SeriesSpec& seriesSpec(const std::string& key) {
  for (const auto& s : seriesSpecs())
    if (s.key == key) return s;
  throw core::Error("the sample study has no series '" + key + "'");
}

const StudyTruth& studyTruth() {
  static const StudyTruth truth = buildTruth();
  return truth;
}

core::DicomIdentity detail::identityFor(const SeriesSpec& spec) {
  // Fixed UIDs under a UUID-derived root (2.25.<uuid as integer>), fixed dates: the study is
  // the same every time it is written.
  const std::string root = "2.25.205000774443052545429703360613153055519";
  core::DicomIdentity id;
  id.patientName = "PHANTOM^HEAD";
  id.patientId = "FW-PHANTOM-001";
  id.patientBirthDate = "19700101";
  id.patientSex = "O";
  id.studyInstanceUid = root + ".1";
  id.studyDate = "20240115";
  id.studyTime = "093000";
  id.studyDescription = "Fusion Workstation sample study (digital head phantom)";
  id.studyId = "1";
  id.accessionNumber = "FWSAMPLE1";
  id.seriesInstanceUid = root + ".2." + std::to_string(spec.number);
  id.seriesDescription = spec.description;
  id.seriesNumber = spec.number;
  id.frameOfReferenceUid = root + ".3";
  return id;
}

}  // namespace fw::phantom
