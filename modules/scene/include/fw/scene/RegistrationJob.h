#pragma once
// The registration of the scene's moving volume onto its base (fixed) volume as a background
// job on the scene's JobRunner: progress with stage, level, iteration and metric (polled on the
// GUI thread, never sent from the worker), cancel through the runner, and the resulting
// transform applied to the scene when the job ends, only if the scene still shows the same two
// volumes (MITK's registration job, Slicer's CLI node).
#include <QObject>
#include <QString>
#include <memory>
#include <optional>

#include "fw/registration/Registration.h"

namespace fw::scene {

class JobRunner;
class Scene;

struct RegistrationStatus {
  QString stage;         // "rigid", "affine", "bspline", "syn"; empty before the first iteration
  int level = 0;         // 0-based, coarsest first
  int levels = 0;
  int iteration = 0;     // within the level
  double metric = 0;     // the optimiser's value (negative MI: lower is better)
  double fraction = 0;   // 0..1 over all stages
};

class RegistrationJob : public QObject {
  Q_OBJECT
 public:
  RegistrationJob(Scene* scene, JobRunner* runner, QObject* parent = nullptr);
  ~RegistrationJob() override;

  // Registers the moving volume onto the base volume. Starts from the scene's current
  // transform when it is not the identity (a nudged or earlier result), otherwise from the
  // settings' initialiser. Returns false (and emits nothing) when there is no fixed or moving
  // volume, or the runner is busy.
  bool start(registration::Settings settings);
  bool isRunning() const { return m_running; }
  RegistrationStatus status() const;
  // The last finished run's result (transform, final metric, iterations, seconds, log).
  const std::optional<registration::Result>& lastResult() const { return m_result; }
  // The transform the running (or last) job started from; for undo.
  const registration::Transform& startTransform() const { return m_startTransform; }

 signals:
  void started();
  void progressed(const fw::scene::RegistrationStatus& status);
  // ok: the result is in the scene. ok=false with an empty error means cancelled.
  void finished(bool ok, const QString& error);

 private:
  struct Shared;
  Scene* m_scene;
  JobRunner* m_runner;
  std::shared_ptr<Shared> m_shared;
  bool m_running = false;
  std::optional<registration::Result> m_result;
  registration::Transform m_startTransform;
};

}  // namespace fw::scene
