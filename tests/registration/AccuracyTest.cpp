// Accuracy of the linear engine: the sample study's T1 (fixed) and CT (moving) with the known
// rigid truth; real images moved by known rigid transforms; determinism, cancel, bad input.
#include <QtTest>

#include <functional>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "TestData.h"
#include "fw/core/Error.h"
#include "fw/phantom/SampleStudy.h"
#include "fw/registration/Accuracy.h"
#include "fw/registration/Registration.h"
#include "fw/registration/Resample.h"

using namespace fw;
using namespace fw::registration;

namespace {

// The phantom's truth as our transform: fixed = MR T1, moving = CT, so fixed -> moving is
// MR world -> CT world = ctToMr^-1.
Transform phantomTruthMrToCt() {
  const auto inv = phantom::studyTruth().ctToMr.inverse();
  Affine a;
  a.matrix = inv.rotation;
  a.translation = inv.translation;
  return Transform(a);
}

// The same voxels as another pixel type (values must fit it).
template <class ImageT>
core::VolumePtr copyAs(const core::Volume& v) {
  auto img = core::allocateImage<ImageT>(v.geometry());
  auto* dst = img->GetBufferPointer();
  v.visitData([&](const auto* src) {
    for (std::size_t i = 0; i < v.geometry().voxelCount(); ++i)
      dst[i] = static_cast<typename ImageT::PixelType>(src[i]);
  });
  return std::make_shared<core::Volume>(core::Volume::ImageVariant(img), v.modality(), v.units());
}

}  // namespace

class AccuracyTest : public QObject {
  Q_OBJECT
 private:
  core::VolumePtr m_ct, m_t1;

 private slots:
  void initTestCase() {
    m_ct = phantom::makeCt();
    m_t1 = phantom::makeT1();
  }

  void phantomRigidCtToT1() {
    Settings s;
    s.method = Method::Rigid;
    s.initialiser = Initialiser::Centres;
    const Result r = registerVolumes(*m_t1, *m_ct, s);
    for (const auto& l : r.log) std::printf("  %s\n", l.c_str());
    const auto points = pointsInBody(*m_t1, 500, 3);
    const Tre tre = targetRegistrationError(r.transform, phantomTruthMrToCt(), points);
    std::printf("phantom rigid T1<-CT: mean TRE %.3f mm, max %.3f mm over %zu points, %.2f s, "
                "metric %.4f\n", tre.mean, tre.max, tre.points, r.seconds, r.finalMetric);
    QVERIFY(tre.points == 500);
    QVERIFY2(tre.mean < 0.5, qPrintable(QString("mean TRE %1 mm").arg(tre.mean)));
    QVERIFY2(tre.max < 1.0, qPrintable(QString("max TRE %1 mm").arg(tre.max)));
  }

  // The other way round (fixed CT, moving T1: truth ctToMr), affine after rigid, moments start.
  void phantomAffineT1ToCt() {
    Settings s;
    s.method = Method::Affine;
    s.initialiser = Initialiser::Moments;
    const Result r = registerVolumes(*m_ct, *m_t1, s);
    const auto& t = phantom::studyTruth().ctToMr;
    Affine truth;
    truth.matrix = t.rotation;
    truth.translation = t.translation;
    const Tre tre =
        targetRegistrationError(r.transform, Transform(truth), pointsInBody(*m_ct, 500, 4));
    std::printf("phantom affine CT<-T1: mean TRE %.3f mm, max %.3f mm, %.2f s\n", tre.mean,
                tre.max, r.seconds);
    QVERIFY2(tre.mean < 0.5, qPrintable(QString("mean TRE %1 mm").arg(tre.mean)));
    QVERIFY2(tre.max < 1.0, qPrintable(QString("max TRE %1 mm").arg(tre.max)));
  }

