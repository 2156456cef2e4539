#include "ScreenshotDriver.h"

#include <QCoreApplication>
#include <QImage>
#include <QSaveFile>
#include <QTimer>
#include <cstdio>

#include "fw/scene/Scene.h"
#include "fw/ui/MainWindow.h"
#include "fw/ui/SliceView.h"
#include "fw/ui/VolumeView.h"

ScreenshotDriver::ScreenshotDriver(fw::ui::MainWindow* window, QString outPath,
                                   std::optional<fw::core::Vec3> cursor, const QElapsedTimer& sinceStart)
    : QObject(window), m_window(window), m_out(std::move(outPath)), m_cursor(cursor), m_sinceStart(sinceStart) {}

void ScreenshotDriver::onLoaded(bool ok, const QString& error) {
  if (!ok) {
    std::fprintf(stderr, "fusion-workstation: %s\n", qPrintable(error));
    QCoreApplication::exit(1);
    return;
  }
  std::fprintf(stderr, "fusion-workstation: loaded after %lld ms\n", static_cast<long long>(m_sinceStart.elapsed()));
  if (m_cursor) m_window->scene()->setCursor(*m_cursor);
  // Let the cursor move's interactive 3D frame pass, then grab at full quality.
  QTimer::singleShot(500, this, &ScreenshotDriver::capture);
}

void ScreenshotDriver::capture() {
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
  QCoreApplication::exit(0);
}
