// The analytic head phantom and the study's truth, in memory: tissues at known points, the
// rigid transform, the DWI scheme, the BOLD design and small grids sampled from the phantom.
#include <QtTest>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <atomic>
#include <cmath>
#include <filesystem>

#include "TestData.h"

#include "fw/core/Error.h"
#include "fw/phantom/HeadPhantom.h"
#include "fw/phantom/SampleStudy.h"

using namespace fw;
using phantom::Tissue;

class PhantomModelTest : public QObject {
  Q_OBJECT
 private slots:
  void tissuesAtKnownPoints();
  void asymmetric();
  void rigidTransform();
  void landmarksFollowTheTransform();
  void gradientScheme();
  void blockDesign();
  void bundlesAndVeinsInTheRightTissue();
  void seriesGrids();
  void susceptibilityField();
  void truthJsonIsComplete();
  void cancelLeavesNothing();
};

static QString name(Tissue t) { return phantom::tissueName(t); }

void PhantomModelTest::tissuesAtKnownPoints() {
  const auto& ph = phantom::HeadPhantom::instance();
  QCOMPARE(name(ph.tissueAt({0, 0, 200})), name(Tissue::Air));
  QCOMPARE(name(ph.tissueAt({0, 0, 91.5})), name(Tissue::Skin));
  QCOMPARE(name(ph.tissueAt({0, 0, 86})), name(Tissue::CorticalBone));  // outer table at the vertex
  QCOMPARE(name(ph.tissueAt({0, 0, 83})), name(Tissue::CancellousBone));
  QCOMPARE(name(ph.tissueAt(ph.lesion().centre)), name(Tissue::Lesion));
  QCOMPARE(name(ph.tissueAt(ph.lesion().centre + core::Vec3{0, 0, 10.5})), name(Tissue::Edema));
  QCOMPARE(name(ph.tissueAt({13, 2, 12})), name(Tissue::Ventricle));
  QCOMPARE(name(ph.tissueAt({-12, 3, 11})), name(Tissue::Ventricle));
  QCOMPARE(name(ph.tissueAt({-20, -30, 40})), name(Tissue::WhiteMatter));
  QCOMPARE(name(ph.tissueAt({30, -62, -40})), name(Tissue::Vitreous));
  QCOMPARE(name(ph.tissueAt({30, -71, -40})), name(Tissue::Lens));
  QCOMPARE(name(ph.tissueAt({24, -45, -62})), name(Tissue::SinusAir));    // maxillary sinus
  QCOMPARE(name(ph.tissueAt({7, -86, 14.4})), name(Tissue::SinusAir));    // frontal sinus
  QCOMPARE(name(ph.tissueAt({9.5, 10, 2})), name(Tissue::DeepGrey));      // thalamus
  QCOMPARE(name(ph.tissueAt({0, 22, -60})), name(Tissue::WhiteMatter));   // brainstem
  for (const auto& b : ph.microbleeds()) QCOMPARE(name(ph.tissueAt(b.centre)), name(Tissue::Microbleed));
}

void PhantomModelTest::asymmetric() {
  // Rigid registration needs an asymmetric head: count left/right label mismatches on a grid.
  const auto& ph = phantom::HeadPhantom::instance();
  int differ = 0, total = 0;
  for (double z = -60; z <= 80; z += 4)
    for (double y = -90; y <= 90; y += 4)
      for (double x = 2; x <= 70; x += 4) {
        ++total;
        if (ph.tissueAt({x, y, z}) != ph.tissueAt({-x, y, z})) ++differ;
      }
  QVERIFY2(differ > total / 50, qPrintable(QString("%1 of %2 differ").arg(differ).arg(total)));
}

void PhantomModelTest::rigidTransform() {
  const auto& t = phantom::studyTruth().ctToMr;
  QVERIFY(std::abs(t.rotation.determinant() - 1) < 1e-12);
  const auto inv = t.inverse();
  const core::Vec3 p{12.5, -40, 33};
  const auto q = inv.apply(t.apply(p));
  QVERIFY(norm(q - p) < 1e-9);
  const auto m = t.matrix();
  const core::Vec3 viaMatrix{m[0] * p.x + m[1] * p.y + m[2] * p.z + m[3], m[4] * p.x + m[5] * p.y + m[6] * p.z + m[7],
                             m[8] * p.x + m[9] * p.y + m[10] * p.z + m[11]};
  QVERIFY(norm(viaMatrix - t.apply(p)) < 1e-12);
  // "A few degrees and a few millimetres".
  const double angle = std::acos(std::clamp((t.rotation(0, 0) + t.rotation(1, 1) + t.rotation(2, 2) - 1) / 2, -1.0, 1.0));
  QVERIFY(angle > 3 * M_PI / 180 && angle < 15 * M_PI / 180);
  QVERIFY(norm(t.translation) > 3 && norm(t.translation) < 20);
  // Parameters reproduce the matrix.
  const auto again = phantom::RigidTransform::fromParameters(t.anglesDeg, t.translation);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) QCOMPARE(again.rotation(r, c), t.rotation(r, c));
}

