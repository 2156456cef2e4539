#pragma once
// The workstation's main window: four linked views (axial, coronal, sagittal, 3D) around one
// world cursor, window/level and volume-rendering presets, the cursor position and value in
// the status bar, and opening files, folders, drops, recent files and the sample study. Loads
// run as background jobs with progress and cancel in the status bar. DICOM folders, DICOMDIRs
// and the sample study open in the study browser (a dock): the scan fills it, the preferred
// series (a CT if any) is shown, and any series can be shown by double-click or by dragging it
// onto the views; a load's warnings and errors appear in a banner above the views.
#include <QMainWindow>
#include <QString>
#include <filesystem>
#include <functional>
#include <vector>

#include "fw/core/Progress.h"
#include "fw/core/Volume.h"

class QComboBox;
class QDockWidget;
class QLabel;
class QMenu;
class QMimeData;
class QProgressBar;
class QToolButton;
class QGridLayout;

namespace fw::scene {
class JobRunner;
class Scene;
class StudyModel;
class ThumbnailLoader;
struct SeriesView;
struct SeriesVolume;
struct StudyOpening;
}  // namespace fw::scene

namespace fw::ui {

class NoticeBanner;
class RegistrationPanel;
class SliceView;
class StudyBrowser;
class VolumeSelector;
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
  scene::StudyModel* studyModel() const { return m_studyModel; }
  scene::ThumbnailLoader* thumbnails() const { return m_thumbnails; }
  StudyBrowser* studyBrowser() const { return m_browser; }
  QDockWidget* studyBrowserDock() const { return m_browserDock; }
  NoticeBanner* noticeBanner() const { return m_notice; }
  // Registration (issue 4): the panel in its dock, shown once a moving image is chosen.
  RegistrationPanel* registrationPanel() const { return m_registrationPanel; }
  QDockWidget* registrationDock() const { return m_registrationDock; }
  // The volume slider of 4D series (hidden for 3D volumes).
  VolumeSelector* volumeSelector() const { return m_volumeSelector; }
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
  void openDicomdirDialog();
  // Shows series `index` of the study browser's scan (its first volume for 4D series).
  void showSeries(int index);
  void saveScreenshotDialog();
  // Loads series `index` of the study browser, or a path (image file or DICOM; `series` picks
  // one series of a study by number or UID), as the moving image of a registration, in the
  // background; the fixed image stays.
  void loadMovingSeries(int index);
  void openMovingPath(const QString& path, const QString& series = QString());

 signals:
  // Emitted when a load job ends (after the scene has the new volume when ok).
  void loadFinished(bool ok, const QString& error);
  // Emitted when a moving-image load ends (after the scene has it when ok).
  void movingLoadFinished(bool ok, const QString& error);

 protected:
  void dragEnterEvent(QDragEnterEvent* e) override;
  void dragMoveEvent(QDragMoveEvent* e) override;
  void dropEvent(QDropEvent* e) override;
  void closeEvent(QCloseEvent* e) override;

 private:
  void buildMenus();
  void buildToolBar();
  void buildStatusBar();
  void buildRegistration();
  void startMovingLoad(const QString& title, std::function<std::vector<scene::SeriesVolume>(core::ProgressSink&)> load);
  void startLoad(const QString& title, std::function<scene::SeriesView(core::ProgressSink&)> load,
                 const QString& recentPath);
  // `thenScan`: a folder to scan in a second job once the first opening is shown (the sample
  // study: its CT first, then the whole study for the browser); loadFinished comes after it.
  void startStudyOpen(const QString& title, std::function<scene::StudyOpening(core::ProgressSink&)> open,
                      const QString& source, const QString& recentPath, const QString& thenScan = QString());
  void startFullScan(const QString& folder, const QString& source);
  void applySeriesView(int index, const scene::SeriesView& view);
  void reportSeriesError(int index, const QString& error);
  int droppedSeries(const QMimeData* mime) const;
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
  scene::StudyModel* m_studyModel;
  scene::ThumbnailLoader* m_thumbnails;
  StudyBrowser* m_browser;
  QDockWidget* m_browserDock;
  NoticeBanner* m_notice;
  RegistrationPanel* m_registrationPanel = nullptr;
  QDockWidget* m_registrationDock = nullptr;
  VolumeSelector* m_volumeSelector;
  QString m_seriesKind;  // e.g. "DWI": with the volume index, shown after the volume's name
};

}  // namespace fw::ui
