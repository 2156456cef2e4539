// Cross-check of our rigid registration with elastix 5 (the Debian peer tool) on the same pairs:
// the phantom T1<-CT with its known offset, the real porcine T2<-CT pair (judged by its landmark
// truth, data/porcine-landmarks.json; elastix from the grid centres stops in the wrong
// orientation there, so the agreement within a voxel is checked against elastix started in the
// right orientation), and a real T1 (colin27) moved by a known rigid transform (both TREs
// reported; ours must be no worse than elastix's + a stated tolerance).
// The elastix driver is app/cli/Elastix.cpp (shared with fusion-cli bench-register).
//
// Run as two CTest entries: the phantom slot everywhere elastix is installed, the shared-data
// slots only where ../shared/data is (exit 77 otherwise). Exit 77 when elastix is missing.
#include <QtTest>

#include <cstdio>

#include "BenchPairs.h"
#include "Command.h"
#include "Elastix.h"
#include "PorcineLandmarks.h"
#include "TestData.h"
#include "fw/core/Error.h"
#include "fw/io/ImageFile.h"
#include "fw/registration/Accuracy.h"
#include "fw/registration/Registration.h"

using namespace fw;
using namespace fw::registration;

namespace {

// Elastix runs with our settings except the iteration count: at our 100 iterations per level
// its stochastic optimiser stops short (on the phantom about 1 degree about x, 1.45 mm max
// error), so the cross-check compares against a converged elastix.
constexpr int kElastixIterations = 400;
// Ours against a converged elastix with a known truth: mean TRE no more than 0.1 mm worse, max
// no more than 0.3 mm worse.
constexpr double kMeanTreTolerance = 0.1;
constexpr double kMaxTreTolerance = 0.3;

struct Compared {
  double agreementMax = 0;  // max |ours(p) - elastix(p)| over body points, mm
  Tre ours, theirs;
  double oursS = 0, elastixS = 0;
  Transform oursTransform, elastixTransform;
};

Compared compare(const cli::bench::RegistrationPair& pair, const std::string& scratchName) {
  Settings s;
  s.method = Method::Rigid;
  s.initialiser = Initialiser::Centres;
  const Result ours = registerVolumes(*pair.fixed, *pair.moving, s);
  for (const auto& l : ours.log) std::printf("  ours: %s\n", l.c_str());

  auto es = cli::elastix::Settings::comparableTo(s);
  es.iterations = kElastixIterations;
  es.timeoutS = 1200;
  const auto theirs =
      cli::elastix::registerVolumes(*pair.fixed, *pair.moving, es, test::scratchDir(scratchName));

  const auto points = pointsInBody(*pair.fixed, 500, 7);
  Compared c;
  c.agreementMax = cli::elastix::maxDifference(ours.transform, theirs.transform, points);
  c.oursTransform = ours.transform;
  c.elastixTransform = theirs.transform;
  c.oursS = ours.seconds;
  c.elastixS = theirs.process.wallS;
  if (pair.truth) {
    c.ours = targetRegistrationError(ours.transform, *pair.truth, points);
    c.theirs = targetRegistrationError(theirs.transform, *pair.truth, points);
  }
  std::printf(
      "%s: ours %.2f s (metric %.4f), elastix %.2f s (metric %.4f); max difference %.3f mm over "
      "%zu "
      "body points; voxel %.2f mm\n",
      pair.name.c_str(), c.oursS, ours.finalMetric, c.elastixS, theirs.finalMetric, c.agreementMax,
      points.size(), cli::bench::coarsestSpacing(*pair.fixed, *pair.moving));
  if (pair.truth)
    std::printf("%s: TRE ours mean %.3f max %.3f mm; elastix mean %.3f max %.3f mm\n",
                pair.name.c_str(), c.ours.mean, c.ours.max, c.theirs.mean, c.theirs.max);
  return c;
}

}  // namespace

class ElastixCrossCheckTest : public QObject {
  Q_OBJECT

