#pragma once
// The Registration panel (a dock): the fixed and moving series, the method, Register/Cancel
// with progress (level, iteration, metric), the fusion display (mode, opacity, checker size),
// the composed transform as numbers, manual nudge with undo/redo, reset, and transform and
// resampled-image files. Every change of the transform (a registration result, a nudge, a
// loaded file, a reset) is one command on its QUndoStack (Ctrl+Z / Ctrl+Shift+Z).
// Nudge semantics: with T fixed->moving, moving the displayed image by N (fixed world) gives
// T' = Transform(N.inverse()).then(T).
// The moving image may be one volume of a 4D series (the b0 of a DWI, one BOLD volume): the
// panel keeps the series and a "Volume" control picks which one is registered and fused; the
// transform and its undo history stay when the volume changes (same scanner session, same grid).
#include <QString>
#include <QWidget>
#include <vector>

#include "fw/registration/Registration.h"
#include "fw/scene/Scene.h"

class QAction;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSlider;
class QSpinBox;
class QUndoStack;

namespace fw::scene {
class JobRunner;
class RegistrationJob;
class StudyModel;
struct RegistrationStatus;
}  // namespace fw::scene

namespace fw::ui {

class RegistrationPanel : public QWidget {
  Q_OBJECT
 public:
  RegistrationPanel(scene::Scene* scene, scene::JobRunner* jobs, scene::StudyModel* study, QWidget* parent = nullptr);
  ~RegistrationPanel() override;

  QUndoStack* undoStack() const { return m_undo; }
  scene::RegistrationJob* job() const { return m_job; }
  QAction* undoAction() const { return m_undoAction; }
  QAction* redoAction() const { return m_redoAction; }
  QAction* nudgeAction() const { return m_nudgeAction; }
  QAction* resetAction() const { return m_resetAction; }
  QAction* saveTransformAction() const { return m_saveTransformAction; }
  QAction* loadTransformAction() const { return m_loadTransformAction; }
  QAction* saveResampledAction() const { return m_saveResampledAction; }

  registration::Method method() const;
  void setMethod(registration::Method method);
  // The settings Register uses (method from the panel, defaults otherwise).
  registration::Settings settings() const;
  // The moving image as a (4D) series: every volume is kept and volume `shown` (0-based)
  // becomes the scene's moving volume, with the identity transform and a new undo history.
  void setMovingSeries(std::vector<scene::SeriesVolume> volumes, int shown = 0);
  int movingVolumeCount() const { return static_cast<int>(m_movingSeries.size()); }
  int movingVolumeIndex() const { return m_movingIndex; }
  // Another volume of the moving series (0-based) becomes the moving image; the transform, its
  // undo history and the fusion settings are kept. False (nothing changes) when `index` is out
  // of range or a registration is running.
  bool setMovingVolumeIndex(int index);

  // The composed transform as the panel shows it, and the last progress line.
  QString transformText() const;
  QString progressText() const;

  // Without dialogs (for scripts and tests); false with the reason in `error`.
  bool saveTransform(const QString& path, QString* error = nullptr);
  bool loadTransform(const QString& path, QString* error = nullptr);  // undoable
  // Resamples the moving volume onto the fixed grid and writes NIfTI, as a background job.
  bool startSaveResampled(const QString& path, QString* error = nullptr);

 public slots:
  bool startRegistration();
  void cancelRegistration();
  void resetTransform();
  // From the slice views (SliceView::nudgeRequested).
  void applyNudge(const fw::registration::Affine& move, bool finished);

 signals:
  // The user chose series `index` of the study browser as the moving image.
  void movingSeriesRequested(int index);
  void openMovingFileRequested();
  void registrationFinished(bool ok, const QString& error);
  void resampledSaved(bool ok, const QString& error);

 private:
  void pushTransform(const registration::Transform& before, const registration::Transform& after, const QString& text);
  void refreshNames();
  void refreshSeriesCombo();
  void refreshVolumeControl();
  void refreshTransform();
  void refreshFusion();
  void refreshEnabled();
  void showStatus(const scene::RegistrationStatus& status);
  void saveTransformDialog();
  void loadTransformDialog();
  void saveResampledDialog();

  scene::Scene* m_scene;
  scene::JobRunner* m_jobs;
  scene::StudyModel* m_study;
  scene::RegistrationJob* m_job;
  QUndoStack* m_undo;
  QLabel* m_fixedName;
  QLabel* m_movingName;
  QComboBox* m_seriesCombo;
  QLabel* m_volumeTitle;
  QSpinBox* m_volumeSpin;
  QLabel* m_volumeLabel;
  QComboBox* m_methodCombo;
  QPushButton* m_registerButton;
  QPushButton* m_cancelButton;
  QProgressBar* m_progress;
  QLabel* m_status;
  QComboBox* m_fusionCombo;
  QSlider* m_opacity;
  QDoubleSpinBox* m_checker;
  QLabel* m_transformLabel;
  QCheckBox* m_nudgeBox;
  QAction* m_undoAction;
  QAction* m_redoAction;
  QAction* m_nudgeAction;
  QAction* m_resetAction;
  QAction* m_saveTransformAction;
  QAction* m_loadTransformAction;
  QAction* m_saveResampledAction;
  bool m_gesture = false;  // a nudge drag in progress
  registration::Transform m_gestureBase;
  bool m_savingResampled = false;
  std::vector<scene::SeriesVolume> m_movingSeries;  // the moving image's series (empty: one volume set elsewhere)
  int m_movingIndex = 0;
  bool m_switchingVolume = false;  // keep the undo history through our own volume change
};

}  // namespace fw::ui
