#include "core/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#include "core/thread_name.hpp"

namespace signet::core {
namespace {

constexpr std::size_t kFlushAt = 64 * 1024;
constexpr auto kFlushEvery = std::chrono::milliseconds(50);

std::atomic<int> g_level{static_cast<int>(LogLevel::Info)};
std::atomic<int> g_format{static_cast<int>(LogFormat::Text)};
std::atomic<int> g_fd{STDERR_FILENO};

void write_all(const std::string& s) {
  const int fd = g_fd.load();
  std::size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return;  // nowhere to report a failing stderr
    off += static_cast<std::size_t>(n);
  }
}

// The buffer and the thread that drains it. Lives for the whole process; the
// destructor (at exit) writes what is left.
class Sink {
 public:
  Sink()
      : writer_([this] {
          name_this_thread("signet-log");
          run();
        }) {}
  ~Sink() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    writer_.join();
  }

  void add(const std::string& line, bool urgent) {
    bool wake = false;
    {
      std::lock_guard lock(mu_);
      buffer_ += line;
      urgent_ = urgent_ || urgent || buffer_.size() >= kFlushAt;
      wake = urgent_;
    }
    if (wake) cv_.notify_one();
  }

  void flush() {
    std::string out;
    {
      std::lock_guard lock(mu_);
      out.swap(buffer_);
    }
    std::lock_guard write_lock(write_mu_);
    write_all(out);
  }

 private:
  void run() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait_for(lock, kFlushEvery, [this] { return stop_ || urgent_; });
      std::string out;
      out.swap(buffer_);
      urgent_ = false;
      const bool stopping = stop_;
      lock.unlock();
      {
        std::lock_guard write_lock(write_mu_);
        write_all(out);
      }
      if (stopping) {
        flush();
        return;
      }
      lock.lock();
    }
  }

  std::mutex mu_;
  std::mutex write_mu_;  // keeps flush() and the writer from interleaving
  std::condition_variable cv_;
  std::string buffer_;
  bool urgent_ = false;
  bool stop_ = false;
  std::thread writer_;
};

Sink& sink() {
  static Sink s;
  return s;
}

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::Debug:
      return "debug";
    case LogLevel::Info:
      return "info";
    case LogLevel::Warn:
      return "warn";
    case LogLevel::Error:
      return "error";
  }
  return "info";
}

std::string text_line(const char* ts, LogLevel level, std::string_view message,
                      std::initializer_list<LogField> fields) {
  std::string line;
  line.reserve(message.size() + 32 + 24 * fields.size());
  line.append(ts).append(" ").append(level_name(level)).append(" ").append(message);
  for (const auto& f : fields) {
    line.append(" ").append(f.key).append("=");
    if (f.number) {
      line.append(std::to_string(*f.number));
    } else if (f.text.empty() || f.text.find_first_of(" \t\"=") != std::string_view::npos) {
      line.append("\"").append(f.text).append("\"");
    } else {
      line.append(f.text);
    }
  }
  for (auto& c : line) {
    if (c == '\n' || c == '\r') c = ' ';  // one line, whatever a message holds
  }
  return line.append("\n");
}

std::string json_line(const char* ts, LogLevel level, std::string_view message,
                      std::initializer_list<LogField> fields) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto str = [&w](std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  w.StartObject();
  str("time");
  str(ts);
  str("level");
  str(level_name(level));
  str("msg");
  str(message);
  for (const auto& f : fields) {
    str(f.key);
    if (f.number) {
      w.Int64(*f.number);
    } else {
      str(f.text);
    }
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view s) {
  for (auto l : {LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error}) {
    if (s == level_name(l)) return l;
  }
  return std::nullopt;
}

std::optional<LogFormat> parse_log_format(std::string_view s) {
  if (s == "text") return LogFormat::Text;
  if (s == "json") return LogFormat::Json;
  return std::nullopt;
}

void set_log_level(LogLevel min) {
  g_level = static_cast<int>(min);
}
void set_log_format(LogFormat f) {
  g_format = static_cast<int>(f);
}

Status set_log_file(const std::string& path) {
  int fd = STDERR_FILENO;
  if (!path.empty()) {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
      return make_error(ProblemType::ServerInternal,
                        "cannot open log file " + path + ": " + std::strerror(errno));
    }
  }
  sink().flush();  // what was logged before goes where it was meant to
  const int old = g_fd.exchange(fd);
  if (old != STDERR_FILENO) {
    sink().flush();
    ::close(old);
  }
  return {};
}

void flush_log() {
  sink().flush();
}

bool log_enabled(LogLevel level) {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (!log_enabled(level)) return;
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[40];
  const bool json = g_format.load(std::memory_order_relaxed) == static_cast<int>(LogFormat::Json);
  if (json) {
    // Milliseconds, for ordering the lines of one second.
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    char base[32];
    std::strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(ts, sizeof ts, "%s.%03dZ", base, static_cast<int>(ms));
  } else {
    std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
  }
  sink().add(json ? json_line(ts, level, message, fields) : text_line(ts, level, message, fields),
             level >= LogLevel::Warn);
}

}  // namespace signet::core
