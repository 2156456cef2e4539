// The workstation's registration side (issue 4) on volumes the test makes itself: fusion modes
// change the drawn pixels where expected, nudges and undo/redo change and restore the transform
// exactly, the registration runs in the background and applies its result, cancel stops it, and
// a saved transform reloads identically.
#include <QtTest>

#include <QApplication>
#include <QLabel>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTimer>
#include <QUndoStack>
#include <cmath>

#include "TestData.h"
#include "fw/io/ImageFile.h"
#include "fw/io/Nifti.h"
#include "fw/registration/Transform.h"
#include "fw/scene/JobRunner.h"
#include "fw/scene/RegistrationJob.h"
#include "fw/scene/Scene.h"
#include "fw/ui/MainWindow.h"
#include "fw/ui/RegistrationPanel.h"
#include "fw/ui/SliceView.h"

using namespace fw;

namespace {

// A float volume on a 1 mm grid with origin (0,0,0) whose voxel (i,j,k) holds f(world point).
template <class F>
core::VolumePtr makeVolume(std::size_t n, std::size_t nz, F f, const std::string& name) {
  core::ImageGeometry g({n, n, nz}, {1, 1, 1}, {0, 0, 0}, core::Mat3::identity());
  auto img = core::allocateImage<core::ImageF32>(g);
  float* p = img->GetBufferPointer();
  for (std::size_t k = 0; k < nz; ++k)
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t i = 0; i < n; ++i) *p++ = static_cast<float>(f(core::Vec3{double(i), double(j), double(k)}));
  auto v = std::make_shared<core::Volume>(img, core::Modality::MR);
  v->setName(name);
  return v;
}

// Two smooth blobs of different size: a rigid registration has one answer.
double blobs(const core::Vec3& p, const core::Vec3& shift = {}) {
  const core::Vec3 q = p - shift;
  auto blob = [&](core::Vec3 c, double r) { return std::exp(-core::dot(q - c, q - c) / (2 * r * r)); };
  return 1000 * blob({20, 24, 16}, 6) + 600 * blob({30, 18, 20}, 4);
}

// The three numbers after `label` on its line of the panel's transform text.
std::optional<core::Vec3> readRow(const QString& text, const QString& label) {
  for (const QString& line : text.split('\n')) {
    if (!line.startsWith(label)) continue;
    const QStringList parts = line.mid(label.size()).split(' ', Qt::SkipEmptyParts);
    if (parts.size() != 3) return std::nullopt;
    core::Vec3 v;
    for (int i = 0; i < 3; ++i) {
      bool ok = false;
      v[i] = parts[i].toDouble(&ok);
      if (!ok) return std::nullopt;
    }
    return v;
  }
  return std::nullopt;
}

bool sameMatrix(const registration::Transform& a, const registration::Transform& b, double tol = 0) {
  const auto ma = a.asAffine(), mb = b.asAffine();
  if (!ma || !mb) return false;
  const auto x = ma->toMatrix4(), y = mb->toMatrix4();
  for (int i = 0; i < 16; ++i)
    if (std::abs(x[i] - y[i]) > tol) return false;
  return true;
}

}  // namespace

class RegistrationGuiTest : public QObject {
  Q_OBJECT
 private slots:
  void checkerboardAlternatesFixedAndMoving();
  void blendDifferenceAndOverlay();
  void nudgeUndoRedoRestoresExactly();
  void keyboardNudgeInTheViewPlane();
  void registrationRunsInTheBackgroundAndApplies();
  void cancelStopsTheRegistration();
  void savedTransformReloadsIdentically();
  void savesTheResampledMovingImage();
  void transformShowsCentreShiftAndTranslation();
  void movingVolumeOfA4dSeries();
  void moving4dFileKeepsEveryVolume();
};

