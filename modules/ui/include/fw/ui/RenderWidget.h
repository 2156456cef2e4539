#pragma once
// A widget that shows what a VTK render window draws. VTK renders into its own off-screen
// OpenGL context and the frame is copied into a QImage that this plain QWidget paints.
// Why not a QOpenGLWidget sharing Qt's context: with Debian 12's VTK 9.1 and Mesa llvmpipe,
// VTK's framebuffers inside a QOpenGLWidget context come out incomplete ("driver marked FBO as
// incomplete") and Qt's own framebuffer is damaged, so nothing shows (docs/rendering.md). On a
// software renderer the copy is a memcpy; on a GPU it is a small read-back per frame. Renders
// are only requested (requestRender -> QWidget::update) and happen once per paint, so many
// changes in one event-loop turn cost one frame; unchanged views repaint from the cached image.
#include <QImage>
#include <QWidget>

#include <vtkSmartPointer.h>

class QPainter;
class vtkGenericRenderWindowInteractor;
class vtkRenderWindow;
class vtkRenderer;
class vtkUnsignedCharArray;

namespace fw::ui {

class RenderWidget : public QWidget {
  Q_OBJECT
 public:
  explicit RenderWidget(QWidget* parent = nullptr);
  ~RenderWidget() override;

  vtkRenderer* renderer() const;
  vtkRenderWindow* renderWindow() const;
  vtkGenericRenderWindowInteractor* interactor() const;

  // The last rendered frame (device pixels).
  const QImage& frame() const { return m_frame; }
  // Renders now if a render is pending (tests, screenshots).
  void renderNow();
  bool renderPending() const { return m_pending; }
  // Where the last frame's time went: bringing the scene up to date (beforeRender: slice
  // sampling, colour mapping), VTK's render (texture upload, drawing), and reading the pixels
  // back into the QImage. All in milliseconds of UI-thread time.
  struct FrameTiming {
    double prepareMs = 0;
    double renderMs = 0;
    double readbackMs = 0;
    double totalMs() const { return prepareMs + renderMs + readbackMs; }
  };
  const FrameTiming& lastTiming() const { return m_timing; }
  // Milliseconds the last frame took (all of lastTiming), and how many frames were rendered.
  double lastRenderMs() const { return m_timing.totalMs(); }
  int frameCount() const { return m_frames; }

 public slots:
  void requestRender();

 protected:
  // Called just before each render: subclasses bring their representations up to date.
  virtual void beforeRender() {}
  // Produces the frame for a w x h (device pixels) view: by default VTK renders the view's
  // window here, on the UI thread, and the pixels are read back into frame(). A view whose
  // frames come from elsewhere (VolumeView's render thread) overrides it and calls setFrame.
  virtual void renderFrame(int w, int h, double dpr);
  void setFrame(QImage frame);
  // Called after the frame is painted, in logical pixels: text and marks drawn by Qt.
  virtual void paintOverlay(QPainter& painter) { (void)painter; }
  void paintEvent(QPaintEvent* e) override;
  void resizeEvent(QResizeEvent* e) override;
  // Forwards a Qt mouse/wheel event to the VTK interactor (for VTK interactor styles).
  void forwardToInteractor(QEvent* event);

 private:
  void render();
  vtkSmartPointer<vtkRenderWindow> m_window;
  vtkSmartPointer<vtkRenderer> m_renderer;
  vtkSmartPointer<vtkGenericRenderWindowInteractor> m_interactor;
  QImage m_frame;
  vtkSmartPointer<vtkUnsignedCharArray> m_pixels;  // wraps m_frame's buffer during read-back
  bool m_pending = true;
  FrameTiming m_timing;
  int m_frames = 0;
};

}  // namespace fw::ui
