#include "fw/ui/MainWindow.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QImageWriter>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QSaveFile>
#include <QSettings>
#include <QStatusBar>
#include <QToolBar>
#include <QToolButton>
#include <QTreeView>
#include <QSortFilterProxyModel>
#include <QMenu>
#include <QVBoxLayout>
#include <algorithm>

#include "fw/dicom/SeriesReader.h"
#include "fw/rendering/VolumeRepresentation.h"
#include "fw/scene/JobRunner.h"
#include "fw/scene/Scene.h"
#include "fw/scene/StudyModel.h"
#include "fw/scene/ThumbnailLoader.h"
#include "fw/scene/VolumeLoader.h"
#include "fw/ui/DisplayText.h"
#include "fw/scene/MovingLoader.h"
#include "fw/ui/NoticeBanner.h"
#include "fw/ui/RegistrationPanel.h"
#include "fw/ui/SliceView.h"
#include "fw/ui/StudyBrowser.h"
#include "fw/ui/VolumeSelector.h"
#include "fw/ui/VolumeView.h"

namespace fw::ui {

namespace {
constexpr int kMaxRecent = 10;
const char* kRecentKey = "recentFiles";
}  // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      m_scene(new scene::Scene(this)),
      m_jobs(new scene::JobRunner(this)),
      m_studyModel(new scene::StudyModel(this)),
      m_thumbnails(new scene::ThumbnailLoader(this)) {
  setWindowTitle(tr("Fusion Workstation"));
  setAcceptDrops(true);

  // The banner sits above the views and takes no room while hidden.
  auto* outer = new QWidget(this);
  auto* outerLayout = new QVBoxLayout(outer);
  outerLayout->setContentsMargins(0, 0, 0, 0);
  outerLayout->setSpacing(0);
  m_notice = new NoticeBanner(outer);
  outerLayout->addWidget(m_notice);
  auto* central = new QWidget(outer);
  outerLayout->addWidget(central, 1);
  central->setObjectName("ViewArea");
  central->setStyleSheet("#ViewArea { background: #202226; }");
  m_grid = new QGridLayout(central);
  m_grid->setContentsMargins(2, 2, 2, 2);
  m_grid->setSpacing(2);
  m_slices[0] = new SliceView(m_scene, rendering::ViewOrientation::Axial, central);
  m_slices[1] = new SliceView(m_scene, rendering::ViewOrientation::Coronal, central);
  m_slices[2] = new SliceView(m_scene, rendering::ViewOrientation::Sagittal, central);
  m_volumeView = new VolumeView(m_scene, central);
  m_grid->addWidget(m_slices[0], 0, 0);
  m_grid->addWidget(m_slices[1], 0, 1);
  m_grid->addWidget(m_slices[2], 1, 0);
  m_grid->addWidget(m_volumeView, 1, 1);
  // 4D series: the volume slider under the views (hidden otherwise).
  m_volumeSelector = new VolumeSelector(m_scene, outer);
  outerLayout->addWidget(m_volumeSelector);
  for (auto* v : m_slices)
    connect(v, &SliceView::maximizeRequested, this, [this, v] { toggleMaximize(v); });
  connect(m_volumeView, &VolumeView::maximizeRequested, this, [this] { toggleMaximize(m_volumeView); });
  setCentralWidget(outer);

  // The study browser: hidden until a DICOM scan gives it something to show.
  m_browser = new StudyBrowser(m_studyModel, this);
  m_browserDock = new QDockWidget(tr("Study Browser"), this);
  m_browserDock->setObjectName("StudyBrowserDock");
  m_browserDock->setWidget(m_browser);
  m_browserDock->setAllowedAreas(Qt::LeftDockWidgetArea | Qt::RightDockWidgetArea | Qt::BottomDockWidgetArea);
  addDockWidget(Qt::LeftDockWidgetArea, m_browserDock);
  m_browserDock->hide();
  connect(m_browser, &StudyBrowser::seriesActivated, this, &MainWindow::showSeries);
  connect(m_thumbnails, &scene::ThumbnailLoader::thumbnailReady, m_studyModel, &scene::StudyModel::setThumbnail);

  buildMenus();
  buildToolBar();
  buildStatusBar();
  buildRegistration();

  connect(m_scene, &scene::Scene::cursorChanged, this, &MainWindow::updateStatus);
  connect(m_scene, &scene::Scene::layersChanged, this, &MainWindow::updateStatus);
  connect(m_scene, &scene::Scene::volumeIndexChanged, this, &MainWindow::updateStatus);
  connect(m_scene, &scene::Scene::layersChanged, this, &MainWindow::updatePresetCombos);
  connect(m_scene, &scene::Scene::volumePresetChanged, this, &MainWindow::updatePresetCombos);
  updateStatus();
  updatePresetCombos();
}

MainWindow::~MainWindow() {
  m_thumbnails->cancel();
  m_jobs->cancel();
  m_jobs->waitForDone();
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&Open File…"), QKeySequence::Open, this, &MainWindow::openFileDialog);
  file->addAction(tr("Open &DICOM Folder…"), QKeySequence(tr("Ctrl+Shift+O")), this, &MainWindow::openFolderDialog);
  file->addAction(tr("Open DICOMD&IR…"), this, &MainWindow::openDicomdirDialog);
  file->addAction(tr("Open &Sample Study"), this, &MainWindow::openSampleStudy);
  m_recentMenu = file->addMenu(tr("Open &Recent"));
  rebuildRecentMenu();
  file->addSeparator();
  file->addAction(tr("Save Screens&hot…"), QKeySequence(tr("Ctrl+Shift+S")), this, &MainWindow::saveScreenshotDialog);
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  auto* layouts = new QActionGroup(this);
  const std::pair<QString, QString> names[] = {{"2x2", tr("&Four Views")}, {"axial", tr("&Axial")},
                                               {"coronal", tr("&Coronal")}, {"sagittal", tr("&Sagittal")},
                                               {"3d", tr("&3D")}};
  int key = Qt::Key_F5;
  for (const auto& [id, label] : names) {
    QAction* a = view->addAction(label);
    a->setCheckable(true);
    a->setChecked(id == "2x2");
    a->setShortcut(QKeySequence(key++));
    a->setData(id);
    layouts->addAction(a);
    connect(a, &QAction::triggered, this, [this, id = id] { setLayoutByName(id); });
  }
  view->addSeparator();
  QAction* browser = m_browserDock->toggleViewAction();
  browser->setText(tr("Study &Browser"));
  browser->setShortcut(QKeySequence(Qt::Key_F9));
  view->addAction(browser);
  view->addSeparator();
  // 4D series: [ and ] as in other viewers, Ctrl+arrows for keyboards without easy brackets.
  QAction* nextVolume = view->addAction(tr("&Next Volume"), m_volumeSelector, &VolumeSelector::next);
  nextVolume->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Right), QKeySequence(Qt::Key_BracketRight)});
  QAction* previousVolume = view->addAction(tr("&Previous Volume"), m_volumeSelector, &VolumeSelector::previous);
  previousVolume->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Left), QKeySequence(Qt::Key_BracketLeft)});
  for (QAction* a : {nextVolume, previousVolume}) {
    a->setEnabled(false);
    connect(m_scene, &scene::Scene::layersChanged, a, [this, a] { a->setEnabled(m_scene->volumeCount() > 1); });
  }
  view->addSeparator();
  view->addAction(tr("&Reset Views"), QKeySequence(tr("Ctrl+R")), this, [this] {
    for (auto* s : m_slices) s->resetView();
    m_volumeView->resetView();
  });

  QMenu* window = menuBar()->addMenu(tr("&Window/Level"));
  int n = 1;
  for (const auto& p : scene::ctWindowPresets()) {
    QAction* a = window->addAction(tr("%1  (W %2, L %3)").arg(p.label).arg(p.window).arg(p.level));
    a->setShortcut(QKeySequence(QString("Ctrl+%1").arg(n++)));
    connect(a, &QAction::triggered, this, [this, id = p.id] { m_scene->applyWindowPreset(id); });
  }
  window->addSeparator();
  window->addAction(tr("&Default for This Volume"), this, [this] {
    if (auto v = m_scene->baseVolume()) {
      const auto d = scene::Scene::defaultDisplay(*v);
      m_scene->setWindowLevel(d.window, d.level);
    }
  });

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&Mouse and Keys"), this, [this] {
    QMessageBox::information(
        this, tr("Mouse and Keys"),
        tr("<b>Slice views</b><br>"
           "Left click or drag: move the cursor (all views follow)<br>"
           "Wheel, Up/Down, PageUp/PageDown: scroll slices<br>"
           "Right drag: window (left/right) and level (up/down)<br>"
           "Middle drag or Shift+left drag: pan<br>"
           "Ctrl+wheel or Ctrl+left drag: zoom; R: reset view<br>"
           "Double-click: maximise or restore the view<br><br>"
           "<b>3D view</b><br>Left drag: rotate; middle drag: pan; right drag or wheel: zoom; R: reset<br><br>"
           "<b>Window presets</b><br>Ctrl+1 … Ctrl+6"));
  });
  help->addAction(tr("&About"), this, [this] {
    QMessageBox::about(this, tr("About Fusion Workstation"),
                       tr("<b>Fusion Workstation</b> %1<br>CT/MRI fusion and visualization.<br>"
                          "Positions are shown in LPS millimetres (DICOM patient coordinates).")
                           .arg(QApplication::applicationVersion()));
  });
}