void RegistrationGuiTest::checkerboardAlternatesFixedAndMoving() {
  ui::MainWindow w;
  w.resize(900, 700);
  w.show();
  auto* scene = w.scene();
  scene->setBaseVolume(makeVolume(48, 32, [](const core::Vec3&) { return 0.0; }, "fixed"));
  scene->setWindowLevel(100, 50);
  scene->setMovingVolume(makeVolume(48, 32, [](const core::Vec3&) { return 100.0; }, "moving"));
  scene->setMovingWindowLevel(100, 50);
  scene->setFusionMode(scene::FusionMode::Checkerboard);
  scene->setCheckerSize(10);
  ui::SliceView* axial = w.sliceView(0);
  axial->refresh();
  const auto& rep = axial->representation();
  const auto& px = rep.pixels();
  const auto& grid = rep.grid();
  QCOMPARE(px.size(), std::size_t(grid.width) * grid.height * 4);
  int fixedSquares = 0, movingSquares = 0;
  for (int b = 0; b < grid.height; ++b)
    for (int a = 0; a < grid.width; ++a) {
      const core::Vec3 p = grid.pixelToWorld(a, b);
      const long cx = static_cast<long>(std::floor(core::dot(p, grid.right) / 10));
      const long cy = static_cast<long>(std::floor(core::dot(p, grid.up) / 10));
      const int expected = ((cx + cy) & 1) ? 255 : 0;  // odd squares: moving (white)
      const int got = px[(std::size_t(b) * grid.width + a) * 4];
      if (got != expected) QFAIL(qPrintable(QString("pixel (%1, %2): %3, expected %4").arg(a).arg(b).arg(got).arg(expected)));
      (expected ? movingSquares : fixedSquares)++;
    }
  QVERIFY(fixedSquares > 100);
  QVERIFY(movingSquares > 100);

  // Fusion never changes either volume's pixels.
  QCOMPARE(scene->baseVolume()->valueAt(5, 5, 5), 0.0);
  QCOMPARE(scene->movingVolume()->valueAt(5, 5, 5), 100.0);
}

void RegistrationGuiTest::blendDifferenceAndOverlay() {
  ui::MainWindow w;
  w.resize(900, 700);
  w.show();
  auto* scene = w.scene();
  auto volume = makeVolume(48, 32, [](const core::Vec3& p) { return blobs(p); }, "blobs");
  scene->setBaseVolume(volume);
  scene->setWindowLevel(1000, 500);
  scene->setMovingVolume(volume);  // the same image: aligned everywhere
  scene->setMovingWindowLevel(1000, 500);
  scene->setCursor({20, 24, 16});
  ui::SliceView* axial = w.sliceView(0);

  scene->setFusionMode(scene::FusionMode::Difference);
  axial->refresh();
  int maxDiff = 0;
  const auto& px = axial->representation().pixels();
  for (std::size_t i = 0; i < px.size(); i += 4) maxDiff = std::max(maxDiff, int(px[i]));
  QVERIFY2(maxDiff <= 1, qPrintable(QString("difference of an aligned pair: %1").arg(maxDiff)));

  // Moved by 4 mm: the blob's edges light up.
  registration::Affine shift;
  shift.translation = {4, 0, 0};
  scene->setMovingTransform(registration::Transform(shift));
  axial->refresh();
  maxDiff = 0;
  for (std::size_t i = 0; i < px.size(); i += 4) maxDiff = std::max(maxDiff, int(px[i]));
  QVERIFY2(maxDiff > 60, qPrintable(QString("difference after a 4 mm shift: %1").arg(maxDiff)));
  scene->setMovingTransform(registration::Transform{});

  // Pixel at the big blob's centre: fixed and moving both ~1000 -> white in blend.
  auto pixelAt = [&](const core::Vec3& world) {
    const auto& g = axial->representation().grid();
    const core::Vec3 d = world - g.origin;
    const int a = static_cast<int>(std::lround(core::dot(d, g.right) / g.spacingX));
    const int b = static_cast<int>(std::lround(core::dot(d, g.up) / g.spacingY));
    const std::size_t i = (std::size_t(b) * g.width + a) * 4;
    const auto& p = axial->representation().pixels();
    return std::array<int, 3>{p[i], p[i + 1], p[i + 2]};
  };
  scene->setFusionMode(scene::FusionMode::Blend);
  scene->setFusionOpacity(0.5);
  axial->refresh();
  QVERIFY(pixelAt({20, 24, 16})[0] >= 250);
  // Blend of a black fixed and white moving: mid grey. Moving window lowered so the moving is white
  // at the far corner where the fixed is black.
  scene->setMovingWindowLevel(1e-3, -1);  // every moving value >= 0 maps to white
  axial->refresh();
  const auto corner = pixelAt({2, 2, 16});
  QVERIFY2(std::abs(corner[0] - 128) <= 1, qPrintable(QString::number(corner[0])));
  scene->setFusionOpacity(1.0);
  axial->refresh();
  QCOMPARE(pixelAt({2, 2, 16})[0], 255);

  // Overlay: the hot map, red before green.
  scene->setMovingWindowLevel(1000, 500);
  scene->setFusionMode(scene::FusionMode::Overlay);
  scene->setFusionOpacity(0.8);
  axial->refresh();
  const auto hot = pixelAt({30, 18, 16});  // the small blob's flank: moving mid-window
  QVERIFY2(hot[0] > hot[2] + 20, qPrintable(QString("%1 %2 %3").arg(hot[0]).arg(hot[1]).arg(hot[2])));
}