  // The finest level is sampled in the volume's own pixel type (no float copy): int16, uint16
  // and float copies of the same voxels must give the same transform to the last bit.
  void pixelTypesGiveTheSameTransform() {
    const auto range = m_t1->valueRange();
    QVERIFY2(range.first >= 0 && range.second <= 32767, "T1 values must fit int16 and uint16");
    Settings s;
    s.levels = 2;
    s.iterations = 30;
    std::vector<std::array<double, 16>> results;
    for (const core::VolumePtr& moving :
         {copyAs<core::ImageI16>(*m_t1), copyAs<core::ImageU16>(*m_t1), copyAs<core::ImageF32>(*m_t1)})
      results.push_back(registerVolumes(*m_ct, *moving, s).transform.asAffine()->toMatrix4());
    QVERIFY(results[0] == results[1]);
    QVERIFY(results[0] == results[2]);
  }

  // A moving mask drawn on the moving grid is copied as it is (no world lookup per voxel): the
  // same mask placed 0.001 mm off that grid (looked up voxel by voxel, same nearest voxels) must
  // give the same transform on one full-resolution level (coarse levels are looked up either
  // way, and block centres tie between mask voxels), and a masked result stays on the truth.
  void movingMaskOnTheMovingGrid() {
    const core::ImageGeometry& g = m_ct->geometry();
    auto onGrid = core::allocateImage<core::ImageI16>(g);
    m_ct->visitData([&](const auto* src) {
      for (std::size_t v = 0; v < g.voxelCount(); ++v)
        onGrid->GetBufferPointer()[v] = src[v] > -400 ? 1 : 0;
    });
    const core::ImageGeometry nudged(g.size(), g.spacing(), g.origin() + core::Vec3{1e-3, 0, 0},
                                     g.direction());
    auto offGrid = core::allocateImage<core::ImageI16>(nudged);
    std::copy(onGrid->GetBufferPointer(), onGrid->GetBufferPointer() + g.voxelCount(),
              offGrid->GetBufferPointer());
    Settings one;
    one.levels = 1;
    one.iterations = 20;
    one.movingMask = std::make_shared<core::Volume>(onGrid);
    const Result a = registerVolumes(*m_t1, *m_ct, one);
    one.movingMask = std::make_shared<core::Volume>(offGrid);
    const Result b = registerVolumes(*m_t1, *m_ct, one);
    QVERIFY(a.transform.asAffine()->toMatrix4() == b.transform.asAffine()->toMatrix4());
    Settings s;
    s.movingMask = std::make_shared<core::Volume>(onGrid);
    const Tre tre = targetRegistrationError(registerVolumes(*m_t1, *m_ct, s).transform,
                                            phantomTruthMrToCt(), pointsInBody(*m_t1, 500, 3));
    std::printf("phantom rigid T1<-CT with a moving body mask: mean TRE %.3f mm, max %.3f mm\n",
                tre.mean, tre.max);
    QVERIFY(tre.mean < 0.5 && tre.max < 1.0);
  }

  void sameSeedSameTransformAnyThreads() {
    Settings s;
    s.levels = 2;
    s.seed = 42;
    s.threads = 1;
    const Result a = registerVolumes(*m_t1, *m_ct, s);
    s.threads = 2;
    const Result b = registerVolumes(*m_t1, *m_ct, s);
    const auto ma = a.transform.asAffine()->toMatrix4(), mb = b.transform.asAffine()->toMatrix4();
    for (int i = 0; i < 16; ++i) QCOMPARE(ma[i], mb[i]);  // bit-identical
    QCOMPARE(a.iterations, b.iterations);
    s.seed = 43;
    const Result c = registerVolumes(*m_t1, *m_ct, s);
    QVERIFY(c.transform.asAffine()->toMatrix4() != ma);  // the seed does change the samples
  }