void MainWindow::buildToolBar() {
  QToolBar* bar = addToolBar(tr("Main"));
  bar->setObjectName("MainToolBar");
  bar->setMovable(false);
  bar->addAction(tr("Open…"), this, &MainWindow::openFileDialog);
  bar->addAction(tr("Sample Study"), this, &MainWindow::openSampleStudy);
  bar->addSeparator();
  bar->addWidget(new QLabel(tr(" Window: "), bar));
  m_windowCombo = new QComboBox(bar);
  m_windowCombo->setObjectName("WindowPresetCombo");
  m_windowCombo->addItem(tr("Custom"), QString());
  for (const auto& p : scene::ctWindowPresets()) m_windowCombo->addItem(p.label, p.id);
  connect(m_windowCombo, &QComboBox::activated, this, [this](int i) {
    const QString id = m_windowCombo->itemData(i).toString();
    if (!id.isEmpty()) m_scene->applyWindowPreset(id);
  });
  bar->addWidget(m_windowCombo);
  bar->addWidget(new QLabel(tr("  3D: "), bar));
  m_volumeCombo = new QComboBox(bar);
  m_volumeCombo->setObjectName("VolumePresetCombo");
  for (const auto& p : rendering::volumePresets()) m_volumeCombo->addItem(volumePresetLabel(p.id), QString(p.id));
  connect(m_volumeCombo, &QComboBox::activated, this,
          [this](int i) { m_scene->setVolumePreset(m_volumeCombo->itemData(i).toString()); });
  bar->addWidget(m_volumeCombo);
  connect(m_scene, &scene::Scene::displayChanged, this, [this] {
    const auto& d = m_scene->baseDisplay();
    int match = 0;
    for (int i = 1; i < m_windowCombo->count(); ++i)
      for (const auto& p : scene::ctWindowPresets())
        if (p.id == m_windowCombo->itemData(i).toString() && p.window == d.window && p.level == d.level) match = i;
    m_windowCombo->setCurrentIndex(match);
  });
}