void RegistrationGuiTest::nudgeUndoRedoRestoresExactly() {
  ui::MainWindow w;
  auto* scene = w.scene();
  scene->setBaseVolume(makeVolume(32, 16, [](const core::Vec3& p) { return blobs(p); }, "fixed"));
  scene->setMovingVolume(makeVolume(32, 16, [](const core::Vec3& p) { return blobs(p); }, "moving"));
  auto* panel = w.registrationPanel();
  const registration::Transform start(registration::Affine::rigid({2, -3, 5}, {1.5, -2, 0.25}, {10, 10, 8}));
  scene->setMovingTransform(start);

  registration::Affine move;
  move.translation = {1, 0, 0};
  panel->applyNudge(move, true);
  const registration::Transform afterMove = scene->movingTransform();
  // T' = N^-1 then T: a fixed point p shows what p - (1,0,0) showed before.
  const core::Vec3 p{7, 9, 11};
  const core::Vec3 expected = start.apply(p - core::Vec3{1, 0, 0});
  QVERIFY(core::norm(afterMove.apply(p) - expected) < 1e-12);

  // A drag: intermediate moves are live but not on the stack; the release is one command.
  registration::Affine half, whole;
  half.translation = {0, 1, 0};
  whole.translation = {0, 2, 0};
  panel->applyNudge(half, false);
  panel->applyNudge(whole, false);
  panel->applyNudge(whole, true);
  const registration::Transform afterDrag = scene->movingTransform();
  QCOMPARE(panel->undoStack()->count(), 2);
  QVERIFY(core::norm(afterDrag.apply(p) - afterMove.apply(p - core::Vec3{0, 2, 0})) < 1e-12);

  panel->undoAction()->trigger();
  QVERIFY(sameMatrix(scene->movingTransform(), afterMove));
  panel->undoAction()->trigger();
  QVERIFY(sameMatrix(scene->movingTransform(), start));  // exactly the numbers set
  panel->redoAction()->trigger();
  QVERIFY(sameMatrix(scene->movingTransform(), afterMove));
  panel->redoAction()->trigger();
  QVERIFY(sameMatrix(scene->movingTransform(), afterDrag));
  panel->resetAction()->trigger();
  QVERIFY(scene->movingTransform().isIdentity());
  panel->undoAction()->trigger();
  QVERIFY(sameMatrix(scene->movingTransform(), afterDrag));
  QVERIFY(panel->transformText().contains("rigid"));
}

