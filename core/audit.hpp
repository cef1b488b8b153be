#pragma once
// The audit log's entries and their chain. Each entry is one JSON object in a canonical
// spelling (members in a fixed order, compact), numbered from 1, and names the SHA-256
// of the entry before it ("prev"; 64 zeros for the first); its own hash is the SHA-256
// of that text. Editing, deleting or reordering any entry breaks the chain at that
// point. An exported line is the entry with its "hash" added as the last member.
//
// Entries are written by storage in the same transaction as the change they record
// (storage/store.hpp); what each action records is built in one place,
// authority/audit.hpp.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/status.hpp"

namespace signet::core::audit {

// Who did it: "account:<id>", "operator:<user>" (the command line), "server" (the CA on
// its own: restarts, reloads), "certificate-key" (a revocation signed with the
// certificate's key).
struct Entry {
  TimePoint at{};
  std::string action;  // "account.create", "certificate.issue", ...
  std::string actor;
  std::vector<std::pair<std::string, std::string>> details;  // in this order

  Entry& with(std::string name, std::string value) {
    details.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

// One stored entry: its number, its canonical text and the SHA-256 of that text (hex).
struct Record {
  std::int64_t seq = 0;
  std::string text;
  std::string hash;
};

// The "prev" of the first entry.
inline const std::string kGenesis(64, '0');

// The canonical text of entry number `seq` following the entry whose hash is `prev`.
std::string render(std::int64_t seq, const Entry& e, std::string_view prev);
// A time as entries spell it: RFC 3339, UTC, whole seconds.
std::string format_time(TimePoint t);
// The SHA-256 of a canonical text, lower-case hex.
std::string hash_of(std::string_view text);
// The record of entry number `seq` after `prev`: render() and hash_of() together.
Record chain(std::int64_t seq, const Entry& e, std::string_view prev);

// An exported line (JSON Lines, no newline): the text with its hash added.
std::string export_line(const Record& r);
// An exported line read back: `Malformed` unless it is an entry with a hash.
Result<Record> parse_export_line(std::string_view line);

// Checks records fed in order. The first break is kept, with what is wrong: a number
// out of sequence (a deletion or a reordering), a text that is not an entry, a text
// whose number or "prev" disagrees with its place, or a hash that is not the text's.
class Verifier {
 public:
  // False once the chain is broken (later records are not checked).
  bool feed(const Record& r);
  bool ok() const { return !broken_; }
  // Why and where it broke.
  const std::optional<std::string>& broken() const { return broken_; }
  std::int64_t count() const { return count_; }
  // The last entry that checked: what an operator notes down to detect a later
  // truncation of the log's end (the chain alone cannot show a missing tail).
  std::int64_t head_seq() const { return head_seq_; }
  const std::string& head_hash() const { return head_hash_; }

 private:
  std::int64_t count_ = 0;
  std::int64_t head_seq_ = 0;
  std::string head_hash_ = kGenesis;
  std::optional<std::string> broken_;
};

}  // namespace signet::core::audit