void MainWindow::buildStatusBar() {
  m_cursorLabel = new QLabel(this);
  m_cursorLabel->setObjectName("CursorLabel");
  m_valueLabel = new QLabel(this);
  m_valueLabel->setObjectName("ValueLabel");
  m_volumeLabel = new QLabel(this);
  m_progress = new QProgressBar(this);
  m_progress->setRange(0, 1000);
  m_progress->setMaximumWidth(220);
  m_progress->setVisible(false);
  m_cancel = new QToolButton(this);
  m_cancel->setText(tr("Cancel"));
  m_cancel->setVisible(false);
  // Permanent, so transient messages ("Loaded …") never hide the cursor read-out.
  statusBar()->addPermanentWidget(m_volumeLabel, 1);
  statusBar()->addPermanentWidget(m_cursorLabel);
  statusBar()->addPermanentWidget(m_valueLabel);
  statusBar()->addPermanentWidget(m_progress);
  statusBar()->addPermanentWidget(m_cancel);
  connect(m_cancel, &QToolButton::clicked, m_jobs, &scene::JobRunner::cancel);
  connect(m_jobs, &scene::JobRunner::started, this, [this](const QString& title) {
    m_progress->setValue(0);
    m_progress->setFormat(title + " %p%");
    m_progress->setVisible(true);
    m_cancel->setVisible(true);
  });
  connect(m_jobs, &scene::JobRunner::progress, this, [this](double f, const QString& stage) {
    m_progress->setValue(static_cast<int>(f * 1000));
    if (!stage.isEmpty()) m_progress->setToolTip(stage);
  });
}

QString MainWindow::statusCursorText() const { return m_cursorLabel->text(); }
QString MainWindow::statusValueText() const { return m_valueLabel->text(); }

