#include "fw/ui/VolumeView.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>

#include <algorithm>

#include <vtkCamera.h>
#include <vtkRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkRenderer.h>

#include "VolumeRenderThread.h"

namespace fw::ui {

VolumeView::VolumeView(scene::Scene* scene, QWidget* parent)
    : RenderWidget(parent),
      m_scene(scene),
      m_rep(std::make_unique<rendering::VolumeRepresentation>()),
      m_thread(std::make_unique<VolumeRenderThread>()) {
  setObjectName("VolumeView");
  m_rep->attach(renderer());
  auto style = vtkSmartPointer<vtkInteractorStyleTrackballCamera>::New();
  interactor()->SetInteractorStyle(style);
  connect(m_thread.get(), &VolumeRenderThread::frameReady, this, &VolumeView::onFrame, Qt::QueuedConnection);

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
  // 4D series: another volume on the same grid; the camera stays.
  connect(scene, &scene::Scene::volumeIndexChanged, this, [this] {
    m_rep->setVolume(m_scene->baseVolume());
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
  // The interactor style is active while the camera moves; cursor drags set m_interactive.
  auto* style = static_cast<vtkInteractorStyle*>(interactor()->GetInteractorStyle());
  m_requestInteractive = m_interactive || (style && style->GetState() != VTKIS_NONE);
}

void VolumeView::renderFrame(int w, int h, double) {
  VolumeRenderRequest r;
  r.volume = m_scene->baseVolume();
  r.preset = m_scene->volumePreset().toStdString();
  r.cursor = m_scene->cursor();
  auto* cam = renderer()->GetActiveCamera();
  cam->GetPosition(r.position);
  cam->GetFocalPoint(r.focalPoint);
  cam->GetViewUp(r.viewUp);
  r.viewAngle = cam->GetViewAngle();
  r.width = w;
  r.height = h;
  r.interactive = m_requestInteractive;
  r.serial = ++m_requested;
  m_thread->request(std::move(r));
}

void VolumeView::onFrame(const QImage& frame, bool interactive, double renderMs, double, quint64 serial) {
  m_shown = serial;
  m_shownInteractive = interactive;
  (interactive ? m_interactiveMs : m_stillMs) = renderMs;
  QImage image = frame;
  // Interactive frames are rendered at half resolution: a device-pixel ratio that makes them
  // cover the whole view when painted.
  image.setDevicePixelRatio(double(image.width()) / std::max(1, width()));
  setFrame(std::move(image));
  emit frameShown(interactive, renderMs);
}

void VolumeView::paintOverlay(QPainter& painter) {
  if (!m_scene->baseIsColour()) return;
  // The ray caster takes one scalar per voxel: a colour series is rendered as its luminance.
  const QString note = tr("3D: luminance of a colour series");
  QFont font = painter.font();
  font.setPixelSize(std::clamp(height() / 36, 9, 13));
  painter.setFont(font);
  const QRect r = rect().adjusted(4, 4, -4, -4);
  painter.setPen(QColor(0, 0, 0, 200));
  painter.drawText(r.translated(1, 1), Qt::AlignLeft | Qt::AlignBottom, note);
  painter.setPen(QColor(255, 220, 120));
  painter.drawText(r, Qt::AlignLeft | Qt::AlignBottom, note);
}

bool VolumeView::isSettled() const {
  return !renderPending() && !m_interactive && !m_stillTimer.isActive() && m_shown == m_requested &&
         m_requested > 0 && !m_shownInteractive && !m_thread->busy();
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
