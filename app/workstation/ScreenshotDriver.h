#pragma once
// Drives the main window for `--screenshot`: waits for the load, applies --cursor, lets every
// view render at full quality, writes a PNG of the whole window atomically, then quits with
// exit code 0 (or 1, with the reason on stderr). Before quitting it measures frame times on
// the loaded data and prints them (docs/rendering.md quotes these figures):
//   - slice frames: the median of N cursor moves (each move resamples all three slice views),
//     per view split into prepare (sampling), render and read-back, and the whole turn;
//   - 3D: UI-thread time per move (posting a request), render-thread time of the interactive
//     frames shown during the moves, and how long after the last move the full-quality frame
//     is on screen.
#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <optional>

#include "fw/core/Geometry.h"

namespace fw::ui {
class MainWindow;
}
class RegistrationScript;

class ScreenshotDriver : public QObject {
  Q_OBJECT
 public:
  ScreenshotDriver(fw::ui::MainWindow* window, QString outPath, std::optional<fw::core::Vec3> cursor,
                   const QElapsedTimer& sinceStart);
  void onLoaded(bool ok, const QString& error);
  // Steps to run after the load and before the capture (moving image, registration).
  void setPreparation(RegistrationScript* script) { m_preparation = script; }

 private:
  void afterPreparation(bool ok, const QString& error);
  void fail(const QString& error);
  void capture();
  void measure();
  fw::ui::MainWindow* m_window;
  QString m_out;
  std::optional<fw::core::Vec3> m_cursor;
  const QElapsedTimer& m_sinceStart;
  RegistrationScript* m_preparation = nullptr;
  qint64 m_settleDeadlineMs = 120000;  // since start: give up waiting for the 3D view after this
};
