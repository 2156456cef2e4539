#include "fw/ui/RegistrationPanel.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QToolButton>
#include <QUndoCommand>
#include <QUndoStack>
#include <QVBoxLayout>
#include <cmath>

#include "fw/core/Error.h"
#include "fw/core/Job.h"
#include "fw/io/Nifti.h"
#include "fw/registration/Resample.h"
#include "fw/registration/TransformIO.h"
#include "fw/scene/JobRunner.h"
#include "fw/scene/RegistrationJob.h"
#include "fw/scene/Scene.h"
#include "fw/scene/StudyModel.h"

namespace fw::ui {

namespace {

// One change of the moving transform, undoable. The first redo (at push) sets what is already
// shown, which costs one resample and keeps the command simple.
class TransformCommand : public QUndoCommand {
 public:
  TransformCommand(scene::Scene* scene, registration::Transform before, registration::Transform after, const QString& text)
      : QUndoCommand(text), m_scene(scene), m_before(std::move(before)), m_after(std::move(after)) {}
  void undo() override { m_scene->setMovingTransform(m_before); }
  void redo() override { m_scene->setMovingTransform(m_after); }

 private:
  scene::Scene* m_scene;
  registration::Transform m_before, m_after;
};

bool isIdentity(const registration::Affine& a) {
  const auto m = a.toMatrix4();
  const auto id = registration::Affine::identity().toMatrix4();
  return m == id;
}

// The affine stages of a chain composed (the whole transform when it has no field).
registration::Affine affinePart(const registration::Transform& t, bool& hasField) {
  registration::Affine total;
  hasField = false;
  for (const auto& stage : t.stages()) {
    if (const auto* a = std::get_if<registration::Affine>(&stage)) total = *a * total;
    else hasField = true;
  }
  return total;
}

const registration::Method kMethods[] = {registration::Method::Rigid, registration::Method::Affine,
                                         registration::Method::BSpline, registration::Method::SyN};

}  // namespace

RegistrationPanel::RegistrationPanel(scene::Scene* scene, scene::JobRunner* jobs, scene::StudyModel* study, QWidget* parent)
    : QWidget(parent),
      m_scene(scene),
      m_jobs(jobs),
      m_study(study),
      m_job(new scene::RegistrationJob(scene, jobs, this)),
      m_undo(new QUndoStack(this)) {
  setObjectName("RegistrationPanel");
  auto* layout = new QVBoxLayout(this);

  auto* images = new QGroupBox(tr("Images"), this);
  auto* imagesForm = new QFormLayout(images);
  m_fixedName = new QLabel(images);
  m_fixedName->setObjectName("FixedName");
  m_movingName = new QLabel(images);
  m_movingName->setObjectName("MovingName");
  for (QLabel* l : {m_fixedName, m_movingName}) l->setWordWrap(true);
  imagesForm->addRow(tr("Fixed:"), m_fixedName);
  imagesForm->addRow(tr("Moving:"), m_movingName);
  auto* chooseRow = new QHBoxLayout;
  m_seriesCombo = new QComboBox(images);
  m_seriesCombo->setObjectName("MovingSeriesCombo");
  m_seriesCombo->setToolTip(tr("Choose a series of the study browser as the moving image"));
  m_seriesCombo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  m_seriesCombo->setMinimumContentsLength(12);
  auto* openFile = new QToolButton(images);
  openFile->setText(tr("File…"));
  openFile->setToolTip(tr("Open an image file or DICOM folder as the moving image"));
  chooseRow->addWidget(m_seriesCombo, 1);
  chooseRow->addWidget(openFile);
  imagesForm->addRow(tr("Set moving:"), chooseRow);
  // Which volume of a 4D moving series is registered and fused (shown only for 4D series).
  auto* volumeRow = new QHBoxLayout;
  m_volumeSpin = new QSpinBox(images);
  m_volumeSpin->setObjectName("MovingVolumeSpin");
  m_volumeSpin->setKeyboardTracking(false);
  m_volumeSpin->setToolTip(tr("The volume of the 4D moving series to register and show, e.g. the b = 0 volume of a "
                              "DWI or one volume of a BOLD run; the transform is kept when it changes"));
  m_volumeLabel = new QLabel(images);
  m_volumeLabel->setObjectName("MovingVolumeLabel");
  m_volumeLabel->setWordWrap(true);
  volumeRow->addWidget(m_volumeSpin);
  volumeRow->addWidget(m_volumeLabel, 1);
  m_volumeTitle = new QLabel(tr("Moving volume:"), images);
  imagesForm->addRow(m_volumeTitle, volumeRow);
  layout->addWidget(images);
  connect(m_volumeSpin, &QSpinBox::valueChanged, this, [this](int v) {
    if (v - 1 != m_movingIndex) setMovingVolumeIndex(v - 1);
  });
  connect(m_seriesCombo, &QComboBox::activated, this, [this](int i) {
    const int series = m_seriesCombo->itemData(i).toInt();
    m_seriesCombo->setCurrentIndex(0);
    if (series >= 0) emit movingSeriesRequested(series);
  });
  connect(openFile, &QToolButton::clicked, this, &RegistrationPanel::openMovingFileRequested);

  auto* run = new QGroupBox(tr("Automatic registration"), this);
  auto* runLayout = new QVBoxLayout(run);
  auto* methodRow = new QHBoxLayout;
  m_methodCombo = new QComboBox(run);
  m_methodCombo->setObjectName("MethodCombo");
  m_methodCombo->addItem(tr("Rigid (6 dof)"));
  m_methodCombo->addItem(tr("Affine (12 dof)"));
  m_methodCombo->addItem(tr("B-spline (deformable)"));
  m_methodCombo->addItem(tr("SyN (deformable)"));
  m_registerButton = new QPushButton(tr("Register"), run);
  m_registerButton->setObjectName("RegisterButton");
  m_cancelButton = new QPushButton(tr("Cancel"), run);
  m_cancelButton->setObjectName("CancelRegistrationButton");
  methodRow->addWidget(m_methodCombo, 1);
  methodRow->addWidget(m_registerButton);
  methodRow->addWidget(m_cancelButton);
  runLayout->addLayout(methodRow);
  m_progress = new QProgressBar(run);
  m_progress->setRange(0, 1000);
  m_progress->setValue(0);
  m_progress->setTextVisible(false);
  runLayout->addWidget(m_progress);
  m_status = new QLabel(run);
  m_status->setObjectName("RegistrationStatus");
  m_status->setWordWrap(true);
  runLayout->addWidget(m_status);
  layout->addWidget(run);
  connect(m_registerButton, &QPushButton::clicked, this, &RegistrationPanel::startRegistration);
  connect(m_cancelButton, &QPushButton::clicked, this, &RegistrationPanel::cancelRegistration);

  auto* fusion = new QGroupBox(tr("Fusion display"), this);
  auto* fusionForm = new QFormLayout(fusion);
  m_fusionCombo = new QComboBox(fusion);
  m_fusionCombo->setObjectName("FusionModeCombo");
  m_fusionCombo->addItem(tr("Blend"), int(scene::FusionMode::Blend));
  m_fusionCombo->addItem(tr("Checkerboard"), int(scene::FusionMode::Checkerboard));
  m_fusionCombo->addItem(tr("Difference"), int(scene::FusionMode::Difference));
  m_fusionCombo->addItem(tr("Colour overlay"), int(scene::FusionMode::Overlay));
  m_opacity = new QSlider(Qt::Horizontal, fusion);
  m_opacity->setObjectName("OpacitySlider");
  m_opacity->setRange(0, 100);
  m_checker = new QDoubleSpinBox(fusion);
  m_checker->setObjectName("CheckerSizeSpin");
  m_checker->setRange(1, 500);
  m_checker->setDecimals(0);
  m_checker->setSuffix(tr(" mm"));
  fusionForm->addRow(tr("Mode:"), m_fusionCombo);
  fusionForm->addRow(tr("Opacity:"), m_opacity);
  fusionForm->addRow(tr("Squares:"), m_checker);
  layout->addWidget(fusion);
  connect(m_fusionCombo, &QComboBox::activated, this, [this](int i) {
    m_scene->setFusionMode(static_cast<scene::FusionMode>(m_fusionCombo->itemData(i).toInt()));
  });
  connect(m_opacity, &QSlider::valueChanged, this, [this](int v) { m_scene->setFusionOpacity(v / 100.0); });
  connect(m_checker, &QDoubleSpinBox::valueChanged, this, [this](double mm) { m_scene->setCheckerSize(mm); });

  auto* transform = new QGroupBox(tr("Transform (fixed to moving, LPS)"), this);
  auto* transformLayout = new QVBoxLayout(transform);
  m_transformLabel = new QLabel(transform);
  m_transformLabel->setObjectName("TransformText");
  m_transformLabel->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  m_transformLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_transformLabel->setToolTip(
      tr("Fixed to moving, in LPS millimetres (x to the patient's left, y posterior, z superior).\n"
         "Rotation: angles about x, y, z of R = Rz·Ry·Rx.\n"
         "Centre shift: where the fixed image's centre lies in the moving image, minus the centre.\n"
         "Translation: the same transform's translation about the world origin (0, 0, 0), as in the saved "
         ".tfm file and in the output of fusion-cli register."));
  transformLayout->addWidget(m_transformLabel);

  m_undoAction = m_undo->createUndoAction(this, tr("Undo"));
  m_undoAction->setShortcut(QKeySequence::Undo);
  m_redoAction = m_undo->createRedoAction(this, tr("Redo"));
  m_redoAction->setShortcut(QKeySequence(tr("Ctrl+Shift+Z")));
  m_nudgeAction = new QAction(tr("Nudge Mode"), this);
  m_nudgeAction->setCheckable(true);
  m_nudgeAction->setShortcut(QKeySequence(tr("Ctrl+Shift+N")));
  m_nudgeAction->setToolTip(tr("Arrows and PageUp/PageDown move the moving image 1 mm, Ctrl+arrows rotate it "
                               "1 degree about the cursor; drag to move, Ctrl+drag to rotate"));
  m_resetAction = new QAction(tr("Reset Transform"), this);
  m_saveTransformAction = new QAction(tr("Save Transform…"), this);
  m_loadTransformAction = new QAction(tr("Load Transform…"), this);
  m_saveResampledAction = new QAction(tr("Save Resampled…"), this);
  connect(m_nudgeAction, &QAction::toggled, m_scene, &scene::Scene::setNudgeMode);
  connect(m_scene, &scene::Scene::nudgeModeChanged, m_nudgeAction, &QAction::setChecked);
  connect(m_resetAction, &QAction::triggered, this, &RegistrationPanel::resetTransform);
  connect(m_saveTransformAction, &QAction::triggered, this, &RegistrationPanel::saveTransformDialog);
  connect(m_loadTransformAction, &QAction::triggered, this, &RegistrationPanel::loadTransformDialog);
  connect(m_saveResampledAction, &QAction::triggered, this, &RegistrationPanel::saveResampledDialog);

  auto* nudgeRow = new QHBoxLayout;
  m_nudgeBox = new QCheckBox(tr("Nudge"), transform);
  m_nudgeBox->setObjectName("NudgeCheck");
  m_nudgeBox->setToolTip(m_nudgeAction->toolTip());
  connect(m_nudgeBox, &QCheckBox::toggled, m_nudgeAction, &QAction::setChecked);
  connect(m_nudgeAction, &QAction::toggled, m_nudgeBox, &QCheckBox::setChecked);
  nudgeRow->addWidget(m_nudgeBox);
  for (QAction* a : {m_undoAction, m_redoAction, m_resetAction}) {
    auto* b = new QToolButton(transform);
    b->setDefaultAction(a);
    nudgeRow->addWidget(b);
  }
  nudgeRow->addStretch(1);
  transformLayout->addLayout(nudgeRow);
  auto* filesRow = new QHBoxLayout;
  for (QAction* a : {m_saveTransformAction, m_loadTransformAction, m_saveResampledAction}) {
    auto* b = new QToolButton(transform);
    b->setDefaultAction(a);
    filesRow->addWidget(b);
  }
  filesRow->addStretch(1);
  transformLayout->addLayout(filesRow);
  layout->addWidget(transform);
  layout->addStretch(1);

  connect(m_scene, &scene::Scene::layersChanged, this, [this] {
    refreshNames();
    refreshTransform();
    refreshEnabled();
  });
  connect(m_scene, &scene::Scene::movingVolumeChanged, this, [this] {
    if (!m_switchingVolume) {
      m_undo->clear();  // the history belongs to the previous moving image
      // A moving volume set from elsewhere (a test, a script) is not from our series.
      const auto moving = m_scene->movingVolume();
      if (m_movingSeries.empty() || !moving || m_movingSeries[std::size_t(m_movingIndex)].volume != moving) {
        m_movingSeries.clear();
        m_movingIndex = 0;
      }
    }
    refreshNames();
    refreshVolumeControl();
    refreshEnabled();
  });
  connect(m_scene, &scene::Scene::movingTransformChanged, this, [this] {
    refreshTransform();
    refreshEnabled();
  });
  connect(m_scene, &scene::Scene::fusionChanged, this, &RegistrationPanel::refreshFusion);
  connect(m_study, &QAbstractItemModel::modelReset, this, &RegistrationPanel::refreshSeriesCombo);
  connect(m_study, &QAbstractItemModel::rowsInserted, this, &RegistrationPanel::refreshSeriesCombo);
  connect(m_jobs, &scene::JobRunner::started, this, &RegistrationPanel::refreshEnabled);
  connect(m_jobs, &scene::JobRunner::finished, this, &RegistrationPanel::refreshEnabled);
  connect(m_job, &scene::RegistrationJob::progressed, this, &RegistrationPanel::showStatus);
  connect(m_job, &scene::RegistrationJob::finished, this, [this](bool ok, const QString& error) {
    m_progress->setValue(ok ? 1000 : 0);
    if (ok) {
      const auto& r = *m_job->lastResult();
      // The metric is the negative Mattes mutual information, as fusion-cli register prints it.
      m_status->setText(tr("Done in %1 s: %2 iterations, metric %3 (negative mutual information: lower is better)")
                            .arg(r.seconds, 0, 'f', 1)
                            .arg(r.iterations)
                            .arg(r.finalMetric, 0, 'f', 4));
      // The result is in the scene: make it one undoable step from where it started.
      pushTransform(m_job->startTransform(), r.transform, tr("Registration"));
    } else {
      m_status->setText(error.isEmpty() ? tr("Registration cancelled") : tr("Registration failed: %1").arg(error));
    }
    refreshEnabled();
    emit registrationFinished(ok, error);
  });
  refreshNames();
  refreshSeriesCombo();
  refreshVolumeControl();
  refreshTransform();
  refreshFusion();
  refreshEnabled();
}

RegistrationPanel::~RegistrationPanel() = default;

void RegistrationPanel::setMovingSeries(std::vector<scene::SeriesVolume> volumes, int shown) {
  if (volumes.empty()) {
    m_movingSeries.clear();
    m_movingIndex = 0;
    m_scene->setMovingVolume(nullptr);
    return;
  }
  m_movingIndex = std::clamp(shown, 0, static_cast<int>(volumes.size()) - 1);
  m_movingSeries = std::move(volumes);
  m_scene->setMovingVolume(m_movingSeries[std::size_t(m_movingIndex)].volume);
}

bool RegistrationPanel::setMovingVolumeIndex(int index) {
  if (index < 0 || index >= movingVolumeCount() || m_job->isRunning()) {
    refreshVolumeControl();  // the spin box shows what is really there
    return false;
  }
  if (index == m_movingIndex) return true;
  m_movingIndex = index;
  m_switchingVolume = true;
  // Same series, same scanner session: the registration found for one volume holds for all.
  m_scene->setMovingVolume(m_movingSeries[std::size_t(index)].volume, m_scene->movingTransform());
  m_switchingVolume = false;
  return true;
}

void RegistrationPanel::refreshVolumeControl() {
  const int n = movingVolumeCount();
  const bool several = n > 1;
  m_volumeTitle->setVisible(several);
  m_volumeSpin->setVisible(several);
  m_volumeLabel->setVisible(several);
  if (!several) return;
  const QSignalBlocker block(m_volumeSpin);
  m_volumeSpin->setRange(1, n);
  m_volumeSpin->setValue(m_movingIndex + 1);
  const QString meta = m_movingSeries[std::size_t(m_movingIndex)].label;
  m_volumeLabel->setText(meta.isEmpty() ? tr("of %1").arg(n) : tr("of %1: %2").arg(n).arg(meta));
}

registration::Method RegistrationPanel::method() const {
  return kMethods[std::clamp(m_methodCombo->currentIndex(), 0, 3)];
}

void RegistrationPanel::setMethod(registration::Method method) {
  for (int i = 0; i < 4; ++i)
    if (kMethods[i] == method) m_methodCombo->setCurrentIndex(i);
}

registration::Settings RegistrationPanel::settings() const {
  registration::Settings s;
  s.method = method();
  // The same starting point as `fusion-cli register`, so the CLI reproduces a GUI result.
  if (m_scene->baseVolume() && m_scene->movingVolume())
    s.initialiser =
        registration::defaultInitialiser(*m_scene->baseVolume(), *m_scene->movingVolume());
  return s;
}

bool RegistrationPanel::startRegistration() {
  if (!m_scene->baseVolume() || !m_scene->movingVolume()) {
    m_status->setText(tr("Load a fixed image and choose a moving image first"));
    return false;
  }
  if (m_jobs->isRunning()) {
    m_status->setText(tr("Please wait: %1 is still running").arg(m_jobs->title()));
    return false;
  }
  if (!m_job->start(settings())) return false;
  m_progress->setValue(0);
  m_status->setText(tr("Starting…"));
  refreshEnabled();
  return true;
}

void RegistrationPanel::cancelRegistration() {
  if (m_job->isRunning()) m_jobs->cancel();
}

void RegistrationPanel::showStatus(const scene::RegistrationStatus& s) {
  m_progress->setValue(static_cast<int>(s.fraction * 1000));
  if (s.stage.isEmpty()) return;
  m_status->setText(tr("%1: level %2 of %3, iteration %4, metric %5")
                        .arg(s.stage)
                        .arg(s.level + 1)
                        .arg(s.levels)
                        .arg(s.iteration)
                        .arg(s.metric, 0, 'f', 4));
}

QString RegistrationPanel::progressText() const { return m_status->text(); }

void RegistrationPanel::pushTransform(const registration::Transform& before, const registration::Transform& after,
                                      const QString& text) {
  m_undo->push(new TransformCommand(m_scene, before, after, text));
}

void RegistrationPanel::applyNudge(const registration::Affine& move, bool finished) {
  if (!m_scene->movingVolume()) return;
  if (!m_gesture) {
    m_gestureBase = m_scene->movingTransform();
    m_gesture = true;
  }
  if (finished) m_gesture = false;
  if (finished && isIdentity(move)) {  // a click without a move
    m_scene->setMovingTransform(m_gestureBase);
    return;
  }
  // The image moves by `move`, so a fixed point p now shows what move^-1(p) showed before.
  const registration::Transform next = registration::Transform(move.inverse()).then(m_gestureBase);
  if (finished) pushTransform(m_gestureBase, next, tr("Nudge"));
  else m_scene->setMovingTransform(next);
}

void RegistrationPanel::resetTransform() {
  if (!m_scene->movingVolume() || m_scene->movingTransform().isIdentity()) return;
  pushTransform(m_scene->movingTransform(), registration::Transform{}, tr("Reset transform"));
}

bool RegistrationPanel::saveTransform(const QString& path, QString* error) {
  try {
    registration::writeTransform(m_scene->movingTransform(), path.toStdString());
    return true;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
}

bool RegistrationPanel::loadTransform(const QString& path, QString* error) {
  if (!m_scene->movingVolume()) {
    if (error) *error = tr("no moving image to apply %1 to").arg(path);
    return false;
  }
  try {
    const registration::Transform t = registration::readTransform(path.toStdString());
    pushTransform(m_scene->movingTransform(), t, tr("Load %1").arg(QFileInfo(path).fileName()));
    return true;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
}

bool RegistrationPanel::startSaveResampled(const QString& path, QString* error) {
  const core::VolumePtr fixed = m_scene->baseVolume(), moving = m_scene->movingVolume();
  if (!fixed || !moving) {
    if (error) *error = tr("no fixed and moving image to resample");
    return false;
  }
  if (m_jobs->isRunning()) {
    if (error) *error = tr("Please wait: %1 is still running").arg(m_jobs->title());
    return false;
  }
  const registration::Transform transform = m_scene->movingTransform();
  const std::filesystem::path out = path.toStdString();
  core::Job job{tr("Saving %1").arg(QFileInfo(path).fileName()).toStdString(),
                [fixed, moving, transform, out](core::ProgressSink& progress) {
                  core::SubProgress resampling(progress, 0.0, 0.8, "resampling");
                  const core::VolumePtr resampled =
                      registration::resample(*moving, fixed->geometry(), transform, registration::Interpolation::Linear,
                                             std::nullopt, resampling);
                  core::SubProgress writing(progress, 0.8, 1.0, "writing");
                  io::NiftiWriteOptions options;
                  options.overwrite = true;  // the save dialog asked
                  options.dcm2niixLayout = false;
                  options.description = "registered onto the fixed grid";
                  io::writeNifti({resampled}, out, options, writing);
                }};
  auto connection = std::make_shared<QMetaObject::Connection>();
  *connection = connect(m_jobs, &scene::JobRunner::finished, this, [this, connection](bool ok, const QString& err) {
    disconnect(*connection);
    m_savingResampled = false;
    m_status->setText(ok ? tr("Resampled image saved") : (err.isEmpty() ? tr("Saving cancelled") : err));
    emit resampledSaved(ok, err);
  });
  if (!m_jobs->start(std::move(job))) {
    disconnect(*connection);
    if (error) *error = tr("another job is running");
    return false;
  }
  m_savingResampled = true;
  return true;
}

void RegistrationPanel::saveTransformDialog() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Save Transform"), "transform.tfm",
                                                    tr("ITK transforms (*.tfm *.txt *.h5)"));
  if (path.isEmpty()) return;
  QString error;
  if (!saveTransform(path, &error)) QMessageBox::warning(this, tr("Save Transform"), error);
}

void RegistrationPanel::loadTransformDialog() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Load Transform"), QString(),
                                                    tr("ITK transforms (*.tfm *.txt *.h5);;All files (*)"));
  if (path.isEmpty()) return;
  QString error;
  if (!loadTransform(path, &error)) QMessageBox::warning(this, tr("Load Transform"), error);
}