void RegistrationGuiTest::keyboardNudgeInTheViewPlane() {
  ui::MainWindow w;
  w.resize(900, 700);
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  auto* scene = w.scene();
  scene->setBaseVolume(makeVolume(32, 16, [](const core::Vec3& p) { return blobs(p); }, "fixed"));
  scene->setMovingVolume(makeVolume(32, 16, [](const core::Vec3& p) { return blobs(p); }, "moving"));
  ui::SliceView* axial = w.sliceView(0);
  const core::Vec3 cursorBefore = scene->cursor();
  // Outside nudge mode the arrows scroll slices and leave the transform alone.
  QTest::keyClick(axial, Qt::Key_Right);
  QVERIFY(scene->movingTransform().isIdentity());

  w.registrationPanel()->nudgeAction()->setChecked(true);
  QVERIFY(scene->nudgeMode());
  scene->setCursor(cursorBefore);
  const core::Vec3 c = scene->cursor();
  const core::Vec3 right = axial->representation().frame().right;
  QTest::keyClick(axial, Qt::Key_Right);  // the image moves 1 mm to the screen's right
  const core::Vec3 p{5, 6, 7};
  QVERIFY(core::norm(scene->movingTransform().apply(p) - (p - right)) < 1e-12);
  QTest::keyClick(axial, Qt::Key_Left);
  QVERIFY(core::norm(scene->movingTransform().apply(p) - p) < 1e-12);
  // Ctrl+Left: 1 degree about the cursor, in the axial plane: the cursor stays, z is kept.
  QTest::keyClick(axial, Qt::Key_Left, Qt::ControlModifier);
  const registration::Transform rotated = scene->movingTransform();
  QVERIFY(core::norm(rotated.apply(c) - c) < 1e-9);
  const core::Vec3 q = c + core::Vec3{10, 0, 0};
  const core::Vec3 rq = rotated.apply(q);
  QVERIFY(std::abs(rq.z - q.z) < 1e-9);
  const double angle = std::acos(std::clamp(core::dot(core::normalized(rq - c), core::Vec3{1, 0, 0}), -1.0, 1.0));
  QVERIFY2(std::abs(angle * 180 / M_PI - 1.0) < 1e-6, qPrintable(QString::number(angle * 180 / M_PI)));
  QCOMPARE(w.registrationPanel()->undoStack()->count(), 3);
}

void RegistrationGuiTest::registrationRunsInTheBackgroundAndApplies() {
  ui::MainWindow w;
  auto* scene = w.scene();
  const core::Vec3 shift{3, -2, 1.5};
  scene->setBaseVolume(makeVolume(48, 40, [](const core::Vec3& p) { return blobs(p); }, "fixed"));
  scene->setMovingVolume(makeVolume(48, 40, [&](const core::Vec3& p) { return blobs(p, shift); }, "moving"));
  auto* panel = w.registrationPanel();
  panel->setMethod(registration::Method::Rigid);
  QSignalSpy finished(panel, &ui::RegistrationPanel::registrationFinished);
  int ticks = 0;
  QTimer timer;
  QObject::connect(&timer, &QTimer::timeout, [&] { ++ticks; });
  timer.start(5);
  QVERIFY(panel->startRegistration());
  QVERIFY(panel->job()->isRunning());
  QVERIFY(finished.wait(120000));
  QCOMPARE(finished.first().at(0).toBool(), true);
  QVERIFY(ticks > 0);  // the UI thread kept running its event loop
  // fixed -> moving: a fixed point p is at p + shift in the moving image.
  const core::Vec3 p{20, 24, 16};
  const core::Vec3 got = scene->movingTransform().apply(p);
  QVERIFY2(core::norm(got - (p + shift)) < 0.5, qPrintable(QString::fromStdString(core::toString(got))));
  QCOMPARE(panel->undoStack()->count(), 1);
  panel->undoAction()->trigger();
  QVERIFY(scene->movingTransform().isIdentity());
}

void RegistrationGuiTest::cancelStopsTheRegistration() {
  ui::MainWindow w;
  auto* scene = w.scene();
  scene->setBaseVolume(makeVolume(96, 96, [](const core::Vec3& p) { return blobs(p * 0.5); }, "fixed"));
  scene->setMovingVolume(makeVolume(96, 96, [](const core::Vec3& p) { return blobs(p * 0.5, {2, 1, 0}); }, "moving"));
  auto* panel = w.registrationPanel();
  panel->setMethod(registration::Method::Affine);
  QSignalSpy finished(panel, &ui::RegistrationPanel::registrationFinished);
  QVERIFY(panel->startRegistration());
  QVERIFY(w.jobs()->isRunning());
  QTest::qWait(20);  // the UI thread runs while the job does
  w.jobs()->cancel();
  QVERIFY(finished.wait(120000));
  QCOMPARE(finished.first().at(0).toBool(), false);
  QVERIFY(finished.first().at(1).toString().isEmpty());  // cancelled, not failed
  QVERIFY(scene->movingTransform().isIdentity());       // nothing applied
  QCOMPARE(panel->undoStack()->count(), 0);
  QVERIFY(!panel->job()->isRunning());
}

