// core Volume, Error and progress: value lookup by world point, ranges, error context, sinks.
#include <QtTest>

#include "fw/core/Error.h"
#include "fw/core/Progress.h"
#include "fw/core/Volume.h"

using namespace fw::core;

class VolumeTest : public QObject {
  Q_OBJECT
 private slots:
  void valueAtWorldOblique();
  void range();
  void errorContext();
  void subProgressAndCancel();
};

void VolumeTest::valueAtWorldOblique() {
  const ImageGeometry g({8, 9, 10}, {1.5, 2, 2.5}, {10, -20, 30}, Mat3::rotation({1, 1, 0}, 0.6));
  auto img = allocateImage<ImageI16>(g);
  auto* p = img->GetBufferPointer();
  for (std::size_t n = 0; n < g.voxelCount(); ++n) p[n] = static_cast<std::int16_t>(n % 1000 - 500);
  Volume v(img, Modality::CT, "HU");
  QCOMPARE(v.pixelType(), PixelType::Int16);
  for (std::size_t k = 0; k < 10; k += 3)
    for (std::size_t j = 0; j < 9; j += 2)
      for (std::size_t i = 0; i < 8; ++i) {
        const Vec3 w = g.indexToWorld({double(i) + 0.3, double(j) - 0.4, double(k) + 0.1});
        const auto val = v.valueAtWorld(w);
        QVERIFY(val.has_value());
        QCOMPARE(*val, double((i + 8 * (j + 9 * k)) % 1000) - 500);
      }
  QVERIFY(!v.valueAtWorld(g.indexToWorld({-0.6, 0, 0})).has_value());
}

void VolumeTest::range() {
  const ImageGeometry g({4, 4, 4}, {1, 1, 1}, {}, Mat3::identity());
  auto img = allocateImage<ImageF32>(g);
  img->GetBufferPointer()[5] = -3.5f;
  img->GetBufferPointer()[60] = 7.25f;
  img->GetBufferPointer()[61] = std::numeric_limits<float>::quiet_NaN();
  Volume v(img);
  QCOMPARE(v.valueRange().first, -3.5);
  QCOMPARE(v.valueRange().second, 7.25);
}

void VolumeTest::errorContext() {
  try {
    try {
      throw Error("file is truncated");
    } catch (Error& e) {
      throw e.addContext("reading /tmp/a.dcm");
    }
  } catch (const Error& e) {
    QCOMPARE(QString(e.what()), QString("reading /tmp/a.dcm: file is truncated"));
    QCOMPARE(QString::fromStdString(e.message()), QString("file is truncated"));
    return;
  }
  QFAIL("no exception");
}

void VolumeTest::subProgressAndCancel() {
  JobControl job;
  SubProgress half(job, 0.5, 1.0, "second half");
  QVERIFY(half.report(0.5));
  QCOMPARE(job.snapshot().fraction, 0.75);
  QCOMPARE(QString::fromStdString(job.snapshot().stage), QString("second half"));
  job.requestCancel();
  QVERIFY(!half.report(0.6));
  QVERIFY_THROWS_EXCEPTION(Cancelled, half.checkCancel(0.7));
}

QTEST_GUILESS_MAIN(VolumeTest)
#include "VolumeTest.moc"