void RegistrationPanel::saveResampledDialog() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Save Resampled Image"), "registered.nii.gz",
                                                    tr("NIfTI (*.nii.gz *.nii)"));
  if (path.isEmpty()) return;
  QString error;
  if (!startSaveResampled(path, &error)) QMessageBox::warning(this, tr("Save Resampled Image"), error);
}

void RegistrationPanel::refreshNames() {
  auto name = [this](const core::VolumePtr& v) {
    return v ? QString::fromStdString(v->name()) : tr("none");
  };
  m_fixedName->setText(name(m_scene->baseVolume()));
  m_movingName->setText(name(m_scene->movingVolume()));
}

void RegistrationPanel::refreshSeriesCombo() {
  m_seriesCombo->clear();
  m_seriesCombo->addItem(tr("Choose a series…"), -1);
  for (int i = 0; i < m_study->seriesCount(); ++i) {
    const auto& s = m_study->series(i);
    m_seriesCombo->addItem(QString("%1: %2").arg(s.identity.seriesNumber).arg(QString::fromStdString(s.displayName())), i);
  }
}

void RegistrationPanel::refreshFusion() {
  const auto& f = m_scene->fusion();
  m_fusionCombo->setCurrentIndex(m_fusionCombo->findData(int(f.mode)));
  const QSignalBlocker b1(m_opacity), b2(m_checker);
  m_opacity->setValue(static_cast<int>(std::lround(f.opacity * 100)));
  m_checker->setValue(f.checkerSizeMm);
  m_opacity->setEnabled(f.mode == scene::FusionMode::Blend || f.mode == scene::FusionMode::Overlay);
  m_checker->setEnabled(f.mode == scene::FusionMode::Checkerboard);
}

