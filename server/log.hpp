#pragma once
// Line-oriented logging to stderr. Thread-safe.
#include <string_view>

namespace signet::server {

enum class LogLevel { Info, Warn, Error };
void log(LogLevel level, std::string_view message);
inline void log_info(std::string_view m) {
  log(LogLevel::Info, m);
}
inline void log_warn(std::string_view m) {
  log(LogLevel::Warn, m);
}
inline void log_error(std::string_view m) {
  log(LogLevel::Error, m);
}

}  // namespace signet::server
