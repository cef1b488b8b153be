#pragma once
// A throwaway PostgreSQL server for tests (tests/postgresql.sh), started the first time
// a test asks for a database and removed when the test program exits. Each database()
// is a schema of its own, so tests never see each other's rows.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "storage/pg_db.hpp"
#include "storage/verbs.hpp"

namespace signet::storage::fixture {

class PgTestServer {
 public:
  // The server of this test program, started on first use.
  static PgTestServer& instance() {
    static PgTestServer server;
    return server;
  }
  ~PgTestServer() { script("destroy"); }

  // Why there is no server ("" when there is one).
  const std::string& unavailable() const { return why_; }
  // The URL of a new, empty schema on the server (the server must be available).
  std::string database() {
    const std::string schema = "t" + std::to_string(::getpid()) + "_" + std::to_string(next_++);
    detail::PgConnection c(url_, std::chrono::seconds(30));
    c.exec_script(("CREATE SCHEMA " + schema).c_str());
    return url_ + "&options=-csearch_path%3D" + schema;
  }
  // Stops the server (fast shutdown) and starts it again, as an operator's restart.
  void stop() { script("stop"); }
  void start() { script("start"); }

 private:
  PgTestServer() : dir_(std::filesystem::temp_directory_path() / ("signet-pg-" + random_id())) {
    std::string out;
    const int status = script("start", &out);
    if (status == 77) {
      why_ = "PostgreSQL server programs are not installed (package postgresql)";
    } else if (status != 0 || out.empty()) {
      why_ = "tests/postgresql.sh could not start a server";
    } else {
      url_ = out.substr(0, out.find('\n'));
    }
  }

  int script(const char* cmd, std::string* out = nullptr) {
    const std::string line =
        std::string(SIGNET_SOURCE_DIR "/tests/postgresql.sh ") + cmd + " '" + dir_.string() + "'";
    FILE* p = ::popen(line.c_str(), "r");
    if (!p) return -1;
    std::array<char, 512> buf{};
    std::string text;
    while (std::fgets(buf.data(), buf.size(), p)) text += buf.data();
    const int status = ::pclose(p);
    if (out) *out = text;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::filesystem::path dir_;
  std::string url_;
  std::string why_;
  int next_ = 0;
};

}  // namespace signet::storage::fixture
