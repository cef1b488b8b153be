#include "tests/bench/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace signet::bench {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

// posix_spawn with stdin from /dev/null, stdout to stdout_fd (-1: /dev/null) and stderr
// appended to stderr_path.
pid_t spawn(const std::vector<std::string>& argv, int stdout_fd, const std::string& stderr_path,
            std::string& error) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (stdout_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
  } else {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  }
  posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    error = "cannot start " + argv[0] + ": " + std::strerror(rc);
    return -1;
  }
  return pid;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by ") + strsignal(WTERMSIG(status));
  return "stopped";
}

// Waits for pid up to timeout; the wait status, or nullopt if it still runs.
std::optional<int> wait_for(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0) return 0;  // not our child any more: nothing left to wait for
    if (Clock::now() >= deadline) return std::nullopt;
    usleep(10 * 1000);  // polling for an exit, not waiting for readiness
  }
}

long status_field_kb(const std::string& status, const char* name) {
  const auto at = status.find(name);
  if (at == std::string::npos) return 0;
  return std::strtol(status.c_str() + at + std::strlen(name), nullptr, 10);
}

}  // namespace

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/signet-bench-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error(errno_text("mkdtemp"));
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

ProcessSample sample_process(pid_t pid) {
  ProcessSample s;
  const std::string dir = "/proc/" + std::to_string(pid);
  std::ifstream stat_file(dir + "/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  // proc(5): the fields after the command name in parentheses start with field 3.
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos) return s;
  std::istringstream fields(stat.substr(paren + 2));
  std::string f;
  unsigned long utime = 0, stime = 0;
  for (int field = 3; field <= 15 && fields >> f; ++field) {
    if (field == 14) utime = std::stoul(f);
    if (field == 15) stime = std::stoul(f);
  }
  s.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream status_file(dir + "/status");
  std::string status((std::istreambuf_iterator<char>(status_file)),
                     std::istreambuf_iterator<char>());
  s.rss_kb = status_field_kb(status, "VmRSS:");
  s.hwm_kb = status_field_kb(status, "VmHWM:");
  s.ok = !status.empty();
  return s;
}

double own_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

double machine_busy_seconds() {
  // proc(5): "cpu user nice system idle iowait irq softirq steal guest guest_nice";
  // guest time is already counted in user.
  std::ifstream in("/proc/stat");
  std::string cpu;
  unsigned long long v[8] = {};
  in >> cpu;
  for (auto& x : v) in >> x;
  const unsigned long long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
  return static_cast<double>(busy) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double load_average() {
  std::ifstream in("/proc/loadavg");
  double load = 0;
  in >> load;
  return load;
}

std::unique_ptr<ServerProcess> ServerProcess::start(const std::vector<std::string>& argv,
                                                    const std::string& log_path,
                                                    std::chrono::seconds timeout,
                                                    std::string& error) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    error = errno_text("pipe");
    return nullptr;
  }
  std::unique_ptr<ServerProcess> p(new ServerProcess);
  p->pid_ = spawn(argv, fds[1], log_path, error);
  close(fds[1]);
  if (p->pid_ < 0) {
    close(fds[0]);
    return nullptr;
  }
  // Read stdout line by line until both lines are there, the process ends or time is up.
  const auto deadline = Clock::now() + timeout;
  std::string pending;
  bool eof = false;
  while ((p->directory_url_.empty() || p->root_path_.empty()) && !eof) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    pollfd pfd{fds[0], POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left)) <= 0) continue;
    char buf[4096];
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) {
      eof = true;
      continue;
    }
    pending.append(buf, static_cast<std::size_t>(n));
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
      const std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      auto value = [&line](std::string_view key) {
        const auto v = line.find_first_not_of(' ', key.size());
        return v == std::string::npos ? std::string() : line.substr(v);
      };
      if (line.starts_with("Directory URL:")) p->directory_url_ = value("Directory URL:");
      if (line.starts_with("Root certificate:")) p->root_path_ = value("Root certificate:");
      if (const auto at = line.find(" listening on "); at != std::string::npos) {
        const auto colon = line.rfind(':');
        if (colon != std::string::npos && colon > at)
          p->listen_port_ = static_cast<unsigned short>(std::atoi(line.c_str() + colon + 1));
      }
    }
  }
  const int out = fds[0];
  p->drain_ = std::thread([out, log_path, rest = std::move(pending)] {
    const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    char buf[4096];
    if (log >= 0 && !rest.empty()) (void)!write(log, rest.data(), rest.size());
    for (ssize_t n; (n = read(out, buf, sizeof buf)) > 0;) {
      if (log >= 0) (void)!write(log, buf, static_cast<std::size_t>(n));
    }
    if (log >= 0) close(log);
    close(out);
  });
  if (p->directory_url_.empty() || p->root_path_.empty()) {
    std::string how;
    error = p->running(&how) ? "the server did not print its directory URL and root in time"
                             : "the server " + how + " before printing its directory URL";
    return nullptr;  // the destructor stops it
  }
  return p;
}

