// Deformable stage (B-spline, SyN) on a smooth known deformation of the analytic head phantom.
//
// Data: the phantom (fw::phantom::HeadPhantom, exact tissue regions) rendered as a T1-like image
// on a 2 mm grid, 2x2x2 supersampled so edges carry partial volume, with a little noise.
//   fixed(p)  = T1(D(p)),        D(p) = p + three Gaussian bumps (3.5-5 mm, sigma 18 mm)
//   moving(q) = T1(A^-1(q)),     A = a rigid pose (4 degrees, 5 mm): the "rigid+affine result"
// so the true fixed->moving map is T(p) = A(D(p)) exactly, with no inverse to approximate:
// moving(T(p)) = T1(D(p)) = fixed(p). The stage is given A and must find d(p) ~= D(p) - p.
// Error at points on a 5 mm lattice in the brain (grey, white, deep grey, ventricles):
// |result.apply(p) - A(D(p))|.
#include <QtTest>

#include <atomic>
#include <chrono>
#include <cmath>
#include <random>
#include <thread>

#include "BSplineGrid.h"
#include "Deformable.h"
#include "fw/core/Error.h"
#include "fw/phantom/HeadPhantom.h"
#include "fw/registration/Registration.h"

using namespace fw;
using core::Vec3;
using phantom::Tissue;
using registration::Affine;
using registration::Method;
using registration::Settings;
using registration::Transform;

namespace {

double t1Value(Tissue t) {
  switch (t) {
    case Tissue::Air: return 0;
    case Tissue::Skin: return 500;
    case Tissue::Fat: return 900;
    case Tissue::SoftTissue: return 420;
    case Tissue::CorticalBone: return 40;
    case Tissue::CancellousBone: return 620;
    case Tissue::SinusAir: return 0;
    case Tissue::Dura: return 300;
    case Tissue::Csf: return 150;
    case Tissue::Ventricle: return 110;
    case Tissue::GreyMatter: return 520;
    case Tissue::WhiteMatter: return 760;
    case Tissue::DeepGrey: return 610;
    case Tissue::Lesion: return 430;
    case Tissue::Edema: return 360;
    case Tissue::Vitreous: return 90;
    case Tissue::Lens: return 380;
    case Tissue::CstLeft:
    case Tissue::CstRight:
    case Tissue::Callosal: return 790;
    case Tissue::Vein: return 300;
    case Tissue::VenousSinus: return 250;
    case Tissue::Microbleed: return 100;
    case Tissue::Count: break;
  }
  return 0;
}

bool isBrain(Tissue t) {
  return t == Tissue::GreyMatter || t == Tissue::WhiteMatter || t == Tissue::DeepGrey ||
         t == Tissue::Ventricle || phantom::isBundle(t);
}

struct Bump {
  Vec3 centre, amplitude;
};
const Bump kBumps[] = {
    {{28, -18, 32}, {4.0, -2.0, 2.0}},   // 4.9 mm
    {{-30, 28, 12}, {-2.5, 3.0, -2.0}},  // 4.4 mm
    {{4, 12, -14}, {2.0, 1.5, 2.5}},     // 3.5 mm
};
constexpr double kSigma = 18.0;

Vec3 deform(const Vec3& p) {
  Vec3 q = p;
  for (const auto& b : kBumps) {
    const Vec3 d = p - b.centre;
    q += b.amplitude * std::exp(-core::dot(d, d) / (2 * kSigma * kSigma));
  }
  return q;
}

const Affine& pose() {
  static const Affine a = Affine::rigid({2.0, -1.5, 3.0}, {3.0, -4.0, 1.5}, {0, 0, 0});
  return a;
}

core::ImageGeometry grid() {
  const std::array<std::size_t, 3> n{84, 104, 100};
  const Vec3 sp{2, 2, 2};
  const Vec3 origin{-83, -103, -99};
  return core::ImageGeometry(n, sp, origin, core::Mat3::identity());
}

// T1(map(p)) on the grid, 2x2x2 supersampled, plus Gaussian noise (sd 8) from `seed`.
template <class Map>
core::VolumePtr render(const Map& map, unsigned seed, const char* name) {
  const core::ImageGeometry g = grid();
  auto img = core::allocateImage<core::ImageF32>(g);
  float* dst = img->GetBufferPointer();
  const auto& n = g.size();
  const auto& ph = phantom::HeadPhantom::instance();
  auto slab = [&](std::size_t k0, std::size_t k1) {
    for (std::size_t k = k0; k < k1; ++k)
      for (std::size_t j = 0; j < n[1]; ++j)
        for (std::size_t i = 0; i < n[0]; ++i) {
          double sum = 0;
          for (int s = 0; s < 8; ++s) {
            const Vec3 idx{i + ((s & 1) ? 0.25 : -0.25), j + ((s & 2) ? 0.25 : -0.25),
                           k + ((s & 4) ? 0.25 : -0.25)};
            sum += t1Value(ph.tissueAt(map(g.indexToWorld(idx))));
          }
          dst[i + n[0] * (j + n[1] * k)] = static_cast<float>(sum / 8);
        }
  };
  std::thread other(slab, 0, n[2] / 2);
  slab(n[2] / 2, n[2]);
  other.join();
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.f, 8.f);
  for (std::size_t v = 0; v < g.voxelCount(); ++v) dst[v] = std::max(0.f, dst[v] + noise(rng));
  auto vol = std::make_shared<core::Volume>(img, core::Modality::MR);
  vol->setName(name);
  return vol;
}

