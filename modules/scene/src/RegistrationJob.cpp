#include "fw/scene/RegistrationJob.h"

#include <mutex>

#include "fw/core/Job.h"
#include "fw/scene/JobRunner.h"
#include "fw/scene/Scene.h"

namespace fw::scene {

// Written by the registration thread, read by the GUI thread.
struct RegistrationJob::Shared {
  mutable std::mutex mutex;
  registration::IterationReport last;
  bool any = false;
  std::optional<registration::Result> result;
};

RegistrationJob::RegistrationJob(Scene* scene, JobRunner* runner, QObject* parent)
    : QObject(parent), m_scene(scene), m_runner(runner) {}

RegistrationJob::~RegistrationJob() = default;

bool RegistrationJob::start(registration::Settings settings) {
  const core::VolumePtr fixed = m_scene->baseVolume();
  const core::VolumePtr moving = m_scene->movingVolume();
  if (!fixed || !moving || m_running || m_runner->isRunning()) return false;
  m_startTransform = m_scene->movingTransform();
  if (!m_startTransform.isIdentity()) settings.initial = m_startTransform;
  auto shared = std::make_shared<Shared>();
  m_shared = shared;
  core::Job job{tr("Registering %1 to %2")
                    .arg(QString::fromStdString(moving->name()), QString::fromStdString(fixed->name()))
                    .toStdString(),
                [fixed, moving, settings, shared](core::ProgressSink& progress) {
                  auto onIteration = [shared](const registration::IterationReport& r) {
                    std::lock_guard<std::mutex> lock(shared->mutex);
                    shared->last = r;
                    shared->any = true;
                  };
                  registration::Result r = registration::registerVolumes(*fixed, *moving, settings, progress, onIteration);
                  std::lock_guard<std::mutex> lock(shared->mutex);
                  shared->result = std::move(r);
                }};
  auto progressConnection = std::make_shared<QMetaObject::Connection>();
  *progressConnection = connect(m_runner, &JobRunner::progress, this,
                                [this](double fraction, const QString&) {
                                  RegistrationStatus s = status();
                                  s.fraction = fraction;
                                  emit progressed(s);
                                });
  auto finishedConnection = std::make_shared<QMetaObject::Connection>();
  *finishedConnection = connect(
      m_runner, &JobRunner::finished, this,
      [this, shared, fixed, moving, progressConnection, finishedConnection](bool ok, const QString& error) {
        disconnect(*progressConnection);
        disconnect(*finishedConnection);
        m_running = false;
        std::optional<registration::Result> result;
        {
          std::lock_guard<std::mutex> lock(shared->mutex);
          result = shared->result;
        }
        if (!ok || !result) {
          emit finished(false, ok ? tr("the registration gave no result") : error);
          return;
        }
        m_result = std::move(result);
        // The user may have replaced either volume while it ran: then the result means nothing.
        if (m_scene->baseVolume() != fixed || m_scene->movingVolume() != moving) {
          emit finished(false, tr("the fixed or moving volume changed while the registration ran"));
          return;
        }
        m_scene->setMovingTransform(m_result->transform);
        emit finished(true, QString());
      });
  if (!m_runner->start(std::move(job))) {
    disconnect(*progressConnection);
    disconnect(*finishedConnection);
    return false;
  }
  m_running = true;
  emit started();
  return true;
}

RegistrationStatus RegistrationJob::status() const {
  RegistrationStatus s;
  if (!m_shared) return s;
  std::lock_guard<std::mutex> lock(m_shared->mutex);
  if (!m_shared->any) return s;
  s.stage = QString::fromStdString(m_shared->last.stage);
  s.level = m_shared->last.level;
  s.levels = m_shared->last.levels;
  s.iteration = m_shared->last.iteration;
  s.metric = m_shared->last.metric;
  return s;
}

}  // namespace fw::scene