void RegistrationGuiTest::savedTransformReloadsIdentically() {
  ui::MainWindow w;
  auto* scene = w.scene();
  scene->setBaseVolume(makeVolume(32, 16, [](const core::Vec3& p) { return blobs(p); }, "fixed"));
  scene->setMovingVolume(makeVolume(32, 16, [](const core::Vec3& p) { return blobs(p); }, "moving"));
  auto* panel = w.registrationPanel();
  const registration::Transform t(registration::Affine::rigid({7.25, -3.5, 12.125}, {-4.75, 2.5, 30.0625}, {15, 14, 8}));
  scene->setMovingTransform(t);
  const auto dir = fw::test::scratchDir("registration_gui");
  for (const char* name : {"t.tfm", "t.h5"}) {
    const QString path = QString::fromStdString((dir / name).string());
    QString error;
    QVERIFY2(panel->saveTransform(path, &error), qPrintable(error));
    scene->setMovingTransform(registration::Transform{});
    QVERIFY2(panel->loadTransform(path, &error), qPrintable(error));
    QVERIFY2(sameMatrix(scene->movingTransform(), t, 1e-12), name);
    panel->undoAction()->trigger();  // loading is undoable
    QVERIFY(scene->movingTransform().isIdentity());
    scene->setMovingTransform(t);
  }
  QString error;
  QVERIFY(!panel->loadTransform(QString::fromStdString((dir / "missing.tfm").string()), &error));
  QVERIFY2(error.contains("missing.tfm"), qPrintable(error));
}

void RegistrationGuiTest::savesTheResampledMovingImage() {
  ui::MainWindow w;
  auto* scene = w.scene();
  const core::Vec3 shift{3, -2, 1};
  scene->setBaseVolume(makeVolume(40, 32, [](const core::Vec3& p) { return blobs(p); }, "fixed"));
  scene->setMovingVolume(makeVolume(40, 32, [&](const core::Vec3& p) { return blobs(p, shift); }, "moving"));
  registration::Affine a;
  a.translation = shift;  // fixed p -> moving p + shift: the true alignment
  scene->setMovingTransform(registration::Transform(a));
  auto* panel = w.registrationPanel();
  const auto path = fw::test::scratchDir("registration_gui") / "resampled.nii.gz";
  std::filesystem::remove(path);
  QSignalSpy saved(panel, &ui::RegistrationPanel::resampledSaved);
  QString error;
  QVERIFY2(panel->startSaveResampled(QString::fromStdString(path.string()), &error), qPrintable(error));
  QVERIFY(saved.wait(60000));
  QVERIFY2(saved.first().at(0).toBool(), qPrintable(saved.first().at(1).toString()));
  const core::VolumePtr back = io::readImageFile(path);
  QCOMPARE(back->geometry().size(), scene->baseVolume()->geometry().size());
  // On the fixed grid the resampled moving image equals the fixed one (integer shift).
  for (const auto& v : {std::array<std::size_t, 3>{20, 24, 16}, {30, 18, 20}, {10, 10, 10}})
    QVERIFY(std::abs(back->valueAt(v[0], v[1], v[2]) - scene->baseVolume()->valueAt(v[0], v[1], v[2])) < 0.01);
  // The moving volume's own pixels are unchanged.
  QVERIFY(std::abs(scene->movingVolume()->valueAt(23, 22, 17) - blobs({23, 22, 17}, shift)) < 0.01);
}

