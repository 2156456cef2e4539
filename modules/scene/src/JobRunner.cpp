#include "fw/scene/JobRunner.h"

#include <QFutureWatcher>
#include <QtConcurrent>

#include "fw/core/Error.h"

namespace fw::scene {

namespace {
struct Outcome {
  bool ok = false;
  QString error;  // empty when cancelled
};
}  // namespace

class JobRunner::Watcher : public QFutureWatcher<Outcome> {
 public:
  using QFutureWatcher<Outcome>::QFutureWatcher;
};

JobRunner::JobRunner(QObject* parent) : QObject(parent) {
  m_timer.setInterval(100);
  connect(&m_timer, &QTimer::timeout, this, &JobRunner::poll);
}

JobRunner::~JobRunner() {
  cancel();
  waitForDone();
}

bool JobRunner::start(core::Job job) {
  if (isRunning()) return false;
  m_control = std::make_shared<core::JobControl>();
  m_title = QString::fromStdString(job.title);
  auto control = m_control;
  m_watcher = new Watcher(this);
  connect(m_watcher, &Watcher::finished, this, [this] {
    const Outcome outcome = m_watcher->result();
    m_watcher->deleteLater();
    m_watcher = nullptr;
    m_timer.stop();
    m_control.reset();
    emit progress(1.0, QString());
    emit finished(outcome.ok, outcome.error);
  });
  m_watcher->setFuture(QtConcurrent::run([control, job = std::move(job)]() -> Outcome {
    try {
      job.run(*control);
      return {true, {}};
    } catch (const core::Cancelled&) {
      return {false, {}};
    } catch (const core::Error& e) {
      return {false, QString::fromStdString(e.what())};
    } catch (const std::bad_alloc&) {
      return {false, QObject::tr("not enough memory")};
    } catch (const std::exception& e) {
      return {false, QString::fromStdString(e.what())};
    }
  }));
  m_timer.start();
  emit started(m_title);
  return true;
}

void JobRunner::cancel() {
  if (m_control) m_control->requestCancel();
}

void JobRunner::waitForDone() {
  if (m_watcher) m_watcher->waitForFinished();
}

void JobRunner::poll() {
  if (!m_control) return;
  const auto s = m_control->snapshot();
  emit progress(s.fraction, QString::fromStdString(s.stage));
}

}  // namespace fw::scene
