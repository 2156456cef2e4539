#include "fw/ui/VolumeView.h"

#include <QKeyEvent>
#include <QMouseEvent>

#include <vtkRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkRenderer.h>

namespace fw::ui {

namespace {
constexpr double kInteractiveRate = 8.0;  // frames per second asked of the mapper while moving
constexpr double kStillRate = 0.0001;     // full quality
}  // namespace

VolumeView::VolumeView(scene::Scene* scene, QWidget* parent)
    : RenderWidget(parent), m_scene(scene), m_rep(std::make_unique<rendering::VolumeRepresentation>()) {
  setObjectName("VolumeView");
  m_rep->attach(renderer());
  renderer()->SetBackground(0.06, 0.07, 0.09);
  renderer()->SetBackground2(0.18, 0.2, 0.24);
  renderer()->GradientBackgroundOn();
  auto style = vtkSmartPointer<vtkInteractorStyleTrackballCamera>::New();
  interactor()->SetInteractorStyle(style);
  interactor()->SetDesiredUpdateRate(kInteractiveRate);
  interactor()->SetStillUpdateRate(kStillRate);
  renderWindow()->SetDesiredUpdateRate(kStillRate);

  m_stillTimer.setSingleShot(true);
  m_stillTimer.setInterval(350);
  connect(&m_stillTimer, &QTimer::timeout, this, [this] {
    m_interactive = false;
    requestRender();
  });

  connect(scene, &scene::Scene::layersChanged, this, [this] {
    m_rep->setVolume(m_scene->baseVolume());
    m_rep->setPreset(m_scene->volumePreset().toStdString());
    m_rep->setCursor(m_scene->cursor());
    m_needsReset = true;
    requestRender();
  });
  connect(scene, &scene::Scene::volumePresetChanged, this, [this](const QString& id) {
    m_rep->setPreset(id.toStdString());
    requestRender();
  });
  connect(scene, &scene::Scene::cursorChanged, this, [this](const core::Vec3& p) {
    m_rep->setCursor(p);
    requestInteractiveRender();
  });
}

VolumeView::~VolumeView() = default;

void VolumeView::requestInteractiveRender() {
  m_interactive = true;
  m_stillTimer.start();
  requestRender();
}

void VolumeView::resetView() {
  m_rep->resetCamera(renderer());
  requestRender();
}

void VolumeView::beforeRender() {
  if (m_needsReset && m_rep->hasVolume()) {
    m_needsReset = false;
    m_rep->resetCamera(renderer());
  }
  // The interactor style sets the rate while the camera moves; cursor drags set m_interactive.
  const bool styleActive = interactor()->GetInteractorStyle() &&
                           static_cast<vtkInteractorStyle*>(interactor()->GetInteractorStyle())->GetState() != VTKIS_NONE;
  m_lastInteractive = m_interactive || styleActive;
  renderWindow()->SetDesiredUpdateRate(m_lastInteractive ? kInteractiveRate : kStillRate);
}

void VolumeView::mousePressEvent(QMouseEvent* e) {
  setFocus();
  forwardToInteractor(e);
}
void VolumeView::mouseMoveEvent(QMouseEvent* e) { forwardToInteractor(e); }
void VolumeView::mouseReleaseEvent(QMouseEvent* e) {
  forwardToInteractor(e);
  m_interactive = false;
  requestRender();  // a full-quality frame now that the camera is still
}
void VolumeView::mouseDoubleClickEvent(QMouseEvent* e) {
  if (e->button() == Qt::LeftButton) emit maximizeRequested();
}
void VolumeView::wheelEvent(QWheelEvent* e) {
  forwardToInteractor(e);
  requestInteractiveRender();
}
void VolumeView::keyPressEvent(QKeyEvent* e) {
  if (e->key() == Qt::Key_R) resetView();
  else RenderWidget::keyPressEvent(e);
}

}  // namespace fw::ui
