// The workstation on the sample study: the CT is shown before the whole study has been scanned;
// a 4D series (the sample DWI) gets a volume selector, and switching volumes changes the values
// shown at a known point to those of the phantom's volume (no reload, window/level kept); a
// colour volume shows its channels and the cursor readout says "R .. G .. B ..".
#include <QtTest>

#include <QApplication>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>

#include <cmath>

#include "TestData.h"
#include "fw/phantom/SampleStudy.h"
#include "fw/scene/Scene.h"
#include "fw/scene/StudyModel.h"
#include "fw/scene/VolumeLoader.h"
#include "fw/ui/MainWindow.h"
#include "fw/ui/SliceView.h"
#include "fw/ui/VolumeSelector.h"

using namespace fw;

class SeriesViewerTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase();
  void sampleShowsCtBeforeFullScan();
  void dwiVolumesSwitchWithoutReload();
  void colourVolumeShowsChannels();
  void cleanupTestCase();

 private:
  int seriesOfKind(dicom::SeriesKind kind) const;
  ui::MainWindow* m_window = nullptr;
};

void SeriesViewerTest::initTestCase() {
  QStandardPaths::setTestModeEnabled(true);
  // The sample study in the test-mode cache: written once (a minute or two), then reused.
  scene::ensureSampleStudy(core::NullProgress::instance());
  m_window = new ui::MainWindow;
  m_window->setProperty("batchMode", true);
  m_window->resize(1400, 900);
  m_window->show();
  QVERIFY(QTest::qWaitForWindowExposed(m_window));
  m_window->activateWindow();  // window shortcuts ([ ] Ctrl+arrows) need the active window
  QVERIFY(QTest::qWaitForWindowActive(m_window));
  QVERIFY(m_window->volumeSelector()->isHidden());
}

int SeriesViewerTest::seriesOfKind(dicom::SeriesKind kind) const {
  for (int i = 0; i < m_window->studyModel()->seriesCount(); ++i)
    if (m_window->studyModel()->series(i).kind == kind) return i;
  return -1;
}

void SeriesViewerTest::sampleShowsCtBeforeFullScan() {
  // When the CT reaches the scene, the browser holds only the CT's own folder: the rest of
  // the study is scanned after it is on screen.
  int seriesWhenShown = -1;
  auto c = connect(m_window->scene(), &scene::Scene::layersChanged, this,
                   [&] { seriesWhenShown = m_window->studyModel()->seriesCount(); });
  QSignalSpy done(m_window, &ui::MainWindow::loadFinished);
  m_window->openSampleStudy();
  QVERIFY(done.wait(300000));
  disconnect(c);
  QCOMPARE(done.first().at(0).toBool(), true);
  QCOMPARE(seriesWhenShown, 1);
  QCOMPARE(m_window->studyModel()->seriesCount(), int(phantom::seriesSpecs().size()));
  const auto ct = m_window->scene()->baseVolume();
  QVERIFY(ct);
  QCOMPARE(ct->modality(), core::Modality::CT);
  // The shown CT keeps its row in the full study's browser.
  const int current = m_window->studyModel()->currentSeries();
  QVERIFY(current >= 0);
  QCOMPARE(m_window->studyModel()->series(current).modality, core::Modality::CT);
  QVERIFY(m_window->volumeSelector()->isHidden());
}