void MainWindow::updateStatus() {
  const auto v = m_scene->baseVolume();
  if (!v) {
    m_cursorLabel->setText(tr("No volume loaded: File > Open, drop a file here, or open the sample study"));
    m_valueLabel->clear();
    m_volumeLabel->clear();
    return;
  }
  const core::Vec3 c = m_scene->cursor();
  m_cursorLabel->setText(tr("Cursor (LPS): %1, %2, %3 mm").arg(c.x, 0, 'f', 2).arg(c.y, 0, 'f', 2).arg(c.z, 0, 'f', 2));
  const auto value = m_scene->valueAtCursor();
  const QString units = QString::fromStdString(v->units());
  std::array<std::size_t, 3> voxel{};
  const bool inside = v->geometry().worldToNearestVoxel(c, voxel);
  const auto rgb = m_scene->colourAtCursor();
  if (rgb && inside) {
    m_valueLabel->setText(tr("R %1 G %2 B %3  Voxel: [%4, %5, %6]")
                              .arg((*rgb)[0], 0, 'f', 0)
                              .arg((*rgb)[1], 0, 'f', 0)
                              .arg((*rgb)[2], 0, 'f', 0)
                              .arg(voxel[0])
                              .arg(voxel[1])
                              .arg(voxel[2]));
  } else if (value && inside) {
    const bool integral = v->pixelType() != core::PixelType::Float32;
    m_valueLabel->setText(tr("Value: %1%2  Voxel: [%3, %4, %5]")
                              .arg(*value, 0, 'f', integral ? 0 : 2)
                              .arg(units.isEmpty() ? QString() : " " + units)
                              .arg(voxel[0])
                              .arg(voxel[1])
                              .arg(voxel[2]));
  } else {
    m_valueLabel->setText(tr("Value: outside the volume"));
  }
  const QString note = m_scene->volumeCount() > 1 ? tr("%1, volume %2 of %3")
                                                        .arg(m_seriesKind)
                                                        .arg(m_scene->volumeIndex() + 1)
                                                        .arg(m_scene->volumeCount())
                                                  : QString();
  m_volumeLabel->setText(QString::fromStdString(v->name()) + (note.isEmpty() ? QString() : "  (" + note + ")"));
}

void MainWindow::updatePresetCombos() {
  const int i = m_volumeCombo->findData(m_scene->volumePreset());
  if (i >= 0) m_volumeCombo->setCurrentIndex(i);
  const bool ct = m_scene->baseVolume() && m_scene->baseVolume()->modality() == core::Modality::CT;
  m_windowCombo->setEnabled(ct || !m_scene->baseVolume());
}

bool MainWindow::setLayoutByName(const QString& name) {
  QWidget* only = nullptr;
  if (name == "axial") only = m_slices[0];
  else if (name == "coronal") only = m_slices[1];
  else if (name == "sagittal") only = m_slices[2];
  else if (name == "3d") only = m_volumeView;
  else if (name != "2x2") return false;
  for (QWidget* w : {static_cast<QWidget*>(m_slices[0]), static_cast<QWidget*>(m_slices[1]),
                     static_cast<QWidget*>(m_slices[2]), static_cast<QWidget*>(m_volumeView)})
    w->setVisible(!only || w == only);
  m_layout = name;
  return true;
}

void MainWindow::toggleMaximize(QWidget* view) {
  if (m_layout != "2x2") {
    setLayoutByName("2x2");
    return;
  }
  if (view == m_slices[0]) setLayoutByName("axial");
  else if (view == m_slices[1]) setLayoutByName("coronal");
  else if (view == m_slices[2]) setLayoutByName("sagittal");
  else setLayoutByName("3d");
}

void MainWindow::startLoad(const QString& title, std::function<scene::SeriesView(core::ProgressSink&)> load,
                           const QString& recentPath) {
  if (m_jobs->isRunning()) {
    statusBar()->showMessage(tr("Please wait: %1 is still running").arg(m_jobs->title()), 4000);
    return;
  }
  auto result = std::make_shared<scene::SeriesView>();
  core::Job job{title.toStdString(), [load = std::move(load), result](core::ProgressSink& p) { *result = load(p); }};
  auto connection = std::make_shared<QMetaObject::Connection>();
  *connection = connect(m_jobs, &scene::JobRunner::finished, this,
                        [this, result, connection, recentPath](bool ok, const QString& error) {
                          disconnect(*connection);
                          m_progress->setVisible(false);
                          m_cancel->setVisible(false);
                          if (ok && result->volume) {
                            const QString kind = scene::seriesKindText(result->kind);
                            m_seriesKind = result->volumes.size() > 1 ? kind : QString();
                            m_studyModel->setCurrentSeries(-1);
                            m_scene->setBaseSeries(result->volumes);  // every volume of a 4D file: the volume bar
                            if (!recentPath.isEmpty()) addRecent(recentPath);
                            const QString name = QString::fromStdString(result->volume->name());
                            const auto n = static_cast<int>(result->volumes.size());
                            statusBar()->showMessage(n > 1 ? tr("Loaded %1 (%2, %3 volumes)").arg(name, kind).arg(n)
                                                           : tr("Loaded %1").arg(name),
                                                     5000);
                            QStringList all;  // a .bval/.bvec beside it that does not fit
                            for (const auto& w : result->warnings) all << QString::fromStdString(w);
                            if (!all.isEmpty())
                              m_notice->showNotice(NoticeBanner::Level::Warning,
                                                   all.size() == 1 ? tr("Series '%1': 1 warning").arg(name)
                                                                   : tr("Series '%1': %2 warnings").arg(name).arg(all.size()),
                                                   all);
                            emit loadFinished(true, QString());
                            return;
                          }
                          if (error.isEmpty()) {
                            statusBar()->showMessage(tr("Loading cancelled"), 5000);
                          } else if (isVisible() && !property("batchMode").toBool()) {
                            QMessageBox::warning(this, tr("Cannot open"), error);
                          }
                          emit loadFinished(false, error.isEmpty() ? tr("cancelled") : error);
                        });
  m_jobs->start(std::move(job));
}

