// GUI under Xvfb: open a volume, move the cursor in one view, and check that the other views'
// slices and the status bar follow; compare a screenshot of the window with a baseline.
#include <QtTest>

#include <QApplication>
#include <QSignalSpy>
#include <QPainter>
#include <QStandardPaths>


#include <cmath>

#include "TestData.h"
#include "fw/io/ImageFile.h"
#include "fw/scene/Scene.h"
#include "fw/ui/MainWindow.h"
#include "fw/ui/RenderWidget.h"
#include "fw/ui/SliceView.h"
#include "fw/ui/ViewAnnotations.h"
#include "fw/ui/VolumeView.h"

using namespace fw;
using namespace fw::core;

namespace {

// A CT-like test object with known geometry: a 60 HU sphere (r 20 mm) centred at (10, -5, 20)
// LPS, inside a 1000 HU shell, on a 96x96x64 grid of 2 x 2 x 2.5 mm, everything else -1000.
// A small 400 HU cube marks the patient's left-anterior-superior octant, so orientation
// mistakes show in the screenshot.
std::shared_ptr<Volume> makeTestCt() {
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
  void cornerTextShowsChineseName();
  void annotationsStayApartAtAnySize();
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

void MainWindowTest::cornerTextShowsChineseName() {
  auto ct = makeTestCt();
  DicomIdentity id;
  id.patientName = "\xe5\xbc\xa0^\xe4\xbc\x9f";  // 张^伟 (UTF-8, as the DICOM reader delivers it)
  id.patientId = "CN-0042";
  id.patientBirthDate = "19800102";
  id.patientSex = "F";
  id.studyDate = "20240115";
  id.studyDescription = "\xe5\xa4\xb4\xe9\xa2\x85 CT";  // 头颅 CT
  id.seriesDescription = "Axial 0.625 mm soft tissue kernel with iterative reconstruction, contrast";
  ct->setIdentity(id);
  m_window->scene()->setBaseVolume(ct);
  auto* axial = m_window->sliceView(0);
  axial->refresh();
  const QString name = QString::fromUtf8("\xe5\xbc\xa0 \xe4\xbc\x9f");
  const auto& text = axial->annotations();
  QVERIFY(!text.corners[int(ui::Corner::UpperLeft)].isEmpty());
  QCOMPARE(text.corners[int(ui::Corner::UpperLeft)].first(), name);
  QVERIFY(text.corners[int(ui::Corner::UpperLeft)].join('\n').contains("CN-0042"));
  QVERIFY(text.corners[int(ui::Corner::UpperRight)].join('\n').contains(QString::fromUtf8("\xe5\xa4\xb4\xe9\xa2\x85")));
  const ui::AnnotationLayout layout = axial->annotationLayout();
  QCOMPARE(layout.cornerLines[int(ui::Corner::UpperLeft)].first(), name);  // drawn whole, not elided

  // The name's glyphs are real: with no CJK font, both characters would be the same box.
  auto glyph = [&](const QString& s) {
    QImage img(40, 40, QImage::Format_RGB32);
    img.fill(Qt::black);
    QPainter p(&img);
    p.setFont(layout.textFont);
    p.setPen(Qt::white);
    p.drawText(img.rect(), Qt::AlignCenter, s);
    return img;
  };
  QVERIFY2(glyph(name.left(1)) != glyph(name.right(1)), "no CJK font: install fonts-noto-cjk");

  // The text is drawn: bright pixels where the name goes, in the view as painted (the VTK
  // frame has none there: the test object does not reach the corner).
  axial->renderNow();
  const QImage shot = axial->grab().toImage();
  const double dpr = shot.devicePixelRatio();
  const QRect nameRect = layout.cornerRects[int(ui::Corner::UpperLeft)].intersected(
      QRect(0, 0, axial->width(), QFontMetrics(layout.textFont).height() + 4));
  int bright = 0, frameBright = 0;
  const QImage frame = axial->frame();
  for (int y = nameRect.top(); y <= nameRect.bottom(); ++y)
    for (int x = nameRect.left(); x <= nameRect.right(); ++x) {
      if (qGray(shot.pixel(int(x * dpr), int(y * dpr))) > 150) ++bright;
      if (qGray(frame.pixel(int(x * dpr), int(y * dpr))) > 150) ++frameBright;
    }
  QVERIFY2(bright > 20, qPrintable(QString("only %1 bright pixels in the name's box").arg(bright)));
  QCOMPARE(frameBright, 0);

  // The long series description is elided, and stops before the top orientation letter.
  const QRect top = layout.letterRects[int(ui::Edge::Top)];
  QVERIFY(!top.isNull());
  QVERIFY(!layout.cornerRects[int(ui::Corner::UpperRight)].intersects(top));
  QVERIFY(layout.cornerLines[int(ui::Corner::UpperRight)].join('\n').contains(QChar(0x2026)));
}

void MainWindowTest::annotationsStayApartAtAnySize() {
  ui::ViewAnnotations text;
  text.letters[0] = "R";
  text.letters[1] = "L";
  text.letters[2] = "A";
  text.letters[3] = "P";
  const QString longLine = "A description long enough to cross the whole view at any size whatsoever";
  for (auto& c : text.corners) c = QStringList{longLine, longLine, longLine, longLine + "\n" + longLine};
  for (const QSize size : {QSize(700, 475), QSize(320, 240), QSize(160, 120), QSize(120, 90)}) {
    const auto layout = ui::layoutAnnotations(text, size);
    std::vector<QRect> rects;
    for (const QRect& r : layout.letterRects) rects.push_back(r);
    for (const QRect& r : layout.cornerRects)
      if (!r.isNull()) rects.push_back(r);
    for (std::size_t i = 0; i < rects.size(); ++i) {
      QVERIFY2(QRect(QPoint(0, 0), size).contains(rects[i]), qPrintable(QString("outside at %1x%2").arg(size.width()).arg(size.height())));
      for (std::size_t j = i + 1; j < rects.size(); ++j)
        QVERIFY2(!rects[i].intersects(rects[j]),
                 qPrintable(QString("overlap %1/%2 at %3x%4").arg(i).arg(j).arg(size.width()).arg(size.height())));
    }
    // Lines that are drawn are elided, and some are left out when the view is small.
    for (const auto& lines : layout.cornerLines)
      for (const QString& l : lines) QVERIFY(l.endsWith(QChar(0x2026)));
    if (size.height() < 200) QVERIFY(layout.droppedLines > 0);
  }
  // A big view shows the lines the corners have room for (5 upper lines at 700x475).
  QCOMPARE(ui::layoutAnnotations(text, QSize(700, 475)).cornerLines[int(ui::Corner::UpperLeft)].size(), 5);
}

void MainWindowTest::screenshotMatchesBaseline() {
  auto* scene = m_window->scene();
  scene->setBaseVolume(makeTestCt());
  scene->applyWindowPreset("subdural");
  scene->setCursor({10, -5, 20});
  m_window->volumeView()->resetView();
  // The 3D view renders in its own thread: wait for its full-quality frame.
  QTRY_VERIFY_WITH_TIMEOUT(m_window->volumeView()->isSettled(), 60000);
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
