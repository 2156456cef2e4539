// core geometry: index <-> world with oblique directions, LPS/RAS conversion, NIfTI affines.
#include <QtTest>

#include <random>

#include "fw/core/Error.h"
#include "fw/core/Geometry.h"

using namespace fw::core;

class GeometryTest : public QObject {
  Q_OBJECT
 private slots:
  void identityGrid();
  void obliqueRoundTrip();
  void knownObliquePoint();
  void nearestVoxel();
  void lpsRas();
  void rasAffineRoundTrip();
  void orientationCodes();
  void rejectsBadGeometry();
  void boundsAndCenter();
};

static void compare(const Vec3& a, const Vec3& b, double tol) {
  for (int i = 0; i < 3; ++i)
    QVERIFY2(std::abs(a[i] - b[i]) <= tol,
             qPrintable(QString("(%1) vs (%2)").arg(toString(a, 6).c_str(), toString(b, 6).c_str())));
}

void GeometryTest::identityGrid() {
  ImageGeometry g({10, 20, 30}, {0.5, 1.0, 2.0}, {-10, 5, 100}, Mat3::identity());
  compare(g.indexToWorld({0, 0, 0}), {-10, 5, 100}, 1e-12);
  compare(g.indexToWorld({2, 3, 4}), {-9, 8, 108}, 1e-12);
  compare(g.worldToIndex({-9, 8, 108}), {2, 3, 4}, 1e-12);
}

void GeometryTest::obliqueRoundTrip() {
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> u(-1, 1);
  for (int trial = 0; trial < 200; ++trial) {
    const Mat3 r = Mat3::rotation({u(rng), u(rng), u(rng) + 1.5}, u(rng) * 3.1);
    // Flip an axis now and then: left-handed grids exist in real data (e.g. RAS-ordered NIfTI).
    Mat3 d = r;
    if (trial % 3 == 0)
      for (int i = 0; i < 3; ++i) d(i, 1) = -d(i, 1);
    ImageGeometry g({64, 64, 40}, {0.7 + trial * 0.01, 0.9, 3.3}, {u(rng) * 100, u(rng) * 100, u(rng) * 100}, d);
    const Vec3 idx{u(rng) * 60, u(rng) * 60, u(rng) * 40};
    compare(g.worldToIndex(g.indexToWorld(idx)), idx, 1e-9);
    const Vec3 w{u(rng) * 200, u(rng) * 200, u(rng) * 200};
    compare(g.indexToWorld(g.worldToIndex(w)), w, 1e-9);
  }
}

void GeometryTest::knownObliquePoint() {
  // 30 degrees about S: voxel axis i points (cos30, sin30, 0) in LPS.
  const double a = 30 * M_PI / 180;
  ImageGeometry g({100, 100, 10}, {2, 2, 5}, {1, 2, 3}, Mat3::rotation({0, 0, 1}, a));
  compare(g.indexToWorld({10, 0, 0}), {1 + 20 * std::cos(a), 2 + 20 * std::sin(a), 3}, 1e-12);
  compare(g.indexToWorld({0, 10, 2}), {1 - 20 * std::sin(a), 2 + 20 * std::cos(a), 13}, 1e-12);
  QCOMPARE(g.voxelAxisClosestTo(2), 2);
}

void GeometryTest::nearestVoxel() {
  ImageGeometry g({4, 4, 4}, {1, 1, 1}, {0, 0, 0}, Mat3::identity());
  std::array<std::size_t, 3> v{};
  QVERIFY(g.worldToNearestVoxel({1.4, 2.6, 0.0}, v));
  QCOMPARE(v[0], std::size_t(1));
  QCOMPARE(v[1], std::size_t(3));
  QVERIFY(g.worldToNearestVoxel({-0.49, 3.49, 0}, v));
  QVERIFY(!g.worldToNearestVoxel({-0.51, 0, 0}, v));
  QVERIFY(!g.worldToNearestVoxel({0, 3.51, 0}, v));
}

void GeometryTest::lpsRas() {
  const Vec3 p{10, -20, 30};
  compare(lpsToRas(p), {-10, 20, 30}, 0);
  compare(rasToLps(lpsToRas(p)), p, 0);
}

void GeometryTest::rasAffineRoundTrip() {
  const Mat3 d = Mat3::rotation({0.2, 1, 0.3}, 0.4);
  ImageGeometry g({30, 40, 50}, {0.5, 0.6, 1.2}, {-3, 7, 11}, d);
  const auto a = rasAffine(g);
  // The affine maps index to RAS: check one voxel by hand.
  const Vec3 idx{3, 4, 5};
  const Vec3 lps = g.indexToWorld(idx);
  Vec3 ras;
  for (int r = 0; r < 3; ++r) ras[r] = a[r * 4] * idx.x + a[r * 4 + 1] * idx.y + a[r * 4 + 2] * idx.z + a[r * 4 + 3];
  compare(ras, lpsToRas(lps), 1e-9);
  const ImageGeometry back = geometryFromRasAffine(g.size(), a);
  compare(back.origin(), g.origin(), 1e-9);
  compare(back.spacing(), g.spacing(), 1e-9);
  for (int c = 0; c < 3; ++c) compare(back.direction().column(c), g.direction().column(c), 1e-9);
}

void GeometryTest::orientationCodes() {
  QCOMPARE(QString::fromStdString(orientationCode(Mat3::identity())), QString("LPS"));
  Mat3 ras = Mat3::identity();
  ras(0, 0) = -1;
  ras(1, 1) = -1;
  QCOMPARE(QString::fromStdString(orientationCode(ras)), QString("RAS"));
  // DICOM coronal: rows along L, columns along I (image j points down = inferior).
  const Mat3 cor = Mat3::fromColumns({1, 0, 0}, {0, 0, -1}, {0, 1, 0});
  QCOMPARE(QString::fromStdString(orientationCode(cor)), QString("LIP"));
}

void GeometryTest::rejectsBadGeometry() {
  QVERIFY_THROWS_EXCEPTION(Error, ImageGeometry({2, 2, 2}, {1, 0, 1}, {}, Mat3::identity()));
  Mat3 singular = Mat3::identity();
  singular(2, 2) = 0;
  QVERIFY_THROWS_EXCEPTION(Error, ImageGeometry({2, 2, 2}, {1, 1, 1}, {}, singular));
}

void GeometryTest::boundsAndCenter() {
  ImageGeometry g({10, 10, 10}, {1, 1, 2}, {0, 0, 0}, Mat3::identity());
  compare(g.center(), {4.5, 4.5, 9}, 1e-12);
  Vec3 lo, hi;
  g.worldBounds(lo, hi);
  compare(lo, {-0.5, -0.5, -1}, 1e-12);
  compare(hi, {9.5, 9.5, 19}, 1e-12);
}

QTEST_GUILESS_MAIN(GeometryTest)
#include "GeometryTest.moc"