void MainWindow::startStudyOpen(const QString& title, std::function<scene::StudyOpening(core::ProgressSink&)> open,
                                const QString& source, const QString& recentPath, const QString& thenScan) {
  if (m_jobs->isRunning()) {
    statusBar()->showMessage(tr("Please wait: %1 is still running").arg(m_jobs->title()), 4000);
    return;
  }
  auto result = std::make_shared<scene::StudyOpening>();
  core::Job job{title.toStdString(), [open = std::move(open), result](core::ProgressSink& p) { *result = open(p); }};
  auto connection = std::make_shared<QMetaObject::Connection>();
  *connection = connect(
      m_jobs, &scene::JobRunner::finished, this,
      [this, result, connection, source, recentPath, thenScan](bool ok, const QString& error) {
        disconnect(*connection);
        m_progress->setVisible(false);
        m_cancel->setVisible(false);
        if (!ok) {
          // Cancelled or failed before the scan finished: the browser and views keep what they had.
          if (error.isEmpty()) {
            statusBar()->showMessage(tr("Opening cancelled"), 5000);
          } else {
            // In the banner, not a dialog: the user keeps working with what is shown.
            m_notice->showNotice(NoticeBanner::Level::Error, tr("Cannot open %1").arg(source), {error});
          }
          emit loadFinished(false, error.isEmpty() ? tr("cancelled") : error);
          return;
        }
        m_thumbnails->cancel();
        m_studyModel->setScan(std::move(result->scan), source);
        if (m_browserDock->isHidden()) {
          m_browserDock->show();
          // Wide enough for name, number, modality and size; the views keep the rest.
          resizeDocks({m_browserDock}, {std::min(620, width() * 2 / 5)}, Qt::Horizontal);
        }
        m_thumbnails->start(m_studyModel->scanResult().series, m_studyModel->generation());
        if (!recentPath.isEmpty()) addRecent(recentPath);
        if (result->shown >= 0) {
          applySeriesView(result->shown, result->view);
          if (!thenScan.isEmpty()) {
            // Queued: this job's finished signal is still being delivered.
            QMetaObject::invokeMethod(this, [this, thenScan, source] { startFullScan(thenScan, source); }, Qt::QueuedConnection);
            return;
          }
          emit loadFinished(true, QString());
          return;
        }
        // The scan worked but nothing could be shown: the browser says what was found and skipped.
        const QString why = QString::fromStdString(result->loadError);
        m_notice->showNotice(NoticeBanner::Level::Error, tr("Nothing to show from %1").arg(source), {why});
        emit loadFinished(false, why);
      });
  m_jobs->start(std::move(job));
}

void MainWindow::startFullScan(const QString& folder, const QString& source) {
  const std::filesystem::path root = folder.toStdString();
  auto result = std::make_shared<dicom::ScanResult>();
  core::Job job{tr("Scanning %1").arg(source).toStdString(),
                [root, result](core::ProgressSink& p) { *result = scene::scanDicomStudy(root, p); }};
  auto connection = std::make_shared<QMetaObject::Connection>();
  *connection = connect(m_jobs, &scene::JobRunner::finished, this, [this, result, connection, source](bool ok, const QString& error) {
    disconnect(*connection);
    m_progress->setVisible(false);
    m_cancel->setVisible(false);
    if (!ok) {
      // The series already shown stays, with the browser listing only its own folder.
      if (error.isEmpty())
        statusBar()->showMessage(tr("Scan of %1 cancelled: the browser lists only the series shown").arg(source), 8000);
      else
        m_notice->showNotice(NoticeBanner::Level::Error, tr("Cannot scan %1").arg(source), {error});
      emit loadFinished(true, QString());
      return;
    }
    // The whole study replaces the first folder's scan; the series on screen keeps its row,
    // its load warnings and the selection.
    const int shown = m_studyModel->currentSeries();
    std::string uid;
    QStringList shownWarnings;
    if (shown >= 0) {
      uid = m_studyModel->series(shown).identity.seriesInstanceUid;
      shownWarnings = m_studyModel->warnings(shown);
    }
    m_thumbnails->cancel();
    m_studyModel->setScan(std::move(*result), source);
    const int now = scene::findSeries(m_studyModel->scanResult(), uid);
    if (now >= 0) {
      m_studyModel->setLoadOutcome(now, shownWarnings, QString());
      m_studyModel->setCurrentSeries(now);
      m_browser->selectSeries(now);
    }
    m_thumbnails->start(m_studyModel->scanResult().series, m_studyModel->generation());
    emit loadFinished(true, QString());
  });
  m_jobs->start(std::move(job));
}

