#include "fw/phantom/HeadPhantom.h"

#include <algorithm>
#include <cmath>

namespace fw::phantom {

using core::Vec3;

namespace {

// Outer surface of the head (scalp): an ellipsoid centred at the origin of the head frame.
constexpr double kHeadRx = 76, kHeadRy = 96, kHeadRz = 92;

inline double sq(double v) { return v * v; }

inline bool inEllipsoid(const Vec3& p, const Vec3& c, const Vec3& r) {
  return sq((p.x - c.x) / r.x) + sq((p.y - c.y) / r.y) + sq((p.z - c.z) / r.z) <= 1.0;
}

inline double smoothstep(double e0, double e1, double x) {
  const double t = std::clamp((x - e0) / (e1 - e0), 0.0, 1.0);
  return t * t * (3 - 2 * t);
}

// Depth below the scalp measured along the ray from the head centre (exact on that ray; close
// to the normal distance for an ellipsoid this round). Negative outside the head.
inline double radialDepth(const Vec3& p) {
  const double rho = std::sqrt(sq(p.x / kHeadRx) + sq(p.y / kHeadRy) + sq(p.z / kHeadRz));
  if (rho < 1e-9) return 1e9;
  return norm(p) * (1.0 / rho - 1.0);
}

// Skull thickness factor: thinner frontally, thicker occipitally (about 10 to 14 mm in all).
inline double skullFactor(double y) { return 1.0 + 0.2 * std::clamp(y / kHeadRy, -1.0, 1.0); }

// Floor of the cranial cavity: anterior fossa (over the orbits) high, posterior fossa low.
inline double cranialFloorZ(double y) { return -22.0 - 36.0 * smoothstep(-40, 40, y); }

// Lowest z of the interhemispheric fissure: above the corpus callosum in the middle, deeper
// in front of and behind it.
inline double fissureBottomZ(double y) { return 30.0 - 45.0 * smoothstep(35, 60, std::abs(y)); }
// The falx bends slightly to the left anteriorly and to the right posteriorly.
inline double falxX(double y) { return -1.5 * std::sin(y / 45.0); }

// Gyral pattern: sulci run where the fold function is near zero.
inline double foldFunction(const Vec3& p) {
  return std::sin(0.23 * p.x + 0.9 * std::sin(0.031 * p.z)) +
         std::sin(0.19 * p.y + 0.7 * std::sin(0.027 * p.x)) +
         std::sin(0.21 * p.z + 0.8 * std::sin(0.029 * p.y));
}

// Brainstem: a capsule from the midbrain down through the foramen magnum.
const Vec3 kStemTop{0, 16, -8}, kStemBottom{0, 22, -110};
constexpr double kStemRadius = 11;

inline double capsuleDistance2(const Vec3& p, const Vec3& a, const Vec3& b) {
  const Vec3 v = b - a;
  const double t = std::clamp(dot(p - a, v) / dot(v, v), 0.0, 1.0);
  const Vec3 d = p - (a + v * t);
  return dot(d, d);
}

Vec3 mirrorX(const Vec3& p) { return {-p.x, p.y, p.z}; }

}  // namespace

const char* tissueName(Tissue t) {
  static const char* const names[] = {
      "air",          "skin",         "fat",         "soft tissue",  "cortical bone",
      "cancellous bone", "sinus air", "dura",        "CSF",          "ventricle",
      "grey matter",  "white matter", "deep grey matter", "lesion", "edema",
      "vitreous",     "lens",         "corticospinal tract left", "corticospinal tract right",
      "callosal tract", "vein",       "venous sinus", "microbleed"};
  static_assert(sizeof(names) / sizeof(names[0]) == static_cast<std::size_t>(Tissue::Count));
  const auto i = static_cast<std::size_t>(t);
  return i < static_cast<std::size_t>(Tissue::Count) ? names[i] : "?";
}

HeadPhantom::Tube HeadPhantom::makeTube(Polyline line, Tissue tissue, double reachFactor) {
  Tube t;
  t.reach = line.radius * reachFactor;
  const double margin = std::max(line.radius, t.reach);
  t.lo = {1e9, 1e9, 1e9};
  t.hi = {-1e9, -1e9, -1e9};
  for (const auto& p : line.points)
    for (int a = 0; a < 3; ++a) {
      t.lo[a] = std::min(t.lo[a], p[a] - margin);
      t.hi[a] = std::max(t.hi[a], p[a] + margin);
    }
  t.line = std::move(line);
  t.tissue = tissue;
  return t;
}

double HeadPhantom::axisDistance2(const Tube& t, const Vec3& p, std::size_t& segment) {
  double best = 1e300;
  segment = 0;
  const auto& pts = t.line.points;
  for (std::size_t s = 0; s + 1 < pts.size(); ++s) {
    const double d2 = capsuleDistance2(p, pts[s], pts[s + 1]);
    if (d2 < best) {
      best = d2;
      segment = s;
    }
  }
  return best;
}

static bool inBox(const Vec3& p, const Vec3& lo, const Vec3& hi) {
  return p.x >= lo.x && p.x <= hi.x && p.y >= lo.y && p.y <= hi.y && p.z >= lo.z && p.z <= hi.z;
}

HeadPhantom::HeadPhantom() {
  // Fibre bundles. Corticospinal-like: motor cortex -> corona radiata -> internal capsule ->
  // cerebral peduncle -> brainstem; curved, one per side.
  Polyline cstL{"corticospinal_left",
                {{22, 14, 60}, {24, 12, 45}, {24, 10, 30}, {25, 8, 15}, {22, 8, 2},
                 {15, 12, -10}, {8, 16, -22}, {6, 18, -35}, {5, 19, -50}},
                3.5};
  Polyline cstR{"corticospinal_right", {}, 3.5};
  for (const auto& p : cstL.points) cstR.points.push_back(mirrorX(p));
  // Callosal-like arc across the midline above the lateral ventricles.
  Polyline cc{"callosal", {}, 4.0};
  for (int i = -6; i <= 6; ++i) {
    const double x = 7.5 * i;
    cc.points.push_back({x, -12, 24 + 16 * sq(x / 45)});
  }
  m_bundles = {cstL, cstR, cc};
  m_bundleTubes = {makeTube(cstL, Tissue::CstLeft, 1), makeTube(cstR, Tissue::CstRight, 1),
                   makeTube(cc, Tissue::Callosal, 1)};

  // Veins. Superior sagittal sinus: in the dura under the vertex, front to back.
  Polyline sss{"superior_sagittal_sinus", {}, 2.5};
  for (double deg = 12; deg <= 190.01; deg += 8) {
    const double a = deg * M_PI / 180;
    const Vec3 d{0, -std::cos(a), std::sin(a)};
    const double s = 1.0 / std::sqrt(sq(d.y / kHeadRy) + sq(d.z / kHeadRz));
    const double r = s - (5 + 7 * skullFactor(s * d.y)) - 2.5;
    const Vec3 p = d * r;
    if (p.z > cranialFloorZ(p.y) + 6) sss.points.push_back(p);
  }
  Polyline straight{"straight_sinus", {{0, 28, 14}, {0, 52, 4}, {0, 76, -10}}, 1.8};
  Polyline icvL{"internal_cerebral_vein_left", {{2.2, -12, 17}, {2.0, 5, 18}, {1.5, 22, 16}, {0.3, 29, 14}}, 1.0};
  Polyline icvR{"internal_cerebral_vein_right", {{-2.2, -12, 17}, {-2.0, 5, 18}, {-1.5, 22, 16}, {-0.3, 29, 14}}, 1.0};
  Polyline m1{"medullary_vein_1", {{-40, -30, 45}, {-28, -22, 35}, {-18, -15, 26}}, 0.7};
  Polyline m2{"medullary_vein_2", {{38, -35, 40}, {27, -25, 31}, {17, -18, 24}}, 0.7};
  Polyline m3{"medullary_vein_3", {{-35, 40, 50}, {-25, 30, 38}, {-16, 20, 28}}, 0.6};
  Polyline m4{"medullary_vein_4", {{-45, -10, 30}, {-36, -8, 22}, {-30, -6, 14}}, 0.6};
  Polyline m5{"medullary_vein_5", {{20, -50, 60}, {18, -42, 45}, {15, -35, 30}}, 0.8};
  Polyline m6{"longitudinal_vein_6", {{30, -45, 20}, {32, -20, 21}, {33, 5, 22}}, 0.7};
  m_veins = {sss, straight, icvL, icvR, m1, m2, m3, m4, m5, m6};
  for (const auto& v : m_veins)
    m_veinTubes.push_back(makeTube(v, v.radius >= 1.5 ? Tissue::VenousSinus : Tissue::Vein, 6));

  m_microbleeds = {{"microbleed_1", {-30, -25, 42}, 1.5},
                   {"microbleed_2", {25, 45, 20}, 1.2},
                   {"microbleed_3", {-14, -25, 12}, 1.0},
                   {"microbleed_4", {40, -5, 50}, 1.8},
                   {"microbleed_5", {-38, 30, 25}, 1.3}};

  m_veinLo = m_bundleLo = {1e9, 1e9, 1e9};
  m_veinHi = m_bundleHi = {-1e9, -1e9, -1e9};
  for (int a = 0; a < 3; ++a) {
    for (const auto& t : m_veinTubes) {
      m_veinLo[a] = std::min(m_veinLo[a], t.lo[a]);
      m_veinHi[a] = std::max(m_veinHi[a], t.hi[a]);
    }
    for (const auto& b : m_microbleeds) {
      m_veinLo[a] = std::min(m_veinLo[a], b.centre[a] - 6 * b.radius);
      m_veinHi[a] = std::max(m_veinHi[a], b.centre[a] + 6 * b.radius);
    }
    for (const auto& t : m_bundleTubes) {
      m_bundleLo[a] = std::min(m_bundleLo[a], t.lo[a]);
      m_bundleHi[a] = std::max(m_bundleHi[a], t.hi[a]);
    }
  }

  m_lesion = {"lesion", {34, 35, 30}, 8.0};
  m_edema = {"edema", {34, 35, 30}, 13.0};
  m_activation = {"activation", {36, 18, 54}, 10.0};

  m_landmarks = {{"lesion_centre", m_lesion.centre},
                 {"left_lens", {30, -71, -40}},
                 {"right_lens", {-30, -71, -40}},
                 {"left_lateral_ventricle", {13, 2, 12}},
                 {"right_lateral_ventricle", {-12, 3, 11}},
                 {"fourth_ventricle", {0, 34, -36}},
                 {"frontal_sinus", {7, -86, 14.4}},
                 {"vertex_inner_table", {0, 0, 92 - (5 + 7 * skullFactor(0))}},
                 {"left_thalamus", {9.5, 10, 2}},
                 {"callosal_midline", {0, -12, 24}}};
}

const HeadPhantom& HeadPhantom::instance() {
  static const HeadPhantom phantom;
  return phantom;
}

Tissue HeadPhantom::tissueAt(const Vec3& p) const {
  const double depth = radialDepth(p);
  if (depth < 0) return Tissue::Air;
  if (depth < 1.5) return Tissue::Skin;

  const double zf = cranialFloorZ(p.y);
  // Face: orbits, nasal cavity, maxillary sinuses (under the anterior cranial fossa).
  if (p.y < -25 && p.z < zf + 3) {
    for (double s : {1.0, -1.0}) {
      const Vec3 eye{s * 30, -62, -40};
      if (dot(p - eye, p - eye) < sq(11.5))
        return inEllipsoid(p, eye + Vec3{0, -9, 0}, {4.5, 2.0, 4.5}) ? Tissue::Lens : Tissue::Vitreous;
      const Vec3 orbit{s * 28, -54, -40};
      if (inEllipsoid(p, orbit, {15, 20, 13})) return Tissue::Fat;
      if (p.y > orbit.y - 8 && inEllipsoid(p, orbit, {17.5, 22.5, 15.5})) return Tissue::CorticalBone;
      const Vec3 maxillary{s * 24, -45, -62};
      if (inEllipsoid(p, maxillary, {10, 12, 11})) return Tissue::SinusAir;
      if (inEllipsoid(p, maxillary, {12, 14, 13})) return Tissue::CorticalBone;
    }
    if (inEllipsoid(p, {0, -50, -58}, {8, 14, 14}))
      return std::abs(p.x) < 0.8 ? Tissue::CorticalBone : Tissue::SinusAir;  // septum
  }
  if (depth < 4.5) return Tissue::Fat;
  if (depth < 5.0) return Tissue::SoftTissue;

  const double sf = skullFactor(p.y);
  const double innerTable = 5 + 7 * sf;
  if (depth < innerTable) {
    // Frontal sinus: off the midline, in the diploe and the outer part of the inner table.
    if (depth > 6 && depth < innerTable - 0.8 && inEllipsoid(p, {7, -86, 14.4}, {13, 3.5, 9}))
      return Tissue::SinusAir;
    if (depth < 5 + 2 * sf) return Tissue::CorticalBone;
    if (depth < 5 + 5 * sf) return Tissue::CancellousBone;
    return Tissue::CorticalBone;
  }
  const double inner = depth - innerTable;  // below the inner table

  const double stem2 = capsuleDistance2(p, kStemTop, kStemBottom);
  if (p.z < zf) {
    // Below the cranial floor: the brainstem passes through the foramen magnum.
    if (stem2 < sq(kStemRadius)) {
      for (const auto& t : m_bundleTubes) {
        std::size_t seg;
        if (inBox(p, t.lo, t.hi) && axisDistance2(t, p, seg) < sq(t.line.radius)) return t.tissue;
      }
      return Tissue::WhiteMatter;
    }
    if (p.z > zf - 7) return stem2 < sq(kStemRadius + 2.5) ? Tissue::Csf : Tissue::CorticalBone;
    return Tissue::SoftTissue;
  }

  // Cranial cavity. Veins and microbleeds first: they cut through everything.
  if (inBox(p, m_veinLo, m_veinHi)) {
    for (const auto& t : m_veinTubes) {
      std::size_t seg;
      if (inBox(p, t.lo, t.hi) && axisDistance2(t, p, seg) < sq(t.line.radius)) return t.tissue;
    }
    for (const auto& b : m_microbleeds)
      if (dot(p - b.centre, p - b.centre) < sq(b.radius)) return Tissue::Microbleed;
  }
  if (inner < 1.0) return Tissue::Dura;
  const double brainDepth = std::min(inner - 3.5, p.z - zf - 2.5);
  if (brainDepth < 0 && stem2 >= sq(kStemRadius)) return Tissue::Csf;
  return brainTissue(p, brainDepth);
}

Tissue HeadPhantom::brainTissue(const Vec3& p, double brainDepth) const {
  const double l2 = dot(p - m_lesion.centre, p - m_lesion.centre);
  if (l2 < sq(m_edema.radius)) return l2 < sq(m_lesion.radius) ? Tissue::Lesion : Tissue::Edema;

  const bool deep = std::abs(p.x) < 36 && p.y > -35 && p.y < 45 && p.z > -50 && p.z < 32;
  if (deep) {
    if (inEllipsoid(p, {13, 2, 12}, {7.5, 24, 8.5}) || inEllipsoid(p, {16, 30, 6}, {4, 10, 5}) ||
        inEllipsoid(p, {-12, 3, 11}, {6.5, 22, 7.5}) || inEllipsoid(p, {0, 5, -2}, {2, 12, 8}) ||
        inEllipsoid(p, {0, 34, -36}, {6, 4, 7}))
      return Tissue::Ventricle;
  }
  if (inBox(p, m_bundleLo, m_bundleHi)) {
    for (const auto& t : m_bundleTubes) {
      std::size_t seg;
      if (inBox(p, t.lo, t.hi) && axisDistance2(t, p, seg) < sq(t.line.radius)) return t.tissue;
    }
  }
  const double stem2 = capsuleDistance2(p, kStemTop, kStemBottom);
  if (stem2 < sq(kStemRadius)) return Tissue::WhiteMatter;
  if (deep) {
    for (double s : {1.0, -1.0}) {
      if (inEllipsoid(p, {s * 9.5, 10, 2}, {7, 11, 7}) || inEllipsoid(p, {s * 14, -17, 9}, {4.5, 8, 7}) ||
          inEllipsoid(p, {s * 28, -2, 0}, {5, 13, 8}))
        return Tissue::DeepGrey;
    }
  }
  // Cerebellum under the tentorium: cortex around a white-matter core, CSF around it.
  const Vec3 cb{0, 52, -40};
  if (inEllipsoid(p, cb, {50.5, 34.5, 20.5})) {
    if (!inEllipsoid(p, cb, {48, 32, 18})) return Tissue::Csf;
    if (inEllipsoid(p, {0, 48, -38}, {25, 15, 9})) return Tissue::WhiteMatter;
    return std::abs(std::sin(0.9 * (p.z + 0.3 * p.y))) < 0.2 ? Tissue::Csf : Tissue::GreyMatter;
  }
  // Interhemispheric fissure with the falx, lined by medial cortex.
  if (p.z > fissureBottomZ(p.y)) {
    const double dx = std::abs(p.x - falxX(p.y));
    if (dx < 0.6) return Tissue::Dura;
    if (dx < 1.6) return Tissue::Csf;
    if (dx < 4.6) return Tissue::GreyMatter;
  }
  // Cortex with sulci.
  if (brainDepth < 12) {
    const double f = foldFunction(p);
    if (std::abs(f) < 0.12 && brainDepth < 9) return Tissue::Csf;
    if (brainDepth < 3 || (std::abs(f) < 1.0 && brainDepth < 10.5)) return Tissue::GreyMatter;
  }
  return Tissue::WhiteMatter;
}

Vec3 HeadPhantom::bundleDirection(Tissue bundle, const Vec3& p) const {
  for (const auto& t : m_bundleTubes) {
    if (t.tissue != bundle) continue;
    std::size_t seg;
    axisDistance2(t, p, seg);
    return normalized(t.line.points[seg + 1] - t.line.points[seg]);
  }
  return {0, 0, 1};
}

double HeadPhantom::fieldShiftPpm(const Vec3& p, const Vec3& b0) const {
  if (!inBox(p, m_veinLo, m_veinHi)) return 0.0;
  double field = 0.0;
  for (const auto& t : m_veinTubes) {
    if (!inBox(p, t.lo, t.hi)) continue;
    std::size_t seg;
    const double r2 = axisDistance2(t, p, seg);
    if (r2 > sq(t.reach)) continue;
    const Vec3& a = t.line.points[seg];
    const Vec3 u = normalized(t.line.points[seg + 1] - a);
    const double cosT = dot(u, b0);
    const double a2 = sq(t.line.radius);
    if (r2 < a2) {
      field += kVeinChiPpm / 6.0 * (3 * cosT * cosT - 1);
    } else {
      // Outside an infinite cylinder: chi/2 (a/r)^2 sin^2(theta) cos(2 phi), phi measured in
      // the plane normal to the axis from the projection of B0.
      const Vec3 ap = p - a;
      const Vec3 w = ap - u * dot(ap, u);
      const Vec3 bPerp = b0 - u * cosT;
      const double nb = norm(bPerp);
      if (nb < 1e-9) continue;
      const double cosPhi = dot(w, bPerp) / (std::sqrt(r2) * nb);
      field += kVeinChiPpm / 2.0 * (a2 / r2) * (1 - cosT * cosT) * (2 * cosPhi * cosPhi - 1);
    }
  }
  for (const auto& b : m_microbleeds) {
    const Vec3 d = p - b.centre;
    const double r2 = dot(d, d);
    const double a2 = sq(b.radius);
    if (r2 < a2 || r2 > 36 * a2) continue;  // zero inside a sphere (Lorentz-corrected)
    const double cosT2 = sq(dot(d, b0)) / r2;
    field += kMicrobleedChiPpm / 3.0 * std::pow(a2 / r2, 1.5) * (3 * cosT2 - 1);
  }
  return field;
}

}  // namespace fw::phantom
