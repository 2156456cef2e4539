#include "fw/ui/RenderWidget.h"

#include <QElapsedTimer>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <vtkCallbackCommand.h>
#include <vtkCommand.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkUnsignedCharArray.h>

#include <cstring>

namespace fw::ui {

namespace {
// The interactor wants a render: we only render when painting, so schedule a paint.
void onInteractorRender(vtkObject*, unsigned long, void* clientData, void*) {
  static_cast<RenderWidget*>(clientData)->requestRender();
}
}  // namespace

RenderWidget::RenderWidget(QWidget* parent) : QWidget(parent) {
  m_window = vtkSmartPointer<vtkRenderWindow>::New();
  m_window->SetOffScreenRendering(1);
  m_window->SetMultiSamples(0);
  m_pixels = vtkSmartPointer<vtkUnsignedCharArray>::New();
  m_renderer = vtkSmartPointer<vtkRenderer>::New();
  m_window->AddRenderer(m_renderer);

  m_interactor = vtkSmartPointer<vtkGenericRenderWindowInteractor>::New();
  m_interactor->SetRenderWindow(m_window);
  m_interactor->EnableRenderOff();  // renders happen in paintEvent only
  auto renderCb = vtkSmartPointer<vtkCallbackCommand>::New();
  renderCb->SetCallback(onInteractorRender);
  renderCb->SetClientData(this);
  m_interactor->AddObserver(vtkCommand::RenderEvent, renderCb);

  setAttribute(Qt::WA_OpaquePaintEvent);
  setFocusPolicy(Qt::StrongFocus);
  setMouseTracking(true);
  setMinimumSize(120, 120);
}

RenderWidget::~RenderWidget() {
  m_interactor->RemoveAllObservers();
  m_window->Finalize();
}

vtkRenderer* RenderWidget::renderer() const { return m_renderer; }
vtkRenderWindow* RenderWidget::renderWindow() const { return m_window; }
vtkGenericRenderWindowInteractor* RenderWidget::interactor() const { return m_interactor; }

void RenderWidget::requestRender() {
  m_pending = true;
  update();
}

void RenderWidget::renderNow() {
  if (m_pending) render();
}

void RenderWidget::render() {
  m_pending = false;
  const double dpr = devicePixelRatioF();
  const int w = std::max(1, static_cast<int>(width() * dpr)), h = std::max(1, static_cast<int>(height() * dpr));
  if (m_window->GetSize()[0] != w || m_window->GetSize()[1] != h) {
    m_window->SetSize(w, h);
    m_interactor->UpdateSize(w, h);
  }
  QElapsedTimer timer;
  timer.start();
  beforeRender();
  m_timing.prepareMs = timer.nsecsElapsed() / 1e6;
  timer.restart();
  renderFrame(w, h, dpr);
}

void RenderWidget::renderFrame(int w, int h, double dpr) {
  QElapsedTimer timer;
  timer.start();
  m_window->Render();
  m_timing.renderMs = timer.nsecsElapsed() / 1e6;
  timer.restart();
  // Read straight into the frame's own pixels (RGBA: glReadPixels' native format, and a 32-bit
  // image paints without a per-pixel conversion), then flip the rows in place: VTK's run
  // bottom-up, QImage's top-down. The frame is reused while the size stays the same.
  if (m_frame.size() != QSize(w, h) || m_frame.format() != QImage::Format_RGBX8888)
    m_frame = QImage(w, h, QImage::Format_RGBX8888);
  // The array borrows the image's buffer (save=1: VTK never frees it); VTK only reallocates
  // when the size differs, which it never does here.
  const vtkIdType bytes = static_cast<vtkIdType>(w) * h * 4;
  m_pixels->SetNumberOfComponents(4);
  m_pixels->SetArray(m_frame.bits(), bytes, 1);
  m_window->GetRGBACharPixelData(0, 0, w - 1, h - 1, 0, m_pixels);
  if (m_pixels->GetPointer(0) != m_frame.bits())  // defensive: VTK chose its own buffer
    std::memcpy(m_frame.bits(), m_pixels->GetPointer(0), static_cast<size_t>(bytes));
  m_pixels->SetArray(nullptr, 0, 1);
  m_frame = std::move(m_frame).mirrored(false, true);
  m_frame.setDevicePixelRatio(dpr);
  m_timing.readbackMs = timer.nsecsElapsed() / 1e6;
  ++m_frames;
}

void RenderWidget::setFrame(QImage frame) {
  m_frame = std::move(frame);
  ++m_frames;
  update();
}

void RenderWidget::paintEvent(QPaintEvent*) {
  if (m_pending || m_frame.isNull()) render();
  QPainter painter(this);
  if (m_frame.isNull()) painter.fillRect(rect(), Qt::black);
  else painter.drawImage(QPoint(0, 0), m_frame);
  paintOverlay(painter);
}

void RenderWidget::resizeEvent(QResizeEvent* e) {
  QWidget::resizeEvent(e);
  requestRender();
}

void RenderWidget::forwardToInteractor(QEvent* event) {
  const double dpr = devicePixelRatioF();
  auto* iren = m_interactor.Get();
  switch (event->type()) {
    case QEvent::MouseButtonPress:
    case QEvent::MouseButtonRelease:
    case QEvent::MouseMove:
    case QEvent::MouseButtonDblClick: {
      auto* e = static_cast<QMouseEvent*>(event);
      const QPointF p = e->position();
      iren->SetEventInformationFlipY(static_cast<int>(p.x() * dpr), static_cast<int>(p.y() * dpr),
                                     (e->modifiers() & Qt::ControlModifier) ? 1 : 0,
                                     (e->modifiers() & Qt::ShiftModifier) ? 1 : 0, 0,
                                     event->type() == QEvent::MouseButtonDblClick ? 1 : 0);
      unsigned long vtkEvent = vtkCommand::MouseMoveEvent;
      const bool press = event->type() != QEvent::MouseButtonRelease;
      if (event->type() != QEvent::MouseMove) {
        switch (e->button()) {
          case Qt::LeftButton:
            vtkEvent = press ? vtkCommand::LeftButtonPressEvent : vtkCommand::LeftButtonReleaseEvent;
            break;
          case Qt::MiddleButton:
            vtkEvent = press ? vtkCommand::MiddleButtonPressEvent : vtkCommand::MiddleButtonReleaseEvent;
            break;
          case Qt::RightButton:
            vtkEvent = press ? vtkCommand::RightButtonPressEvent : vtkCommand::RightButtonReleaseEvent;
            break;
          default: return;
        }
      }
      iren->InvokeEvent(vtkEvent, e);
      break;
    }
    case QEvent::Wheel: {
      auto* e = static_cast<QWheelEvent*>(event);
      const QPointF p = e->position();
      iren->SetEventInformationFlipY(static_cast<int>(p.x() * dpr), static_cast<int>(p.y() * dpr),
                                     (e->modifiers() & Qt::ControlModifier) ? 1 : 0,
                                     (e->modifiers() & Qt::ShiftModifier) ? 1 : 0);
      const int delta = e->angleDelta().y();
      if (delta > 0) iren->InvokeEvent(vtkCommand::MouseWheelForwardEvent, e);
      else if (delta < 0) iren->InvokeEvent(vtkCommand::MouseWheelBackwardEvent, e);
      break;
    }
    default: break;
  }
}

}  // namespace fw::ui