void MainWindow::applySeriesView(int index, const scene::SeriesView& view) {
  const auto& entry = m_studyModel->series(index);
  QStringList warnings;
  for (const auto& w : view.warnings) warnings << QString::fromStdString(w);
  m_studyModel->setLoadOutcome(index, warnings, QString());
  m_studyModel->setCurrentSeries(index);
  m_seriesKind = scene::StudyModel::kindText(entry);
  m_scene->setBaseSeries(view.volumes);
  m_browser->selectSeries(index);
  const QString name = QString::fromStdString(entry.displayName());
  statusBar()->showMessage(view.volumes.size() > 1
                               ? tr("Loaded %1 (%2, %3 volumes)").arg(name, m_seriesKind).arg(view.volumes.size())
                               : tr("Loaded %1").arg(name),
                           5000);
  const QStringList all = m_studyModel->warnings(index);
  if (all.isEmpty())
    m_notice->dismiss();
  else
    m_notice->showNotice(NoticeBanner::Level::Warning,
                         all.size() == 1 ? tr("Series '%1': 1 warning").arg(name)
                                         : tr("Series '%1': %2 warnings").arg(name).arg(all.size()),
                         all);
}

void MainWindow::reportSeriesError(int index, const QString& error) {
  m_studyModel->setLoadOutcome(index, {}, error);
  const QString name = QString::fromStdString(m_studyModel->series(index).displayName());
  m_notice->showNotice(NoticeBanner::Level::Error, tr("Cannot load series '%1'").arg(name), {error});
}

void MainWindow::showSeries(int index) {
  if (index < 0 || index >= m_studyModel->seriesCount()) return;
  if (m_jobs->isRunning()) {
    statusBar()->showMessage(tr("Please wait: %1 is still running").arg(m_jobs->title()), 4000);
    return;
  }
  const dicom::SeriesEntry entry = m_studyModel->series(index);
  const int generation = m_studyModel->generation();
  const QString name = QString::fromStdString(entry.displayName());
  auto result = std::make_shared<scene::SeriesView>();
  core::Job job{tr("Loading %1").arg(name).toStdString(),
                [entry, result](core::ProgressSink& p) { *result = scene::loadSeriesView(entry, p); }};
  auto connection = std::make_shared<QMetaObject::Connection>();
  *connection = connect(m_jobs, &scene::JobRunner::finished, this,
                        [this, result, connection, index, generation](bool ok, const QString& error) {
                          disconnect(*connection);
                          m_progress->setVisible(false);
                          m_cancel->setVisible(false);
                          const bool current = generation == m_studyModel->generation();
                          if (ok && result->volume && current) {
                            applySeriesView(index, *result);
                            emit loadFinished(true, QString());
                            return;
                          }
                          if (error.isEmpty()) {
                            statusBar()->showMessage(tr("Loading cancelled"), 5000);
                          } else if (current) {
                            reportSeriesError(index, error);
                          }
                          emit loadFinished(false, error.isEmpty() ? tr("cancelled") : error);
                        });
  m_jobs->start(std::move(job));
}

int MainWindow::droppedSeries(const QMimeData* mime) const {
  if (!mime || !mime->hasFormat(scene::StudyModel::seriesMimeType())) return -1;
  const QStringList parts = QString::fromUtf8(mime->data(scene::StudyModel::seriesMimeType())).split(' ');
  bool okGeneration = false, okIndex = false;
  const int generation = parts.value(0).toInt(&okGeneration);
  const int index = parts.value(1).toInt(&okIndex);
  if (!okGeneration || !okIndex || generation != m_studyModel->generation()) return -1;
  return index >= 0 && index < m_studyModel->seriesCount() ? index : -1;
}

void MainWindow::openPath(const QString& path) {
  const std::filesystem::path p = path.toStdString();
  if (scene::opensAsDicomStudy(p)) {
    startStudyOpen(tr("Opening %1").arg(QFileInfo(path).fileName()),
                   [p](core::ProgressSink& progress) { return scene::openDicomStudy(p, progress); }, path, path);
    return;
  }
  startLoad(tr("Opening %1").arg(QFileInfo(path).fileName()),
            [p](core::ProgressSink& progress) { return scene::loadImageFileView(p, progress); }, path);
}

