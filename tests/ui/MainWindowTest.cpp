// GUI under Xvfb: open a volume, move the cursor in one view, and check that the other views'
// slices and the status bar follow; compare a screenshot of the window with a baseline.
#include <QtTest>

#include <QApplication>
#include <QSignalSpy>
#include <QStandardPaths>


#include <cmath>

#include "TestData.h"
#include "fw/io/ImageFile.h"
#include "fw/scene/Scene.h"
#include "fw/ui/MainWindow.h"
#include "fw/ui/RenderWidget.h"
#include "fw/ui/SliceView.h"
#include "fw/ui/VolumeView.h"

using namespace fw;
using namespace fw::core;

namespace {

// A CT-like test object with known geometry: a 60 HU sphere (r 20 mm) centred at (10, -5, 20)
// LPS, inside a 1000 HU shell, on a 96x96x64 grid of 2 x 2 x 2.5 mm, everything else -1000.
// A small 400 HU cube marks the patient's left-anterior-superior octant, so orientation
// mistakes show in the screenshot.
VolumePtr makeTestCt() {
  const ImageGeometry g({96, 96, 64}, {2, 2, 2.5}, {-85, -100, -60}, Mat3::identity());
  auto img = allocateImage<ImageI16>(g);
  auto* p = img->GetBufferPointer();
  const Vec3 c{10, -5, 20};
  for (std::size_t k = 0; k < 64; ++k)
    for (std::size_t j = 0; j < 96; ++j)
      for (std::size_t i = 0; i < 96; ++i) {
        const Vec3 w = g.indexToWorld({double(i), double(j), double(k)});
        const double r = norm(w - c);
        std::int16_t v = -1000;
        if (r < 20) v = 60;
        else if (r < 40 && r > 34) v = 1000;
        if (w.x > 40 && w.x < 60 && w.y > -60 && w.y < -40 && w.z > 40 && w.z < 60) v = 400;
        p[i + 96 * (j + 96 * k)] = v;
      }
  auto v = std::make_shared<Volume>(img, Modality::CT, "HU");
  return v;
}

double meanAbsDiff(const QImage& a, const QImage& b) {
  if (a.size() != b.size()) return 1e9;
  double sum = 0;
  for (int y = 0; y < a.height(); ++y)
    for (int x = 0; x < a.width(); ++x) {
      const QRgb pa = a.pixel(x, y), pb = b.pixel(x, y);
      sum += std::abs(qRed(pa) - qRed(pb)) + std::abs(qGreen(pa) - qGreen(pb)) + std::abs(qBlue(pa) - qBlue(pb));
    }
  return sum / (3.0 * a.width() * a.height());
}

}  // namespace

class MainWindowTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase();
  void opensVolumeFromFile();
  void clickMovesCursorAndOtherViewsFollow();
  void wheelScrollsOneSlice();
  void windowPresetChangesPixels();
  void badFileGivesError();
  void screenshotMatchesBaseline();
  void cleanupTestCase();

 private:
  ui::MainWindow* m_window = nullptr;
  std::filesystem::path m_file;
};

void MainWindowTest::initTestCase() {
  QStandardPaths::setTestModeEnabled(true);
  const auto dir = test::scratchDir("ui_mainwindow");
  m_file = dir / "test_ct.nii.gz";
  auto ct = makeTestCt();
  io::writeImageFile(*ct, m_file);
  m_window = new ui::MainWindow;
  m_window->setProperty("batchMode", true);
  m_window->resize(1200, 900);
  m_window->show();
  QVERIFY(QTest::qWaitForWindowExposed(m_window));
}

void MainWindowTest::opensVolumeFromFile() {
  QSignalSpy done(m_window, &ui::MainWindow::loadFinished);
  m_window->openPath(QString::fromStdString(m_file.string()));
  QVERIFY(done.wait(30000));
  QCOMPARE(done.first().at(0).toBool(), true);
  auto v = m_window->scene()->baseVolume();
  QVERIFY(v);
  QCOMPARE(v->geometry().size()[2], std::size_t(64));
  // NIfTI carries no modality: treat as unknown, but pixel values and geometry must survive.
  QCOMPARE(*v->valueAtWorld({10, -5, 20}), 60.0);
  QVERIFY(m_window->statusCursorText().contains("mm"));
}