 private slots:
  // The driver reads elastix's Euler parameters the way elastix applies them: a parameter file
  // written by hand (rotation about a centre, ComputeZYX both ways) against the matrix.
  void readsEulerAndChains() {
    const auto dir = test::scratchDir("elastix_parse");
    const auto write = [&](const std::string& name, const std::string& text) {
      QFile f(QString::fromStdString((dir / name).string()));
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(text.c_str());
    };
    write(
        "euler.txt",
        "(Transform \"EulerTransform\")\n(NumberOfParameters 6)\n"
        "(TransformParameters 0.1 -0.2 0.3 1 2 3)\n(InitialTransformParametersFileName "
        "\"NoInitialTransform\")\n"
        "(HowToCombineTransforms \"Compose\")\n(FixedImageDimension 3)\n(MovingImageDimension 3)\n"
        "// a comment (with brackets)\n(CenterOfRotationPoint 10 -20 30)\n(ComputeZYX "
        "\"false\")\n");
    write("affine.txt",
          "(Transform \"AffineTransform\")\n(TransformParameters 1.1 0 0 0 0.9 0 0 0 1 5 0 0)\n"
          "(InitialTransformParametersFileName \"" +
              (dir / "euler.txt").string() +
              "\")\n"
              "(HowToCombineTransforms \"Compose\")\n(FixedImageDimension "
              "3)\n(MovingImageDimension 3)\n"
              "(CenterOfRotationPoint 0 0 0)\n");
    const Transform euler = cli::elastix::readTransformParameters(dir / "euler.txt");
    // ITK's Euler3DTransform: R = Rz * Rx * Ry; y = R (x - c) + c + t.
    const core::Mat3 r = core::Mat3::rotation({0, 0, 1}, 0.3) *
                         core::Mat3::rotation({1, 0, 0}, 0.1) *
                         core::Mat3::rotation({0, 1, 0}, -0.2);
    const core::Vec3 c{10, -20, 30}, p{7, 8, -9};
    const core::Vec3 expected = r * (p - c) + c + core::Vec3{1, 2, 3};
    QVERIFY(core::norm(euler.apply(p) - expected) < 1e-9);
    // The chain: euler first, then the affine (elastix composes the initial transform first).
    const Transform chain = cli::elastix::readTransformParameters(dir / "affine.txt");
    const core::Vec3 e = euler.apply(p);
    QVERIFY(core::norm(chain.apply(p) - core::Vec3{1.1 * e.x + 5, 0.9 * e.y, e.z}) < 1e-9);
    // A file that is not a transform names the file.
    write("bad.txt", "(Transform \"EulerTransform\")\n(TransformParameters 0.1 x)\n");
    try {
      cli::elastix::readTransformParameters(dir / "bad.txt");
      QFAIL("a broken parameter file was accepted");
    } catch (const core::Error& e) {
      QVERIFY2(std::string(e.what()).find("bad.txt") != std::string::npos, e.what());
    }
  }

  // A failing elastix run says so and names the command.
  void elastixFailureNamesTheCommand() {
    const auto dir = test::scratchDir("elastix_fail");
    cli::elastix::Settings es;
    try {
      cli::elastix::registerFiles(dir / "missing_fixed.mha", dir / "missing_moving.mha", es, dir);
      QFAIL("elastix on missing files did not fail");
    } catch (const core::Error& e) {
      const std::string m = e.what();
      QVERIFY2(m.find("elastix failed") != std::string::npos &&
                   m.find("missing_fixed.mha") != std::string::npos,
               e.what());
    }
  }

  // Pairs with a truth: the two tools agree within a voxel and our TRE is no worse than elastix's.
  static void verifyAgreementAndTre(const Compared& c, double voxel) {
    QVERIFY2(c.agreementMax < voxel,
             qPrintable(QString("ours and elastix differ by %1 mm (voxel %2 mm)")
                            .arg(c.agreementMax)
                            .arg(voxel)));
    QVERIFY2(
        c.ours.mean <= c.theirs.mean + kMeanTreTolerance,
        qPrintable(QString("mean TRE ours %1, elastix %2 mm").arg(c.ours.mean).arg(c.theirs.mean)));
    QVERIFY2(
        c.ours.max <= c.theirs.max + kMaxTreTolerance,
        qPrintable(QString("max TRE ours %1, elastix %2 mm").arg(c.ours.max).arg(c.theirs.max)));
  }

  void phantomRigid() {
    const auto pair = cli::bench::phantomPair();
    const Compared c = compare(pair, "elastix_phantom");
    verifyAgreementAndTre(c, cli::bench::coarsestSpacing(*pair.fixed, *pair.moving));
  }

