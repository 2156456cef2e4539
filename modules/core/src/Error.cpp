#include "fw/core/Error.h"

namespace fw::core {

Error::Error(std::string message) {
  m_messages.push_back(std::move(message));
  rebuild();
}

Error& Error::addContext(std::string context) {
  m_messages.push_back(std::move(context));
  rebuild();
  return *this;
}

void Error::rebuild() {
  m_what.clear();
  for (auto it = m_messages.rbegin(); it != m_messages.rend(); ++it) {
    if (!m_what.empty()) m_what += ": ";
    m_what += *it;
  }
}

}  // namespace fw::core
