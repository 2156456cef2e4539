#include "Command.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
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

namespace {

bool allDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// A run of digits as a number without leading zeros ("007" -> "7", "000" -> "0").
std::string withoutLeadingZeros(const std::string& digits) {
  const auto p = digits.find_first_not_of('0');
  return p == std::string::npos ? "0" : digits.substr(p);
}

bool wholeSeriesMatches(const std::string& wanted, int seriesNumber, const std::string& seriesInstanceUid) {
  if (!allDigits(wanted)) return seriesInstanceUid == wanted;
  return std::to_string(seriesNumber) == withoutLeadingZeros(wanted);
}

}  // namespace

bool seriesMatches(const std::string& wanted, int seriesNumber, const std::string& seriesInstanceUid,
                   std::size_t stackIndex) {
  auto stackIs = [&](const std::string& digits) {
    return stackIndex > 0 && allDigits(digits) && withoutLeadingZeros(digits) == std::to_string(stackIndex);
  };
  if (const auto hash = wanted.rfind('#'); hash != std::string::npos)
    return stackIs(wanted.substr(hash + 1)) && wholeSeriesMatches(wanted.substr(0, hash), seriesNumber, seriesInstanceUid);
  if (const auto dot = wanted.find('.'); dot != std::string::npos && wanted.find('.', dot + 1) == std::string::npos &&
                                         allDigits(wanted.substr(0, dot)) && allDigits(wanted.substr(dot + 1))) {
    if (stackIs(wanted.substr(dot + 1)) && wholeSeriesMatches(wanted.substr(0, dot), seriesNumber, seriesInstanceUid))
      return true;
    return seriesInstanceUid == wanted;  // a (short) UID such as "1.2"
  }
  return wholeSeriesMatches(wanted, seriesNumber, seriesInstanceUid);
}

std::string seriesLabel(int seriesNumber, std::size_t stackIndex) {
  return std::to_string(seriesNumber) + (stackIndex > 0 ? "." + std::to_string(stackIndex) : std::string());
}

std::string seriesUidLabel(const std::string& seriesInstanceUid, std::size_t stackIndex) {
  return seriesInstanceUid + (stackIndex > 0 ? "#" + std::to_string(stackIndex) : std::string());
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
