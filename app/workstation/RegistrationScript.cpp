#include "RegistrationScript.h"

#include <QTimer>
#include <algorithm>
#include <cstdio>

#include "fw/core/Error.h"
#include "fw/registration/Registration.h"
#include "fw/scene/MovingLoader.h"
#include "fw/scene/RegistrationJob.h"
#include "fw/scene/Scene.h"
#include "fw/scene/StudyModel.h"
#include "fw/ui/MainWindow.h"
#include "fw/ui/RegistrationPanel.h"

QString RegistrationOptions::validate() const {
  if (!fusion.isEmpty() && !fw::scene::fusionModeFromName(fusion))
    return "unknown --fusion '" + fusion + "' (use blend, checkerboard, difference or overlay)";
  if (!method.isEmpty()) {
    try {
      fw::registration::methodFromName(method.toStdString());
    } catch (const std::exception& e) {
      return "--register: " + QString::fromStdString(e.what());
    }
  }
  if (checkerMm < 0 || checkerMm > 500) return "--checker expects a square size in mm (1 to 500)";
  if (!windowPreset.isEmpty()) {
    bool known = false;
    for (const auto& p : fw::scene::ctWindowPresets()) known = known || p.id == windowPreset;
    if (!known) return "unknown --window-preset '" + windowPreset + "'";
  }
  if (movingVolume < 0) return "--moving-volume expects a volume number from 1";
  if (!saveTransform.isEmpty()) {
    const QString lower = saveTransform.toLower();
    if (!lower.endsWith(".tfm") && !lower.endsWith(".txt") && !lower.endsWith(".h5"))
      return "--save-transform: " + saveTransform + " must end in .tfm, .txt or .h5";
  }
  if ((!fusion.isEmpty() || !method.isEmpty() || !transform.isEmpty() || movingVolume > 0 || nudge ||
       !saveTransform.isEmpty()) &&
      moving.isEmpty() && movingSeries.isEmpty())
    return "--fusion, --register, --transform, --moving-volume, --nudge and --save-transform need a moving image: "
           "--moving PATH or --moving-series N|UID";
  return {};
}

RegistrationScript::RegistrationScript(fw::ui::MainWindow* window, RegistrationOptions options)
    : QObject(window), m_window(window), m_options(std::move(options)) {}

void RegistrationScript::run(std::function<void(bool, const QString&)> done) {
  m_done = std::move(done);
  if (!m_options.any()) {
    finish(true, {});
    return;
  }
  // Queued: we may be inside the fixed image's finished signal, and the runner takes one job.
  QTimer::singleShot(0, this, &RegistrationScript::loadMoving);
}

void RegistrationScript::loadMoving() {
  connect(m_window, &fw::ui::MainWindow::movingLoadFinished, this,
          [this](bool ok, const QString& error) {
            if (!ok) {
              finish(false, "--moving: " + error);
              return;
            }
            QTimer::singleShot(0, this, &RegistrationScript::afterMoving);
          },
          Qt::SingleShotConnection);
  if (!m_options.moving.isEmpty()) {
    m_window->openMovingPath(m_options.moving, m_options.movingSeries);
    return;
  }
  try {
    const auto& series = m_window->studyModel()->scanResult().series;
    const std::size_t index = fw::scene::chooseSeries(series, m_options.movingSeries.toStdString(), "the open study");
    m_window->loadMovingSeries(static_cast<int>(index));
  } catch (const std::exception& e) {
    disconnect(m_window, &fw::ui::MainWindow::movingLoadFinished, this, nullptr);
    finish(false, "--moving-series: " + QString::fromStdString(e.what()));
  }
}

void RegistrationScript::afterMoving() {
  auto* scene = m_window->scene();
  auto* panel = m_window->registrationPanel();
  if (m_options.movingVolume > 0 && !panel->setMovingVolumeIndex(m_options.movingVolume - 1)) {
    finish(false, QString("--moving-volume %1: the moving series has %2 volume(s)")
                      .arg(m_options.movingVolume)
                      .arg(panel->movingVolumeCount()));
    return;
  }
  std::fprintf(stderr, "fusion-workstation: moving image %s (volume %d of %d)\n", scene->movingVolume()->name().c_str(),
               panel->movingVolumeIndex() + 1, std::max(1, panel->movingVolumeCount()));
  if (!m_options.fusion.isEmpty()) scene->setFusionMode(*fw::scene::fusionModeFromName(m_options.fusion));
  if (m_options.checkerMm > 0) scene->setCheckerSize(m_options.checkerMm);
  if (!m_options.windowPreset.isEmpty()) scene->applyWindowPreset(m_options.windowPreset);
  if (!m_options.transform.isEmpty()) {
    QString error;
    if (!panel->loadTransform(m_options.transform, &error)) {
      finish(false, "--transform: " + error);
      return;
    }
  }
  if (m_options.method.isEmpty()) {
    afterRegistration();
    return;
  }
  panel->setMethod(fw::registration::methodFromName(m_options.method.toStdString()));
  connect(panel, &fw::ui::RegistrationPanel::registrationFinished, this,
          [this, panel](bool ok, const QString& error) {
            if (!ok) {
              finish(false, "--register: " + (error.isEmpty() ? QString("cancelled") : error));
              return;
            }
            const auto& r = *panel->job()->lastResult();
            std::fprintf(stderr, "fusion-workstation: registration (%s) done: metric %.4f, %d iterations, %.1f s\n",
                         qPrintable(m_options.method), r.finalMetric, r.iterations, r.seconds);
            std::fprintf(stderr, "fusion-workstation: transform %s\n",
                         qPrintable(panel->transformText().replace('\n', "; ")));
            afterRegistration();
          },
          Qt::SingleShotConnection);
  if (!panel->startRegistration()) {
    disconnect(panel, &fw::ui::RegistrationPanel::registrationFinished, this, nullptr);
    finish(false, "--register: " + panel->progressText());
  }
}

void RegistrationScript::afterRegistration() {
  auto* panel = m_window->registrationPanel();
  if (m_options.nudge) {
    // The path the arrow keys take: one undoable move of the moving image (fixed world, LPS mm).
    fw::registration::Affine move;
    move.translation = *m_options.nudge;
    panel->applyNudge(move, true);
    std::fprintf(stderr, "fusion-workstation: nudged by %s mm: %s\n", fw::core::toString(*m_options.nudge).c_str(),
                 qPrintable(panel->transformText().replace('\n', "; ")));
  }
  if (!m_options.saveTransform.isEmpty()) {
    QString error;
    if (!panel->saveTransform(m_options.saveTransform, &error)) {
      finish(false, "--save-transform: " + error);
      return;
    }
    std::fprintf(stderr, "fusion-workstation: transform saved to %s\n", qPrintable(m_options.saveTransform));
  }
  finish(true, {});
}

void RegistrationScript::finish(bool ok, const QString& error) {
  if (m_done) {
    auto done = std::move(m_done);
    m_done = nullptr;
    done(ok, error);
  }
}