void MainWindow::openSampleStudy() {
  // The CT's own folder first (a few hundred files), so the CT is on screen before the whole
  // study (over 5000 files) has been scanned; then the full scan fills the browser.
  const QString root = QString::fromStdString(scene::sampleStudyLocation().string());
  startStudyOpen(tr("Opening the sample study"),
                 [](core::ProgressSink& progress) {
                   core::SubProgress preparing(progress, 0.0, 0.7, "preparing the sample study");
                   const auto root = scene::ensureSampleStudy(preparing);
                   core::SubProgress loading(progress, 0.7, 1.0, "loading the sample CT");
                   return scene::openDicomStudy(scene::sampleStudyCtFolder(root), loading);
                 },
                 tr("the sample study"), QString(), root);
}

void MainWindow::openFileDialog() {
  const QString path = QFileDialog::getOpenFileName(
      this, tr("Open Image"), QString(),
      tr("Images (*.nii *.nii.gz *.nrrd *.nhdr *.mha *.mhd *.dcm);;All files (*)"));
  if (!path.isEmpty()) openPath(path);
}

void MainWindow::openFolderDialog() {
  const QString path = QFileDialog::getExistingDirectory(this, tr("Open DICOM Folder"));
  if (!path.isEmpty()) openPath(path);
}

void MainWindow::openDicomdirDialog() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open DICOMDIR"), QString(),
                                                    tr("DICOMDIR (DICOMDIR dicomdir);;All files (*)"));
  if (!path.isEmpty()) openPath(path);
}

void MainWindow::saveScreenshotDialog() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Save Screenshot"), "screenshot.png", tr("PNG images (*.png)"));
  if (path.isEmpty()) return;
  QSaveFile out(path);  // writes a temporary file and renames it on commit
  if (!out.open(QIODevice::WriteOnly) || !grab().save(&out, "PNG") || !out.commit())
    QMessageBox::warning(this, tr("Save Screenshot"), tr("Cannot write %1: %2").arg(path, out.errorString()));
}

void MainWindow::addRecent(const QString& path) {
  QSettings settings;
  QStringList list = settings.value(kRecentKey).toStringList();
  list.removeAll(path);
  list.prepend(path);
  while (list.size() > kMaxRecent) list.removeLast();
  settings.setValue(kRecentKey, list);
  rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
  m_recentMenu->clear();
  const QStringList list = QSettings().value(kRecentKey).toStringList();
  for (const QString& path : list)
    m_recentMenu->addAction(path, this, [this, path] { openPath(path); });
  m_recentMenu->setEnabled(!list.isEmpty());
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
  if (e->mimeData()->hasUrls() || droppedSeries(e->mimeData()) >= 0) e->acceptProposedAction();
}

void MainWindow::dragMoveEvent(QDragMoveEvent* e) {
  // A series is dropped onto the views; files and folders anywhere.
  if (droppedSeries(e->mimeData()) >= 0) {
    const QWidget* views = centralWidget();
    if (views->rect().contains(views->mapFrom(this, e->position().toPoint())))
      e->acceptProposedAction();
    else
      e->ignore();
    return;
  }
  if (e->mimeData()->hasUrls()) e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
  const int series = droppedSeries(e->mimeData());
  if (series >= 0) {
    const QWidget* views = centralWidget();
    if (!views->rect().contains(views->mapFrom(this, e->position().toPoint()))) return;
    // Shift+drop: the series becomes the moving image of a registration.
    if (e->modifiers() & Qt::ShiftModifier) loadMovingSeries(series);
    else showSeries(series);
    e->acceptProposedAction();
    return;
  }
  const auto urls = e->mimeData()->urls();
  if (urls.isEmpty() || !urls.first().isLocalFile()) return;
  openPath(urls.first().toLocalFile());
  e->acceptProposedAction();
}

