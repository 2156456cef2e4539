#pragma once
// Renders the 3D view off the UI thread. Software OpenGL ray-casts a large volume in seconds,
// so the 3D view's VTK pipeline lives in this thread with its own off-screen render window and
// OpenGL context (llvmpipe contexts are independent; Qt's xcb platform enables Xlib threads).
// The UI thread only posts requests (camera, size, cursor, preset, quality); the newest request
// wins and older ones are dropped, and finished frames come back by a queued signal. When a
// new volume arrives the thread first builds the copies it ray-casts (Downsample.h): at most
// kStillVoxels for full quality and kInteractiveVoxels while the user moves things. The thread
// runs at a lower CPU priority than the UI (nice +10, inherited by Mesa's rasterizer threads),
// so slice views keep the processor when both want it.
#include <QImage>
#include <QThread>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>

#include "fw/core/Volume.h"

namespace fw::ui {

struct VolumeRenderRequest {
  core::VolumePtr volume;
  std::string preset;
  core::Vec3 cursor;
  double position[3] = {0, 0, 1}, focalPoint[3] = {0, 0, 0}, viewUp[3] = {0, 1, 0};
  double viewAngle = 30;
  int width = 1, height = 1;  // device pixels of the full-quality frame
  bool interactive = false;   // interactive frames use the small copy at half resolution
  quint64 serial = 0;
};

class VolumeRenderThread : public QThread {
  Q_OBJECT
 public:
  static constexpr std::size_t kStillVoxels = 12'000'000;
  static constexpr std::size_t kInteractiveVoxels = 1'000'000;

  explicit VolumeRenderThread(QObject* parent = nullptr);
  ~VolumeRenderThread() override;  // stops and joins

  // Replaces any request not yet started.
  void request(VolumeRenderRequest request);
  // True while a request is queued or being rendered.
  bool busy() const;

 signals:
  // `frame` has the request's size (interactive: half of it); renderMs is the render and
  // read-back time in this thread, prepareMs the copies' build time when the volume changed.
  void frameReady(const QImage& frame, bool interactive, double renderMs, double prepareMs,
                  quint64 serial);

 protected:
  void run() override;

 private:
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  std::optional<VolumeRenderRequest> m_next;
  bool m_working = false;
  bool m_stop = false;
};

}  // namespace fw::ui
