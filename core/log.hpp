#pragma once
// Line-oriented logging to stderr. Lines are buffered and written by a background
// thread in batches (at most every 50 ms, or sooner when the buffer grows), so a
// request that logs costs no system call. Warnings and errors, and everything at
// exit, are flushed at once. Thread-safe.
#include <string_view>

namespace signet::core {

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

}  // namespace signet::core