struct Data {
  core::VolumePtr fixed, moving;
  std::vector<Vec3> brainPoints;  // fixed world
};

const Data& data() {
  static const Data d = [] {
    Data out;
    out.fixed = render([](const Vec3& p) { return deform(p); }, 11, "phantom T1 deformed");
    const Affine inv = pose().inverse();
    out.moving = render([&](const Vec3& q) { return inv.apply(q); }, 12, "phantom T1 posed");
    const auto& ph = phantom::HeadPhantom::instance();
    for (double z = -60; z <= 70; z += 5)
      for (double y = -90; y <= 90; y += 5)
        for (double x = -70; x <= 70; x += 5) {
          const Vec3 p{x, y, z};
          if (isBrain(ph.tissueAt(deform(p)))) out.brainPoints.push_back(p);
        }
    return out;
  }();
  return d;
}

struct Errors {
  double mean = 0, max = 0, p95 = 0;
};

Errors errorsOf(const Transform& t) {
  std::vector<double> e;
  for (const auto& p : data().brainPoints)
    e.push_back(core::norm(t.apply(p) - pose().apply(deform(p))));
  Errors out;
  for (double v : e) out.mean += v;
  out.mean /= static_cast<double>(e.size());
  std::sort(e.begin(), e.end());
  out.max = e.back();
  out.p95 = e[static_cast<std::size_t>(0.95 * static_cast<double>(e.size() - 1))];
  return out;
}

Settings baseSettings(Method m) {
  Settings s;
  s.method = m;
  s.levels = 2;
  s.bsplineGridSpacingMm = 20.0;
  s.deformableIterations = m == Method::BSpline ? 60 : 40;
  s.samples = 6000;
  s.seed = 3;
  return s;
}

// Mean squared second difference of the field (mm / grid spacing^2): its roughness.
double roughness(const registration::DisplacementField& f) {
  const auto& n = f.grid().size();
  const auto& d = f.data();
  double sum = 0;
  std::size_t count = 0;
  for (std::size_t k = 1; k + 1 < n[2]; ++k)
    for (std::size_t j = 1; j + 1 < n[1]; ++j)
      for (std::size_t i = 1; i + 1 < n[0]; ++i) {
        const std::size_t v = i + n[0] * (j + n[1] * k);
        const std::size_t step[3] = {1, n[0], n[0] * n[1]};
        for (int a = 0; a < 3; ++a)
          for (int c = 0; c < 3; ++c) {
            const double s2 = d[3 * (v + step[a]) + c] - 2 * d[3 * v + c] + d[3 * (v - step[a]) + c];
            sum += s2 * s2;
          }
        ++count;
      }
  return sum / static_cast<double>(count);
}

const registration::DisplacementField& fieldOf(const Transform& t) {
  const auto& stages = t.stages();
  if (stages.size() != 2) throw core::Error("expected field + affine stages");
  return *std::get<std::shared_ptr<const registration::DisplacementField>>(stages.front());
}

double maxDiff(const Transform& x, const Transform& y) {
  const auto& fx = fieldOf(x).data();
  const auto& fy = fieldOf(y).data();
  double m = 0;
  for (std::size_t i = 0; i < fx.size(); ++i) m = std::max(m, double(std::abs(fx[i] - fy[i])));
  return m;
}

