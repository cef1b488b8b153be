#include "core/log.hpp"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>
#include <thread>

namespace signet::core {
namespace {

constexpr std::size_t kFlushAt = 64 * 1024;
constexpr auto kFlushEvery = std::chrono::milliseconds(50);

void write_all(const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::write(STDERR_FILENO, s.data() + off, s.size() - off);
    if (n <= 0) return;  // nowhere to report a failing stderr
    off += static_cast<std::size_t>(n);
  }
}

// The buffer and the thread that drains it. Lives for the whole process; the
// destructor (at exit) writes what is left.
class Sink {
 public:
  Sink() : writer_([this] { run(); }) {}
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

}  // namespace

void log(LogLevel level, std::string_view message) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[32];
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
  const char* lv = level == LogLevel::Info ? "info" : level == LogLevel::Warn ? "warn" : "error";
  std::string line;
  line.reserve(message.size() + 32);
  line.append(ts).append(" ").append(lv).append(" ").append(message).append("\n");
  sink().add(line, level != LogLevel::Info);
}

}  // namespace signet::core
