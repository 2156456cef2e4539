#pragma once
// Names for the temporary files that io writes beside their target before renaming them into
// place (atomic writes). Internal to the io module.
#include <string>

namespace fw::io::detail {

// 8 random characters [a-z0-9], different in every call and process (thread-safe).
std::string randomFileTag();

}  // namespace fw::io::detail
