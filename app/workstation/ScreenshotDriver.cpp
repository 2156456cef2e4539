#include "ScreenshotDriver.h"

#include <QCoreApplication>
#include <QImage>
#include <QSaveFile>
#include <QEventLoop>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <vector>

#include "RegistrationScript.h"
#include "fw/scene/Scene.h"
#include "fw/ui/MainWindow.h"
#include "fw/ui/SliceView.h"
#include "fw/ui/VolumeView.h"

ScreenshotDriver::ScreenshotDriver(fw::ui::MainWindow* window, QString outPath,
                                   std::optional<fw::core::Vec3> cursor, const QElapsedTimer& sinceStart)
    : QObject(window), m_window(window), m_out(std::move(outPath)), m_cursor(cursor), m_sinceStart(sinceStart) {}

void ScreenshotDriver::onLoaded(bool ok, const QString& error) {
  if (!ok) {
    fail(error);
    return;
  }
  std::fprintf(stderr, "fusion-workstation: loaded after %lld ms\n", static_cast<long long>(m_sinceStart.elapsed()));
  if (!m_preparation) {
    afterPreparation(true, {});
    return;
  }
  // The registration steps report back to afterPreparation, not here: the load is reported once.
  RegistrationScript* script = m_preparation;
  m_preparation = nullptr;
  script->run([this](bool ok2, const QString& error2) { afterPreparation(ok2, error2); });
}

void ScreenshotDriver::afterPreparation(bool ok, const QString& error) {
  if (!ok) {
    fail(error);
    return;
  }
  if (m_cursor) m_window->scene()->setCursor(*m_cursor);
  // Grab once every view shows the final state, the 3D view at full quality (it renders in
  // its own thread; a large volume takes seconds on software OpenGL).
  QTimer::singleShot(100, this, &ScreenshotDriver::capture);
}

void ScreenshotDriver::fail(const QString& error) {
  std::fprintf(stderr, "fusion-workstation: %s\n", qPrintable(error));
  QCoreApplication::exit(1);
}

void ScreenshotDriver::capture() {
  auto* volumeView = m_window->volumeView();
  // A hidden 3D view (--layout axial, ...) renders nothing and never settles: do not wait for it.
  const bool waitFor3d = volumeView->isVisible() && !volumeView->isSettled();
  if (waitFor3d && m_sinceStart.elapsed() < m_settleDeadlineMs) {
    QTimer::singleShot(50, this, &ScreenshotDriver::capture);
    return;
  }
  if (waitFor3d)
    std::fprintf(stderr, "fusion-workstation: the 3D view had not finished its full-quality frame\n");
  const QImage image = m_window->grab().toImage();
  QSaveFile file(m_out);
  if (!file.open(QIODevice::WriteOnly) || !image.save(&file, "PNG") || !file.commit()) {
    std::fprintf(stderr, "fusion-workstation: cannot write screenshot %s: %s\n", qPrintable(m_out),
                 qPrintable(file.errorString()));
    QCoreApplication::exit(1);
    return;
  }
  std::fprintf(stderr, "fusion-workstation: screenshot %s (%dx%d) written after %lld ms\n", qPrintable(m_out),
               image.width(), image.height(), static_cast<long long>(m_sinceStart.elapsed()));
  std::fprintf(stderr, "fusion-workstation: last frame times: axial %.1f ms, coronal %.1f ms, sagittal %.1f ms, 3D %.1f ms\n",
               m_window->sliceView(0)->lastRenderMs(), m_window->sliceView(1)->lastRenderMs(),
               m_window->sliceView(2)->lastRenderMs(), m_window->volumeView()->lastRenderMs());
  measure();
  QCoreApplication::exit(0);
}

namespace {
double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
void waitMs(int ms) {
  QEventLoop loop;
  QTimer::singleShot(ms, &loop, &QEventLoop::quit);
  loop.exec();
}
}  // namespace