void RegistrationGuiTest::transformShowsCentreShiftAndTranslation() {
  ui::MainWindow w;
  auto* scene = w.scene();
  // 48x48x32 voxels of 1 mm from the origin: the fixed centre is (23.5, 23.5, 15.5).
  scene->setBaseVolume(makeVolume(48, 32, [](const core::Vec3& p) { return blobs(p); }, "fixed"));
  scene->setMovingVolume(makeVolume(48, 32, [](const core::Vec3& p) { return blobs(p); }, "moving"));
  auto* panel = w.registrationPanel();
  // 10 degrees about z through the origin, then (3, -2, 1.5) mm: far from the centre, so the
  // centre's shift and the translation about the origin differ by several millimetres.
  const registration::Affine a = registration::Affine::rigid({0, 0, 10}, {3, -2, 1.5});
  QVERIFY(!panel->resetAction()->isEnabled());  // nothing to reset at the identity
  scene->setMovingTransform(registration::Transform(a));
  QVERIFY(panel->resetAction()->isEnabled());
  const QString text = panel->transformText();
  const core::Vec3 c{23.5, 23.5, 15.5};
  const double r = 10 * M_PI / 180;
  const core::Vec3 expectedShift{std::cos(r) * c.x - std::sin(r) * c.y + 3 - c.x,
                                 std::sin(r) * c.x + std::cos(r) * c.y - 2 - c.y, 1.5};
  const auto rotation = readRow(text, "Rotation (deg):");
  const auto shift = readRow(text, "Centre shift (mm):");
  const auto translation = readRow(text, "Translation (mm):");
  QVERIFY2(rotation && shift && translation, qPrintable(text));
  QVERIFY2(core::norm(*rotation - core::Vec3{0, 0, 10}) < 0.006, qPrintable(text));
  QVERIFY2(core::norm(*shift - expectedShift) < 0.006, qPrintable(text));
  QVERIFY2(core::norm(*translation - core::Vec3{3, -2, 1.5}) < 0.006, qPrintable(text));
  QVERIFY(core::norm(expectedShift - core::Vec3{3, -2, 1.5}) > 4);  // two different readings
  QVERIFY(text.startsWith("rigid"));
  // An affine shows its scales too; the translation row is still the matrix's own.
  registration::Affine scaled = a;
  scaled.matrix = scaled.matrix * core::Mat3::fromColumns({1.1, 0, 0}, {0, 1, 0}, {0, 0, 1});
  scene->setMovingTransform(registration::Transform(scaled));
  const QString affineText = panel->transformText();
  QVERIFY2(affineText.startsWith("affine"), qPrintable(affineText));
  const auto scale = readRow(affineText, "Scale:");
  QVERIFY2(scale && std::abs(scale->x - 1.1) < 1e-4 && std::abs(scale->y - 1) < 1e-4, qPrintable(affineText));
  QVERIFY(core::norm(*readRow(affineText, "Translation (mm):") - core::Vec3{3, -2, 1.5}) < 0.006);
}

