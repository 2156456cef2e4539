#include "Command.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "fw/core/Error.h"

namespace fw::cli {

std::string findProgram(const std::string& name) {
  namespace fs = std::filesystem;
  if (name.find('/') != std::string::npos)
    return access(name.c_str(), X_OK) == 0 ? name : std::string();
  const char* path = std::getenv("PATH");
  const std::string all = path ? path : "/usr/bin:/bin";
  std::size_t pos = 0;
  while (pos <= all.size()) {
    const auto end = all.find(':', pos);
    const fs::path dir = all.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (!dir.empty() && access((dir / name).c_str(), X_OK) == 0) return (dir / name).string();
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return {};
}

bool seriesMatches(const std::string& wanted, int seriesNumber, const std::string& seriesInstanceUid) {
  const bool digits = !wanted.empty() && std::all_of(wanted.begin(), wanted.end(), [](unsigned char c) {
    return std::isdigit(c) != 0;
  });
  if (!digits) return seriesInstanceUid == wanted;
  const auto p = wanted.find_first_not_of('0');
  return std::to_string(seriesNumber) == (p == std::string::npos ? "0" : wanted.substr(p));
}

Args::Args(const std::vector<std::string>& argv, const std::vector<std::string>& valueOptions,
           const std::vector<std::string>& flags) {
  auto has = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() > 1 && a[0] == '-' && !(a.size() > 1 && (std::isdigit(static_cast<unsigned char>(a[1])) || a[1] == '.'))) {
      std::string name = a, value;
      const auto eq = a.find('=');
      const bool inlineValue = eq != std::string::npos;
      if (inlineValue) {
        name = a.substr(0, eq);
        value = a.substr(eq + 1);
      }
      if (has(valueOptions, name)) {
        if (!inlineValue) {
          if (i + 1 >= argv.size()) throw core::Error("option " + name + " needs a value");
          value = argv[++i];
        }
        m_values[name] = value;
      } else if (has(flags, name) && !inlineValue) {
        m_flags[name] = true;
      } else {
        throw core::Error("unknown option " + name);
      }
    } else {
      m_positional.push_back(a);
    }
  }
}

std::optional<std::string> Args::value(const std::string& name) const {
  auto it = m_values.find(name);
  if (it == m_values.end()) return std::nullopt;
  return it->second;
}

void Args::expectPositional(std::size_t count, const std::string& what) const {
  if (m_positional.size() < count) throw core::Error("missing argument: " + what);
  if (m_positional.size() > count)
    throw core::Error("unexpected argument '" + m_positional[count] + "' (expected " + what + ")");
}

ConsoleProgress::ConsoleProgress(std::string title) : m_title(std::move(title)), m_tty(isatty(2) != 0) {}

ConsoleProgress::~ConsoleProgress() {
  if (m_tty && m_lastPercent >= 0) std::fputc('\n', stderr);
}

bool ConsoleProgress::report(double fraction, std::string_view stage) {
  const int percent = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * 100.0);
  if (m_tty) {
    if (percent == m_lastPercent) return true;
    const int filled = percent / 5;
    std::fprintf(stderr, "\r%s [%.*s%*s] %3d%% %.*s\033[K", m_title.c_str(), filled,
                 "####################", 20 - filled, "", percent, static_cast<int>(stage.size()),
                 stage.data());
  } else {
    if (percent / 10 == m_lastPercent / 10 && m_lastPercent >= 0) return true;
    std::fprintf(stderr, "%s: %d%% %.*s\n", m_title.c_str(), percent, static_cast<int>(stage.size()),
                 stage.data());
  }
  m_lastPercent = percent;
  return true;
}

}  // namespace fw::cli
