#include "validation/testing.hpp"

#include <algorithm>

#include "core/ascii.hpp"

namespace signet::validation {

namespace asio = boost::asio;

namespace {

core::Error malformed(std::string detail) {
  return core::make_error(core::ProblemType::Malformed, std::move(detail));
}

bool label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace

core::Result<std::string> TestDns::record_name(std::string_view name) {
  std::string n = core::ascii_lower(name);
  if (n.ends_with('.')) n.pop_back();
  const auto bad = [&] {
    return malformed("\"" + std::string(name).substr(0, 64) +
                     "\" is not a DNS name (labels of letters, digits, '-' and '_', 1-63 "
                     "characters each, 253 in all)");
  };
  if (n.empty() || n.size() > 253) return bad();
  std::size_t label = 0;
  for (char c : n) {
    if (c == '.') {
      if (label == 0) return bad();
      label = 0;
    } else if (!label_char(c) || ++label > 63) {
      return bad();
    }
  }
  if (label == 0) return bad();
  return n;
}

void TestDns::set_address(std::optional<asio::ip::address> a) {
  std::lock_guard lock(mu_);
  address_ = a;
}

std::optional<asio::ip::address> TestDns::address() const {
  std::lock_guard lock(mu_);
  return address_;
}

core::Status TestDns::make_room() const {
  if (records_ < kMaxTestRecords) return {};
  return core::make_error(core::ProblemType::RateLimited,
                          "the test DNS holds " + std::to_string(kMaxTestRecords) +
                              " records already; delete some first");
}

core::Status TestDns::add_txt(std::string_view name, const std::string& value) {
  auto n = record_name(name);
  if (!n) return std::move(n).error();
  if (value.empty() || value.size() > 4096)
    return malformed("a TXT value must be 1-4096 characters");
  std::lock_guard lock(mu_);
  auto& values = txt_[*n];
  if (std::find(values.begin(), values.end(), value) != values.end()) return {};
  if (auto st = make_room(); !st) return st;
  values.push_back(value);
  ++records_;
  return {};
}

core::Status TestDns::add_caa(std::string_view name, CaaRecord record) {
  auto n = record_name(name);
  if (!n) return std::move(n).error();
  // RFC 8659 §4.1: a tag is 1-15 ASCII letters and digits.
  record.tag = core::ascii_lower(record.tag);
  if (record.tag.empty() || record.tag.size() > 15 ||
      !std::all_of(record.tag.begin(), record.tag.end(),
                   [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); })) {
    return malformed("a CAA tag is 1-15 letters and digits (issue, issuewild, iodef, ...)");
  }
  if (record.value.size() > 1024) return malformed("a CAA value must be at most 1024 characters");
  std::lock_guard lock(mu_);
  auto& records = caa_[*n];
  const auto same = [&](const CaaRecord& r) {
    return r.tag == record.tag && r.value == record.value && r.critical == record.critical;
  };
  if (std::any_of(records.begin(), records.end(), same)) return {};
  if (auto st = make_room(); !st) return st;
  records.push_back(std::move(record));
  ++records_;
  return {};
}

std::size_t TestDns::remove_txt(std::string_view name, const std::optional<std::string>& value) {
  auto n = record_name(name);
  if (!n) return 0;
  std::lock_guard lock(mu_);
  auto it = txt_.find(*n);
  if (it == txt_.end()) return 0;
  const auto removed =
      std::erase_if(it->second, [&](const std::string& v) { return !value || v == *value; });
  if (it->second.empty()) txt_.erase(it);
  records_ -= removed;
  return removed;
}

std::size_t TestDns::remove_caa(std::string_view name, const std::optional<std::string>& tag,
                                const std::optional<std::string>& value) {
  auto n = record_name(name);
  if (!n) return 0;
  const std::optional<std::string> lower_tag =
      tag ? std::optional(core::ascii_lower(*tag)) : std::nullopt;
  std::lock_guard lock(mu_);
  auto it = caa_.find(*n);
  if (it == caa_.end()) return 0;
  const auto removed = std::erase_if(it->second, [&](const CaaRecord& r) {
    return (!lower_tag || r.tag == *lower_tag) && (!value || r.value == *value);
  });
  if (it->second.empty()) caa_.erase(it);
  records_ -= removed;
  return removed;
}

std::vector<std::string> TestDns::txt(std::string_view name) const {
  auto n = record_name(name);
  if (!n) return {};
  std::lock_guard lock(mu_);
  auto it = txt_.find(*n);
  return it == txt_.end() ? std::vector<std::string>{} : it->second;
}

std::vector<CaaRecord> TestDns::caa(std::string_view name) const {
  auto n = record_name(name);
  if (!n) return {};
  std::lock_guard lock(mu_);
  auto it = caa_.find(*n);
  return it == caa_.end() ? std::vector<CaaRecord>{} : it->second;
}

asio::awaitable<core::Result<std::vector<asio::ip::address>>> TestResolver::lookup_ip(
    const std::string& name) {
  if (auto a = dns_->address()) co_return std::vector<asio::ip::address>{*a};
  co_return co_await servers_->lookup_ip(name);
}

asio::awaitable<core::Result<std::vector<std::string>>> TestResolver::lookup_txt(
    const std::string& name) {
  if (dns_->address()) co_return dns_->txt(name);
  co_return co_await servers_->lookup_txt(name);
}

asio::awaitable<core::Result<std::vector<CaaRecord>>> TestResolver::lookup_caa(
    const std::string& name) {
  if (dns_->address()) co_return dns_->caa(name);
  co_return co_await servers_->lookup_caa(name);
}

void TestKnobs::set(bool always_valid, std::chrono::milliseconds min_delay,
                    std::chrono::milliseconds max_delay) {
  std::lock_guard lock(mu_);
  always_valid_ = always_valid;
  min_delay_ = min_delay;
  max_delay_ = std::max(min_delay, max_delay);
}

std::chrono::milliseconds TestKnobs::next_delay() {
  std::chrono::milliseconds lo, hi;
  {
    std::lock_guard lock(mu_);
    lo = min_delay_;
    hi = max_delay_;
  }
  if (hi.count() <= 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(random_->between(static_cast<std::uint64_t>(lo.count()),
                                                    static_cast<std::uint64_t>(hi.count())));
}

}  // namespace signet::validation