void SeriesViewerTest::dwiVolumesSwitchWithoutReload() {
  const int dwi = seriesOfKind(dicom::SeriesKind::Diffusion);
  QVERIFY(dwi >= 0);
  QSignalSpy done(m_window, &ui::MainWindow::loadFinished);
  m_window->showSeries(dwi);
  QVERIFY(done.wait(120000));
  QCOMPARE(done.first().at(0).toBool(), true);
  auto* scene = m_window->scene();
  const auto& truth = phantom::studyTruth();
  QCOMPARE(scene->volumeCount(), int(truth.bValues.size()));
  QCOMPARE(scene->volumeIndex(), 0);
  auto* selector = m_window->volumeSelector();
  QVERIFY(selector->isVisible());
  QCOMPARE(selector->slider()->maximum(), int(truth.bValues.size()));

  // A known point: the phantom's DWI volumes as written, at a voxel inside the brain where the
  // first diffusion-weighted volume differs from the b = 0 one.
  const auto expected = phantom::makeDwi();
  QCOMPARE(expected.size(), truth.bValues.size());
  std::size_t weighted = 1;
  while (weighted < truth.bValues.size() && truth.bValues[weighted] == 0) ++weighted;
  QVERIFY(weighted < truth.bValues.size());
  const core::Vec3 point = scene->baseVolume()->geometry().center();
  scene->setCursor(point);
  const core::Vec3 at = scene->cursor();
  const double b0 = *expected[0]->valueAtWorld(at), bw = *expected[weighted]->valueAtWorld(at);
  QVERIFY2(std::abs(b0 - bw) > 1, qPrintable(QString("b0 %1 and DWI %2 too close at the centre").arg(b0).arg(bw)));
  QVERIFY(std::abs(*scene->valueAtCursor() - b0) <= 1);

  const auto display = scene->baseDisplay();
  auto* axial = m_window->sliceView(0);
  axial->refresh();
  const std::vector<float> before = axial->representation().sliceValues();
  const auto* firstVolume = scene->baseVolume().get();

  // Keyboard: ] and Ctrl+Right step forward, [ and Ctrl+Left back.
  QSignalSpy switched(scene, &scene::Scene::volumeIndexChanged);
  for (std::size_t i = 1; i <= weighted; ++i) QTest::keyClick(m_window, Qt::Key_BracketRight);
  QCOMPARE(scene->volumeIndex(), int(weighted));
  QCOMPARE(switched.count(), int(weighted));
  QVERIFY(scene->baseVolume().get() != firstVolume);
  QVERIFY(scene->cursor() == at);  // the cursor stays
  QCOMPARE(scene->baseDisplay().window, display.window);  // window/level kept
  QCOMPARE(scene->baseDisplay().level, display.level);
  QVERIFY(std::abs(*scene->valueAtCursor() - bw) <= 1);
  QVERIFY2(m_window->statusValueText().contains(QString::number(*scene->valueAtCursor(), 'f', 0)),
           qPrintable(m_window->statusValueText()));
  axial->refresh();
  QVERIFY(axial->representation().sliceValues() != before);
  QCOMPARE(selector->spinBox()->value(), int(weighted) + 1);
  const QString text = selector->text();
  QVERIFY2(text.startsWith(QString("Volume %1 / %2").arg(weighted + 1).arg(truth.bValues.size())), qPrintable(text));
  QVERIFY2(text.contains(QString("b = %1 s/mm²").arg(truth.bValues[weighted], 0, 'f', 0)), qPrintable(text));
  QVERIFY2(text.contains("gradient ("), qPrintable(text));

  QTest::keyClick(m_window, Qt::Key_Left, Qt::ControlModifier);
  QCOMPARE(scene->volumeIndex(), int(weighted) - 1);
  QTest::keyClick(m_window, Qt::Key_Right, Qt::ControlModifier);
  QCOMPARE(scene->volumeIndex(), int(weighted));
  // The slider drives the scene too; the last volume's values match the phantom's.
  selector->slider()->setValue(selector->slider()->maximum());
  QCOMPARE(scene->volumeIndex(), int(truth.bValues.size()) - 1);
  QVERIFY(std::abs(*scene->valueAtCursor() - *expected.back()->valueAtWorld(at)) <= 1);
  QTest::keyClick(m_window, Qt::Key_BracketRight);  // stops at the last
  QCOMPARE(scene->volumeIndex(), int(truth.bValues.size()) - 1);

  // Back to a 3D series: the selector goes away.
  m_window->scene()->setBaseVolume(expected[0]);
  QVERIFY(selector->isHidden());
}

void SeriesViewerTest::colourVolumeShowsChannels() {
  // 12x10x4 voxels; each channel has its own pattern so a swapped channel shows.
  const core::ImageGeometry g({12, 10, 4}, {1, 1, 2}, {0, 0, 0}, core::Mat3::identity());
  scene::ColourChannels rgb;
  for (int c = 0; c < 3; ++c) {
    auto img = core::allocateImage<core::ImageU16>(g);
    auto* p = img->GetBufferPointer();
    for (std::size_t k = 0; k < 4; ++k)
      for (std::size_t j = 0; j < 10; ++j)
        for (std::size_t i = 0; i < 12; ++i)
          p[i + 12 * (j + 10 * k)] = static_cast<std::uint16_t>(c == 0 ? 12 + i : (c == 1 ? 200 : 31 + 10 * j));
    rgb[static_cast<std::size_t>(c)] = std::make_shared<core::Volume>(img, core::Modality::Unknown);
  }
  auto luminance = scene::luminanceOf(rgb);
  // Rec. 601 at voxel (0,0,0): 0.299*12 + 0.587*200 + 0.114*31 = 124.52 -> 125.
  QCOMPARE(luminance->valueAt(0, 0, 0), double(std::lround(0.299 * 12 + 0.587 * 200 + 0.114 * 31)));
  auto* scene = m_window->scene();
  scene->setBaseSeries({scene::SeriesVolume{luminance, rgb, QString()}});
  QVERIFY(scene->baseIsColour());
  scene->setCursor(g.indexToWorld({0, 0, 1}));
  QVERIFY2(m_window->statusValueText().startsWith("R 12 G 200 B 31"), qPrintable(m_window->statusValueText()));
  scene->setCursor(g.indexToWorld({5, 3, 1}));
  QVERIFY2(m_window->statusValueText().startsWith("R 17 G 200 B 61"), qPrintable(m_window->statusValueText()));
  // The axial slice's pixels are the channels as stored (no window/level): find voxel (5,3).
  auto* axial = m_window->sliceView(0);
  axial->refresh();
  const auto& rep = axial->representation();
  const auto& grid = rep.grid();
  const auto& px = rep.pixels();
  QCOMPARE(px.size(), std::size_t(grid.width) * grid.height * 4);
  bool found = false;
  for (int b = 0; b < grid.height && !found; ++b)
    for (int a = 0; a < grid.width && !found; ++a) {
      const core::Vec3 w = grid.pixelToWorld(a, b);
      if (core::norm(w - g.indexToWorld({5, 3, 1})) > 1e-6) continue;
      const std::uint8_t* p = &px[(std::size_t(b) * grid.width + a) * 4];
      QCOMPARE(int(p[0]), 17);
      QCOMPARE(int(p[1]), 200);
      QCOMPARE(int(p[2]), 61);
      found = true;
    }
  QVERIFY(found);
  QVERIFY(m_window->volumeSelector()->isHidden());
}

void SeriesViewerTest::cleanupTestCase() { delete m_window; }

QTEST_MAIN(SeriesViewerTest)
#include "SeriesViewerTest.moc"
