#pragma once
// Progress reporting and cancellation for long jobs (ITK-SNAP's AbstractProgressDelegate).
// An algorithm calls report(); a false return means the user cancelled, and the algorithm
// stops (usually via checkCancel(), which throws Cancelled). Nested stages use SubProgress to
// map their 0..1 into a slice of the parent's range (VTK's SetProgressShiftScale).
#include <atomic>
#include <mutex>
#include <string>
#include <string_view>

namespace fw::core {

class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  // fraction in [0,1]; stage is a short human-readable label ("reading slices"), may be empty.
  // Returns false when the work should stop because it was cancelled. Thread-safe in all
  // implementations here, so OpenMP loops may call it from worker threads.
  virtual bool report(double fraction, std::string_view stage = {}) = 0;

  // report() and throw Cancelled when it returns false.
  void checkCancel(double fraction, std::string_view stage = {});
};

// Discards reports and never cancels.
class NullProgress final : public ProgressSink {
 public:
  bool report(double, std::string_view) override { return true; }
  static NullProgress& instance();
};

// Maps 0..1 onto [start, end] of a parent sink.
class SubProgress final : public ProgressSink {
 public:
  SubProgress(ProgressSink& parent, double start, double end, std::string stage = {});
  bool report(double fraction, std::string_view stage = {}) override;

 private:
  ProgressSink& m_parent;
  double m_start;
  double m_end;
  std::string m_stage;
};

// The state of one running job, shared between the worker thread (which reports) and the GUI
// or CLI (which reads snapshots and may request cancellation).
class JobControl final : public ProgressSink {
 public:
  bool report(double fraction, std::string_view stage = {}) override;
  void requestCancel() { m_cancel.store(true); }
  bool cancelRequested() const { return m_cancel.load(); }

  struct Snapshot {
    double fraction = 0.0;
    std::string stage;
  };
  Snapshot snapshot() const;

 private:
  std::atomic<bool> m_cancel{false};
  mutable std::mutex m_mutex;
  Snapshot m_state;
};

}  // namespace fw::core