void RegistrationPanel::refreshEnabled() {
  const bool both = m_scene->baseVolume() && m_scene->movingVolume();
  const bool running = m_job->isRunning();
  m_registerButton->setEnabled(both && !running && !m_jobs->isRunning());
  m_cancelButton->setEnabled(running);
  m_methodCombo->setEnabled(!running);
  m_volumeSpin->setEnabled(!running);
  for (QAction* a : {m_nudgeAction, m_resetAction, m_saveTransformAction, m_loadTransformAction})
    a->setEnabled(m_scene->movingVolume() != nullptr && !running);
  // Reset does nothing to the identity: greyed out rather than a button that seems broken.
  m_resetAction->setEnabled(m_resetAction->isEnabled() && !m_scene->movingTransform().isIdentity());
  m_nudgeBox->setEnabled(m_nudgeAction->isEnabled());
  m_saveResampledAction->setEnabled(both && !running && !m_jobs->isRunning());
}

QString RegistrationPanel::transformText() const { return m_transformLabel->text(); }

void RegistrationPanel::refreshTransform() {
  if (!m_scene->movingVolume()) {
    m_transformLabel->setText(tr("No moving image"));
    return;
  }
  bool hasField = false;
  const registration::Affine a = affinePart(m_scene->movingTransform(), hasField);
  // Angles of R = Rz*Ry*Rx (as Affine::rigid builds it) from the matrix with its column scales
  // removed; the shift is where the fixed volume's centre goes.
  core::Vec3 scale;
  core::Mat3 r = a.matrix;
  for (int c = 0; c < 3; ++c) {
    scale[c] = core::norm(a.matrix.column(c));
    for (int row = 0; row < 3; ++row) r(row, c) = scale[c] > 0 ? a.matrix(row, c) / scale[c] : 0;
  }
  const double deg = 180.0 / M_PI;
  const double ry = std::asin(std::clamp(-r(2, 0), -1.0, 1.0)) * deg;
  const double rx = std::atan2(r(2, 1), r(2, 2)) * deg;
  const double rz = std::atan2(r(1, 0), r(0, 0)) * deg;
  // Two readings of the same translation: where the fixed volume's centre goes (what a user
  // sees move on screen), and the translation about the world origin that the .tfm file holds
  // and `fusion-cli register` prints (3D Slicer and ANTs show that one).
  const core::Vec3 centre = m_scene->baseVolume() ? m_scene->baseVolume()->geometry().center() : core::Vec3{};
  const core::Vec3 shift = a.apply(centre) - centre;
  const core::Vec3& origin = a.translation;
  QString text;
  if (hasField) text += tr("deformable + affine") + "\n";
  else if (m_scene->movingTransform().isIdentity()) text += tr("identity") + "\n";
  else if (a.isRigid(1e-6)) text += tr("rigid") + "\n";
  else text += tr("affine") + "\n";
  auto row = [](const QString& label, const core::Vec3& v, int decimals) {
    // Numbers in columns whatever the language: pad to 20 cells of the fixed font, in which
    // CJK characters take two.
    int cells = 0;
    for (const QChar c : label) cells += c.unicode() >= 0x2E80 ? 2 : 1;
    return label + QString(std::max(1, 20 - cells), ' ') + QString("%1 %2 %3").arg(v.x, 8, 'f', decimals).arg(v.y, 8, 'f', decimals).arg(v.z, 8, 'f', decimals);
  };
  text += row(tr("Rotation (deg):"), {rx, ry, rz}, 2) + "\n";
  text += row(tr("Centre shift (mm):"), shift, 2) + "\n";
  text += row(tr("Translation (mm):"), origin, 2);
  if (!a.isRigid(1e-6)) text += "\n" + row(tr("Scale:"), scale, 4);
  m_transformLabel->setText(text);
}

}  // namespace fw::ui
