#pragma once
// The project's one error type. Libraries throw it; each layer that rethrows adds context
// ("reading /data/ct/0001.dcm"), so the user finally reads the whole chain (MRtrix3's
// chained Exception). Toolkit errors (ITK, DCMTK, VTK) are converted at module boundaries.
#include <exception>
#include <string>
#include <vector>

namespace fw::core {

class Error : public std::exception {
 public:
  explicit Error(std::string message);

  // Adds an outer context line; returns *this so `catch (Error& e) { throw e.addContext(..); }`.
  Error& addContext(std::string context);

  // Innermost (original) message first, outermost context last.
  const std::vector<std::string>& messages() const { return m_messages; }
  // The original message only.
  const std::string& message() const { return m_messages.front(); }
  // "outer: ...: inner" in one line, for logs and status bars.
  const char* what() const noexcept override { return m_what.c_str(); }

 private:
  void rebuild();
  std::vector<std::string> m_messages;
  std::string m_what;
};

// Thrown when a ProgressSink reports that the user cancelled. Not a failure: callers that
// catch Error and show it to the user should catch Cancelled first and stay quiet.
class Cancelled : public Error {
 public:
  Cancelled() : Error("cancelled by the user") {}
};

}  // namespace fw::core
