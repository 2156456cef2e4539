#include "fw/core/Progress.h"

#include <algorithm>

#include "fw/core/Error.h"

namespace fw::core {

void ProgressSink::checkCancel(double fraction, std::string_view stage) {
  if (!report(fraction, stage)) throw Cancelled();
}

NullProgress& NullProgress::instance() {
  static NullProgress sink;
  return sink;
}

SubProgress::SubProgress(ProgressSink& parent, double start, double end, std::string stage)
    : m_parent(parent), m_start(start), m_end(end), m_stage(std::move(stage)) {}

bool SubProgress::report(double fraction, std::string_view stage) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  return m_parent.report(m_start + fraction * (m_end - m_start),
                         stage.empty() ? std::string_view(m_stage) : stage);
}

bool JobControl::report(double fraction, std::string_view stage) {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_state.fraction = std::clamp(fraction, 0.0, 1.0);
    if (!stage.empty()) m_state.stage.assign(stage);
  }
  return !m_cancel.load();
}

JobControl::Snapshot JobControl::snapshot() const {
  std::lock_guard<std::mutex> lock(m_mutex);
  return m_state;
}

}  // namespace fw::core