void MainWindowTest::clickMovesCursorAndOtherViewsFollow() {
  auto* axial = m_window->sliceView(0);
  auto* coronal = m_window->sliceView(1);
  auto* sagittal = m_window->sliceView(2);
  QTest::qWait(100);
  for (int i = 0; i < 3; ++i) m_window->sliceView(i)->refresh();
  // Click the sphere's centre in the axial view (its axial slice already contains z=20 after
  // we place the cursor there first via the scene, as a user scrolling would).
  m_window->scene()->setCursor({0, 0, 20});
  axial->refresh();
  const Vec3 target{10, -5, 20};
  const QPointF pos = axial->positionOf(target);
  QTest::mouseClick(axial, Qt::LeftButton, Qt::NoModifier, pos.toPoint());
  const Vec3 c = m_window->scene()->cursor();
  // The cursor snaps to a voxel centre: within half a voxel (plus a pixel) of the target.
  QVERIFY2(std::abs(c.x - 10) <= 1.0 + 2 && std::abs(c.y + 5) <= 1.0 + 2 && std::abs(c.z - 20) < 1e-6,
           qPrintable(QString::fromStdString(toString(c))));
  coronal->refresh();
  sagittal->refresh();
  const auto& g = m_window->scene()->baseVolume()->geometry();
  const Vec3 idx = g.worldToIndex(c);
  // Coronal slices run along voxel j (y), sagittal along i (x): 1-based slice numbers follow.
  QCOMPARE(coronal->representation().sliceNumber(), int(std::lround(idx.y)) + 1);
  QCOMPARE(sagittal->representation().sliceNumber(), int(std::lround(idx.x)) + 1);
  // The status bar shows the new position and the value under it (60 HU in the sphere).
  QVERIFY2(m_window->statusCursorText().contains(QString::number(c.x, 'f', 2)), qPrintable(m_window->statusCursorText()));
  QVERIFY2(m_window->statusValueText().contains("60"), qPrintable(m_window->statusValueText()));
  // Drag in the coronal view: the axial slice follows the new z.
  const Vec3 target2{10, c.y, 0};
  const QPointF p2 = coronal->positionOf(target2);
  QTest::mousePress(coronal, Qt::LeftButton, Qt::NoModifier, coronal->positionOf(c).toPoint());
  QMouseEvent move(QEvent::MouseMove, p2, coronal->mapToGlobal(p2), Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(coronal, &move);
  QTest::mouseRelease(coronal, Qt::LeftButton, Qt::NoModifier, p2.toPoint());
  axial->refresh();
  const Vec3 c2 = m_window->scene()->cursor();
  QVERIFY2(std::abs(c2.z - 0) <= 2.5, qPrintable(QString::fromStdString(toString(c2))));
  QCOMPARE(axial->representation().sliceNumber(), int(std::lround(g.worldToIndex(c2).z)) + 1);
}

void MainWindowTest::wheelScrollsOneSlice() {
  auto* axial = m_window->sliceView(0);
  axial->refresh();
  const int before = axial->representation().sliceNumber();
  const QPoint centre(axial->width() / 2, axial->height() / 2);
  QWheelEvent wheel(centre, axial->mapToGlobal(centre), QPoint(), QPoint(0, 120), Qt::NoButton, Qt::NoModifier,
                    Qt::NoScrollPhase, false);
  QApplication::sendEvent(axial, &wheel);
  axial->refresh();
  QCOMPARE(axial->representation().sliceNumber(), before + 1);  // forward = superior = +k here
}

void MainWindowTest::windowPresetChangesPixels() {
  auto* scene = m_window->scene();
  scene->setCursor({10, -5, 20});
  scene->applyWindowPreset("brain");  // W80 L40: 60 HU -> (60-0)/80*255 = 191
  auto* axial = m_window->sliceView(0);
  axial->refresh();
  QCOMPARE(scene->baseDisplay().window, 80.0);
  axial->renderNow();
  QImage frame = axial->frame();
  const QPointF pos = axial->positionOf({10, -5, 20});
  const double dpr = axial->devicePixelRatioF();
  const QRgb px = frame.pixel(int(pos.x() * dpr), int(pos.y() * dpr));
  QVERIFY2(std::abs(qGray(px) - 191) <= 3, qPrintable(QString("grey %1").arg(qGray(px))));
  scene->applyWindowPreset("bone");  // W2800 L600: 60 HU -> (60+800)/2800*255 = 78
  axial->refresh();
  axial->renderNow();
  frame = axial->frame();
  const QRgb px2 = frame.pixel(int(pos.x() * dpr), int(pos.y() * dpr));
  QVERIFY2(std::abs(qGray(px2) - 78) <= 3, qPrintable(QString("grey %1").arg(qGray(px2))));
}

void MainWindowTest::badFileGivesError() {
  const auto dir = test::scratchDir("ui_badfile");
  const auto bad = dir / "garbage.nii";
  {
    std::ofstream f(bad, std::ios::binary);
    for (int i = 0; i < 1000; ++i) f.put(static_cast<char>((i * 37) & 0xff));
  }
  QSignalSpy done(m_window, &ui::MainWindow::loadFinished);
  m_window->openPath(QString::fromStdString(bad.string()));
  QVERIFY(done.wait(30000));
  QCOMPARE(done.first().at(0).toBool(), false);
  const QString error = done.first().at(1).toString();
  QVERIFY2(error.contains("garbage.nii"), qPrintable(error));
  // The previous volume is still shown.
  QVERIFY(m_window->scene()->baseVolume());
}

void MainWindowTest::screenshotMatchesBaseline() {
  auto* scene = m_window->scene();
  scene->setBaseVolume(makeTestCt());
  scene->applyWindowPreset("subdural");
  scene->setCursor({10, -5, 20});
  m_window->volumeView()->resetView();
  QTest::qWait(800);  // let the 3D view settle to a full-quality frame
  const QImage shot = m_window->grab().toImage().convertToFormat(QImage::Format_RGB32);
  const QString dir = QString::fromStdString(test::scratchDir("ui_screenshot").string());
  shot.save(dir + "/mainwindow.png");
  const QString baselinePath = QString(FW_BASELINE_DIR) + "/mainwindow.png";
  if (qEnvironmentVariableIsSet("FW_UPDATE_BASELINES")) {
    QVERIFY(shot.save(baselinePath));
    QSKIP("baseline updated");
  }
  QImage baseline(baselinePath);
  QVERIFY2(!baseline.isNull(), "missing baseline: run with FW_UPDATE_BASELINES=1 and look at it");
  baseline = baseline.convertToFormat(QImage::Format_RGB32);
  QCOMPARE(shot.size(), baseline.size());
  const double diff = meanAbsDiff(shot, baseline);
  // Fonts and 3D shading may differ by a few levels between Mesa versions; a wrong slice,
  // orientation or window changes whole regions and lands far above this.
  QVERIFY2(diff < 3.0, qPrintable(QString("mean abs difference %1 (see %2/mainwindow.png)").arg(diff).arg(dir)));
}

void MainWindowTest::cleanupTestCase() { delete m_window; }

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  MainWindowTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "MainWindowTest.moc"