  void progressIterationsAndCancel() {
    // Progress rises to 1 and every iteration is reported.
    struct Recorder : core::ProgressSink {
      double last = 0;
      bool monotone = true;
      bool report(double f, std::string_view) override {
        if (f + 1e-9 < last) monotone = false;
        last = f;
        return true;
      }
    } rec;
    int reports = 0;
    Settings s;
    s.levels = 2;
    const Result r = registerVolumes(*m_t1, *m_ct, s, rec, [&](const IterationReport& it) {
      QCOMPARE(it.stage, std::string("rigid"));
      QCOMPARE(it.levels, 2);
      ++reports;
    });
    QCOMPARE(reports, r.iterations);
    QVERIFY(rec.monotone);
    QCOMPARE(rec.last, 1.0);
    // Cancel from another thread while it runs: Cancelled, promptly.
    core::JobControl job;
    std::atomic<bool> started{false};
    std::chrono::steady_clock::time_point cancelAt;
    std::thread canceller([&] {
      while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      cancelAt = std::chrono::steady_clock::now();
      job.requestCancel();
    });
    Settings many;
    many.samples = 20000;
    many.iterations = 100000;  // would run for minutes without the cancel
    bool cancelled = false;
    try {
      registerVolumes(*m_t1, *m_ct, many, job, [&](const IterationReport&) { started = true; });
    } catch (const core::Cancelled&) {
      cancelled = true;
    }
    const double delay =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - cancelAt).count();
    canceller.join();
    QVERIFY(cancelled);
    std::printf("cancel took effect after %.3f s\n", delay);
    QVERIFY2(delay < 2.0, qPrintable(QString("%1 s").arg(delay)));  // 0.5 s goal; loaded machine
  }

  void badInputGivesClearErrors() {
    auto expectError = [](const std::function<void()>& f, const char* words) {
      try {
        f();
        QFAIL("no error");
      } catch (const core::Cancelled&) {
        QFAIL("cancelled instead of an error");
      } catch (const core::Error& e) {
        QVERIFY2(std::string(e.what()).find(words) != std::string::npos, e.what());
      }
    };
    // A constant moving volume.
    core::ImageGeometry g({20, 20, 20}, {2, 2, 2}, {0, 0, 0}, core::Mat3::identity());
    auto flat = std::make_shared<core::Volume>(core::allocateImage<core::ImageF32>(g));
    flat->setName("flat.nii");
    expectError([&] { registerVolumes(*m_t1, *flat, Settings{}); }, "flat.nii");
    // A fixed mask that does not overlap the fixed volume.
    core::ImageGeometry far({10, 10, 10}, {1, 1, 1}, {5000, 5000, 5000}, core::Mat3::identity());
    auto maskImg = core::allocateImage<core::ImageI16>(far);
    maskImg->FillBuffer(1);
    Settings s;
    s.fixedMask = std::make_shared<core::Volume>(maskImg);
    expectError([&] { registerVolumes(*m_t1, *m_ct, s); }, "fixed mask");
    s.fixedMask = nullptr;
    s.movingMask = std::make_shared<core::Volume>(maskImg);
    expectError([&] { registerVolumes(*m_t1, *m_ct, s); }, "moving mask");
    // Volumes that do not overlap at the start.
    Settings apart;
    apart.initialiser = Initialiser::Identity;
    apart.initial = Transform(Affine::rigid({0, 0, 0}, {3000, 0, 0}));
    expectError([&] { registerVolumes(*m_t1, *m_ct, apart); }, "do not overlap");
    // Wrong settings.
    Settings bad;
    bad.levels = 0;
    expectError([&] { registerVolumes(*m_t1, *m_ct, bad); }, "levels");
    expectError([] { methodFromName("elastic"); }, "rigid, affine, bspline or syn");
    Settings shear;
    Affine a = Affine::identity();
    a.matrix(0, 1) = 0.3;
    shear.initial = Transform(a);
    expectError([&] { registerVolumes(*m_t1, *m_ct, shear); }, "must be rigid");
  }
};

QTEST_GUILESS_MAIN(AccuracyTest)
#include "AccuracyTest.moc"
