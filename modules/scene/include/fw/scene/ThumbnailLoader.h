#pragma once
// Makes the study browser's series thumbnails (dicom::makeThumbnail) on a worker thread of its
// own, one series after another, and hands each one to the GUI thread as it is ready, so the
// browser fills in while the user already works. A new start() or cancel() abandons the
// previous batch; results of an abandoned batch never arrive.
#include <QByteArray>
#include <QObject>
#include <QSize>
#include <QString>
#include <QThreadPool>
#include <atomic>
#include <memory>
#include <vector>

#include "fw/dicom/Series.h"

namespace fw::scene {

class ThumbnailLoader : public QObject {
  Q_OBJECT
 public:
  explicit ThumbnailLoader(QObject* parent = nullptr);
  ~ThumbnailLoader() override;  // cancels and waits for the worker

  // Thumbnails of `series` (index i of the vector is reported as series i), tagged with
  // `generation` (the StudyModel's), at most maxSize pixels wide or high.
  void start(std::vector<dicom::SeriesEntry> series, int generation, int maxSize = 64);
  void cancel();
  // Blocks until the worker is idle; for shutdown and tests.
  void waitForDone();
  bool isRunning() const { return m_running > 0; }

 signals:
  void thumbnailReady(int generation, int series, const QByteArray& grey, const QSize& size);
  // A series whose preview cannot be made (the browser shows no picture; loading it will say why).
  void thumbnailFailed(int generation, int series, const QString& error);
  void finished(int generation);

 private:
  QThreadPool m_pool;
  std::shared_ptr<std::atomic<bool>> m_cancel;
  int m_running = 0;  // batches started and not yet finished (GUI thread only)
};

}  // namespace fw::scene
