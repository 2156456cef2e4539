#pragma once
// A unit of long-running work: a title for the user and a function that does the work while
// reporting to a ProgressSink. Jobs know nothing about threads; scene::JobRunner runs them on
// Qt's thread pool for the GUI, and fusion-cli runs them inline with a console progress sink.
#include <functional>
#include <string>

#include "fw/core/Progress.h"

namespace fw::core {

struct Job {
  std::string title;
  std::function<void(ProgressSink&)> run;
};

}  // namespace fw::core
