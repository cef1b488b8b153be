#include "authority/audit_trail.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/use_awaitable.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include "core/log.hpp"
#include "core/periodic.hpp"

namespace signet::authority {
namespace {

namespace asio = boost::asio;

constexpr std::size_t kPage = 1000;

AuditVerification report(const core::audit::Verifier& v) {
  return {v.count(), v.head_seq(), v.head_hash(), v.broken()};
}

// Appends text to the file at path and syncs it.
core::Status append_synced(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return core::internal_error("audit file " + path + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      return core::internal_error("audit file " + path + ": " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  const bool synced = ::fdatasync(fd) == 0;
  const std::string why = synced ? "" : std::strerror(errno);
  ::close(fd);
  if (!synced) return core::internal_error("audit file " + path + ": " + why);
  return {};
}

}  // namespace

AuditAsync<AuditVerification> verify_audit_log(storage::Store& store) {
  core::audit::Verifier v;
  std::int64_t after = 0;
  for (;;) {
    auto page = co_await store.audit_records(after, kPage);
    if (!page) co_return std::move(page).error();
    for (const auto& r : *page) {
      if (!v.feed(r)) co_return report(v);
    }
    if (page->size() < kPage) break;
    after = page->back().seq;
  }
  co_return report(v);
}

core::Result<AuditVerification> verify_audit_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return core::make_error(core::ProblemType::Malformed, "cannot read " + path);
  core::audit::Verifier v;
  std::string line;
  std::int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    auto r = core::audit::parse_export_line(line);
    if (!r) {
      AuditVerification out = report(v);
      out.broken = "line " + std::to_string(number) + ": not an audit log entry";
      return out;
    }
    if (!v.feed(*r)) break;
  }
  return report(v);
}

AuditAsync<std::int64_t> export_audit_log(storage::Store& store, std::int64_t after,
                                          const std::function<void(const std::string&)>& line) {
  for (;;) {
    auto page = co_await store.audit_records(after, kPage);
    if (!page) co_return std::move(page).error();
    for (const auto& r : *page) line(core::audit::export_line(r));
    if (!page->empty()) after = page->back().seq;
    if (page->size() < kPage) break;
  }
  co_return after;
}

core::Status AuditStream::open() {
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    last_ = 0;
    return {};
  }
  // The last line: read backwards from the end, at most one entry's worth at a time.
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  std::string tail;
  for (std::streamoff chunk = 4096;; chunk *= 2) {
    const std::streamoff from = size > chunk ? size - chunk : 0;
    in.seekg(from);
    tail.assign(static_cast<std::size_t>(size - from), '\0');
    in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
    while (!tail.empty() && tail.back() == '\n') tail.pop_back();
    if (tail.find('\n') != std::string::npos || from == 0) break;
  }
  if (const auto nl = tail.rfind('\n'); nl != std::string::npos) tail.erase(0, nl + 1);
  if (tail.empty()) {
    last_ = 0;
    return {};
  }
  auto r = core::audit::parse_export_line(tail);
  if (!r) {
    return core::make_error(core::ProblemType::Malformed,
                            "the audit file " + path_ + " does not end with an audit log entry");
  }
  last_ = r->seq;
  return {};
}

AuditAsync<std::int64_t> AuditStream::copy_new() {
  std::int64_t copied = 0;
  for (;;) {
    auto page = co_await store_.audit_records(last_, kPage);
    if (!page) co_return std::move(page).error();
    if (page->empty()) break;
    std::string text;
    for (const auto& r : *page) text += core::audit::export_line(r) + "\n";
    auto st = co_await pool_.run([&] { return append_synced(path_, text); });
    if (!st) co_return std::move(st).error();
    last_ = page->back().seq;
    copied += static_cast<std::int64_t>(page->size());
    if (page->size() < kPage) break;
  }
  co_return copied;
}

asio::awaitable<void> AuditStream::copy_and_log() {
  auto n = co_await copy_new();
  if (!n) core::log_error("audit file: " + n.error().detail);
}

asio::awaitable<void> AuditStream::run() {
  return core::every(interval_, stopping_, core::FirstRound::AtOnce,
                     [this] { return copy_and_log(); });
}

}  // namespace signet::authority