void RegistrationGuiTest::movingVolumeOfA4dSeries() {
  ui::MainWindow w;
  w.resize(1000, 800);
  w.show();
  auto* scene = w.scene();
  const core::Vec3 shift{3, -2, 1.5};
  scene->setBaseVolume(makeVolume(48, 40, [](const core::Vec3& p) { return blobs(p); }, "fixed"));
  // Volume 1 is blank (nothing to register), volume 2 the shifted blobs, volume 3 a ramp.
  std::vector<scene::SeriesVolume> series{
      {makeVolume(48, 40, [](const core::Vec3&) { return 0.0; }, "moving 1"), {}, "t = 0.0 s"},
      {makeVolume(48, 40, [&](const core::Vec3& p) { return blobs(p, shift); }, "moving 2"), {}, "t = 2.0 s"},
      {makeVolume(48, 40, [](const core::Vec3& p) { return p.x; }, "moving 3"), {}, "t = 4.0 s"}};
  auto* panel = w.registrationPanel();
  auto* spin = panel->findChild<QSpinBox*>("MovingVolumeSpin");
  auto* label = panel->findChild<QLabel*>("MovingVolumeLabel");
  QVERIFY(spin && label);
  QVERIFY(!spin->isVisibleTo(panel));  // nothing 4D yet
  panel->setMovingSeries(series, 0);
  QCOMPARE(scene->movingVolume(), series[0].volume);
  QCOMPARE(panel->movingVolumeCount(), 3);
  QVERIFY(spin->isVisibleTo(panel));
  QCOMPARE(spin->maximum(), 3);
  QCOMPARE(spin->value(), 1);
  QVERIFY2(label->text().contains("t = 0.0 s"), qPrintable(label->text()));

  // A nudge, then another volume: the transform and its history stay.
  registration::Affine move;
  move.translation = {1, 0, 0};
  panel->applyNudge(move, true);
  const registration::Transform nudged = scene->movingTransform();
  QCOMPARE(panel->undoStack()->count(), 1);
  spin->setValue(2);  // as the user does it
  QCOMPARE(scene->movingVolume(), series[1].volume);
  QCOMPARE(panel->movingVolumeIndex(), 1);
  QVERIFY(sameMatrix(scene->movingTransform(), nudged));
  QCOMPARE(panel->undoStack()->count(), 1);
  QVERIFY2(label->text().contains("t = 2.0 s"), qPrintable(label->text()));
  QVERIFY(panel->transformText().contains("rigid"));
  // Out of range: refused, nothing changes, the spin box shows the truth.
  QVERIFY(!panel->setMovingVolumeIndex(3));
  QVERIFY(!panel->setMovingVolumeIndex(-1));
  QCOMPARE(scene->movingVolume(), series[1].volume);
  QCOMPARE(spin->value(), 2);

  // Registering volume 2 finds its shift (volume 1 has nothing to find).
  panel->resetAction()->trigger();
  QSignalSpy finished(panel, &ui::RegistrationPanel::registrationFinished);
  QVERIFY(panel->startRegistration());
  QVERIFY(!spin->isEnabled());  // no volume change under a running registration
  QVERIFY(!panel->setMovingVolumeIndex(2));
  QVERIFY(finished.wait(120000));
  QCOMPARE(finished.first().at(0).toBool(), true);
  QVERIFY(spin->isEnabled());
  const core::Vec3 p{20, 24, 16};
  const core::Vec3 got = scene->movingTransform().apply(p);
  QVERIFY2(core::norm(got - (p + shift)) < 0.5, qPrintable(QString::fromStdString(core::toString(got))));
  // The result holds for the series: volume 3 is shown through it.
  const registration::Transform found = scene->movingTransform();
  QVERIFY(panel->setMovingVolumeIndex(2));
  QCOMPARE(scene->movingVolume(), series[2].volume);
  QVERIFY(sameMatrix(scene->movingTransform(), found));

  // A moving volume set from elsewhere ends the series: no volume control.
  scene->setMovingVolume(makeVolume(48, 40, [](const core::Vec3& q) { return blobs(q); }, "other"));
  QCOMPARE(panel->movingVolumeCount(), 0);
  QVERIFY(!spin->isVisibleTo(panel));
  QCOMPARE(panel->undoStack()->count(), 0);
}

void RegistrationGuiTest::moving4dFileKeepsEveryVolume() {
  // File > Open Moving Image on a 4D NIfTI: every volume arrives in the panel.
  const auto dir = fw::test::scratchDir("registration_gui");
  const auto path = dir / "moving4d.nii.gz";
  std::vector<core::VolumePtr> volumes;
  for (int t = 0; t < 3; ++t)
    volumes.push_back(makeVolume(24, 16, [t](const core::Vec3& p) { return 100.0 * t + p.x; }, "v"));
  io::NiftiWriteOptions options;
  options.overwrite = true;
  options.dcm2niixLayout = false;
  options.repetitionTimeS = 2;
  io::writeNifti(volumes, path, options);
  ui::MainWindow w;
  w.scene()->setBaseVolume(makeVolume(24, 16, [](const core::Vec3& p) { return p.x; }, "fixed"));
  QSignalSpy loaded(&w, &ui::MainWindow::movingLoadFinished);
  w.openMovingPath(QString::fromStdString(path.string()));
  QVERIFY(loaded.wait(60000));
  QVERIFY2(loaded.first().at(0).toBool(), qPrintable(loaded.first().at(1).toString()));
  auto* panel = w.registrationPanel();
  QCOMPARE(panel->movingVolumeCount(), 3);
  QCOMPARE(panel->movingVolumeIndex(), 0);
  QCOMPARE(w.scene()->movingVolume()->valueAt(5, 3, 2), 5.0);
  QVERIFY(panel->setMovingVolumeIndex(2));
  QCOMPARE(w.scene()->movingVolume()->valueAt(5, 3, 2), 205.0);
  // Labelled as the viewer labels a 4D file's volumes: by time from the 4th axis spacing.
  const QString label = panel->findChild<QLabel*>("MovingVolumeLabel")->text();
  QVERIFY2(label.contains("of 3") && label.contains("t = 4.0 s"), qPrintable(label));
}

QTEST_MAIN(RegistrationGuiTest)
#include "RegistrationGuiTest.moc"
