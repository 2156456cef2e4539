// fusion-workstation's registration options end to end, as a user runs the binary (issue 4):
// open a fixed image, a 4D moving file, pick its volume, register, nudge, save the transform,
// screenshot. The saved file must hold the registration found on the chosen volume followed by
// the nudge; errors name the option. Needs a display (run under xvfb-run, as ctest -L gui is).
#include <QtTest>

#include <QProcess>
#include <cmath>
#include <fstream>

#include "TestData.h"
#include "fw/io/ImageFile.h"
#include "fw/io/Nifti.h"
#include "fw/registration/TransformIO.h"

using namespace fw;
namespace fs = std::filesystem;

namespace {

const core::ImageGeometry kGrid({40, 40, 32}, {1.25, 1.25, 1.25}, {-10, 5, 20}, core::Mat3::rotation({0, 0, 1}, 0.1));

double blobs(const core::Vec3& p) {
  auto blob = [&](core::Vec3 c, double r) { return std::exp(-core::dot(p - c, p - c) / (2 * r * r)); };
  return 1000 * blob({12, 30, 38}, 7) + 600 * blob({22, 22, 44}, 5) + 300 * blob({8, 18, 32}, 4);
}

core::VolumePtr volume(const core::Vec3& shift) {
  auto img = core::allocateImage<core::ImageF32>(kGrid);
  float* px = img->GetBufferPointer();
  for (std::size_t k = 0; k < kGrid.size()[2]; ++k)
    for (std::size_t j = 0; j < kGrid.size()[1]; ++j)
      for (std::size_t i = 0; i < kGrid.size()[0]; ++i)
        *px++ = static_cast<float>(blobs(kGrid.indexToWorld({double(i), double(j), double(k)}) - shift));
  return std::make_shared<core::Volume>(img, core::Modality::MR);
}

struct Run {
  int exitCode = -1;
  QString err;
};

Run runWorkstation(const QStringList& args) {
  QProcess p;
  p.start(QStringLiteral(FW_WORKSTATION), args);
  p.closeWriteChannel();
  Run r;
  if (!p.waitForFinished(240000) || p.exitStatus() != QProcess::NormalExit) {
    p.kill();
    r.err = "fusion-workstation did not finish normally: " + QString::fromLocal8Bit(p.readAllStandardError());
    return r;
  }
  r.exitCode = p.exitCode();
  r.err = QString::fromLocal8Bit(p.readAllStandardError());
  return r;
}

QString arg(const fs::path& p) { return QString::fromStdString(p.string()); }

}  // namespace

class WorkstationScriptTest : public QObject {
  Q_OBJECT
 private slots:
  void registerNudgeSaveOnAChosenVolume();
  void badOptionsAreNamed();
};

void WorkstationScriptTest::registerNudgeSaveOnAChosenVolume() {
  if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariable("QT_QPA_PLATFORM") != "offscreen")
    QSKIP("no display: run under xvfb-run");
  const auto dir = fw::test::scratchDir("workstation_script");
  io::writeImageFile(*volume({}), dir / "fixed.nii.gz");
  io::NiftiWriteOptions options;
  options.dcm2niixLayout = false;
  const core::Vec3 shift{3, -2, 1.5};
  io::writeNifti({volume({}), volume(shift)}, dir / "moving4d.nii.gz", options);
  const Run r = runWorkstation({"--open", arg(dir / "fixed.nii.gz"), "--moving", arg(dir / "moving4d.nii.gz"),
                                "--moving-volume", "2", "--register", "rigid", "--nudge", "1,0,0", "--save-transform",
                                arg(dir / "out.tfm"), "--layout", "axial", "--size", "900x700", "--screenshot",
                                arg(dir / "shot.png")});
  QVERIFY2(r.exitCode == 0, qPrintable(r.err));
  QCOMPARE(r.err.count("loaded after"), 1);  // once, not again after the registration steps
  QVERIFY2(r.err.contains("(volume 2 of 2)"), qPrintable(r.err));
  QVERIFY2(r.err.contains("Centre shift (mm):") && r.err.contains("Translation (mm):"), qPrintable(r.err));
  QVERIFY(fs::file_size(dir / "shot.png") > 1000);
  // Registered on volume 2: fixed p is at p + shift in the moving image. Then the moving image
  // moved 1 mm along x: fixed p now shows what p - (1,0,0) showed.
  const registration::Transform t = registration::readTransform(dir / "out.tfm");
  for (const core::Vec3& p : {kGrid.center(), core::Vec3{12, 30, 38}, core::Vec3{22, 22, 44}}) {
    const core::Vec3 expected = p - core::Vec3{1, 0, 0} + shift;
    QVERIFY2(core::norm(t.apply(p) - expected) < 0.3, core::toString(t.apply(p)).c_str());
  }
}

void WorkstationScriptTest::badOptionsAreNamed() {
  if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariable("QT_QPA_PLATFORM") != "offscreen")
    QSKIP("no display: run under xvfb-run");
  const auto dir = fw::test::scratchDir("workstation_script_bad");
  io::writeImageFile(*volume({}), dir / "fixed.nii.gz");
  io::NiftiWriteOptions options;
  options.dcm2niixLayout = false;
  io::writeNifti({volume({}), volume({1, 0, 0})}, dir / "moving4d.nii.gz", options);
  const QStringList base{"--open", arg(dir / "fixed.nii.gz"), "--screenshot", arg(dir / "shot.png"), "--layout", "axial"};
  // Checked at start, before any window: exit 2 and the option named.
  Run r = runWorkstation(base + QStringList{"--moving-volume", "0", "--moving", arg(dir / "moving4d.nii.gz")});
  QVERIFY2(r.exitCode == 2 && r.err.contains("--moving-volume"), qPrintable(r.err));
  r = runWorkstation(base + QStringList{"--moving-volume", "2"});
  QVERIFY2(r.exitCode == 2 && r.err.contains("need a moving image"), qPrintable(r.err));
  r = runWorkstation(base + QStringList{"--moving", arg(dir / "moving4d.nii.gz"), "--nudge", "1,2"});
  QVERIFY2(r.exitCode == 2 && r.err.contains("--nudge"), qPrintable(r.err));
  r = runWorkstation(base + QStringList{"--moving", arg(dir / "moving4d.nii.gz"), "--save-transform", arg(dir / "t.png")});
  QVERIFY2(r.exitCode == 2 && r.err.contains("--save-transform"), qPrintable(r.err));
  // Known only once the moving image is loaded: exit 1, the count named, no screenshot.
  r = runWorkstation(base + QStringList{"--moving", arg(dir / "moving4d.nii.gz"), "--moving-volume", "3"});
  QVERIFY2(r.exitCode == 1 && r.err.contains("--moving-volume 3") && r.err.contains("2 volume(s)"), qPrintable(r.err));
  QVERIFY(!fs::exists(dir / "shot.png"));
}

QTEST_GUILESS_MAIN(WorkstationScriptTest)
#include "WorkstationScriptTest.moc"
