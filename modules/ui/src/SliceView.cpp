#include "fw/ui/SliceView.h"

#include <QKeyEvent>
#include <QPainter>
#include <QResizeEvent>
#include <QMouseEvent>
#include <QWheelEvent>

#include <vtkCamera.h>
#include <vtkRenderer.h>

#include <cmath>

#include "fw/ui/DisplayText.h"

namespace fw::ui {

namespace {
QString formatDate(const std::string& d) {
  if (d.size() != 8) return QString::fromStdString(d);
  return QString("%1-%2-%3").arg(QString::fromStdString(d.substr(0, 4)), QString::fromStdString(d.substr(4, 2)),
                                 QString::fromStdString(d.substr(6, 2)));
}
QString personName(const std::string& pn) {
  QString s = QString::fromStdString(pn);
  s.replace('^', ' ');
  return s.simplified();
}
// "S 30.0" / "I 12.5": the cursor's position along the view normal, with its anatomical letter.
QString depthText(const core::Vec3& cursor, const rendering::ViewFrame& f) {
  int axis = std::abs(f.normal.x) > 0.5 ? 0 : (std::abs(f.normal.y) > 0.5 ? 1 : 2);
  const double v = cursor[axis];
  static const char* pos[3] = {"L", "P", "S"};
  static const char* neg[3] = {"R", "A", "I"};
  return QString("%1 %2 mm").arg(v >= 0 ? pos[axis] : neg[axis]).arg(std::abs(v), 0, 'f', 1);
}
rendering::SliceRepresentation::Fusion fusionOf(const scene::Scene& scene) {
  rendering::SliceRepresentation::Fusion f;
  const auto& d = scene.fusion();
  if (!scene.movingVolume() || !d.visible) return f;
  f.moving = scene.movingVolume();
  f.transform = scene.movingTransform();
  f.revision = scene.movingTransformRevision();
  f.settings.mode = static_cast<rendering::FusionMode>(static_cast<int>(d.mode));  // same order
  f.settings.opacity = d.opacity;
  f.settings.checkerSizeMm = d.checkerSizeMm;
  f.settings.window = d.window;
  f.settings.level = d.level;
  return f;
}
// A rotation by `degrees` about `axis` through `centre` (fixed world).
registration::Affine rotationAbout(const core::Vec3& axis, double degrees, const core::Vec3& centre) {
  registration::Affine a;
  a.matrix = core::Mat3::rotation(axis, degrees * M_PI / 180.0);
  a.translation = centre - a.matrix * centre;
  return a;
}
// The direction the wheel (forward) and Up key move the slice: superior in axial views,
// anterior in coronal, left in sagittal.
core::Vec3 scrollDirection(rendering::ViewOrientation o) {
  switch (o) {
    case rendering::ViewOrientation::Axial: return {0, 0, 1};
    case rendering::ViewOrientation::Coronal: return {0, -1, 0};
    case rendering::ViewOrientation::Sagittal: return {1, 0, 0};
  }
  return {0, 0, 1};
}
}  // namespace

SliceView::SliceView(scene::Scene* scene, rendering::ViewOrientation orientation, QWidget* parent)
    : RenderWidget(parent), m_scene(scene), m_rep(std::make_unique<rendering::SliceRepresentation>(orientation)) {
  m_rep->attach(renderer());
  renderer()->SetBackground(0, 0, 0);
  renderer()->GetActiveCamera()->ParallelProjectionOn();
  setObjectName(QString("SliceView_%1").arg(rendering::viewName(orientation)));
  connect(scene, &scene::Scene::cursorChanged, this, &SliceView::markDirty);
  connect(scene, &scene::Scene::displayChanged, this, &SliceView::markDirty);
  connect(scene, &scene::Scene::movingVolumeChanged, this, &SliceView::markDirty);
  connect(scene, &scene::Scene::movingTransformChanged, this, &SliceView::markDirty);
  connect(scene, &scene::Scene::fusionChanged, this, &SliceView::markDirty);
  connect(scene, &scene::Scene::volumeIndexChanged, this, &SliceView::markDirty);  // 4D: same grid
  connect(scene, &scene::Scene::layersChanged, this, [this] {
    m_needsReset = true;
    markDirty();
  });
  setCursor(Qt::CrossCursor);
}

SliceView::~SliceView() = default;

void SliceView::markDirty() {
  m_dirty = true;
  requestRender();
}

void SliceView::refresh() {
  if (!m_dirty) return;
  m_dirty = false;
  const auto& d = m_scene->baseDisplay();
  m_rep->setColourChannels(m_scene->isEmpty() ? scene::ColourChannels{} : m_scene->layers().front().rgb);
  m_rep->setFusion(fusionOf(*m_scene));
  m_rep->update(m_scene->baseVolume(), m_scene->cursor(), d.window, d.level);
  if (m_needsReset && m_scene->baseVolume()) {
    m_needsReset = false;
    resetView();
  }
  updateCornerText();
}

void SliceView::beforeRender() { refresh(); }

void SliceView::resizeEvent(QResizeEvent* e) {
  RenderWidget::resizeEvent(e);
  setCamera(m_camX, m_camY, m_halfHeight);
}

void SliceView::resetView() {
  double b[4];
  if (!m_rep->imageBounds(b)) return;
  const double aspect = width() > 0 && height() > 0 ? double(width()) / height() : 1.0;
  const double halfH = std::max((b[3] - b[2]) / 2, (b[1] - b[0]) / 2 / aspect) * 1.03;
  setCamera((b[0] + b[1]) / 2, (b[2] + b[3]) / 2, halfH);
  updateCornerText();
  requestRender();
}

void SliceView::setCamera(double cx, double cy, double halfHeight) {
  m_camX = cx;
  m_camY = cy;
  m_halfHeight = std::clamp(halfHeight, 1.0, 5000.0);
  auto* cam = renderer()->GetActiveCamera();
  cam->SetFocalPoint(cx, cy, 0);
  cam->SetPosition(cx, cy, 1000);
  cam->SetViewUp(0, 1, 0);
  cam->SetParallelScale(m_halfHeight);
  cam->SetClippingRange(1, 2000);
}

double SliceView::zoomFactor() const {
  double b[4];
  if (!m_rep->imageBounds(b)) return 1.0;
  return (b[3] - b[2]) / 2 / m_halfHeight;
}

core::Vec3 SliceView::worldAt(const QPointF& pos) const {
  const double mmPerPixel = 2 * m_halfHeight / std::max(1, height());
  const double x = m_camX + (pos.x() - width() / 2.0) * mmPerPixel;
  const double y = m_camY - (pos.y() - height() / 2.0) * mmPerPixel;
  return m_rep->toWorld(x, y);
}

QPointF SliceView::positionOf(const core::Vec3& world) const {
  double x, y;
  m_rep->toView(world, x, y);
  const double pixelPerMm = std::max(1, height()) / (2 * m_halfHeight);
  return {width() / 2.0 + (x - m_camX) * pixelPerMm, height() / 2.0 - (y - m_camY) * pixelPerMm};
}

void SliceView::zoomBy(double factor) {
  setCamera(m_camX, m_camY, m_halfHeight / factor);
  updateCornerText();
  requestRender();
}

void SliceView::updateCornerText() {
  ViewAnnotations a;
  const auto v = m_scene->baseVolume();
  if (!v) {
    m_annotations = a;
    return;
  }
  const auto& f = m_rep->frame();
  a.letters[int(Edge::Left)] = f.leftLabel;
  a.letters[int(Edge::Right)] = f.rightLabel;
  a.letters[int(Edge::Top)] = f.topLabel;
  a.letters[int(Edge::Bottom)] = f.bottomLabel;
  // Identity strings are UTF-8 (converted from the data's character set when read).
  const auto& id = v->identity();
  QStringList& ul = a.corners[int(Corner::UpperLeft)];
  QStringList& ur = a.corners[int(Corner::UpperRight)];
  if (!id.patientName.empty()) ul << personName(id.patientName);
  if (!id.patientId.empty()) ul << tr("ID: %1").arg(QString::fromStdString(id.patientId));
  if (!id.patientBirthDate.empty() || !id.patientSex.empty())
    ul << tr("Born: %1 %2").arg(formatDate(id.patientBirthDate), QString::fromStdString(id.patientSex)).trimmed();
  if (!id.studyDate.empty()) ur << formatDate(id.studyDate);
  if (!id.studyDescription.empty()) ur << QString::fromStdString(id.studyDescription);
  if (!id.seriesDescription.empty()) ur << QString::fromStdString(id.seriesDescription);
  else if (!v->name().empty()) ur << QString::fromStdString(v->name());
  const auto& d = m_scene->baseDisplay();
  a.corners[int(Corner::LowerLeft)] << tr("%1  Im: %2/%3\n%4")
                                           .arg(viewTitle(orientation()))
                                           .arg(m_rep->sliceNumber())
                                           .arg(m_rep->sliceCount())
                                           .arg(depthText(m_scene->cursor(), m_rep->frame()));
  if (m_scene->volumeCount() > 1)
    a.corners[int(Corner::LowerLeft)] << tr("Vol: %1/%2").arg(m_scene->volumeIndex() + 1).arg(m_scene->volumeCount());
  if (m_scene->baseIsColour())  // colour is shown as stored: no window/level
    a.corners[int(Corner::LowerRight)] << tr("RGB\nZoom: %1%").arg(zoomFactor() * 100, 0, 'f', 0);
  else
    a.corners[int(Corner::LowerRight)] << tr("W: %1 L: %2\nZoom: %3%")
                                              .arg(d.window, 0, 'f', 0)
                                              .arg(d.level, 0, 'f', 0)
                                              .arg(zoomFactor() * 100, 0, 'f', 0);
  m_annotations = a;  // every caller renders (or is rendering) next, which draws it
}

AnnotationLayout SliceView::annotationLayout() const { return layoutAnnotations(m_annotations, size()); }

void SliceView::paintOverlay(QPainter& painter) { drawAnnotations(painter, annotationLayout()); }

bool SliceView::nudgeKey(QKeyEvent* e) {
  const auto& f = m_rep->frame();
  const bool rotate = e->modifiers() & Qt::ControlModifier;
  registration::Affine move;
  // Rotation about the normal (towards the viewer) by a positive angle is counter-clockwise on
  // the screen.
  switch (e->key()) {
    case Qt::Key_Left:
      if (rotate) move = rotationAbout(f.normal, 1.0, m_scene->cursor());
      else move.translation = -f.right;
      break;
    case Qt::Key_Right:
      if (rotate) move = rotationAbout(f.normal, -1.0, m_scene->cursor());
      else move.translation = f.right;
      break;
    case Qt::Key_Up:
      if (rotate) move = rotationAbout(f.normal, 1.0, m_scene->cursor());
      else move.translation = f.up;
      break;
    case Qt::Key_Down:
      if (rotate) move = rotationAbout(f.normal, -1.0, m_scene->cursor());
      else move.translation = -f.up;
      break;
    case Qt::Key_PageUp: move.translation = scrollDirection(orientation()); break;
    case Qt::Key_PageDown: move.translation = -scrollDirection(orientation()); break;
    default: return false;
  }
  emit nudgeRequested(move, true);
  return true;
}

registration::Affine SliceView::nudgeDragMove(const QPointF& pos) const {
  const core::Vec3 from = worldAt(m_dragStart), to = worldAt(pos);
  registration::Affine move;
  if (m_drag == Drag::NudgeMove) {
    move.translation = to - from;
    return move;
  }
  // The angle swept about the cursor, in the view plane.
  const core::Vec3 c = m_scene->cursor();
  const core::Vec3& n = m_rep->frame().normal;
  const core::Vec3 v0 = from - c, v1 = to - c;
  if (core::norm(v0) < 1e-6 || core::norm(v1) < 1e-6) return move;
  const double angle = std::atan2(core::dot(core::cross(v0, v1), n), core::dot(v0, v1));
  return rotationAbout(n, angle * 180.0 / M_PI, c);
}

void SliceView::mousePressEvent(QMouseEvent* e) {
  setFocus();
  if (!m_scene->baseVolume()) return;
  if (m_scene->nudgeMode() && m_scene->movingVolume() && e->button() == Qt::LeftButton) {
    m_dragStart = e->position();
    m_drag = (e->modifiers() & Qt::ControlModifier) ? Drag::NudgeRotate : Drag::NudgeMove;
    return;
  }
  m_dragStart = e->position();
  m_startWindow = m_scene->baseDisplay().window;
  m_startLevel = m_scene->baseDisplay().level;
  m_startCamX = m_camX;
  m_startCamY = m_camY;
  m_startHalf = m_halfHeight;
  const bool shift = e->modifiers() & Qt::ShiftModifier;
  const bool ctrl = e->modifiers() & Qt::ControlModifier;
  if (e->button() == Qt::LeftButton && ctrl) m_drag = Drag::Zoom;
  else if (e->button() == Qt::LeftButton && shift) m_drag = Drag::Pan;
  else if (e->button() == Qt::LeftButton) {
    m_drag = Drag::Cursor;
    m_scene->setCursor(worldAt(e->position()));
  } else if (e->button() == Qt::MiddleButton) m_drag = Drag::Pan;
  else if (e->button() == Qt::RightButton) m_drag = Drag::WindowLevel;
}

void SliceView::mouseMoveEvent(QMouseEvent* e) {
  const QPointF delta = e->position() - m_dragStart;
  switch (m_drag) {
    case Drag::None: return;
    case Drag::NudgeMove:
    case Drag::NudgeRotate: emit nudgeRequested(nudgeDragMove(e->position()), false); return;
    case Drag::Cursor: m_scene->setCursor(worldAt(e->position())); return;
    case Drag::Pan: {
      const double mmPerPixel = 2 * m_halfHeight / std::max(1, height());
      setCamera(m_startCamX - delta.x() * mmPerPixel, m_startCamY + delta.y() * mmPerPixel, m_halfHeight);
      requestRender();
      return;
    }
    case Drag::Zoom:
      setCamera(m_camX, m_camY, m_startHalf * std::exp(delta.y() / 200.0));
      updateCornerText();
      requestRender();
      return;
    case Drag::WindowLevel: {
      // Sensitivity scales with the window so that narrow (brain) and wide (bone) windows both
      // adjust smoothly.
      const double sensitivity = std::max(m_startWindow, 10.0) / 300.0;
      m_scene->setWindowLevel(std::max(1.0, m_startWindow + delta.x() * sensitivity),
                              m_startLevel - delta.y() * sensitivity);
      return;
    }
  }
}

void SliceView::mouseReleaseEvent(QMouseEvent* e) {
  if (m_drag == Drag::NudgeMove || m_drag == Drag::NudgeRotate) {
    const registration::Affine move = nudgeDragMove(e->position());
    m_drag = Drag::None;
    emit nudgeRequested(move, true);
    return;
  }
  m_drag = Drag::None;
}

void SliceView::mouseDoubleClickEvent(QMouseEvent* e) {
  if (e->button() == Qt::LeftButton) emit maximizeRequested();
  else if (e->button() == Qt::MiddleButton) resetView();
}

void SliceView::wheelEvent(QWheelEvent* e) {
  const int steps = e->angleDelta().y() / 120;
  if (steps == 0) return;
  if (e->modifiers() & Qt::ControlModifier) {
    zoomBy(std::pow(1.15, steps));
  } else {
    // Wheel forward moves towards the viewer (up in axial, anterior in coronal...).
    m_scene->stepCursor(scrollDirection(orientation()), steps);
  }
  e->accept();
}

void SliceView::keyPressEvent(QKeyEvent* e) {
  if (m_scene->nudgeMode() && m_scene->movingVolume() && nudgeKey(e)) return;
  switch (e->key()) {
    case Qt::Key_Up: m_scene->stepCursor(scrollDirection(orientation()), 1); break;
    case Qt::Key_Down: m_scene->stepCursor(scrollDirection(orientation()), -1); break;
    case Qt::Key_PageUp: m_scene->stepCursor(scrollDirection(orientation()), 10); break;
    case Qt::Key_PageDown: m_scene->stepCursor(scrollDirection(orientation()), -10); break;
    case Qt::Key_R: resetView(); break;
    case Qt::Key_Plus:
    case Qt::Key_Equal: zoomBy(1.25); break;
    case Qt::Key_Minus: zoomBy(0.8); break;
    default: RenderWidget::keyPressEvent(e); return;
  }
}

}  // namespace fw::ui