  void porcineRigid() {
    const auto pair =
        cli::bench::porcinePair(test::sharedData(), test::scratchDir("elastix_porcine_dicom"));
    const Compared c = compare(pair, "elastix_porcine");
    const double voxel = cli::bench::coarsestSpacing(*pair.fixed, *pair.moving);
    // The landmark truth decides (issue 4): 12 bubble pairs, rigid-fit floor 2.19 mm. The
    // specimen lies upside down in the T2 (180 degrees about y against the CT); elastix from the
    // grid centres (its only automatic start) searches no orientations and stops 9.5 degrees
    // about z in the upright pose, 100 mm from the landmarks, where we stopped before our
    // orientation search. So: ours must sit on the landmarks; elastix from the centres is only
    // reported.
    const test::PorcineLandmarks lm = test::readPorcineLandmarks();
    const Tre floor = landmarkError(Transform(fitRigid(lm.t2, lm.ct)), lm.t2, lm.ct);
    const Tre ours = landmarkError(c.oursTransform, lm.t2, lm.ct);
    const Tre centres = landmarkError(c.elastixTransform, lm.t2, lm.ct);
    std::printf("porcine landmarks: floor mean %.2f mm; ours mean %.2f max %.2f mm; elastix from "
                "the grid centres mean %.2f max %.2f mm\n",
                floor.mean, ours.mean, ours.max, centres.mean, centres.max);
    QVERIFY2(ours.mean < floor.mean + 1.5 && ours.max < 6.0,
             qPrintable(QString("our landmark TRE mean %1, max %2 mm").arg(ours.mean).arg(ours.max)));
    // Elastix given the orientation: the same CT voxels placed turned by 180 degrees about y
    // (movedPair: no resampling), registered from the grid centres, its result mapped back to
    // the CT's own world. Both tools in the right basin must agree within a voxel.
    const auto turned = cli::bench::movedPair("porcine CT turned", pair.moving, {0, 180, 0}, {});
    Settings s;
    auto es = cli::elastix::Settings::comparableTo(s);
    es.iterations = kElastixIterations;
    es.timeoutS = 1200;
    const auto run = cli::elastix::registerVolumes(*pair.fixed, *turned.moving, es,
                                                   test::scratchDir("elastix_porcine_turned"));
    const Transform back(turned.truth->asAffine()->inverse());
    const Transform elastix = run.transform.then(back);
    const Tre theirs = landmarkError(elastix, lm.t2, lm.ct);
    const double agreement =
        cli::elastix::maxDifference(c.oursTransform, elastix, pointsInBody(*pair.fixed, 500, 7));
    std::printf("porcine, elastix started upside down: %.2f s (metric %.4f), landmark TRE mean %.2f "
                "max %.2f mm; ours vs elastix max difference %.3f mm over body points (voxel %.2f "
                "mm)\n",
                run.process.wallS, run.finalMetric, theirs.mean, theirs.max, agreement, voxel);
    QVERIFY2(agreement < voxel, qPrintable(QString("ours and elastix (started upside down) differ "
                                                   "by %1 mm (voxel %2 mm)")
                                               .arg(agreement)
                                               .arg(voxel)));
  }

  void colin27MovedRigid() {
    const auto t1 = io::readImageFile(test::sharedData() / "nifti_colin27" / "ch2.nii.gz");
    const auto pair = cli::bench::movedPair("colin27 moved", t1, {8, -10, 12}, {12, -18, 25});
    const Compared c = compare(pair, "elastix_colin27");
    verifyAgreementAndTre(c, cli::bench::coarsestSpacing(*pair.fixed, *pair.moving));
  }
};

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  if (cli::findProgram("elastix").empty() ||
      cli::findProgram("transformix").empty()) {
    std::fprintf(stderr,
                 "SKIP: elastix or transformix is not installed (Debian: apt install elastix)\n");
    return 77;
  }
  // The shared-data slots run when named, or when no slot is named (the whole test).
  bool named = false, wantsShared = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.empty() || a[0] == '-') continue;
    named = true;
    if (a.rfind("porcineRigid", 0) == 0 || a.rfind("colin27MovedRigid", 0) == 0) wantsShared = true;
  }
  if (!named || wantsShared) {
    test::requireSharedData("ctmr_mridir_porcine/ct_103sl_2p5mm.tar.xz");
    test::requireSharedData("ctmr_mridir_porcine/mr_t2_94sl.tar.xz");
    test::requireSharedData("nifti_colin27/ch2.nii.gz");
  }
  ElastixCrossCheckTest t;
  return QTest::qExec(&t, argc, argv);
}

#include "ElastixCrossCheckTest.moc"
