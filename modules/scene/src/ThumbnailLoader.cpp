#include "fw/scene/ThumbnailLoader.h"

#include <QMetaObject>
#include <exception>

#include "fw/dicom/SeriesReader.h"

namespace fw::scene {

ThumbnailLoader::ThumbnailLoader(QObject* parent) : QObject(parent) {
  // One worker: previews must not take the cores from the load the user asked for.
  m_pool.setMaxThreadCount(1);
}

ThumbnailLoader::~ThumbnailLoader() {
  cancel();
  m_pool.waitForDone();
}

void ThumbnailLoader::start(std::vector<dicom::SeriesEntry> series, int generation, int maxSize) {
  cancel();
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  m_cancel = cancelled;
  ++m_running;
  m_pool.start([this, cancelled, generation, maxSize, series = std::move(series)] {
    for (std::size_t i = 0; i < series.size() && !cancelled->load(); ++i) {
      const int index = static_cast<int>(i);
      if (series[i].kind == dicom::SeriesKind::NotAssembled) continue;
      try {
        const dicom::Thumbnail t = dicom::makeThumbnail(series[i], maxSize);
        QByteArray grey(reinterpret_cast<const char*>(t.grey.data()),
                        static_cast<qsizetype>(t.grey.size()));
        const QSize size(t.width, t.height);
        // Posted to the GUI thread; the destructor waits for this worker, so `this` outlives it.
        QMetaObject::invokeMethod(
            this,
            [this, cancelled, generation, index, grey, size] {
              if (!cancelled->load()) emit thumbnailReady(generation, index, grey, size);
            },
            Qt::QueuedConnection);
      } catch (const std::exception& e) {
        const QString error = QString::fromStdString(e.what());
        QMetaObject::invokeMethod(
            this,
            [this, cancelled, generation, index, error] {
              if (!cancelled->load()) emit thumbnailFailed(generation, index, error);
            },
            Qt::QueuedConnection);
      }
    }
    QMetaObject::invokeMethod(
        this,
        [this, generation] {
          --m_running;
          emit finished(generation);
        },
        Qt::QueuedConnection);
  });
}

void ThumbnailLoader::cancel() {
  if (m_cancel) m_cancel->store(true);
}

void ThumbnailLoader::waitForDone() {
  m_pool.waitForDone();
}

}  // namespace fw::scene