void PhantomModelTest::landmarksFollowTheTransform() {
  const auto& truth = phantom::studyTruth();
  QVERIFY(truth.landmarksCt.size() >= 8);
  QCOMPARE(truth.landmarksMr.size(), truth.landmarksCt.size());
  for (std::size_t i = 0; i < truth.landmarksCt.size(); ++i) {
    QCOMPARE(truth.landmarksMr[i].name, truth.landmarksCt[i].name);
    QVERIFY(norm(truth.landmarksMr[i].position - truth.ctToMr.apply(truth.landmarksCt[i].position)) < 1e-9);
  }
  QVERIFY(norm(truth.lesionMr.centre - truth.ctToMr.apply(truth.lesionCt.centre)) < 1e-9);
}

void PhantomModelTest::gradientScheme() {
  const auto& truth = phantom::studyTruth();
  QCOMPARE(truth.bValues.size(), truth.gradientsLps.size());
  int b0 = 0;
  std::vector<core::Vec3> dirs;
  for (std::size_t i = 0; i < truth.bValues.size(); ++i) {
    if (truth.bValues[i] == 0) {
      ++b0;
      continue;
    }
    QCOMPARE(truth.bValues[i], 1000.0);
    QVERIFY(std::abs(norm(truth.gradientsLps[i]) - 1) < 1e-9);
    dirs.push_back(truth.gradientsLps[i]);
  }
  QVERIFY(b0 >= 1 && b0 <= 2);
  QVERIFY(dirs.size() >= 30);
  // Well spread: no two directions (or a direction and another's opposite) closer than 15 degrees.
  double minAngle = 180;
  for (std::size_t i = 0; i < dirs.size(); ++i)
    for (std::size_t j = i + 1; j < dirs.size(); ++j)
      minAngle = std::min(minAngle, std::acos(std::min(1.0, std::abs(dot(dirs[i], dirs[j])))) * 180 / M_PI);
  QVERIFY2(minAngle > 15, qPrintable(QString("closest pair %1 degrees").arg(minAngle)));
}

void PhantomModelTest::blockDesign() {
  const auto& truth = phantom::studyTruth();
  QVERIFY(truth.boldVolumes >= 60);
  QCOMPARE(truth.repetitionTimeS, 2.0);
  QCOMPARE(truth.blockRegressor.size(), truth.boldVolumes);
  QVERIFY(!truth.blockOnsetsS.empty());
  QCOMPARE(truth.blockOnsetsS.front(), 20.0);
  // The HRF-convolved regressor is near 0 at rest, rises after each onset with a few seconds'
  // delay and plateaus near 1.
  QVERIFY(std::abs(truth.blockRegressor[5]) < 0.02);
  const auto at = [&](double t) { return truth.blockRegressor[static_cast<std::size_t>(t / truth.repetitionTimeS)]; };
  QVERIFY(at(22) < 0.3);
  QVERIFY(at(36) > 0.9 && at(36) < 1.1);
  QVERIFY(at(56) < 0.1);
}

void PhantomModelTest::bundlesAndVeinsInTheRightTissue() {
  const auto& ph = phantom::HeadPhantom::instance();
  const Tissue bundles[] = {Tissue::CstLeft, Tissue::CstRight, Tissue::Callosal};
  QCOMPARE(ph.bundles().size(), std::size_t(3));
  for (std::size_t b = 0; b < 3; ++b) {
    const auto& pts = ph.bundles()[b].points;
    int inside = 0;
    for (std::size_t s = 0; s + 1 < pts.size(); ++s)
      if (ph.tissueAt((pts[s] + pts[s + 1]) * 0.5) == bundles[b]) ++inside;
    // Every segment midpoint lies in its bundle, except where a vein crosses.
    QVERIFY2(inside >= static_cast<int>(pts.size()) - 2, qPrintable(ph.bundles()[b].name.c_str()));
  }
  // The CST runs superior-inferior, the callosal arc left-right.
  QVERIFY(std::abs(ph.bundleDirection(Tissue::CstLeft, {24, 10, 30}).z) > 0.9);
  QVERIFY(std::abs(ph.bundleDirection(Tissue::Callosal, {0, -12, 24}).x) > 0.9);
  for (const auto& v : ph.veins()) {
    const auto mid = (v.points[0] + v.points[1]) * 0.5;
    const Tissue t = ph.tissueAt(mid);
    QVERIFY2(t == Tissue::Vein || t == Tissue::VenousSinus, qPrintable(v.name.c_str()));
  }
}

