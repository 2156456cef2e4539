#pragma once
// The workstation's main window: four linked views (axial, coronal, sagittal, 3D) around one
// world cursor, window/level and volume-rendering presets, the cursor position and value in
// the status bar, and opening files, folders, drops, recent files and the sample study. Loads
// run as background jobs with progress and cancel in the status bar.
#include <QMainWindow>
#include <QString>
#include <filesystem>
#include <functional>

#include "fw/core/Progress.h"
#include "fw/core/Volume.h"

class QComboBox;
class QLabel;
class QMenu;
class QProgressBar;
class QToolButton;
class QGridLayout;

namespace fw::scene {
class JobRunner;
class Scene;
}  // namespace fw::scene

namespace fw::ui {

class SliceView;
class VolumeView;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  scene::Scene* scene() const { return m_scene; }
  scene::JobRunner* jobs() const { return m_jobs; }
  SliceView* sliceView(int index) const { return m_slices[index]; }  // 0 axial, 1 coronal, 2 sagittal
  VolumeView* volumeView() const { return m_volumeView; }
  QString statusCursorText() const;
  QString statusValueText() const;

  // "2x2", "axial", "coronal", "sagittal" or "3d". Returns false for an unknown name.
  bool setLayoutByName(const QString& name);
  QString layoutName() const { return m_layout; }

 public slots:
  void openPath(const QString& path);
  void openSampleStudy();
  void openFileDialog();
  void openFolderDialog();
  void saveScreenshotDialog();

 signals:
  // Emitted when a load job ends (after the scene has the new volume when ok).
  void loadFinished(bool ok, const QString& error);

 protected:
  void dragEnterEvent(QDragEnterEvent* e) override;
  void dropEvent(QDropEvent* e) override;
  void closeEvent(QCloseEvent* e) override;

 private:
  void buildMenus();
  void buildToolBar();
  void buildStatusBar();
  void startLoad(const QString& title, std::function<core::VolumePtr(core::ProgressSink&)> load,
                 const QString& recentPath);
  void updateStatus();
  void updatePresetCombos();
  void addRecent(const QString& path);
  void rebuildRecentMenu();
  void toggleMaximize(QWidget* view);

  scene::Scene* m_scene;
  scene::JobRunner* m_jobs;
  SliceView* m_slices[3];
  VolumeView* m_volumeView;
  QGridLayout* m_grid = nullptr;
  QString m_layout = "2x2";
  QLabel* m_cursorLabel;
  QLabel* m_valueLabel;
  QLabel* m_volumeLabel;
  QProgressBar* m_progress;
  QToolButton* m_cancel;
  QComboBox* m_windowCombo;
  QComboBox* m_volumeCombo;
  QMenu* m_recentMenu;
};

}  // namespace fw::ui
