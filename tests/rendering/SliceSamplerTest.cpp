// Slice resampling: exact voxel values on aligned planes, correct placement on oblique data,
// NaN outside, window/level mapping.
#include <QtTest>

#include <cmath>

#include "fw/core/Volume.h"
#include "fw/rendering/SliceSampler.h"
#include "fw/rendering/ViewOrientation.h"

using namespace fw;
using namespace fw::core;
using namespace fw::rendering;

class SliceSamplerTest : public QObject {
  Q_OBJECT
 private slots:
  void alignedAxialIsExact();
  void radiologicalConvention();
  void obliqueVolumeMatchesWorldLookup();
  void windowMapping();
};

static VolumePtr ramp(const ImageGeometry& g) {
  auto img = allocateImage<ImageF32>(g);
  auto* p = img->GetBufferPointer();
  const auto& s = g.size();
  for (std::size_t k = 0; k < s[2]; ++k)
    for (std::size_t j = 0; j < s[1]; ++j)
      for (std::size_t i = 0; i < s[0]; ++i) p[i + s[0] * (j + s[1] * k)] = float(i + 100 * j + 10000 * k);
  return std::make_shared<Volume>(img);
}

void SliceSamplerTest::alignedAxialIsExact() {
  const ImageGeometry g({10, 8, 6}, {0.5, 0.75, 2}, {-3, -4, 10}, Mat3::identity());
  auto v = ramp(g);
  const auto f = viewFrame(ViewOrientation::Axial);
  const Vec3 point = g.indexToWorld({0, 0, 3});
  const SliceGrid grid = sliceGridFor(g, point, f.right, f.up);
  QCOMPARE(grid.width, 10);
  QCOMPARE(grid.height, 8);
  std::vector<float> out;
  sampleSlice(*v, grid, Interpolation::Linear, out);
  for (int b = 0; b < grid.height; ++b)
    for (int a = 0; a < grid.width; ++a) {
      const Vec3 w = grid.pixelToWorld(a, b);
      QCOMPARE(double(out[b * grid.width + a]), *v->valueAtWorld(w));
    }
}

void SliceSamplerTest::radiologicalConvention() {
  // Axial: screen right is patient left (+x LPS), screen up is anterior (-y).
  const auto ax = viewFrame(ViewOrientation::Axial);
  QCOMPARE(ax.right.x, 1.0);
  QCOMPARE(ax.up.y, -1.0);
  QCOMPARE(QString(ax.leftLabel), QString("R"));
  const auto sag = viewFrame(ViewOrientation::Sagittal);
  QCOMPARE(QString(sag.leftLabel), QString("A"));
  QCOMPARE(sag.up.z, 1.0);
  for (auto o : {ViewOrientation::Axial, ViewOrientation::Coronal, ViewOrientation::Sagittal}) {
    const auto f = viewFrame(o);
    const Vec3 n = cross(f.right, f.up);
    QVERIFY(n == f.normal);
  }
}

void SliceSamplerTest::obliqueVolumeMatchesWorldLookup() {
  const ImageGeometry g({30, 30, 20}, {1, 1, 1.5}, {5, -7, 2}, Mat3::rotation({0.2, 0.4, 1}, 0.5));
  auto v = ramp(g);
  const auto f = viewFrame(ViewOrientation::Coronal);
  const SliceGrid grid = sliceGridFor(g, g.center(), f.right, f.up);
  std::vector<float> out;
  sampleSlice(*v, grid, Interpolation::Nearest, out);
  int inside = 0, outside = 0;
  for (int b = 0; b < grid.height; ++b)
    for (int a = 0; a < grid.width; ++a) {
      const Vec3 w = grid.pixelToWorld(a, b);
      const auto expected = v->valueAtWorld(w);
      const float got = out[b * grid.width + a];
      if (!expected) {
        QVERIFY(std::isnan(got));
        ++outside;
      } else {
        QCOMPARE(double(got), *expected);
        ++inside;
      }
    }
  QVERIFY(inside > 100);
  QVERIFY(outside > 10);
  // The plane passes through the requested point.
  QVERIFY(std::abs(dot(grid.origin - g.center(), f.normal)) < 1e-9);
}

void SliceSamplerTest::windowMapping() {
  std::vector<float> values{-10, 0, 20, 40, 60, 100, std::nanf("")};
  std::vector<std::uint8_t> rgba;
  windowToRgba(values, 80, 40, rgba);  // 0..80 maps to 0..255
  QCOMPARE(int(rgba[0]), 0);
  QCOMPARE(int(rgba[4]), 0);
  QCOMPARE(int(rgba[12]), 128);
  QCOMPARE(int(rgba[20]), 255);
  QCOMPARE(int(rgba[24 + 3]), 0);  // NaN transparent
  QCOMPARE(int(rgba[3]), 255);
}

QTEST_GUILESS_MAIN(SliceSamplerTest)
#include "SliceSamplerTest.moc"
