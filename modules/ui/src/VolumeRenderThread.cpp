#include "VolumeRenderThread.h"

#include <QElapsedTimer>

#include <vtkCamera.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>
#include <vtkUnsignedCharArray.h>

#include <cstring>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "fw/core/Error.h"
#include "fw/rendering/Downsample.h"
#include "fw/rendering/VolumeRepresentation.h"

namespace fw::ui {

namespace {
// Cancels a copy being built when the view is closing.
class StopFlag final : public core::ProgressSink {
 public:
  StopFlag(std::mutex& m, const bool& stop) : m_mutex(m), m_stop(stop) {}
  bool report(double, std::string_view) override {
    std::lock_guard lock(m_mutex);
    return !m_stop;
  }

 private:
  std::mutex& m_mutex;
  const bool& m_stop;
};
}  // namespace

VolumeRenderThread::VolumeRenderThread(QObject* parent) : QThread(parent) {}

VolumeRenderThread::~VolumeRenderThread() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_all();
  wait();
}

void VolumeRenderThread::request(VolumeRenderRequest r) {
  {
    std::lock_guard lock(m_mutex);
    m_next = std::move(r);
  }
  m_wake.notify_all();
  if (!isRunning()) start();
}

bool VolumeRenderThread::busy() const {
  std::lock_guard lock(m_mutex);
  return m_working || m_next.has_value();
}

void VolumeRenderThread::run() {
#ifdef __linux__
  // Per-thread nice value; threads created from here on (Mesa's) inherit it.
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
#endif
  auto window = vtkSmartPointer<vtkRenderWindow>::New();
  window->SetOffScreenRendering(1);
  window->SetMultiSamples(0);
  auto renderer = vtkSmartPointer<vtkRenderer>::New();
  window->AddRenderer(renderer);
  renderer->SetBackground(0.06, 0.07, 0.09);
  renderer->SetBackground2(0.18, 0.2, 0.24);
  renderer->GradientBackgroundOn();
  rendering::VolumeRepresentation rep;
  rep.attach(renderer);
  auto pixels = vtkSmartPointer<vtkUnsignedCharArray>::New();
  StopFlag stopFlag(m_mutex, m_stop);

  core::VolumePtr current;
  std::string preset;
  for (;;) {
    VolumeRenderRequest r;
    {
      std::unique_lock lock(m_mutex);
      m_working = false;
      m_wake.wait(lock, [&] { return m_stop || m_next.has_value(); });
      if (m_stop) break;
      r = std::move(*m_next);
      m_next.reset();
      m_working = true;
    }
    QElapsedTimer timer;
    timer.start();
    double prepareMs = 0;
    if (r.volume != current) {
      try {
        core::VolumePtr still =
            rendering::downsampleForRendering(r.volume, kStillVoxels, &stopFlag);
        core::VolumePtr interactive =
            rendering::downsampleForRendering(still, kInteractiveVoxels, &stopFlag);
        rep.setVolume(r.volume, still, interactive);
      } catch (const core::Cancelled&) {
        break;
      }
      current = r.volume;
      preset.clear();
      prepareMs = timer.nsecsElapsed() / 1e6;
      timer.restart();
    }
    if (r.preset != preset) {
      rep.setPreset(r.preset);
      preset = r.preset;
    }
    rep.setCursor(r.cursor);
    rep.setInteractive(r.interactive);
    auto* cam = renderer->GetActiveCamera();
    cam->SetPosition(r.position);
    cam->SetFocalPoint(r.focalPoint);
    cam->SetViewUp(r.viewUp);
    cam->SetViewAngle(r.viewAngle);
    renderer->ResetCameraClippingRange();
    const int w = std::max(1, r.interactive ? r.width / 2 : r.width);
    const int h = std::max(1, r.interactive ? r.height / 2 : r.height);
    if (window->GetSize()[0] != w || window->GetSize()[1] != h) window->SetSize(w, h);
    window->Render();
    window->GetRGBACharPixelData(0, 0, w - 1, h - 1, 0, pixels);
    QImage frame(w, h, QImage::Format_RGBX8888);
    std::memcpy(frame.bits(), pixels->GetPointer(0), static_cast<size_t>(w) * h * 4);
    frame = std::move(frame).mirrored(false, true);
    emit frameReady(frame, r.interactive, timer.nsecsElapsed() / 1e6, prepareMs, r.serial);
  }
  {
    std::lock_guard lock(m_mutex);
    m_working = false;
  }
  rep.setVolume(nullptr);
  window->Finalize();  // the context belongs to this thread: release it here
}

}  // namespace fw::ui
