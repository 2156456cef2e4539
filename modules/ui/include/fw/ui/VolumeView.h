#pragma once
// The 3D view: volume rendering of the base volume with the cursor shown as three axis lines.
// Rotate with the left button, pan with the middle (or Shift+left), zoom with the right or
// the wheel (VTK's trackball camera). Software OpenGL ray-casts a large CT in seconds, so the
// view never renders on the UI thread: a VolumeRenderThread renders downsampled copies and
// hands back frames. While the camera moves or the cursor is dragged it asks for interactive
// frames (a ~1 M voxel copy at half resolution, scaled up when painted); once things have been
// still for a moment it asks for a full-quality frame. The UI thread keeps a VTK camera and
// the interactor style for mouse handling, and never draws the volume itself.
#include <QTimer>
#include <memory>

#include "fw/rendering/VolumeRepresentation.h"
#include "fw/scene/Scene.h"
#include "fw/ui/RenderWidget.h"

namespace fw::ui {

class VolumeRenderThread;

class VolumeView : public RenderWidget {
  Q_OBJECT
 public:
  explicit VolumeView(scene::Scene* scene, QWidget* parent = nullptr);
  ~VolumeView() override;

  void resetView();
  // True while the frame on screen was drawn at reduced (interactive) quality.
  bool lastFrameInteractive() const { return m_shownInteractive; }
  // True when the frame on screen is full quality and shows the current state (tests,
  // screenshots wait for this).
  bool isSettled() const;
  // Render-thread milliseconds of the last interactive and the last full-quality frame.
  double lastInteractiveMs() const { return m_interactiveMs; }
  double lastStillMs() const { return m_stillMs; }

 signals:
  void maximizeRequested();
  // A frame from the render thread is on screen.
  void frameShown(bool interactive, double renderMs);

 protected:
  void beforeRender() override;
  void paintOverlay(QPainter& painter) override;
  void renderFrame(int w, int h, double dpr) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;
  void mouseDoubleClickEvent(QMouseEvent* e) override;
  void wheelEvent(QWheelEvent* e) override;
  void keyPressEvent(QKeyEvent* e) override;

 private:
  void requestInteractiveRender();
  void onFrame(const QImage& frame, bool interactive, double renderMs, double prepareMs, quint64 serial);
  scene::Scene* m_scene;
  std::unique_ptr<rendering::VolumeRepresentation> m_rep;  // camera bounds only; never drawn here
  std::unique_ptr<VolumeRenderThread> m_thread;
  QTimer m_stillTimer;
  bool m_interactive = false;
  bool m_requestInteractive = false;
  bool m_shownInteractive = false;
  bool m_needsReset = true;
  quint64 m_requested = 0;  // serial of the newest request
  quint64 m_shown = 0;      // serial of the frame on screen
  double m_interactiveMs = 0, m_stillMs = 0;
};

}  // namespace fw::ui
