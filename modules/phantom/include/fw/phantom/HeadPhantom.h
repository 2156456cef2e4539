#pragma once
// The analytic digital head phantom: every tissue is a closed-form region (ellipsoids, shells,
// tubes around polylines, periodic "gyri") in the head frame, which is the CT world of the
// sample study (LPS millimetres, origin near the centre of the brain). Modalities sample it on
// their own grids (see SampleStudy.h); nothing here depends on a grid, so the truth is exact.
// Asymmetric internal structure (unequal ventricles, a falx that bends, a frontal sinus off the
// midline, an off-centre lesion) keeps rigid registration well-posed.
#include <cstdint>
#include <string>
#include <vector>

#include "fw/core/Geometry.h"

namespace fw::phantom {

// Tissue labels. The numeric values are the ones written to the truth label maps.
enum class Tissue : std::uint8_t {
  Air = 0,
  Skin,
  Fat,
  SoftTissue,      // galea, muscle, face and neck
  CorticalBone,    // inner and outer tables, skull base, orbit walls
  CancellousBone,  // diploe (fatty marrow)
  SinusAir,        // frontal, maxillary sinuses and nasal cavity
  Dura,            // dura and falx
  Csf,             // subarachnoid space, sulci, cisterns
  Ventricle,       // ventricular CSF
  GreyMatter,
  WhiteMatter,
  DeepGrey,        // thalami, caudate, lentiform nuclei
  Lesion,          // hyperdense on CT
  Edema,           // around the lesion
  Vitreous,
  Lens,
  CstLeft,         // corticospinal-like bundle, patient left (+x)
  CstRight,
  Callosal,        // callosal-like arc crossing left-right
  Vein,            // small veins (SWI)
  VenousSinus,     // superior sagittal and straight sinus
  Microbleed,
  Count
};
const char* tissueName(Tissue t);
inline bool isBundle(Tissue t) { return t == Tissue::CstLeft || t == Tissue::CstRight || t == Tissue::Callosal; }

// A tube around a polyline (LPS mm).
struct Polyline {
  std::string name;
  std::vector<core::Vec3> points;
  double radius = 0;
};

// A sphere (LPS mm).
struct Ball {
  std::string name;
  core::Vec3 centre;
  double radius = 0;
};

// A named anatomical point, for target registration error.
struct NamedPoint {
  std::string name;
  core::Vec3 position;
};

class HeadPhantom {
 public:
  // The one phantom definition (immutable, thread-safe to query).
  static const HeadPhantom& instance();

  // Tissue at a point of the head frame (CT world, LPS mm).
  Tissue tissueAt(const core::Vec3& p) const;

  // Unit tangent of the bundle's centreline nearest to p (sign arbitrary but continuous).
  core::Vec3 bundleDirection(Tissue bundle, const core::Vec3& p) const;

  // Susceptibility field shift of the veins and microbleeds at p, in ppm of B0, for a main
  // field along unit vector b0 (head frame). Infinite-cylinder and sphere (dipole) models,
  // Lorentz-corrected. Zero far from every source.
  double fieldShiftPpm(const core::Vec3& p, const core::Vec3& b0) const;

  // Truth, all in the head frame.
  const std::vector<Polyline>& bundles() const { return m_bundles; }  // CST left, CST right, callosal
  const std::vector<Polyline>& veins() const { return m_veins; }
  const std::vector<Ball>& microbleeds() const { return m_microbleeds; }
  const Ball& lesion() const { return m_lesion; }
  const Ball& edema() const { return m_edema; }
  const Ball& activation() const { return m_activation; }  // BOLD task blob
  const std::vector<NamedPoint>& landmarks() const { return m_landmarks; }

  // Susceptibility differences used by fieldShiftPpm (ppm, SI).
  static constexpr double kVeinChiPpm = 0.45;
  static constexpr double kMicrobleedChiPpm = 1.5;

 private:
  HeadPhantom();
  struct Tube {
    Polyline line;
    core::Vec3 lo, hi;  // bounding box of the tube
    Tissue tissue;
    double reach;       // field is ignored beyond this distance from the axis
  };
  static Tube makeTube(Polyline line, Tissue tissue, double reachFactor);
  // Squared distance from p to the tube's axis; segment index and axial parameter out.
  static double axisDistance2(const Tube& t, const core::Vec3& p, std::size_t& segment);

  Tissue brainTissue(const core::Vec3& p, double brainDepth) const;

  std::vector<Polyline> m_bundles;
  std::vector<Polyline> m_veins;
  std::vector<Ball> m_microbleeds;
  std::vector<Tube> m_bundleTubes;
  std::vector<Tube> m_veinTubes;
  core::Vec3 m_veinLo, m_veinHi;  // bounding box of all vein and bundle tubes (fast reject)
  core::Vec3 m_bundleLo, m_bundleHi;
  Ball m_lesion, m_edema, m_activation;
  std::vector<NamedPoint> m_landmarks;
};

}  // namespace fw::phantom
