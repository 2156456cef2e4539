#pragma once
// fusion-cli subcommands: each is one small file with a usage text and a run() function
// (MRtrix3's pattern). main.cpp holds the table; Args parses one subcommand's arguments.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fw/core/Progress.h"

namespace fw::cli {

// Parsed arguments of one subcommand. Options are declared up front so that unknown ones and
// missing values are reported precisely ("fusion-cli info: unknown option --jsn").
class Args {
 public:
  // valueOptions take one value ("--series 3"), flags none ("--json"). Throws core::Error.
  Args(const std::vector<std::string>& argv, const std::vector<std::string>& valueOptions,
       const std::vector<std::string>& flags);

  const std::vector<std::string>& positional() const { return m_positional; }
  bool flag(const std::string& name) const { return m_flags.count(name) > 0; }
  std::optional<std::string> value(const std::string& name) const;
  // Throws core::Error unless exactly `count` positional arguments were given.
  void expectPositional(std::size_t count, const std::string& what) const;

 private:
  std::vector<std::string> m_positional;
  std::map<std::string, std::string> m_values;
  std::map<std::string, bool> m_flags;
};

struct Command {
  const char* name;
  const char* summary;  // one line for `fusion-cli --help`
  const char* usage;    // full text for `fusion-cli NAME --help`
  int (*run)(const std::vector<std::string>& args);  // returns the exit code; may throw Error
};

// The rule `--series`, `--fixed-series` and `--moving-series` share: a value of digits names a
// SeriesNumber (leading zeros ignored), anything else a SeriesInstanceUID. One stack of a series
// the scan split into stacks (stackIndex > 0, 1-based) is named by adding its stack number:
// "5.2" (series number 5, stack 2) or "UID#2"; the plain number or UID matches every stack.
// ("N.M" that names no stack is still compared as a UID.)
bool seriesMatches(const std::string& wanted, int seriesNumber, const std::string& seriesInstanceUid,
                   std::size_t stackIndex = 0);
// The value of --series that names this series by number: "5", or "5.2" for its stack 2.
std::string seriesLabel(int seriesNumber, std::size_t stackIndex);
// The same by UID: "UID", or "UID#2" for stack 2.
std::string seriesUidLabel(const std::string& seriesInstanceUid, std::size_t stackIndex);

// The full path of an executable program: `name` itself when it holds a slash, else the first
// match on PATH; empty when there is none.
std::string findProgram(const std::string& name);

// Progress on stderr: a redrawn bar on a terminal, a line per 10% otherwise (logs, CI).
class ConsoleProgress final : public core::ProgressSink {
 public:
  explicit ConsoleProgress(std::string title);
  ~ConsoleProgress() override;
  bool report(double fraction, std::string_view stage = {}) override;

 private:
  std::string m_title;
  bool m_tty;
  int m_lastPercent = -1;
};

}  // namespace fw::cli
