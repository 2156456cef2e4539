#pragma once
// A 2D slice view (axial, coronal or sagittal) of the scene through the world cursor.
// Mouse: left click/drag moves the cursor; wheel or Up/Down/PageUp/PageDown scrolls slices;
// right drag changes window (horizontal) and level (vertical); middle drag or Shift+left drag
// pans; Ctrl+wheel or Ctrl+left drag zooms; R or double-click on the middle button resets the
// view. Scene changes only mark the view dirty: the slice is resampled once, at paint time.
// With a registration's moving volume in the scene the slice shows the fusion (scene's
// FusionDisplay). In the scene's nudge mode the arrow keys move the moving image 1 mm in the
// view plane (PageUp/PageDown: 1 mm along the normal), Ctrl+arrows rotate it 1 degree about the
// cursor in the view plane; a left drag moves it, a Ctrl+left drag rotates it about the cursor.
#include <QPoint>
#include <memory>

#include "fw/rendering/SliceRepresentation.h"
#include "fw/scene/Scene.h"
#include "fw/ui/RenderWidget.h"
#include "fw/ui/ViewAnnotations.h"

namespace fw::ui {

class SliceView : public RenderWidget {
  Q_OBJECT
 public:
  SliceView(scene::Scene* scene, rendering::ViewOrientation orientation, QWidget* parent = nullptr);
  ~SliceView() override;

  rendering::ViewOrientation orientation() const { return m_rep->orientation(); }
  const rendering::SliceRepresentation& representation() const { return *m_rep; }
  // Brings the slice up to date with the scene now (paint does this too).
  void refresh();
  // Fits the slice into the view.
  void resetView();
  // World point under a widget position (logical pixels).
  core::Vec3 worldAt(const QPointF& pos) const;
  // Widget position (logical pixels) of a world point projected on this view.
  QPointF positionOf(const core::Vec3& world) const;
  double zoomFactor() const;
  // The text drawn over the view (orientation letters, patient, study, series, slice, W/L,
  // zoom) and where it goes at the view's current size.
  const ViewAnnotations& annotations() const { return m_annotations; }
  AnnotationLayout annotationLayout() const;

 signals:
  void maximizeRequested();
  // Nudge mode: move the displayed moving image by `move` (fixed world, LPS mm). A drag sends
  // the move from its start so far (finished=false), then the whole move (finished=true); a key
  // sends one finished move.
  void nudgeRequested(const fw::registration::Affine& move, bool finished);

 protected:
  void beforeRender() override;
  void paintOverlay(QPainter& painter) override;
  void resizeEvent(QResizeEvent* e) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;
  void mouseDoubleClickEvent(QMouseEvent* e) override;
  void wheelEvent(QWheelEvent* e) override;
  void keyPressEvent(QKeyEvent* e) override;

 private:
  enum class Drag { None, Cursor, Pan, Zoom, WindowLevel, NudgeMove, NudgeRotate };
  bool nudgeKey(QKeyEvent* e);
  registration::Affine nudgeDragMove(const QPointF& pos) const;
  void markDirty();
  void updateCornerText();
  void setCamera(double cx, double cy, double halfHeight);
  void zoomBy(double factor);

  scene::Scene* m_scene;
  std::unique_ptr<rendering::SliceRepresentation> m_rep;
  ViewAnnotations m_annotations;
  bool m_dirty = true;
  bool m_needsReset = true;
  double m_camX = 0, m_camY = 0, m_halfHeight = 100;  // camera in view coordinates (mm)
  Drag m_drag = Drag::None;
  QPointF m_dragStart;
  double m_startWindow = 0, m_startLevel = 0, m_startCamX = 0, m_startCamY = 0, m_startHalf = 0;
};

}  // namespace fw::ui