void PhantomModelTest::seriesGrids() {
  const auto& specs = phantom::seriesSpecs();
  QCOMPARE(specs.size(), std::size_t(6));
  QCOMPARE(phantom::seriesSpec("ct").geometry.size()[2], std::size_t(140));
  QVERIFY_EXCEPTION_THROWN(phantom::seriesSpec("pet"), core::Error);
  // Every MR grid covers the whole lesion or the truth it is meant to show.
  const auto& truth = phantom::studyTruth();
  auto inside = [](const core::ImageGeometry& g, const core::Vec3& p) {
    std::array<std::size_t, 3> v{};
    return g.worldToNearestVoxel(p, v);
  };
  QVERIFY(inside(phantom::seriesSpec("t1").geometry, truth.lesionMr.centre));
  for (const auto& b : truth.bundlesMr)
    for (std::size_t i = 0; i + 1 < b.points.size(); ++i) QVERIFY(inside(phantom::seriesSpec("dwi").geometry, b.points[i]));
  QVERIFY(inside(phantom::seriesSpec("bold").geometry, truth.activationMr.centre));
  for (const auto& m : truth.microbleedsMr) QVERIFY(inside(phantom::seriesSpec("swi_mag").geometry, m.centre));
  // The T1 is oblique: no axis along a world axis.
  const auto& d = phantom::seriesSpec("t1").geometry.direction();
  for (int c = 0; c < 3; ++c) {
    const auto col = d.column(c);
    QVERIFY(std::max({std::abs(col.x), std::abs(col.y), std::abs(col.z)}) < 0.9999);
  }
}

void PhantomModelTest::susceptibilityField() {
  const auto& ph = phantom::HeadPhantom::instance();
  const core::Vec3 b0{0, 0, 1};
  // Far from every vein: nothing.
  QCOMPARE(ph.fieldShiftPpm({-60, 60, -50}, b0), 0.0);
  // Sphere: positive along B0, negative beside it, zero inside.
  const auto& mb = ph.microbleeds()[0];
  QVERIFY(ph.fieldShiftPpm(mb.centre + core::Vec3{0, 0, 2 * mb.radius}, b0) > 0.1);
  QVERIFY(ph.fieldShiftPpm(mb.centre + core::Vec3{2 * mb.radius, 0, 0}, b0) < -0.05);
}

void PhantomModelTest::truthJsonIsComplete() {
  const QByteArray text = QByteArray::fromStdString(phantom::truthJson());
  QJsonParseError err;
  const auto doc = QJsonDocument::fromJson(text, &err);
  QVERIFY2(err.error == QJsonParseError::NoError, qPrintable(err.errorString()));
  const auto o = doc.object();
  for (const char* key : {"ctToT1", "landmarks", "lesion", "series", "dwi", "bold", "swi", "truthMaps", "tissueLabels"})
    QVERIFY2(o.contains(key), key);
  const auto m = o["ctToT1"].toObject()["matrix"].toArray();
  QCOMPARE(m.size(), 4);
  QCOMPARE(m[0].toArray()[3].toDouble(), phantom::studyTruth().ctToMr.translation.x);
  QCOMPARE(o["dwi"].toObject()["gradientsLps"].toArray().size(),
           static_cast<int>(phantom::studyTruth().bValues.size()));
  QCOMPARE(o["series"].toArray().size(), 6);
  QCOMPARE(o["bold"].toObject()["regressor"].toArray().size(), static_cast<int>(phantom::studyTruth().boldVolumes));
}

namespace {
// Cancels at the n-th report.
class CancelAfter final : public core::ProgressSink {
 public:
  explicit CancelAfter(int n) : m_left(n) {}
  bool report(double, std::string_view) override { return --m_left > 0; }

 private:
  std::atomic<int> m_left;
};
}  // namespace

void PhantomModelTest::cancelLeavesNothing() {
  const auto dir = test::scratchDir("phantom_cancel");
  CancelAfter cancel(3);
  QVERIFY_EXCEPTION_THROWN(phantom::writeSampleStudy(dir / "study", cancel), core::Cancelled);
  QVERIFY(std::filesystem::is_empty(dir));  // neither the study nor its temporary folder
}

QTEST_GUILESS_MAIN(PhantomModelTest)
#include "PhantomModelTest.moc"
