#pragma once
// Scripted registration steps of fusion-workstation, for screenshots and tests: once the fixed
// image is shown, load the moving image (--moving PATH [--moving-series N|UID], or
// --moving-series alone for a series of the study in the browser; --moving-volume N picks one
// volume of a 4D moving series, 1-based), set the fusion mode
// (--fusion), load a transform (--transform FILE) and/or run a registration (--register
// METHOD), nudge the result (--nudge x,y,z: one undoable step, as the arrow keys make), save
// the transform (--save-transform FILE), then hand over (to the screenshot driver). Errors
// name the option and the reason.
#include <QObject>
#include <QString>
#include <functional>
#include <optional>

#include "fw/core/Geometry.h"

namespace fw::ui {
class MainWindow;
}

struct RegistrationOptions {
  QString moving;        // --moving PATH
  QString movingSeries;  // --moving-series N|UID
  int movingVolume = 0;  // --moving-volume N (1-based; 0: the first)
  QString fusion;        // --fusion blend|checkerboard|difference|overlay
  QString method;        // --register rigid|affine|bspline|syn
  QString transform;     // --transform FILE
  double checkerMm = 0;  // --checker MM (0: keep the default)
  QString windowPreset;  // --window-preset ID: the fixed image's window (brain, soft-tissue, bone, ...)
  std::optional<fw::core::Vec3> nudge;  // --nudge x,y,z: move the moving image by this (LPS mm)
  QString saveTransform;                // --save-transform FILE (.tfm, .txt or .h5)
  bool any() const {
    return !moving.isEmpty() || !movingSeries.isEmpty() || movingVolume > 0 || !fusion.isEmpty() || !method.isEmpty() ||
           !transform.isEmpty() || nudge || !saveTransform.isEmpty();
  }
  // An error message for invalid values (unknown names, missing moving image), empty when fine.
  QString validate() const;
};

class RegistrationScript : public QObject {
  Q_OBJECT
 public:
  RegistrationScript(fw::ui::MainWindow* window, RegistrationOptions options);
  // Runs the steps (nothing when no option was given), then calls done once.
  void run(std::function<void(bool ok, const QString& error)> done);

 private:
  void loadMoving();
  void afterMoving();
  void afterRegistration();
  void finish(bool ok, const QString& error);
  fw::ui::MainWindow* m_window;
  RegistrationOptions m_options;
  std::function<void(bool, const QString&)> m_done;
};
