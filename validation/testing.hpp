#pragma once
// The test CA mode's part of validation ([testing] in the configuration): a DNS of
// records set at run time, answering every name with one address, and the knobs that
// make validations pass unchecked or wait first. Only `signet serve` with testing
// enabled builds these; otherwise the real resolver and checks run untouched.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/random.hpp"
#include "core/result.hpp"
#include "validation/caa.hpp"
#include "validation/resolver.hpp"

namespace signet::validation {

// The most TXT and CAA records held at once, together.
inline constexpr std::size_t kMaxTestRecords = 10000;

// Records for the test resolver: with an address set, every name resolves to it, and
// the TXT and CAA records of a name are those added here. Names are compared without
// case and without a trailing dot. Thread-safe.
class TestDns {
 public:
  // A record name as the store keeps it (lower case, no trailing dot); a `malformed`
  // error for anything that is not a DNS name (letters, digits, '-', '_' labels of
  // 1-63 characters, at most 253 in all).
  static core::Result<std::string> record_name(std::string_view name);

  void set_address(std::optional<boost::asio::ip::address> a);
  std::optional<boost::asio::ip::address> address() const;

  // Adds a record (once: adding it again changes nothing). Errors: `malformed` (the
  // name, an empty or over-long value, a CAA tag that is not 1-15 letters and digits),
  // `rateLimited` when kMaxTestRecords are held.
  core::Status add_txt(std::string_view name, const std::string& value);
  core::Status add_caa(std::string_view name, CaaRecord record);
  // Removes a name's records equal to what is given (all of the name's when nothing
  // is); returns how many went.
  std::size_t remove_txt(std::string_view name, const std::optional<std::string>& value);
  std::size_t remove_caa(std::string_view name, const std::optional<std::string>& tag,
                         const std::optional<std::string>& value);

  std::vector<std::string> txt(std::string_view name) const;
  std::vector<CaaRecord> caa(std::string_view name) const;

 private:
  core::Status make_room() const;  // with mu_ held

  mutable std::mutex mu_;
  std::optional<boost::asio::ip::address> address_;
  std::map<std::string, std::vector<std::string>, std::less<>> txt_;
  std::map<std::string, std::vector<CaaRecord>, std::less<>> caa_;
  std::size_t records_ = 0;
};

// The resolver validation uses in test mode: while the TestDns has an address, every
// A/AAAA lookup answers it (an IPv4 address for A, IPv6 for AAAA: whichever it is),
// and TXT and CAA lookups answer the TestDns's records (none: an empty answer); no
// DNS server is asked. Without an address, lookups go to `servers`, the real resolver.
class TestResolver final : public Resolver {
 public:
  TestResolver(std::shared_ptr<const TestDns> dns, std::shared_ptr<Resolver> servers)
      : dns_(std::move(dns)), servers_(std::move(servers)) {}

  boost::asio::awaitable<core::Result<std::vector<boost::asio::ip::address>>> lookup_ip(
      const std::string& name) override;
  boost::asio::awaitable<core::Result<std::vector<std::string>>> lookup_txt(
      const std::string& name) override;
  boost::asio::awaitable<core::Result<std::vector<CaaRecord>>> lookup_caa(
      const std::string& name) override;

 private:
  std::shared_ptr<const TestDns> dns_;
  std::shared_ptr<Resolver> servers_;
};

// always_valid and validation_delay, as the validation authority reads them before
// each validation. Thread-safe; changed while validations run.
class TestKnobs {
 public:
  explicit TestKnobs(std::shared_ptr<core::Random> random) : random_(std::move(random)) {}

  // always_valid: challenges pass without contacting anything, and CAA is not looked
  // up. Each validation first waits a random time in [min_delay, max_delay].
  void set(bool always_valid, std::chrono::milliseconds min_delay,
           std::chrono::milliseconds max_delay);
  bool always_valid() const { return always_valid_.load(); }
  // The wait before the next validation.
  std::chrono::milliseconds next_delay();

 private:
  std::shared_ptr<core::Random> random_;
  std::atomic<bool> always_valid_{false};
  std::mutex mu_;
  std::chrono::milliseconds min_delay_{0};
  std::chrono::milliseconds max_delay_{0};
};

}  // namespace signet::validation
