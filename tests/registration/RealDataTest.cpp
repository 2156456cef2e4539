// The engine on real images (../shared/data; skipped when absent): Colin27 T1 moved by known
// rigid transforms up to 15 degrees and 30 mm (TRE must stay below the 1 mm voxel), and the
// porcine CT/T2 pair (different frames of reference, the specimen upside down in one of them)
// must land on the landmark truth (data/porcine-landmarks.json) for any seed.
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "Archive.h"
#include "PorcineLandmarks.h"
#include "TestData.h"
#include "fw/core/Error.h"
#include "fw/dicom/Scan.h"
#include "fw/dicom/SeriesReader.h"
#include "fw/io/ImageFile.h"
#include "fw/registration/Accuracy.h"
#include "fw/registration/Registration.h"
#include "fw/registration/Resample.h"

using namespace fw;
using namespace fw::registration;

namespace {

core::VolumePtr loadDicomArchive(const std::filesystem::path& archive, const std::string& name) {
  const auto dir = test::extractArchive(archive, name);
  const auto scan = dicom::scan(dir, core::NullProgress::instance());
  if (scan.series.size() != 1) throw core::Error("expected one series in " + archive.string());
  auto loaded = dicom::loadSeries(scan.series.front(), core::NullProgress::instance());
  return loaded.volumes.front();
}

}  // namespace

class RealDataTest : public QObject {
  Q_OBJECT
 private:
  std::filesystem::path m_colin, m_porcine;

 private slots:
  void initTestCase() {
    m_colin = test::requireSharedData("nifti_colin27/ch2.nii.gz");
    m_porcine = test::requireSharedData("ctmr_mridir_porcine");
  }

  void colinMovedByKnownRigid_data() {
    QTest::addColumn<double>("rx");
    QTest::addColumn<double>("ry");
    QTest::addColumn<double>("rz");
    QTest::addColumn<double>("tx");
    QTest::addColumn<double>("ty");
    QTest::addColumn<double>("tz");
    QTest::addColumn<bool>("moments");
    QTest::newRow("15deg_30mm") << 15.0 << -6.0 << 8.0 << 20.0 << -18.0 << 12.0 << true;
    // The grid centres leave this case ~28 mm and 15 degrees off: beyond mutual information's
    // capture range at 4 mm from one start (it used to stop in a local optimum, TRE 32 mm); the
    // rigid stage's search over rotations and shifts at the coarsest level must recover it.
    QTest::newRow("15deg_30mm_centres") << 15.0 << -6.0 << 8.0 << 20.0 << -18.0 << 12.0 << false;
    QTest::newRow("small") << -3.0 << 2.0 << -4.0 << -5.0 << 4.0 << 7.0 << false;
  }
  void colinMovedByKnownRigid() {
    QFETCH(double, rx);
    QFETCH(double, ry);
    QFETCH(double, rz);
    QFETCH(double, tx);
    QFETCH(double, ty);
    QFETCH(double, tz);
    QFETCH(bool, moments);
    const core::VolumePtr fixed = io::readImageFile(m_colin);
    const auto& g = fixed->geometry();
    // truth: fixed -> moving, rotating about the head's centre. moving(q) = fixed(truth^-1 q),
    // on a grid padded by 40 mm so nothing of the head leaves it.
    const Affine truth = Affine::rigid({rx, ry, rz}, {tx, ty, tz}, g.center());
    const core::ImageGeometry padded({g.size()[0] + 80, g.size()[1] + 80, g.size()[2] + 80},
                                     g.spacing(), g.indexToWorld({-40, -40, -40}), g.direction());
    const core::VolumePtr moving = resample(*fixed, padded, Transform(truth.inverse()));
    Settings s;
    // Moments: the body centroids start within a few mm; centres: the grid centres.
    s.initialiser = moments ? Initialiser::Moments : Initialiser::Centres;
    const Result r = registerVolumes(*fixed, *moving, s);
    for (const auto& l : r.log) std::printf("  %s\n", l.c_str());
    const Tre tre = targetRegistrationError(r.transform, Transform(truth),
                                            pointsInBody(*fixed, 1000, 11));
    std::printf("colin27 moved by (%.0f,%.0f,%.0f) deg (%.0f,%.0f,%.0f) mm: mean TRE %.3f mm, "
                "max %.3f mm, %.2f s\n", rx, ry, rz, tx, ty, tz, tre.mean, tre.max, r.seconds);
    QVERIFY2(tre.max < 1.0, qPrintable(QString("max TRE %1 mm (voxel 1 mm)").arg(tre.max)));
    QVERIFY(tre.mean < 0.5);
  }

