// Accuracy of the linear engine: the sample study's T1 (fixed) and CT (moving) with the known
// rigid truth; real images moved by known rigid transforms; determinism, cancel, bad input.
#include <QtTest>

#include <chrono>
#include <cstdio>

#include "TestData.h"
#include "fw/core/Error.h"
#include "fw/phantom/SampleStudy.h"
#include "fw/registration/Accuracy.h"
#include "fw/registration/Registration.h"

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
    if (getenv("FW_SAMPLES")) s.samples = atoi(getenv("FW_SAMPLES"));
    if (getenv("FW_THREADS")) s.threads = atoi(getenv("FW_THREADS"));
    if (getenv("FW_BINS")) s.histogramBins = atoi(getenv("FW_BINS"));
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
};

QTEST_GUILESS_MAIN(AccuracyTest)
#include "AccuracyTest.moc"
