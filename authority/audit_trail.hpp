#pragma once
// Reading the audit log back: verifying its chain, exporting it as JSON lines, and
// copying new entries to a file as they are written (for a SIEM). The entries
// themselves are written by storage with the changes they record (authority/audit.hpp
// says what each holds). Works on storage alone, so the command line verifies and
// exports beside a running server.
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/async.hpp"
#include "core/audit.hpp"
#include "core/result.hpp"
#include "storage/store.hpp"

namespace signet::authority {

// What a verification found: how many entries checked, the last of them (the head, to
// note down: a later truncation of the log's end shows as a missing head), and where
// and why the chain broke, if it did.
struct AuditVerification {
  std::int64_t entries = 0;
  std::int64_t head_seq = 0;
  std::string head_hash;
  std::optional<std::string> broken;
};

template <class T>
using AuditAsync = boost::asio::awaitable<core::Result<T>>;

// Every entry in the database, in order.
AuditAsync<AuditVerification> verify_audit_log(storage::Store& store);
// An exported file (JSON lines as `signet audit export` and the [audit] file write
// them), which must start at entry 1. Reads the file on the calling thread: for the
// command line.
core::Result<AuditVerification> verify_audit_file(const std::string& path);
// Calls `line` with each entry numbered after `after`, as an exported line, in order;
// returns the number of the last one (`after` when there was none).
AuditAsync<std::int64_t> export_audit_log(storage::Store& store, std::int64_t after,
                                          const std::function<void(const std::string&)>& line);

// Copies entries to a file as JSON lines as they are written, whichever process wrote
// them: every `interval`, what is new since the last line of the file is appended and
// synced (on `pool`, never on a network thread). A file that does not exist is
// created with every entry so far.
class AuditStream {
 public:
  AuditStream(storage::Store& store, core::WorkerPool& pool, std::string path,
              std::chrono::milliseconds interval)
      : store_(store), pool_(pool), path_(std::move(path)), interval_(interval) {}

  // Where the file ends: the number of its last entry (0 for a new or empty file).
  // `Malformed` if its last line is not an entry. At start-up.
  core::Status open();
  // One round: appends what is new; returns how many entries it appended.
  AuditAsync<std::int64_t> copy_new();
  // Until stopped: copy_new() at once, then every interval. What is written after the
  // last round is copied at the next start (the file says where it ended).
  boost::asio::awaitable<void> run();
  void stop() { stopping_ = true; }

 private:
  boost::asio::awaitable<void> copy_and_log();

  storage::Store& store_;
  core::WorkerPool& pool_;
  std::string path_;
  std::chrono::milliseconds interval_;
  std::int64_t last_ = 0;
  std::atomic<bool> stopping_{false};
};

}  // namespace signet::authority