bool ServerProcess::running(std::string* how) {
  if (!status_) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
  }
  if (status_ && how) *how = describe_status(*status_);
  return !status_;
}

std::string ServerProcess::stop(std::chrono::seconds timeout) {
  if (running()) {
    kill(pid_, SIGTERM);
    status_ = wait_for(pid_, timeout);
    if (!status_) {
      kill(pid_, SIGKILL);
      status_ = wait_for(pid_, std::chrono::seconds(10));
      if (drain_.joinable()) drain_.join();
      return "did not stop within " + std::to_string(timeout.count()) + " s of SIGTERM; killed";
    }
  }
  if (drain_.joinable()) drain_.join();
  return status_ ? describe_status(*status_) : "unknown";
}

ServerProcess::~ServerProcess() {
  stop(std::chrono::seconds(20));
}

std::unique_ptr<FsyncCounter> FsyncCounter::attach(pid_t pid, const std::string& out_file,
                                                   std::string& error) {
  std::unique_ptr<FsyncCounter> c(new FsyncCounter);
  c->out_file_ = out_file;
  const std::vector<std::string> argv{"strace", "-f", "-qq",    "-e", "trace=fsync,fdatasync",
                                      "-c",     "-o", out_file, "-p", std::to_string(pid)};
  c->strace_ = spawn(argv, -1, out_file + ".log", error);
  if (c->strace_ < 0) {
    error += " (on Debian: apt-get install -y strace)";
    return nullptr;
  }
  // Traced once every thread names a tracer in /proc/<pid>/task/*/status.
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  const fs::path tasks = "/proc/" + std::to_string(pid) + "/task";
  for (;;) {
    bool all = true;
    std::error_code ec;
    for (const auto& task : fs::directory_iterator(tasks, ec)) {
      std::ifstream f(task.path() / "status");
      std::string status((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      if (status_field_kb(status, "TracerPid:") == 0) all = false;
    }
    if (all && !ec) return c;
    if (wait_for(c->strace_, std::chrono::milliseconds(0))) {
      c->strace_ = -1;
      error = "strace exited before attaching; see " + out_file + ".log";
      return nullptr;
    }
    if (Clock::now() >= deadline) {
      error = "strace did not attach within 10 s";
      return nullptr;
    }
    usleep(10 * 1000);  // polling for the attach
  }
}

std::optional<std::pair<long, long>> FsyncCounter::finish(std::string& error) {
  if (strace_ < 0) return std::nullopt;
  // SIGINT makes strace detach and write its summary.
  kill(strace_, SIGINT);
  if (!wait_for(strace_, std::chrono::seconds(30))) {
    kill(strace_, SIGKILL);
    wait_for(strace_, std::chrono::seconds(5));
  }
  strace_ = -1;
  std::ifstream in(out_file_);
  if (!in) {
    error = "no strace summary in " + out_file_;
    return std::nullopt;
  }
  // strace -c: "% time  seconds  usecs/call  calls  [errors]  syscall".
  std::pair<long, long> counts{0, 0};
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string x; words >> x;) w.push_back(x);
    if (w.size() < 5) continue;
    if (w.back() == "fsync") counts.first = std::strtol(w[3].c_str(), nullptr, 10);
    if (w.back() == "fdatasync") counts.second = std::strtol(w[3].c_str(), nullptr, 10);
  }
  return counts;
}

FsyncCounter::~FsyncCounter() {
  if (strace_ >= 0) {
    kill(strace_, SIGINT);
    if (!wait_for(strace_, std::chrono::seconds(30))) kill(strace_, SIGKILL);
  }
}

std::pair<std::vector<std::string>, long> grep_file(const std::string& path,
                                                    const std::vector<std::string>& words,
                                                    std::size_t max) {
  std::pair<std::vector<std::string>, long> out{{}, 0};
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    for (const auto& w : words) {
      if (line.find(w) == std::string::npos) continue;
      ++out.second;
      if (out.first.size() < max) out.first.push_back(line);
      break;
    }
  }
  return out;
}

}  // namespace signet::bench
