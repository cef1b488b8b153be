#include "validation/caa.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

#include "core/ascii.hpp"
#include "validation/resolver.hpp"

namespace signet::validation {

namespace asio = boost::asio;

namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::string describe(const CaaRecord& r) {
  return std::string(r.critical ? "128 " : "0 ") + r.tag + " \"" + r.value + "\"";
}

// RFC 8659 §4.2: issuer-domain-name [";" parameters]. Does this record let the
// request through?
bool permits(const CaaRecord& r, const CaaRequest& req) {
  const auto semi = r.value.find(';');
  const std::string domain = core::ascii_lower(trim(std::string_view(r.value).substr(0, semi)));
  if (domain.empty()) return false;  // "no CA may issue"
  if (std::find(req.issuer_domains.begin(), req.issuer_domains.end(), domain) ==
      req.issuer_domains.end()) {
    return false;
  }
  std::string_view params =
      semi == std::string::npos ? std::string_view() : std::string_view(r.value).substr(semi + 1);
  while (!params.empty()) {
    const auto next = params.find(';');
    const std::string param = trim(params.substr(0, next));
    params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
    if (param.empty()) continue;
    const auto eq = param.find('=');
    if (eq == std::string::npos) return false;  // malformed parameter: the record does not match
    const std::string key = core::ascii_lower(trim(std::string_view(param).substr(0, eq)));
    const std::string value = trim(std::string_view(param).substr(eq + 1));
    if (key == "accounturi" && value != req.account_uri) return false;  // RFC 8657 §3
    if (key == "validationmethods") {                                   // RFC 8657 §4
      if (req.out_of_band) return false;  // no ACME method was used: none is listed
      bool listed = false;
      std::string_view methods = value;
      while (!methods.empty()) {
        const auto comma = methods.find(',');
        if (trim(methods.substr(0, comma)) == to_string(req.method)) listed = true;
        methods = comma == std::string_view::npos ? std::string_view() : methods.substr(comma + 1);
      }
      if (!listed) return false;
    }
    // Other parameters are not ours to interpret (RFC 8659 §4.2).
  }
  return true;
}

}  // namespace

std::optional<std::string> caa_refusal(const std::vector<CaaRecord>& rrset, const CaaRequest& req) {
  for (const auto& r : rrset) {
    const bool known = r.tag == "issue" || r.tag == "issuewild" || r.tag == "iodef";
    if (r.critical && !known)
      return "the critical CAA record " + describe(r) + " has a tag this CA does not understand";
  }
  // RFC 8659 §4.3: issuewild, when present, governs wildcard names instead of issue.
  const bool use_wild =
      req.wildcard && std::any_of(rrset.begin(), rrset.end(),
                                  [](const CaaRecord& r) { return r.tag == "issuewild"; });
  const std::string tag = use_wild ? "issuewild" : "issue";
  std::vector<const CaaRecord*> relevant;
  for (const auto& r : rrset) {
    if (r.tag == tag) relevant.push_back(&r);
  }
  if (relevant.empty()) return std::nullopt;
  for (const auto* r : relevant) {
    if (permits(*r, req)) return std::nullopt;
  }
  std::string records;
  for (const auto* r : relevant) records += (records.empty() ? "" : ", ") + describe(*r);
  return "CAA " + tag + " records " + records + " do not authorize this CA";
}

std::vector<std::string> caa_names(std::string_view name) {
  std::vector<std::string> out;
  for (;;) {
    out.emplace_back(name);
    const auto dot = name.find('.');
    if (dot == std::string_view::npos) return out;
    name.remove_prefix(dot + 1);
  }
}

namespace {

using Found = std::optional<core::Result<std::vector<CaaRecord>>>;

asio::awaitable<void> look_up(Resolver& resolver, const std::string& name, Found& out) {
  out = co_await resolver.lookup_caa(name);
}

// The first RRset of the climb that decides (a failed lookup or a non-empty RRset, the
// closest first); names.size() when every RRset is empty; nullopt while a closer
// lookup is still running.
std::optional<std::size_t> deciding(const std::vector<Found>& found) {
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (!found[i]) return std::nullopt;
    if (!*found[i] || !(*found[i])->empty()) return i;
  }
  return found.size();
}

}  // namespace

asio::awaitable<core::Status> check_caa(Resolver& resolver, const core::Identifier& id,
                                        const CaaRequest& req) {
  if (id.type == core::IdentifierType::Ip) co_return core::Status{};
  const std::vector<std::string> names = caa_names(id.base_name());
  if (names.size() > kMaxCaaNames) {
    co_return core::make_error(core::ProblemType::Caa,
                               "CAA for " + id.value + " was not checked: the name has " +
                                   std::to_string(names.size()) +
                                   " labels, and this CA looks up CAA for names of at most " +
                                   std::to_string(kMaxCaaNames) + " labels");
  }
  // RFC 8659 §3 climbs the tree one name at a time and stops at the first non-empty
  // RRset. Asking for every RRset at once and then taking the closest one that decides
  // gives the same answer in the time of one lookup; the lookups still running once a
  // closer name decided are cancelled.
  std::vector<Found> found(names.size());
  auto ex = co_await asio::this_coro::executor;
  using Op = decltype(asio::co_spawn(ex, look_up(resolver, names[0], found[0]), asio::deferred));
  std::vector<Op> lookups;
  for (std::size_t i = 0; i < names.size(); ++i) {
    lookups.push_back(asio::co_spawn(ex, look_up(resolver, names[i], found[i]), asio::deferred));
  }
  co_await asio::experimental::make_parallel_group(std::move(lookups))
      .async_wait(
          [&found](const std::exception_ptr&) {
            return deciding(found) ? asio::cancellation_type::terminal
                                   : asio::cancellation_type::none;
          },
          asio::use_awaitable);

  const auto i = deciding(found);
  if (!i) {
    co_return core::make_error(core::ProblemType::Dns,
                               "DNS problem: the CAA lookups for " + id.value + " did not finish");
  }
  if (*i == names.size()) co_return core::Status{};  // no CAA anywhere: permitted
  auto& rrset = *found[*i];
  if (!rrset) co_return std::move(rrset).error();
  if (auto why = caa_refusal(*rrset, req)) {
    co_return core::make_error(
        core::ProblemType::Caa,
        "CAA at " + names[*i] + " forbids issuance for " + id.value + ": " + *why);
  }
  co_return core::Status{};
}

}  // namespace signet::validation