// Cancels at the n-th report and records when.
class CancelAfter final : public core::ProgressSink {
 public:
  explicit CancelAfter(int n) : m_n(n) {}
  bool report(double, std::string_view) override {
    if (++m_calls < m_n) return true;
    if (m_calls == m_n) m_when = std::chrono::steady_clock::now();
    return false;
  }
  std::chrono::steady_clock::time_point when() const { return m_when; }
  int calls() const { return m_calls; }

 private:
  int m_n;
  int m_calls = 0;
  std::chrono::steady_clock::time_point m_when;
};

}  // namespace

class DeformableTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    const auto t0 = std::chrono::steady_clock::now();
    const auto& d = data();
    qInfo("phantom pair rendered in %.1f s; %zu brain points",
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
          d.brainPoints.size());
    const Errors none = errorsOf(Transform(pose()));
    qInfo("known deformation at the brain points (error of the linear result alone): mean %.2f, "
          "p95 %.2f, max %.2f mm",
          none.mean, none.p95, none.max);
    QVERIFY(none.max > 3.0);   // the deformation is there to be found
    QVERIFY(none.max < 5.5);
  }

  void bsplineRecoversKnownDeformation() { recover(Method::BSpline); }
  void synRecoversKnownDeformation() { recover(Method::SyN); }

  // Larger regularisation, smoother field (roughness: mean squared second difference).
  void regularisationSmooths_data() {
    QTest::addColumn<int>("method");
    QTest::addColumn<double>("low");
    QTest::addColumn<double>("high");
    QTest::newRow("bspline") << int(Method::BSpline) << 0.0 << 5.0;
    QTest::newRow("syn") << int(Method::SyN) << 0.5 << 4.0;
  }
  void regularisationSmooths() {
    QFETCH(int, method);
    QFETCH(double, low);
    QFETCH(double, high);
    const auto& d = data();
    double rough[2] = {0, 0};
    double err[2] = {0, 0};
    for (int i = 0; i < 2; ++i) {
      Settings s = baseSettings(Method(method));
      s.regularisation = i == 0 ? low : high;
      s.levels = 1;  // one level, a coarser grid: enough to compare, a fraction of the time
      s.bsplineGridSpacingMm = 30;
      s.deformableIterations = 25;
      const auto r = registration::detail::registerDeformable(
          *d.fixed, *d.moving, s, Transform(pose()), core::NullProgress::instance(), {});
      rough[i] = roughness(fieldOf(r.transform));
      err[i] = errorsOf(r.transform).mean;
    }
    qInfo("regularisation %.2f: roughness %.3g mm^2, mean error %.2f mm; %.2f: %.3g, %.2f mm", low,
          rough[0], err[0], high, rough[1], err[1]);
    QVERIFY(rough[0] > 0);
    QVERIFY2(rough[1] < 0.7 * rough[0], "the stronger regularisation gave no smoother field");
  }

  // Cancel during the optimisation: core::Cancelled, and no report after the refused one.
  void cancelStopsPromptly_data() {
    QTest::addColumn<int>("method");
    QTest::newRow("bspline") << int(Method::BSpline);
    QTest::newRow("syn") << int(Method::SyN);
  }
  void cancelStopsPromptly() {
    QFETCH(int, method);
    const auto& d = data();
    CancelAfter sink(6);
    int iterations = 0;
    bool cancelled = false;
    try {
      registration::detail::registerDeformable(*d.fixed, *d.moving, baseSettings(Method(method)),
                                               Transform(pose()), sink,
                                               [&](const auto&) { ++iterations; });
    } catch (const core::Cancelled&) {
      cancelled = true;
    }
    const double latency =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - sink.when()).count();
    qInfo("cancelled after %d iterations; %.3f s from the refused report to the exception",
          iterations, latency);
    QVERIFY(cancelled);
    QCOMPARE(sink.calls(), 6);  // nothing ran on to report again
    QVERIFY(iterations <= 6);
  }

  // Same seed: the same field bit for bit (the metric sums fixed sample chunks in a fixed
  // order; ITK's v4 Mattes, used before, agreed only to 1e-10 mm). Another seed: other samples,
  // another field.
  void deterministicWithSeed() {
    const auto& d = data();
    Settings s = baseSettings(Method::BSpline);
    s.levels = 1;
    s.bsplineGridSpacingMm = 40;
    s.deformableIterations = 15;
    auto run = [&](unsigned seed) {
      s.seed = seed;
      return registration::detail::registerDeformable(
          *d.fixed, *d.moving, s, Transform(pose()), core::NullProgress::instance(), {});
    };
    const auto a = run(5), b = run(5), c = run(6);
    const double other = maxDiff(a.transform, c.transform);
    qInfo("largest field difference: same seed %.2g mm, another seed %.2g mm",
          maxDiff(a.transform, b.transform), other);
    QVERIFY(fieldOf(a.transform).data() == fieldOf(b.transform).data());
    QVERIFY(other > 0.01);
  }

  // SyN (ITK's, dense, no random samples): two runs, and 1 and 2 threads, give the same field
  // to within 1e-4 mm (ITK's threads sum in their own order, so bit for bit is not promised).
  void synRepeatable() {
    const auto& d = data();
    Settings s = baseSettings(Method::SyN);
    s.levels = 1;
    s.deformableIterations = 10;
    auto run = [&] {
      return registration::detail::registerDeformable(
          *d.fixed, *d.moving, s, Transform(pose()), core::NullProgress::instance(), {});
    };
    s.threads = 2;
    const auto a = run(), b = run();
    s.threads = 1;
    const auto c = run();
    const double diff = maxDiff(a.transform, b.transform), threads = maxDiff(a.transform, c.transform);
    double largest = 0;
    for (float v : fieldOf(a.transform).data()) largest = std::max(largest, double(std::abs(v)));
    qInfo("syn twice with 2 threads: largest field difference %.3g mm (%s); 1 vs 2 threads: %.3g "
          "mm (%s); largest displacement %.2f mm",
          diff, fieldOf(a.transform).data() == fieldOf(b.transform).data() ? "bit-identical" : "not bit-identical",
          threads, fieldOf(a.transform).data() == fieldOf(c.transform).data() ? "bit-identical" : "not bit-identical",
          largest);
    QVERIFY(largest > 0.5);
    QVERIFY(diff < 1e-4);
    QVERIFY(threads < 1e-4);
  }

  // 1 and 2 threads give the same field bit for bit (20,000 samples per iteration: above the
  // count from which the metric runs its chunks in parallel).
  void bsplineSameForAnyThreadCount() {
    const auto& d = data();
    Settings s = baseSettings(Method::BSpline);
    s.levels = 1;
    s.bsplineGridSpacingMm = 30;
    s.deformableIterations = 10;
    s.samples = 20000;
    std::vector<float> fields[2];
    for (int t = 1; t <= 2; ++t) {
      s.threads = t;
      const auto r = registration::detail::registerDeformable(
          *d.fixed, *d.moving, s, Transform(pose()), core::NullProgress::instance(), {});
      fields[t - 1] = fieldOf(r.transform).data();
    }
    double largest = 0;
    for (float v : fields[0]) largest = std::max(largest, double(std::abs(v)));
    qInfo("largest displacement %.2f mm", largest);
    QVERIFY(largest > 0.5);  // it moved
    QVERIFY(fields[0] == fields[1]);
  }

  // The control grid: a refined grid is the same field (exact two-scale relation), the weights
  // are a partition of unity, and the bending energy's gradient is its derivative.
  void bsplineGridRefinesExactly() {
    std::mt19937 rng(9);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    const core::Mat3 dir = core::Mat3::rotation(core::normalized(Vec3{1, 2, 3}), 0.4);
    registration::detail::BSplineGrid coarse({-50, -60, -40}, dir, {3, 4, 2}, {40, 30, 45});
    for (double& c : coarse.coefficients()) c = 5 * u(rng);
    const auto fine = coarse.refined({6, 7, 4});
    QVERIFY(fine.spacing() == (Vec3{20, 15, 22.5}));
    double worst = 0;
    for (int i = 0; i < 2000; ++i) {
      const Vec3 local{120 * (u(rng) + 1) / 2, 105 * (u(rng) + 1) / 2, 90 * (u(rng) + 1) / 2};
      const Vec3 p = Vec3{-50, -60, -40} + dir * local;
      registration::detail::BSplineGrid::Support sp;
      QVERIFY(fine.support(p, sp));
      worst = std::max(worst, core::norm(fine.displacement(p) - coarse.displacement(p)));
    }
    qInfo("refined vs coarse grid: largest difference %.2g mm", worst);
    QVERIFY(worst < 1e-9);
    registration::detail::BSplineGrid ones({0, 0, 0}, core::Mat3::identity(), {2, 2, 2}, {10, 10, 10});
    for (std::size_t i = 0; i < ones.coefficients().size(); i += 3) ones.coefficients()[i] = 1.5;
    QVERIFY(std::abs(ones.displacement(Vec3{7.3, 12.9, 3.1}).x - 1.5) < 1e-12);
    QVERIFY(ones.displacement(Vec3{-1, 5, 5}) == Vec3{});  // outside the box: no displacement
    // Bending energy: analytic gradient against central differences.
    std::vector<double> grad(coarse.coefficients().size(), 0.0);
    const double e0 = coarse.bendingEnergy(2.0, &grad);
    QVERIFY(e0 > 0);
    for (std::size_t k : {std::size_t(0), std::size_t(37), std::size_t(100)}) {
      const double h = 1e-5, keep = coarse.coefficients()[k];
      coarse.coefficients()[k] = keep + h;
      const double ep = coarse.bendingEnergy(2.0, nullptr);
      coarse.coefficients()[k] = keep - h;
      const double em = coarse.bendingEnergy(2.0, nullptr);
      coarse.coefficients()[k] = keep;
      QVERIFY(std::abs((ep - em) / (2 * h) - grad[k]) < 1e-6 * std::max(1.0, std::abs(grad[k])));
    }
  }

  // Masks are honoured: with a fixed mask that keeps only the half x < -10 mm (bump 2 at x = -30),
  // bump 2 is recovered and bump 1 (x = +28, 4.9 mm) is left alone.
  void masksAreHonoured_data() {
    QTest::addColumn<int>("method");
    QTest::newRow("bspline") << int(Method::BSpline);
    QTest::newRow("syn") << int(Method::SyN);
  }
  void masksAreHonoured() {
    QFETCH(int, method);
    const auto& d = data();
    auto maskImage = core::allocateImage<core::ImageI16>(grid());
    const core::ImageGeometry g = grid();
    for (std::size_t v = 0; v < g.voxelCount(); ++v) {
      const Vec3 p = g.indexToWorld({double(v % g.size()[0]), double((v / g.size()[0]) % g.size()[1]),
                                     double(v / (g.size()[0] * g.size()[1]))});
      maskImage->GetBufferPointer()[v] = p.x < -10 ? 1 : 0;
    }
    Settings s = baseSettings(Method(method));
    s.fixedMask = std::make_shared<core::Volume>(maskImage, core::Modality::Unknown);
    const auto r = registration::detail::registerDeformable(
        *d.fixed, *d.moving, s, Transform(pose()), core::NullProgress::instance(), {});
    double err[2] = {0, 0}, def[2] = {0, 0};
    std::size_t n[2] = {0, 0};
    for (const auto& p : d.brainPoints) {
      const double dp = core::norm(deform(p) - p);
      if (dp < 1.0) continue;
      const int side = p.x < -10 ? 0 : 1;
      if (side == 1 && p.x < 10) continue;  // a margin: B-spline support is two cells wide
      err[side] += core::norm(r.transform.apply(p) - pose().apply(deform(p)));
      def[side] += dp;
      ++n[side];
    }
    for (int i = 0; i < 2; ++i) {
      err[i] /= double(n[i]);
      def[i] /= double(n[i]);
    }
    qInfo("deformation > 1 mm inside the mask (%zu points, mean %.2f mm): error %.2f mm; beyond "
          "x = +10 mm (%zu points, mean %.2f mm): error %.2f mm",
          n[0], def[0], err[0], n[1], def[1], err[1]);
    QVERIFY(n[0] > 100 && n[1] > 100);
    // Measured: bspline 0.66 of 2.02 mm inside, 2.12 of 2.08 beyond; syn 1.06 of 2.02 inside
    // (its gradient stops at the mask's edge, nearest-neighbour on SyN's 4 mm grid), 2.08 beyond.
    const double inside = Method(method) == Method::BSpline ? 0.5 : 0.65;
    QVERIFY2(err[0] < inside * def[0], "the deformation inside the mask was not recovered");
    QVERIFY2(err[1] > 0.7 * def[1], "the deformation outside the mask was recovered: mask ignored");
  }

  // registerVolumes end to end: rigid, affine, then the deformable stage, from the grid centres
  // (no linear result given), against the same truth A(D(p)).
  void registerVolumesEndToEnd_data() {
    QTest::addColumn<int>("method");
    QTest::newRow("bspline") << int(Method::BSpline);
    QTest::newRow("syn") << int(Method::SyN);
  }
  void registerVolumesEndToEnd() {
    QFETCH(int, method);
    const auto& d = data();
    Settings s = baseSettings(Method(method));
    s.initialiser = registration::Initialiser::Centres;
    std::vector<std::string> stages;
    const auto r = registration::registerVolumes(
        *d.fixed, *d.moving, s, core::NullProgress::instance(),
        [&](const registration::IterationReport& rep) {
          if (stages.empty() || stages.back() != rep.stage) stages.push_back(rep.stage);
        });
    for (const auto& line : r.log) qInfo("%s", line.c_str());
    const Errors before = errorsOf(Transform(pose()));
    const Errors after = errorsOf(r.transform);
    double sumIn = 0, defIn = 0;
    std::size_t nIn = 0;
    for (const auto& p : d.brainPoints) {
      const double dp = core::norm(deform(p) - p);
      if (dp <= 1.0) continue;
      sumIn += core::norm(r.transform.apply(p) - pose().apply(deform(p)));
      defIn += dp;
      ++nIn;
    }
    qInfo("%s end to end: %.1f s; error mean %.2f p95 %.2f max %.2f mm (true pose alone %.2f / "
          "%.2f / %.2f); where the deformation is > 1 mm (mean %.2f mm): %.2f mm",
          Method(method) == Method::BSpline ? "bspline" : "syn", r.seconds, after.mean, after.p95,
          after.max, before.mean, before.p95, before.max, defIn / double(nIn),
          sumIn / double(nIn));
    const std::string last = Method(method) == Method::BSpline ? "bspline" : "syn";
    QCOMPARE(stages, (std::vector<std::string>{"rigid", "affine", last}));
    QCOMPARE(r.transform.stages().size(), std::size_t(2));
    QVERIFY(after.mean < 1.0);
    QVERIFY(sumIn / double(nIn) < 0.5 * defIn / double(nIn));
    QVERIFY(after.p95 < 0.6 * before.p95);
  }

  // NaN voxels (float files can hold them) take no part: a finite field, no crash.
  void bsplineIgnoresNanVoxels() {
    const auto& d = data();
    auto copy = core::allocateImage<core::ImageF32>(grid());
    const auto src = std::get<core::ImageF32::Pointer>(d.fixed->image());
    const std::size_t n = grid().voxelCount();
    std::copy(src->GetBufferPointer(), src->GetBufferPointer() + n, copy->GetBufferPointer());
    for (std::size_t v = 0; v < n; v += 7) copy->GetBufferPointer()[v] = std::nanf("");
    const auto fixed = std::make_shared<core::Volume>(copy, core::Modality::MR);
    Settings s = baseSettings(Method::BSpline);
    s.levels = 1;
    s.bsplineGridSpacingMm = 30;
    s.deformableIterations = 10;
    const auto r = registration::detail::registerDeformable(
        *fixed, *d.moving, s, Transform(pose()), core::NullProgress::instance(), {});
    double largest = 0;
    for (float v : fieldOf(r.transform).data()) {
      QVERIFY(std::isfinite(v));
      largest = std::max(largest, double(std::abs(v)));
    }
    QVERIFY(largest > 0.1);
    QVERIFY(std::isfinite(r.finalMetric));
  }

  // Bad input gets a clear error, not a crash.
  void rejectsBadInput() {
    const auto& d = data();
    Settings s = baseSettings(Method::Rigid);
    QVERIFY_THROWS_EXCEPTION(core::Error, registration::detail::registerDeformable(
        *d.fixed, *d.moving, s, Transform(pose()), core::NullProgress::instance(), {}));
    s.method = Method::BSpline;
    s.bsplineGridSpacingMm = 0;
    QVERIFY_THROWS_EXCEPTION(core::Error, registration::detail::registerDeformable(
        *d.fixed, *d.moving, s, Transform(pose()), core::NullProgress::instance(), {}));
    // A starting transform with a field is not a linear result.
    s.bsplineGridSpacingMm = 20;
    auto field = std::make_shared<const registration::DisplacementField>(
        grid(), std::vector<float>(3 * grid().voxelCount(), 0.f));
    QVERIFY_THROWS_EXCEPTION(core::Error, registration::detail::registerDeformable(
        *d.fixed, *d.moving, s, Transform(field).then(Transform(pose())),
        core::NullProgress::instance(), {}));
    // A mask that leaves no samples.
    auto empty = core::allocateImage<core::ImageI16>(grid());
    s.fixedMask = std::make_shared<core::Volume>(empty, core::Modality::Unknown);
    try {
      registration::detail::registerDeformable(*d.fixed, *d.moving, s, Transform(pose()),
                                               core::NullProgress::instance(), {});
      QFAIL("an empty mask was accepted");
    } catch (const core::Error& e) {
      qInfo("%s", e.what());
      QVERIFY(QString(e.what()).contains("mask"));
    }
  }

 private:
  void recover(Method m) {
    const auto& d = data();
    std::vector<std::string> stages;
    registration::Result r;
    try {
      r = registration::detail::registerDeformable(
          *d.fixed, *d.moving, baseSettings(m), Transform(pose()), core::NullProgress::instance(),
          [&](const registration::IterationReport& rep) {
            if (stages.empty() || stages.back() != rep.stage) stages.push_back(rep.stage);
          });
    } catch (const std::exception& e) {
      QFAIL(e.what());
    }
    for (const auto& line : r.log) qInfo("%s", line.c_str());
    const Errors before = errorsOf(Transform(pose()));
    const Errors after = errorsOf(r.transform);
    qInfo("%s: %.1f s, %d iterations, metric %.4f; error mean %.2f p95 %.2f max %.2f mm "
          "(before %.2f / %.2f / %.2f)",
          m == Method::BSpline ? "bspline" : "syn", r.seconds, r.iterations, r.finalMetric,
          after.mean, after.p95, after.max, before.mean, before.p95, before.max);
    // Split by the size of the deformation: where it is (> 1 mm) and where it is not (< 0.2 mm).
    double sumIn = 0, sumDefIn = 0, sumOut = 0;
    std::size_t nIn = 0, nOut = 0;
    for (const auto& p : d.brainPoints) {
      const double def = core::norm(deform(p) - p);
      const double e = core::norm(r.transform.apply(p) - pose().apply(deform(p)));
      if (def > 1.0) {
        sumIn += e;
        sumDefIn += def;
        ++nIn;
      } else if (def < 0.2) {
        sumOut += e;
        ++nOut;
      }
    }
    qInfo("where the deformation is > 1 mm (%zu points, mean %.2f mm): mean error %.2f mm; "
          "where it is < 0.2 mm (%zu points): mean error %.2f mm",
          nIn, sumDefIn / double(nIn), sumIn / double(nIn), nOut, sumOut / double(nOut));
    QCOMPARE(stages.size(), std::size_t(1));
    QCOMPARE(stages.front(), std::string(m == Method::BSpline ? "bspline" : "syn"));
    QVERIFY(r.iterations > 0);
    // The result is field then the given linear transform.
    QCOMPARE(r.transform.stages().size(), std::size_t(2));
    QVERIFY(std::holds_alternative<Affine>(r.transform.stages().back()));
    // Well below the deformation. Most brain points barely move (the bumps are local), so
    // the mean over all of them is small either way; the bar is set where the deformation is:
    // there the mean error must be under 40% of the mean deformation (2 mm) and the 95th
    // percentile and maximum well under the linear result's. Overall mean under 1 mm (half a
    // voxel of these 2 mm images). Measured: bspline 0.29, syn 0.57 (docs/registration.md).
    QVERIFY2(after.mean < 1.0, qPrintable(QString("mean error %1 mm").arg(after.mean)));
    QVERIFY2(sumIn / double(nIn) < 0.4 * sumDefIn / double(nIn),
             qPrintable(QString("error %1 mm where the deformation is %2 mm")
                            .arg(sumIn / double(nIn)).arg(sumDefIn / double(nIn))));
    QVERIFY(after.p95 < 0.6 * before.p95);
    QVERIFY(after.max < 0.75 * before.max);
  }
};

QTEST_GUILESS_MAIN(DeformableTest)
#include "DeformableTest.moc"