  void porcineCtT2Converges() {
    const core::VolumePtr ct = loadDicomArchive(m_porcine / "ct_103sl_2p5mm.tar.xz", "reg_porcine_ct");
    const core::VolumePtr t2 = loadDicomArchive(m_porcine / "mr_t2_94sl.tar.xz", "reg_porcine_t2");
    Settings s;
    s.initialiser = Initialiser::Centres;
    const Result r = registerVolumes(*t2, *ct, s);
    for (const auto& l : r.log) std::printf("  %s\n", l.c_str());
    // The starting alignment's metric, for comparison: no iterations beyond the first.
    Settings start = s;
    start.iterations = 1;
    start.levels = 1;
    const Result r0 = registerVolumes(*t2, *ct, start);
    std::printf("porcine T2<-CT rigid: final metric %.4f (start %.4f), %d iterations, %.2f s\n",
                r.finalMetric, r0.finalMetric, r.iterations, r.seconds);
    const auto a = r.transform.asAffine();
    QVERIFY(a && a->isRigid(1e-6));
    QVERIFY2(r.finalMetric < r0.finalMetric - 0.05,
             qPrintable(QString("%1 vs start %2").arg(r.finalMetric).arg(r0.finalMetric)));
    // Same seed, same answer.
    const Result again = registerVolumes(*t2, *ct, s);
    QVERIFY(again.transform.asAffine()->toMatrix4() == a->toMatrix4());
    // The landmark truth: 12 bubble pairs picked in both images; the best rigid fit through them
    // leaves 2.19 mm (picking in 2.5 mm slices plus the soft specimen's deformation): no rigid
    // result can do much better, a wrong one is 100 mm off (the specimen lies upside down in the
    // T2; before the orientation search we stopped 14 degrees about z from the grid centres).
    const test::PorcineLandmarks lm = test::readPorcineLandmarks();
    const Tre floor = landmarkError(Transform(fitRigid(lm.t2, lm.ct)), lm.t2, lm.ct);
    const Tre tre = landmarkError(r.transform, lm.t2, lm.ct);
    std::printf("porcine landmarks (%zu): TRE mean %.2f mm, max %.2f mm; rigid-fit floor mean "
                "%.2f, max %.2f mm\n", tre.points, tre.mean, tre.max, floor.mean, floor.max);
    QVERIFY2(tre.mean < floor.mean + 1.5 && tre.max < 6.0,
             qPrintable(QString("landmark TRE mean %1, max %2 mm (floor %3)")
                            .arg(tre.mean).arg(tre.max).arg(floor.mean)));
    // Another seed (other sample points) must land within one voxel (2.5 mm slices) of it, and
    // on the landmarks too: the seed used to pick a different point in a flat valley (9.8
    // against 2.6 degrees about z), both of them in the wrong orientation.
    Settings other = s;
    other.seed = 2;
    const Result r2 = registerVolumes(*t2, *ct, other);
    for (const auto& l : r2.log) std::printf("  seed 2: %s\n", l.c_str());
    double worst = 0;
    for (const auto& p : pointsInBody(*t2, 500, 7))
      worst = std::max(worst, core::norm(r.transform.apply(p) - r2.transform.apply(p)));
    const Tre tre2 = landmarkError(r2.transform, lm.t2, lm.ct);
    std::printf("porcine seed 1 vs seed 2: max difference %.3f mm over body points (metric %.5f vs "
                "%.5f); seed 2 landmark TRE mean %.2f mm, max %.2f mm\n",
                worst, r.finalMetric, r2.finalMetric, tre2.mean, tre2.max);
    QVERIFY2(worst < 2.5, qPrintable(QString("seeds 1 and 2 differ by %1 mm").arg(worst)));
    QVERIFY2(tre2.mean < floor.mean + 1.5 && tre2.max < 6.0,
             qPrintable(QString("seed 2 landmark TRE mean %1, max %2 mm").arg(tre2.mean).arg(tre2.max)));
    std::filesystem::remove_all(test::scratchDir("reg_porcine_ct"));
    std::filesystem::remove_all(test::scratchDir("reg_porcine_t2"));
  }
};

QTEST_GUILESS_MAIN(RealDataTest)
#include "RealDataTest.moc"
