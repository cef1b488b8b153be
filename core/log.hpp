#pragma once
// Line-oriented logging: one line per message or event, as text for a terminal or as a
// JSON object per line for log collectors, to stderr or a file. Lines are buffered and
// written by a background thread in batches (at most every 50 ms, or sooner when the
// buffer grows), so a request that logs costs no system call. Warnings and errors, and
// everything at exit, are flushed at once. Thread-safe.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace signet::core {

enum class LogLevel { Debug, Info, Warn, Error };
enum class LogFormat {
  Text,  // 2026-11-30T14:05:36Z info message key=value ...
  Json,  // {"time":"2026-11-30T14:05:36.123Z","level":"info","msg":"message","key":value,...}
};

// "debug", "info", "warn", "error" / "text", "json".
std::optional<LogLevel> parse_log_level(std::string_view s);
std::optional<LogFormat> parse_log_format(std::string_view s);

// Until configured: Info and above, as text, to stderr.
void set_log_level(LogLevel min);
void set_log_format(LogFormat f);
// Appends to `path` (created with mode 0640) from now on; empty: stderr again. Called
// again with the same path, reopens it (after log rotation).
Status set_log_file(const std::string& path);
bool log_enabled(LogLevel level);
// Writes what is buffered now (tests; before exec or abort).
void flush_log();

// A field of an event: a string, or a number written as one.
struct LogField {
  std::string_view key;
  std::string_view text{};
  std::optional<std::int64_t> number{};
  LogField(std::string_view k, std::string_view v) : key(k), text(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), text(v) {}
  LogField(std::string_view k, const char* v) : key(k), text(v) {}
  LogField(std::string_view k, std::int64_t v) : key(k), number(v) {}
  LogField(std::string_view k, int v) : key(k), number(v) {}
  LogField(std::string_view k, unsigned v) : key(k), number(v) {}
};

void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});
inline void log_debug(std::string_view m, std::initializer_list<LogField> f = {}) {
  log(LogLevel::Debug, m, f);
}
inline void log_info(std::string_view m, std::initializer_list<LogField> f = {}) {
  log(LogLevel::Info, m, f);
}
inline void log_warn(std::string_view m, std::initializer_list<LogField> f = {}) {
  log(LogLevel::Warn, m, f);
}
inline void log_error(std::string_view m, std::initializer_list<LogField> f = {}) {
  log(LogLevel::Error, m, f);
}

}  // namespace signet::core