void MainWindow::buildRegistration() {
  m_registrationPanel = new RegistrationPanel(m_scene, m_jobs, m_studyModel, this);
  m_registrationDock = new QDockWidget(tr("Registration"), this);
  m_registrationDock->setObjectName("RegistrationDock");
  m_registrationDock->setWidget(m_registrationPanel);
  m_registrationDock->setAllowedAreas(Qt::LeftDockWidgetArea | Qt::RightDockWidgetArea);
  addDockWidget(Qt::RightDockWidgetArea, m_registrationDock);
  m_registrationDock->hide();
  for (auto* v : m_slices)
    connect(v, &SliceView::nudgeRequested, m_registrationPanel, &RegistrationPanel::applyNudge);
  connect(m_registrationPanel, &RegistrationPanel::movingSeriesRequested, this, &MainWindow::loadMovingSeries);
  auto openMovingDialog = [this] {
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open Moving Image"), QString(),
        tr("Images (*.nii *.nii.gz *.nrrd *.nhdr *.mha *.mhd *.dcm);;All files (*)"));
    if (!path.isEmpty()) openMovingPath(path);
  };
  connect(m_registrationPanel, &RegistrationPanel::openMovingFileRequested, this, openMovingDialog);
  connect(m_scene, &scene::Scene::movingVolumeChanged, this, [this] {
    if (m_scene->movingVolume()) m_registrationDock->show();
  });
  // Jobs started by the panel (registration, saving) end here too.
  connect(m_jobs, &scene::JobRunner::finished, this, [this] {
    m_progress->setVisible(false);
    m_cancel->setVisible(false);
  });

  // Study browser: right click on a series.
  QTreeView* tree = m_browser->view();
  tree->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(tree, &QWidget::customContextMenuRequested, this, [this, tree](const QPoint& pos) {
    const int series = m_studyModel->seriesAt(m_browser->proxy()->mapToSource(tree->indexAt(pos)));
    if (series < 0) return;
    QMenu menu(tree);
    menu.addAction(tr("Show"), this, [this, series] { showSeries(series); });
    menu.addAction(tr("Open as moving image for registration"), this, [this, series] { loadMovingSeries(series); });
    menu.exec(tree->viewport()->mapToGlobal(pos));
  });

  QMenu* menu = new QMenu(tr("&Registration"), this);
  QAction* dock = m_registrationDock->toggleViewAction();
  dock->setText(tr("Registration &Panel"));
  dock->setShortcut(QKeySequence(Qt::Key_F10));
  menu->addAction(dock);
  menu->addAction(tr("Open &Moving Image…"), this, openMovingDialog);
  menu->addSeparator();
  menu->addAction(m_registrationPanel->nudgeAction());
  menu->addAction(m_registrationPanel->undoAction());
  menu->addAction(m_registrationPanel->redoAction());
  menu->addAction(m_registrationPanel->resetAction());
  menu->addSeparator();
  menu->addAction(m_registrationPanel->saveTransformAction());
  menu->addAction(m_registrationPanel->loadTransformAction());
  menu->addAction(m_registrationPanel->saveResampledAction());
  const auto top = menuBar()->actions();
  menuBar()->insertMenu(top.isEmpty() ? nullptr : top.last(), menu);  // before Help
}

void MainWindow::startMovingLoad(const QString& title,
                                 std::function<std::vector<scene::SeriesVolume>(core::ProgressSink&)> load) {
  if (m_jobs->isRunning()) {
    statusBar()->showMessage(tr("Please wait: %1 is still running").arg(m_jobs->title()), 4000);
    emit movingLoadFinished(false, tr("another job is running"));
    return;
  }
  auto result = std::make_shared<std::vector<scene::SeriesVolume>>();
  core::Job job{title.toStdString(), [load = std::move(load), result](core::ProgressSink& p) { *result = load(p); }};
  auto connection = std::make_shared<QMetaObject::Connection>();
  *connection = connect(m_jobs, &scene::JobRunner::finished, this, [this, result, connection](bool ok, const QString& error) {
    disconnect(*connection);
    if (ok && !result->empty()) {
      m_registrationPanel->setMovingSeries(std::move(*result));
      statusBar()->showMessage(tr("Moving image: %1").arg(QString::fromStdString(m_scene->movingVolume()->name())), 5000);
      emit movingLoadFinished(true, QString());
      return;
    }
    if (error.isEmpty()) statusBar()->showMessage(tr("Loading cancelled"), 5000);
    else m_notice->showNotice(NoticeBanner::Level::Error, tr("Cannot load the moving image"), {error});
    emit movingLoadFinished(false, error.isEmpty() ? tr("cancelled") : error);
  });
  m_jobs->start(std::move(job));
}

void MainWindow::loadMovingSeries(int index) {
  if (index < 0 || index >= m_studyModel->seriesCount()) return;
  const dicom::SeriesEntry entry = m_studyModel->series(index);
  startMovingLoad(tr("Loading %1 as the moving image").arg(QString::fromStdString(entry.displayName())),
                  [entry](core::ProgressSink& p) { return scene::loadSeriesView(entry, p).volumes; });
}

void MainWindow::openMovingPath(const QString& path, const QString& series) {
  const std::filesystem::path p = path.toStdString();
  std::optional<std::string> wanted;
  if (!series.isEmpty()) wanted = series.toStdString();
  startMovingLoad(tr("Opening %1 as the moving image").arg(QFileInfo(path).fileName()),
                  [p, wanted](core::ProgressSink& progress) { return scene::loadMovingImage(p, wanted, progress); });
}

void MainWindow::closeEvent(QCloseEvent* e) {
  m_thumbnails->cancel();
  m_jobs->cancel();
  m_jobs->waitForDone();
  e->accept();
}

}  // namespace fw::ui
