#pragma once
// The 3D view: volume rendering of the base volume with the cursor shown as three axis lines.
// Rotate with the left button, pan with the middle (or Shift+left), zoom with the right or
// the wheel (VTK's trackball camera). Software OpenGL renders a large CT at about a frame per
// second, so while the camera moves or the cursor is dragged the view renders at interactive
// quality, and a full-quality frame follows once things are still.
#include <QTimer>
#include <memory>

#include "fw/rendering/VolumeRepresentation.h"
#include "fw/scene/Scene.h"
#include "fw/ui/RenderWidget.h"

namespace fw::ui {

class VolumeView : public RenderWidget {
  Q_OBJECT
 public:
  explicit VolumeView(scene::Scene* scene, QWidget* parent = nullptr);
  ~VolumeView() override;

  void resetView();
  // True while the last frame was drawn at reduced (interactive) quality.
  bool lastFrameInteractive() const { return m_lastInteractive; }

 signals:
  void maximizeRequested();

 protected:
  void beforeRender() override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;
  void mouseDoubleClickEvent(QMouseEvent* e) override;
  void wheelEvent(QWheelEvent* e) override;
  void keyPressEvent(QKeyEvent* e) override;

 private:
  void requestInteractiveRender();
  scene::Scene* m_scene;
  std::unique_ptr<rendering::VolumeRepresentation> m_rep;
  QTimer m_stillTimer;
  bool m_interactive = false;
  bool m_lastInteractive = false;
  bool m_needsReset = true;
};

}  // namespace fw::ui
