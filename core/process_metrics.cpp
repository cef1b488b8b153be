#include "core/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

namespace signet::core::metrics {
namespace {

// The fields of /proc/self/stat after the command name (which may hold spaces and
// parentheses, so the text after its last ')' is split): field 3, the state, first.
std::optional<std::vector<std::string>> stat_fields() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 1));
  std::vector<std::string> fields;
  for (std::string f; rest >> f;) fields.push_back(f);
  if (fields.size() < 20) return std::nullopt;
  return fields;
}

// Field n of proc(5)'s numbering (n >= 3).
double stat_field(const std::vector<std::string>& fields, std::size_t n) {
  return std::stod(fields[n - 3]);
}

std::vector<Sample> one(double v) {
  return {Sample{{}, v}};
}

std::optional<double> boot_time_seconds() {
  std::ifstream in("/proc/stat");
  for (std::string key; in >> key;) {
    if (key == "btime") {
      double v = 0;
      if (in >> v) return v;
      return std::nullopt;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return std::nullopt;
}

}  // namespace

void register_process_metrics(Registry& r) {
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  r.callback("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
             Type::Counter, {}, [ticks]() -> std::vector<Sample> {
               auto f = stat_fields();
               if (!f) return {};
               return one((stat_field(*f, 14) + stat_field(*f, 15)) / ticks);  // utime + stime
             });
  r.callback("process_resident_memory_bytes", "Resident memory size in bytes.", Type::Gauge, {},
             [page]() -> std::vector<Sample> {
               std::ifstream in("/proc/self/statm");
               double size = 0, resident = 0;
               if (!(in >> size >> resident)) return {};
               return one(resident * page);
             });
  r.callback("process_virtual_memory_bytes", "Virtual memory size in bytes.", Type::Gauge, {},
             []() -> std::vector<Sample> {
               auto f = stat_fields();
               if (!f) return {};
               return one(stat_field(*f, 23));  // vsize
             });
  // The start time does not change: read once.
  std::optional<double> start;
  if (auto f = stat_fields(); f) {
    if (auto boot = boot_time_seconds()) start = *boot + stat_field(*f, 22) / ticks;
  }
  r.callback("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
             Type::Gauge, {}, [start]() -> std::vector<Sample> {
               if (!start) return {};
               return one(*start);
             });
  r.callback("process_open_fds", "Number of open file descriptors.", Type::Gauge, {},
             []() -> std::vector<Sample> {
               std::error_code ec;
               double n = 0;
               for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end;
                    !ec && it != end; it.increment(ec)) {
                 ++n;
               }
               if (ec) return {};
               return one(n);
             });
  r.callback("process_max_fds", "Maximum number of open file descriptors.", Type::Gauge, {},
             []() -> std::vector<Sample> {
               rlimit lim{};
               if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) return {};
               return one(static_cast<double>(lim.rlim_cur));
             });
}

}  // namespace signet::core::metrics
