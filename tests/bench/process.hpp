#pragma once
// The server under test as a child process: started on loopback with a fresh data
// directory, measured through /proc, stopped with SIGTERM. Plus strace, attached to it
// to count fsync calls.
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace signet::bench {

// A directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// CPU time and memory of one process, read from /proc/<pid>/stat and /status.
struct ProcessSample {
  bool ok = false;
  double cpu_seconds = 0;  // utime + stime of all its threads
  long rss_kb = 0;         // VmRSS
  long hwm_kb = 0;         // VmHWM, the peak RSS
};
ProcessSample sample_process(pid_t pid);
double own_cpu_seconds();  // this process, all threads (getrusage)
// CPU time all processes of the machine have used since boot (/proc/stat), and the
// 1-minute load average (/proc/loadavg).
double machine_busy_seconds();
double load_average();

class ServerProcess {
 public:
  // Runs argv (argv[0] the program) with stderr to log_path, and reads its stdout until
  // it prints "Directory URL:" and "Root certificate:", for up to `timeout`. Later
  // stdout goes to the log too. Null with `error` set if that fails.
  static std::unique_ptr<ServerProcess> start(const std::vector<std::string>& argv,
                                              const std::string& log_path,
                                              std::chrono::seconds timeout, std::string& error);
  ~ServerProcess();  // stops the process if it still runs

  pid_t pid() const { return pid_; }
  const std::string& directory_url() const { return directory_url_; }
  const std::string& root_path() const { return root_path_; }
  // The port it printed it listens on ("listening on IP:PORT"); 0 if it did not.
  unsigned short listen_port() const { return listen_port_; }
  // False once the process has exited; `how` then says how.
  bool running(std::string* how = nullptr);
  // SIGTERM, then up to `timeout` for it to exit, then SIGKILL. Says how it ended.
  std::string stop(std::chrono::seconds timeout);

 private:
  ServerProcess() = default;

  pid_t pid_ = -1;
  std::optional<int> status_;  // wait status once reaped
  std::string directory_url_;
  std::string root_path_;
  unsigned short listen_port_ = 0;
  std::thread drain_;  // copies the rest of stdout to the log
};

// `strace -f -c` counting fsync and fdatasync of a running process and its threads,
// from attach() to finish().
class FsyncCounter {
 public:
  // Attaches and waits (up to 10 s) until every thread of pid is traced.
  static std::unique_ptr<FsyncCounter> attach(pid_t pid, const std::string& out_file,
                                              std::string& error);
  ~FsyncCounter();
  // Detaches and reads strace's summary: {fsync calls, fdatasync calls}.
  std::optional<std::pair<long, long>> finish(std::string& error);

 private:
  FsyncCounter() = default;
  pid_t strace_ = -1;
  std::string out_file_;
};

// The first lines of a file that contain one of the words (at most `max` of them), and
// how many lines contained one.
std::pair<std::vector<std::string>, long> grep_file(const std::string& path,
                                                    const std::vector<std::string>& words,
                                                    std::size_t max);

}  // namespace signet::bench
