// Copies for volume rendering: voxel budget respected, world placement kept (a block's centre
// lands where its voxels were), values are block means, small volumes pass through, cancel.
#include <QtTest>

#include <cmath>

#include "fw/core/Error.h"
#include "fw/core/Volume.h"
#include "fw/rendering/Downsample.h"

using namespace fw;
using namespace fw::core;
using namespace fw::rendering;

class DownsampleTest : public QObject {
  Q_OBJECT
 private slots:
  void factorsMeetBudgetFinestAxisFirst();
  void smallVolumePassesThrough();
  void obliqueCopyKeepsWorldPlacementAndMeans();
  void cancelStops();
};

namespace {
// value = i + 100 j + 10000 k, linear: a block mean equals the value at the block centre.
VolumePtr ramp(const ImageGeometry& g) {
  auto img = allocateImage<ImageF32>(g);
  auto* p = img->GetBufferPointer();
  const auto& s = g.size();
  for (std::size_t k = 0; k < s[2]; ++k)
    for (std::size_t j = 0; j < s[1]; ++j)
      for (std::size_t i = 0; i < s[0]; ++i)
        p[i + s[0] * (j + s[1] * k)] = float(i + 100 * j + 10000 * k);
  auto v = std::make_shared<Volume>(img, Modality::MR);
  DicomIdentity id;
  id.patientName = "Zhang^Wei";
  v->setIdentity(id);
  return v;
}

Mat3 rotationZ(double deg) {
  const double a = deg * M_PI / 180;
  Mat3 m = Mat3::identity();
  m(0, 0) = std::cos(a);
  m(0, 1) = -std::sin(a);
  m(1, 0) = std::sin(a);
  m(1, 1) = std::cos(a);
  return m;
}
}  // namespace

void DownsampleTest::factorsMeetBudgetFinestAxisFirst() {
  // A studyforrest-like grid: 274 x 384 x 384 at 0.67 mm = 40 M voxels.
  const ImageGeometry g({274, 384, 384}, {0.67, 0.67, 0.67}, {0, 0, 0}, Mat3::identity());
  const auto f = downsampleFactors(g, 12'000'000);
  std::size_t n = 1;
  for (int a = 0; a < 3; ++a) n *= (g.size()[a] + f[a] - 1) / f[a];
  QVERIFY2(n <= 12'000'000, qPrintable(QString::number(n)));
  QVERIFY(n > 3'000'000);  // not reduced more than needed
  // Thin slices: a 0.5 x 0.5 x 5 mm grid is reduced in-plane, not along z.
  const ImageGeometry t({512, 512, 40}, {0.5, 0.5, 5}, {0, 0, 0}, Mat3::identity());
  const auto ft = downsampleFactors(t, 2'000'000);
  QCOMPARE(ft[2], std::size_t(1));
  QVERIFY(ft[0] >= 2 && ft[1] >= 2);
}

void DownsampleTest::smallVolumePassesThrough() {
  auto v = ramp(ImageGeometry({10, 10, 10}, {1, 1, 1}, {0, 0, 0}, Mat3::identity()));
  QCOMPARE(downsampleForRendering(v, 1000).get(), v.get());
}

void DownsampleTest::obliqueCopyKeepsWorldPlacementAndMeans() {
  const ImageGeometry g({40, 30, 20}, {0.5, 0.8, 1.2}, {-12, 7, 30}, rotationZ(25));
  auto v = ramp(g);
  auto d = downsampleForRendering(v, 40 * 30 * 20 / 6);
  QVERIFY(d.get() != v.get());
  const auto& dg = d->geometry();
  QVERIFY(dg.voxelCount() <= std::size_t(40 * 30 * 20 / 6));
  QCOMPARE(d->identity().patientName, std::string("Zhang^Wei"));
  QCOMPARE(d->modality(), Modality::MR);
  // Same direction; spacing is the original times the factor.
  for (int a = 0; a < 3; ++a) {
    const double f = dg.spacing()[a] / g.spacing()[a];
    QVERIFY(std::abs(f - std::round(f)) < 1e-9);
  }
  // Every full block's copy voxel sits at the world centre of the voxels it averages, and its
  // value is their mean: on a linear ramp, the original's value there.
  for (std::size_t K = 0; K + 1 < dg.size()[2]; ++K)
    for (std::size_t J = 0; J + 1 < dg.size()[1]; ++J)
      for (std::size_t I = 0; I + 1 < dg.size()[0]; ++I) {
        const Vec3 w = dg.indexToWorld({double(I), double(J), double(K)});
        const Vec3 idx = g.worldToIndex(w);
        const double expected = idx.x + 100 * idx.y + 10000 * idx.z;
        QVERIFY2(std::abs(d->valueAt(I, J, K) - expected) < 1e-3,
                 qPrintable(QString("block %1,%2,%3: %4 vs %5")
                                .arg(I)
                                .arg(J)
                                .arg(K)
                                .arg(d->valueAt(I, J, K))
                                .arg(expected)));
      }
}

void DownsampleTest::cancelStops() {
  class Cancel final : public ProgressSink {
   public:
    bool report(double, std::string_view) override { return false; }
  } cancel;
  auto v = ramp(ImageGeometry({40, 30, 20}, {1, 1, 1}, {0, 0, 0}, Mat3::identity()));
  QVERIFY_THROWS_EXCEPTION(Cancelled, downsampleForRendering(v, 1000, &cancel));
}

QTEST_GUILESS_MAIN(DownsampleTest)
#include "DownsampleTest.moc"
