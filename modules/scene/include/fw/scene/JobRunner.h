#pragma once
// Runs core::Jobs on Qt's thread pool, one at a time, and reports their state on the GUI
// thread: progress (polled from the job's JobControl, so workers never touch Qt objects),
// cancel, and completion with the error text for the user. Any panel can observe or cancel
// the running job (MITK's registration job, Slicer's CLI node).
#include <QObject>
#include <QString>
#include <QTimer>
#include <memory>

#include "fw/core/Job.h"
#include "fw/core/Progress.h"

namespace fw::scene {

class JobRunner : public QObject {
  Q_OBJECT
 public:
  explicit JobRunner(QObject* parent = nullptr);
  ~JobRunner() override;

  // Starts the job unless one is running (then returns false).
  bool start(core::Job job);
  bool isRunning() const { return m_control != nullptr; }
  QString title() const { return m_title; }
  // Blocks until the running job (if any) has finished; for shutdown and tests.
  void waitForDone();

 public slots:
  void cancel();

 signals:
  void started(const QString& title);
  void progress(double fraction, const QString& stage);
  // ok=false with an empty error means cancelled.
  void finished(bool ok, const QString& error);

 private:
  void poll();
  std::shared_ptr<core::JobControl> m_control;
  QString m_title;
  QTimer m_timer;
  class Watcher;
  Watcher* m_watcher = nullptr;
};

}  // namespace fw::scene