void ScreenshotDriver::measure() {
  auto* scene = m_window->scene();
  const auto volume = scene->baseVolume();
  if (!volume) return;
  using fw::ui::RenderWidget;
  RenderWidget* slices[3] = {m_window->sliceView(0), m_window->sliceView(1), m_window->sliceView(2)};
  fw::ui::VolumeView* volumeView = m_window->volumeView();
  const fw::core::Vec3 start = scene->cursor();
  const auto sp = volume->geometry().spacing();
  constexpr int kMoves = 21;
  std::vector<double> prepare[3], render[3], readback[3], total[3], turn, volumeUi, interactiveMs;
  auto conn = QObject::connect(volumeView, &fw::ui::VolumeView::frameShown, [&](bool interactive, double ms) {
    if (interactive) interactiveMs.push_back(ms);
  });
  for (int i = 0; i < kMoves; ++i) {
    // A small diagonal move: every slice view shows a new slice, as in a drag on an oblique
    // volume or a scroll, the worst case for one event-loop turn.
    const double s = (i % 2 ? 1.0 : -1.0) * (1 + i % 3);
    scene->setCursor(start + fw::core::Vec3{s * sp.x, s * sp.y, s * sp.z});
    QElapsedTimer t;
    t.start();
    for (auto* v : slices) v->repaint();
    turn.push_back(t.nsecsElapsed() / 1e6);
    for (int k = 0; k < 3; ++k) {
      const auto& f = slices[k]->lastTiming();
      prepare[k].push_back(f.prepareMs);
      render[k].push_back(f.renderMs);
      readback[k].push_back(f.readbackMs);
      total[k].push_back(f.totalMs());
    }
    t.restart();
    volumeView->repaint();  // posts a request to the render thread
    volumeUi.push_back(t.nsecsElapsed() / 1e6);
    waitMs(30);  // a mouse moves about this often; frames from the render thread arrive here
  }
  QObject::disconnect(conn);
  static const char* names[3] = {"axial", "coronal", "sagittal"};
  for (int k = 0; k < 3; ++k)
    std::fprintf(stderr,
                 "fusion-workstation: slice frame %s %dx%d: median %.1f ms (prepare %.1f, render %.1f, read-back %.1f) "
                 "over %d cursor moves\n",
                 names[k], slices[k]->width(), slices[k]->height(), median(total[k]), median(prepare[k]),
                 median(render[k]), median(readback[k]), kMoves);
  std::fprintf(stderr, "fusion-workstation: slice views per cursor move (3 views): median %.1f ms, max %.1f ms\n",
               median(turn), *std::max_element(turn.begin(), turn.end()));
  // A drag inside the axial view: the cursor moves in its plane, so the axial slice keeps its
  // pixels and only the crosshair (and the other two views' slices) change.
  std::vector<double> inPlane;
  for (int i = 0; i < kMoves; ++i) {
    const double s = (i % 2 ? 1.0 : -1.0) * (1 + i % 3);
    scene->setCursor(start + fw::core::Vec3{s * sp.x, s * sp.y, 0});
    slices[0]->repaint();
    inPlane.push_back(slices[0]->lastTiming().totalMs());
    for (int k = 1; k < 3; ++k) slices[k]->repaint();
    waitMs(5);
  }
  std::fprintf(stderr, "fusion-workstation: slice frame axial during an in-plane drag: median %.1f ms\n",
               median(inPlane));
  std::fprintf(stderr, "fusion-workstation: 3D view on the UI thread per cursor move: median %.2f ms, max %.2f ms\n",
               median(volumeUi), *std::max_element(volumeUi.begin(), volumeUi.end()));
  std::fprintf(stderr,
               "fusion-workstation: 3D interactive frames in the render thread: %zu shown during %d moves, median %.1f ms\n",
               interactiveMs.size(), kMoves, median(interactiveMs));
  if (!volumeView->isVisible()) return;  // a layout without the 3D view: no 3D frame to wait for
  // Full quality: let the event loop run until the 3D view shows its still frame.
  QElapsedTimer still;
  still.start();
  while (still.elapsed() < 60000 && !volumeView->isSettled()) waitMs(10);
  std::fprintf(stderr,
               "fusion-workstation: 3D full-quality frame on screen %lld ms after the last move (render thread: %.1f ms "
               "after a %d ms still delay)\n",
               static_cast<long long>(still.elapsed()), volumeView->lastStillMs(), 350);
}
