#include "config/config.hpp"

#include <arpa/inet.h>

#include <map>
#include <set>
#include <toml.hpp>

#include "core/log.hpp"

namespace signet::config {
namespace {

core::Error bad(std::string d) {
  return core::make_error(core::ProblemType::Malformed, std::move(d));
}

using Table = toml::value;

// Reads every known key of one table; anything else in it is an error.
class Section {
 public:
  Section(const Table& root, const std::string& name, std::vector<std::string>& errors)
      : name_(name), errors_(errors) {
    if (!root.contains(name)) return;
    const auto& v = root.at(name);
    if (!v.is_table()) {
      errors_.push_back("[" + name + "] must be a table");
      return;
    }
    table_ = &v;
  }
  ~Section() {
    if (!table_) return;
    for (const auto& [k, v] : table_->as_table()) {
      if (!seen_.contains(k)) errors_.push_back("unknown key \"" + k + "\" in [" + name_ + "]");
    }
  }

  template <class T>
  void get(const std::string& key, T& out) {
    seen_.insert(key);
    if (!table_ || !table_->contains(key)) return;
    try {
      out = toml::get<T>(table_->at(key));
    } catch (const std::exception&) {
      errors_.push_back("[" + name_ + "] " + key + " has the wrong type");
    }
  }
  template <class T>
  void get_opt(const std::string& key, std::optional<T>& out) {
    T tmp{};
    seen_.insert(key);
    if (!table_ || !table_->contains(key)) return;
    get(key, tmp);
    out = tmp;
  }
  template <class Rep, class Period>
  void get_duration(const std::string& key, std::chrono::duration<Rep, Period>& out,
                    int64_t unit_seconds) {
    int64_t n = -1;
    seen_.insert(key);
    if (!table_ || !table_->contains(key)) return;
    get(key, n);
    constexpr int64_t kHundredYears = 100LL * 366 * 86400;
    if (n <= 0 || n > kHundredYears / unit_seconds) {
      errors_.push_back("[" + name_ + "] " + key +
                        " must be a positive number of at most 100 years");
      return;
    }
    out = std::chrono::duration_cast<std::chrono::duration<Rep, Period>>(
        std::chrono::seconds(n * unit_seconds));
  }
  // The raw value of key, for structured values; nullptr when absent.
  const Table* raw(const std::string& key) {
    seen_.insert(key);
    if (!table_ || !table_->contains(key)) return nullptr;
    return &table_->at(key);
  }
  // A count where 0 means "off".
  void get_count_or_zero(const std::string& key, std::size_t& out) {
    int64_t n = -1;
    seen_.insert(key);
    if (!table_ || !table_->contains(key)) return;
    get(key, n);
    if (n < 0 || n > 1'000'000'000) {
      errors_.push_back("[" + name_ + "] " + key + " must be 0 (off) to 1000000000");
      return;
    }
    out = static_cast<std::size_t>(n);
  }
  template <class T>
  void get_count(const std::string& key, T& out) {
    int64_t n = -1;
    seen_.insert(key);
    if (!table_ || !table_->contains(key)) return;
    get(key, n);
    if (n <= 0 || n > 65535 * 1024LL * 1024) {
      errors_.push_back("[" + name_ + "] " + key + " is out of range");
      return;
    }
    out = static_cast<T>(n);
  }

 private:
  std::string name_;
  std::vector<std::string>& errors_;
  const Table* table_ = nullptr;
  std::set<std::string> seen_;
};

bool valid_ip(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool valid_cidr(const std::string& s) {
  const auto slash = s.find('/');
  const std::string addr = s.substr(0, slash);
  if (!valid_ip(addr)) return false;
  if (slash == std::string::npos) return true;
  const std::string p = s.substr(slash + 1);
  if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos)
    return false;
  return std::stoi(p) <= (addr.find(':') != std::string::npos ? 128 : 32);
}

void read_rate_limits(Section& s, RateLimits& r) {
  s.get("new_orders_per_account", r.new_orders_per_account);
  s.get("certificates_per_domain", r.certificates_per_domain);
  s.get("failed_validations_per_account_name", r.failed_validations_per_account_name);
  s.get("new_accounts_per_ip", r.new_accounts_per_ip);
  s.get_count_or_zero("pending_authorizations_per_account", r.pending_authorizations_per_account);
  s.get_count_or_zero("validations_in_flight_per_account", r.validations_in_flight_per_account);
}

// An array of tables (`[[section]]`, or an inline array): fn(Section&) reads each, named
// `section`. `what` is the error when it is not one.
template <class F>
void for_each_table(const Table& list, const std::string& section, const std::string& what,
                    std::vector<std::string>& errors, F fn) {
  if (!list.is_array()) {
    errors.push_back(what);
    return;
  }
  for (const auto& item : list.as_array()) {
    if (!item.is_table()) {
      errors.push_back(what);
      return;
    }
    toml::value wrapper(toml::table{{section, item}});
    Section s(wrapper, section, errors);
    fn(s);
  }
}

// [[rate_limits.overrides]]: an account id and the limits it has instead.
void read_overrides(const Table& list, const RateLimits& base, std::vector<RateLimitOverride>& out,
                    std::vector<std::string>& errors) {
  for_each_table(list, "rate_limits.overrides",
                 "[rate_limits] overrides must be an array of tables", errors, [&](Section& s) {
                   RateLimitOverride o{"", base};
                   s.get("account", o.account);
                   read_rate_limits(s, o.limits);
                   if (o.account.empty())
                     errors.push_back("[[rate_limits.overrides]] needs an account");
                   out.push_back(std::move(o));
                 });
}

// One of the durations a profile gives in days or in hours.
void read_profile_duration(Section& s, const std::string& name, const std::string& key,
                           std::optional<std::chrono::seconds>& out,
                           std::vector<std::string>& errors) {
  const bool days = s.raw(key + "_days") != nullptr;
  const bool hours = s.raw(key + "_hours") != nullptr;
  if (days && hours) {
    errors.push_back("[profiles." + name + "] sets both " + key + "_days and " + key + "_hours");
    return;
  }
  if (!days && !hours) return;
  std::chrono::seconds v{0};
  s.get_duration(key + (days ? "_days" : "_hours"), v, days ? 86400 : 3600);
  if (v.count() > 0) out = v;
}

// [profiles.NAME] tables.
void read_profiles(const Table& table, std::vector<ProfileConfig>& out,
                   std::vector<std::string>& errors) {
  if (!table.is_table()) {
    errors.push_back("[profiles] must be a table of profile tables");
    return;
  }
  out.clear();
  for (const auto& [name, item] : table.as_table()) {
    if (!item.is_table()) {
      errors.push_back("[profiles] " + name + " must be a table");
      continue;
    }
    const std::string section = "profiles." + name;
    toml::value wrapper(toml::table{{section, item}});
    Section s(wrapper, section, errors);
    ProfileConfig p;
    p.name = name;
    s.get("description", p.description);
    read_profile_duration(s, name, "validity", p.validity, errors);
    read_profile_duration(s, name, "max_validity", p.max_validity, errors);
    s.get("extended_key_usage", p.extended_key_usage);
    s.get("key_usage", p.key_usage);
    s.get("common_name", p.common_name);
    s.get_count_or_zero("max_identifiers", p.max_identifiers);
    s.get("identifier_types", p.identifier_types);
    if (s.raw("authorization_reuse_hours")) {
      std::size_t hours = 0;
      s.get_count_or_zero("authorization_reuse_hours", hours);
      p.authorization_reuse = std::chrono::hours(hours);
    }
    s.get("key_types", p.key_types);
    s.get("accounts", p.accounts);
    s.get("eab_keys", p.eab_keys);
    s.get("revocation_pointers", p.revocation_pointers);
    out.push_back(std::move(p));
  }
}

// [[validation.perspectives]]: tables of name, url and region.
void read_perspectives(const Table& list, std::vector<Perspective>& out,
                       std::vector<std::string>& errors) {
  for_each_table(list, "validation.perspectives",
                 "[validation] perspectives must be an array of tables", errors, [&](Section& s) {
                   Perspective p;
                   s.get("name", p.name);
                   s.get("url", p.url);
                   s.get("region", p.region);
                   out.push_back(std::move(p));
                 });
}

// A percentage key: 0-100.
void read_percent(Section& s, const std::string& where, const std::string& key, unsigned& out,
                  std::vector<std::string>& errors) {
  if (!s.raw(key)) return;
  int64_t n = -1;
  s.get(key, n);
  if (n < 0 || n > 100) {
    errors.push_back(where + " " + key + " must be a percentage, 0-100");
    return;
  }
  out = static_cast<unsigned>(n);
}

// [testing] inject: an array of tables of resource, problem, status, percent and
// retry_after.
void read_inject(const Table& list, std::vector<InjectRule>& out,
                 std::vector<std::string>& errors) {
  const std::string what =
      "[testing] inject must be an array of tables, e.g. [{ resource = "
      "\"finalize\", problem = \"rateLimited\", status = 429, percent = 10, "
      "retry_after = 2 }]";
  for_each_table(list, "testing.inject", what, errors, [&](Section& s) {
    InjectRule r;
    s.get("resource", r.resource);
    s.get("problem", r.problem);
    if (s.raw("status")) {
      int64_t status = 0;
      s.get("status", status);
      r.status = status < 0 || status > 999 ? -1 : static_cast<int>(status);
    }
    read_percent(s, "[testing.inject]", "percent", r.percent, errors);
    if (s.raw("retry_after")) {
      int64_t seconds = -1;
      s.get("retry_after", seconds);
      r.retry_after = std::chrono::seconds(seconds);
    }
    out.push_back(std::move(r));
  });
}

// A whole number of seconds ("3s") or milliseconds ("250ms").
std::optional<std::chrono::milliseconds> parse_delay(std::string_view t) {
  int64_t unit = 0;
  if (t.ends_with("ms")) {
    unit = 1;
    t.remove_suffix(2);
  } else if (t.ends_with("s")) {
    unit = 1000;
    t.remove_suffix(1);
  } else {
    return std::nullopt;
  }
  if (t.empty() || t.size() > 9 || t.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  return std::chrono::milliseconds(std::stoll(std::string(t)) * unit);
}

}  // namespace

core::Result<DelayRange> parse_delay_range(std::string_view text) {
  const auto bad_range = [&](const std::string& why) {
    return bad("validation_delay \"" + std::string(text) + "\" " + why);
  };
  const auto dash = text.find('-');
  const auto min = parse_delay(text.substr(0, dash));
  const auto max = dash == std::string_view::npos ? min : parse_delay(text.substr(dash + 1));
  if (!min || !max) {
    return bad_range(
        "is not a delay or a range of delays: write \"2s\", \"0s-3s\" or \"250ms-1s\"");
  }
  if (*min > *max) return bad_range("starts after it ends");
  if (*max > kMaxValidationDelay) {
    return bad_range("is too long: at most " + std::to_string(kMaxValidationDelay.count()) + "s");
  }
  return DelayRange{*min, *max};
}

core::Status validate_testing(const Testing& t) {
  if (!t.resolve_all_to.empty() && !valid_ip(t.resolve_all_to)) {
    return bad("[testing] resolve_all_to \"" + t.resolve_all_to + "\" is not an IP address");
  }
  if (t.nonce_reject_percent > 100)
    return bad("[testing] nonce_reject_percent must be a percentage, 0-100");
  if (!t.validation_delay.empty()) {
    if (auto d = parse_delay_range(t.validation_delay); !d)
      return bad("[testing] " + d.error().detail);
  }
  if (t.inject.size() > 64) return bad("[testing] inject has more than 64 rules");
  for (const auto& r : t.inject) {
    const std::string where = "[testing] inject rule for \"" + r.resource + "\": ";
    if (r.resource.empty()) return bad("[testing] inject: every rule needs a resource");
    const auto type = core::problem_type_from_name(r.problem);
    if (!type) {
      return bad(where + "problem \"" + r.problem +
                 "\" is not an ACME problem type (rateLimited, badNonce, serverInternal, "
                 "orderNotReady, ...: the name after urn:ietf:params:acme:error:)");
    }
    if (r.status != 0 && (r.status < 400 || r.status > 599))
      return bad(where + "status must be 400-599 (or left out: the problem type's own)");
    if (r.percent > 100) return bad(where + "percent must be a percentage, 0-100");
    if (r.retry_after && (r.retry_after->count() < 0 || r.retry_after->count() > 86400))
      return bad(where + "retry_after must be 0-86400 seconds");
    // RFC 8555 §6.6: a rateLimited answer says when to come back.
    if (*type == core::ProblemType::RateLimited && (!r.retry_after || r.retry_after->count() == 0))
      return bad(where + "rateLimited needs retry_after (seconds; RFC 8555 §6.6)");
  }
  return {};
}

core::Result<std::pair<std::string, uint16_t>> split_host_port(const std::string& s) {
  std::string host, port;
  if (s.starts_with("[")) {
    const auto close = s.find("]:");
    if (close == std::string::npos) return bad("\"" + s + "\" is not [IPv6]:PORT");
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    const auto colon = s.rfind(':');
    if (colon == std::string::npos) return bad("\"" + s + "\" has no :PORT");
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  if (host.empty() || port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) > 65535) {
    return bad("\"" + s + "\" is not HOST:PORT");
  }
  return std::pair{host, static_cast<uint16_t>(std::stoul(port))};
}

core::Result<Config> load_file(const std::filesystem::path& path) {
  Config c;
  toml::value root;
  try {
    root = toml::parse(path.string());
  } catch (const std::exception& e) {
    return bad("config file " + path.string() + ": " + e.what());
  }
  std::vector<std::string> errors;
  for (const auto& [k, v] : root.as_table()) {
    static const std::set<std::string> sections{
        "server", "directory", "acme",        "validation", "orders", "certificates",
        "limits", "policy",    "rate_limits", "profiles",   "crl",    "ocsp",
        "log",    "audit",     "storage",     "testing", "ca"};
    if (!sections.contains(k)) errors.push_back("unknown section or key \"" + k + "\"");
  }
  {
    Section s(root, "server", errors);
    s.get("listen", c.listen);
    s.get("data_dir", c.data_dir);
    s.get_opt("external_url", c.external_url);
    s.get("threads", c.threads);
    s.get("http_listen", c.http_listen);
    s.get_opt("http_url", c.http_url);
    s.get("admin_listen", c.admin_listen);
    s.get("admin_client_ca", c.admin_client_ca);
    s.get("node_name", c.node_name);
    s.get_duration("lease_seconds", c.lease, 1);
    s.get("nonces", c.nonces);
  }
  {
    Section s(root, "crl", errors);
    s.get_count("shards", c.crl_shards);
    s.get_duration("validity_hours", c.crl_validity, 3600);
    s.get_duration("regenerate_minutes", c.crl_regenerate, 60);
  }
  {
    Section s(root, "log", errors);
    s.get("level", c.log_level);
    s.get("format", c.log_format);
    s.get("file", c.log_file);
  }
  {
    Section s(root, "audit", errors);
    s.get("file", c.audit_file);
  }
  {
    Section s(root, "storage", errors);
    s.get("backend", c.storage_backend);
    s.get("url", c.storage_url);
    s.get_count("connections", c.storage_connections);
    s.get_duration("statement_timeout_seconds", c.storage_statement_timeout, 1);
  }
  {
    Section s(root, "ocsp", errors);
    s.get_duration("validity_hours", c.ocsp_validity, 3600);
    s.get("signed_by", c.ocsp_signed_by);
  }
  {
    Section s(root, "directory", errors);
    s.get("terms_of_service", c.terms_of_service);
    s.get("website", c.website);
    s.get("caa_identities", c.caa_identities);
  }
  {
    Section s(root, "acme", errors);
    s.get("external_account_required", c.external_account_required);
  }
  {
    Section s(root, "validation", errors);
    int http01 = c.http01_port, alpn = c.tlsalpn01_port;
    s.get("http01_port", http01);
    s.get("tlsalpn01_port", alpn);
    if (http01 < 1 || http01 > 65535 || alpn < 1 || alpn > 65535)
      errors.push_back("[validation] ports must be 1-65535");
    c.http01_port = static_cast<uint16_t>(http01);
    c.tlsalpn01_port = static_cast<uint16_t>(alpn);
    s.get("dns_resolvers", c.dns_resolvers);
    s.get("allow", c.validation_allow);
    s.get("deny", c.validation_deny);
    s.get_duration("timeout_seconds", c.validation_timeout, 1);
    s.get_count("max_in_flight", c.validation_max_in_flight);
    s.get_count("max_pending", c.validation_max_pending);
    s.get_duration("caa_recheck_hours", c.caa_recheck_age, 3600);
    s.get_duration("remote_timeout_seconds", c.remote_timeout, 1);
    std::optional<int64_t> failures;
    s.get_opt("max_remote_failures", failures);
    if (failures && (*failures < 0 || *failures > 1000)) {
      errors.push_back("[validation] max_remote_failures must be 0-1000");
    } else if (failures) {
      c.max_remote_failures = static_cast<std::size_t>(*failures);
    }
    if (const Table* list = s.raw("perspectives")) read_perspectives(*list, c.perspectives, errors);
  }
  {
    Section s(root, "orders", errors);
    s.get_duration("lifetime_hours", c.order_lifetime, 3600);
    s.get_duration("pending_authz_lifetime_hours", c.pending_authz_lifetime, 3600);
    s.get_duration("valid_authz_lifetime_hours", c.valid_authz_lifetime, 3600);
    s.get_count("max_identifiers", c.max_identifiers);
    s.get("reuse_valid_authorizations", c.reuse_valid_authorizations);
    s.get_count("page_size", c.orders_page_size);
    s.get_duration("purge_after_days", c.purge_after, 86400);
  }
  {
    Section s(root, "policy", errors);
    s.get("allowed_domains", c.allowed_domains);
    s.get("denied_domains", c.denied_domains);
    s.get("allow_wildcards", c.allow_wildcards);
    s.get("allowed_ip_ranges", c.allowed_ip_ranges);
    s.get("reserved_names", c.reserved_names);
    if (const Table* keys = s.raw("keys")) {
      toml::value wrapper(toml::table{{"policy.keys", *keys}});
      Section k(wrapper, "policy.keys", errors);
      k.get("account", c.account_keys);
      k.get("certificate", c.certificate_keys);
      k.get("blocked_keys_file", c.blocked_keys_file);
    }
  }
  {
    Section s(root, "rate_limits", errors);
    read_rate_limits(s, c.rate_limits);
    if (const Table* list = s.raw("overrides"))
      read_overrides(*list, c.rate_limits, c.rate_limit_overrides, errors);
  }
  {
    Section s(root, "certificates", errors);
    s.get_duration("validity_days", c.default_validity, 86400);
    s.get_duration("max_validity_days", c.max_validity, 86400);
    s.get("default_profile", c.default_profile);
  }
  if (root.contains("profiles")) read_profiles(root.at("profiles"), c.profiles, errors);
  {
    Section s(root, "limits", errors);
    s.get_count("max_body_bytes", c.max_body_bytes);
    s.get_count("max_header_bytes", c.max_header_bytes);
    s.get_duration("handshake_timeout_seconds", c.handshake_timeout, 1);
    s.get_duration("header_timeout_seconds", c.header_timeout, 1);
    s.get_duration("read_timeout_seconds", c.read_timeout, 1);
    s.get_duration("idle_timeout_seconds", c.idle_timeout, 1);
    s.get_count("max_connections", c.max_connections);
    if (s.raw("max_connections_per_address")) {
      std::size_t per_address = 0;
      s.get_count_or_zero("max_connections_per_address", per_address);
      c.max_connections_per_address = per_address;
    }
  }
  {
    Section s(root, "testing", errors);
    s.get("enabled", c.testing.enabled);
    for (const char* knob : {"resolve_all_to", "always_valid", "nonce_reject_percent",
                             "validation_delay", "reuse_authorizations", "inject"}) {
      if (s.raw(knob)) c.testing.knobs_set.emplace_back(knob);
    }
    s.get("resolve_all_to", c.testing.resolve_all_to);
    s.get("always_valid", c.testing.always_valid);
    read_percent(s, "[testing]", "nonce_reject_percent", c.testing.nonce_reject_percent, errors);
    s.get("validation_delay", c.testing.validation_delay);
    s.get("reuse_authorizations", c.testing.reuse_authorizations);
    if (const Table* list = s.raw("inject")) read_inject(*list, c.testing.inject, errors);
  }
  {
    Section s(root, "ca", errors);
    s.get("key", c.ca_key);
    s.get("pkcs11_module", c.ca_pkcs11_module);
    s.get("pin_file", c.ca_pin_file);
    s.get("pin_env", c.ca_pin_env);
    for (const char* secret : {"pin", "pin_value", "so_pin"}) {
      if (s.raw(secret)) {
        errors.push_back(std::string("[ca] ") + secret +
                         ": a PIN never goes in the configuration file; name a file holding "
                         "it (pin_file) or an environment variable (pin_env)");
      }
    }
  }
  if (!errors.empty()) {
    std::string all;
    for (const auto& e : errors) all += (all.empty() ? "" : "; ") + e;
    return bad("config file " + path.string() + ": " + all);
  }
  return c;
}

std::pair<std::chrono::seconds, std::chrono::seconds> profile_validity(const Config& c,
                                                                      const ProfileConfig& p) {
  const auto validity = p.validity.value_or(c.default_validity);
  return {validity, p.max_validity.value_or(p.validity ? validity : c.max_validity)};
}

bool ocsp_signed_by_issuer(const Config& c) {
  return c.ocsp_signed_by.empty() ? !c.ca_key.empty() : c.ocsp_signed_by == "issuer";
}

std::vector<ProfileConfig> embedded_profiles() {
  ProfileConfig server;
  server.name = "tlsserver";
  ProfileConfig shortlived;
  shortlived.name = "shortlived";
  shortlived.validity = std::chrono::hours(160);
  shortlived.max_validity = std::chrono::hours(160);
  shortlived.authorization_reuse = std::chrono::hours(7);
  shortlived.revocation_pointers = false;
  ProfileConfig client;
  client.name = "tlsclient";
  client.extended_key_usage = {"clientAuth"};
  client.key_usage = {"digitalSignature"};
  return {server, shortlived, client};
}

namespace {

// [ca]: a key URI goes with a module and exactly one PIN source; those without a key
// are a mistake. The URI's own syntax is checked where the token is opened (ca/pkcs11).
core::Status validate_ca_key(const Config& c) {
  if (c.ca_key.empty()) {
    if (!c.ca_pkcs11_module.empty() || !c.ca_pin_file.empty() || !c.ca_pin_env.empty())
      return bad("[ca] pkcs11_module, pin_file and pin_env go with [ca] key, which is not set");
    return {};
  }
  if (!c.ca_key.starts_with("pkcs11:"))
    return bad("[ca] key must be a PKCS#11 URI (\"pkcs11:token=...;object=...\")");
  if (c.ca_pkcs11_module.empty())
    return bad(
        "[ca] key is in a token: set [ca] pkcs11_module to the PKCS#11 module (for "
        "SoftHSM2 on Debian, /usr/lib/softhsm/libsofthsm2.so)");
  if (c.ca_pin_file.empty() == c.ca_pin_env.empty())
    return bad(
        "[ca] key is in a token: set one of [ca] pin_file (a file holding the PIN) or "
        "pin_env (an environment variable holding it)");
  return {};
}

}  // namespace

core::Status validate(const Config& c) {
  if (c.storage_backend != "sqlite" && c.storage_backend != "postgresql") {
    return bad("[storage] backend \"" + c.storage_backend +
               "\" is not one Signet knows: \"sqlite\" (the default) or \"postgresql\"");
  }
  if (c.storage_backend == "postgresql" && !c.storage_url.starts_with("postgresql://") &&
      !c.storage_url.starts_with("postgres://")) {
    return bad(c.storage_url.empty()
                   ? "[storage] backend \"postgresql\" needs a url = \"postgresql://user@host/db\""
                   : "[storage] url must start with postgresql:// (\"postgresql://user@host/db\")");
  }
  if (c.storage_backend == "sqlite" && !c.storage_url.empty()) {
    return bad(
        "[storage] url is for backend = \"postgresql\"; SQLite's database is signet.db "
        "in [server] data_dir");
  }
  auto hp = split_host_port(c.listen);
  if (!hp) return bad("listen: " + hp.error().detail);
  if (!valid_ip(hp->first) && hp->first != "localhost")
    return bad("listen: host must be an IP address");
  for (const auto& r : c.dns_resolvers) {
    auto rp = split_host_port(r);
    if (!rp || !valid_ip(rp->first)) return bad("dns resolver \"" + r + "\" is not IP:PORT");
  }
  for (const auto& list : {c.validation_allow, c.validation_deny}) {
    for (const auto& cidr : list) {
      if (!valid_cidr(cidr)) return bad("\"" + cidr + "\" is not a CIDR range");
    }
  }
  if (c.external_url && !c.external_url->starts_with("https://")) {
    return bad("external_url must start with https://");
  }
  if (!c.http_listen.empty()) {
    auto hp = split_host_port(c.http_listen);
    if (!hp) return bad("http_listen: " + hp.error().detail);
    if (!valid_ip(hp->first) && hp->first != "localhost")
      return bad("http_listen: host must be an IP address");
  }
  if (!c.admin_listen.empty()) {
    auto hp = split_host_port(c.admin_listen);
    if (!hp) return bad("admin_listen: " + hp.error().detail);
    if (!valid_ip(hp->first) && hp->first != "localhost")
      return bad("admin_listen: host must be an IP address");
  }
  if (c.http_url && (!c.http_url->starts_with("http://") || c.http_url->ends_with("/"))) {
    return bad("http_url must start with http:// and not end with /");
  }
  if (c.crl_shards > 4096) return bad("[crl] shards must be 1-4096");
  // BR 7.2.1.2: a CRL is valid for at most ten days; it is signed again well before.
  if (c.crl_validity > std::chrono::hours(240)) return bad("[crl] validity_hours must be at most 240");
  if (c.crl_regenerate * 2 > c.crl_validity) {
    return bad("[crl] regenerate_minutes must be at most half of validity_hours");
  }
  if (!core::parse_log_level(c.log_level))
    return bad("[log] level must be debug, info, warn or error, not \"" + c.log_level + "\"");
  if (!core::parse_log_format(c.log_format))
    return bad("[log] format must be text or json, not \"" + c.log_format + "\"");
  // BR 4.9.10: OCSP answers are valid for at most ten days; at least an hour here, as
  // answers are signed again once half of it has passed.
  if (c.ocsp_validity < std::chrono::hours(1) || c.ocsp_validity > std::chrono::hours(240))
    return bad("[ocsp] validity_hours must be 1-240");
  if (!c.ocsp_signed_by.empty() && c.ocsp_signed_by != "issuer" && c.ocsp_signed_by != "responder")
    return bad("[ocsp] signed_by must be \"issuer\" or \"responder\", not \"" + c.ocsp_signed_by +
               "\"");
  if (c.default_validity > c.max_validity) return bad("validity_days exceeds max_validity_days");
  bool default_found = false;
  for (const auto& p : c.profiles) {
    if (p.name.empty() || p.name.size() > 64 ||
        p.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
            std::string::npos) {
      return bad("profile name \"" + p.name + "\" must be 1-64 letters, digits, '.', '_' or '-'");
    }
    default_found = default_found || p.name == c.default_profile;
    const auto [validity, max] = profile_validity(c, p);
    if (validity > max) {
      return bad("[profiles." + p.name + "] validity exceeds its maximum validity");
    }
  }
  if (!default_found) {
    return bad("[certificates] default_profile \"" + c.default_profile +
               "\" is not one of the profiles");
  }
  if (c.threads < 0 || c.threads > 256) return bad("threads must be 0-256");
  if (c.node_name.size() > 128 || c.node_name.find('/') != std::string::npos)
    return bad("[server] node_name must be at most 128 characters, without '/'");
  if (c.lease < std::chrono::seconds(3))
    return bad("[server] lease_seconds must be at least 3");
  if (!c.nonces.empty() && c.nonces != "local" && c.nonces != "shared")
    return bad("[server] nonces must be \"local\" or \"shared\"");
  std::set<std::string> names;
  for (const auto& p : c.perspectives) {
    if (p.name.empty() || p.name.size() > 64 ||
        p.name.find_first_not_of(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
            std::string::npos) {
      return bad("perspective name \"" + p.name +
                 "\" must be 1-64 letters, digits, '.', '_' or '-'");
    }
    if (p.name == "primary") return bad("\"primary\" names this server, not a perspective");
    if (!names.insert(p.name).second) return bad("perspective \"" + p.name + "\" appears twice");
    if (!p.url.starts_with("https://")) {
      return bad("perspective \"" + p.name + "\": url must start with https://");
    }
  }
  if (c.max_remote_failures && *c.max_remote_failures > c.perspectives.size()) {
    return bad("max_remote_failures exceeds the number of perspectives");
  }
  for (const auto& cidr : c.allowed_ip_ranges) {
    if (!valid_cidr(cidr))
      return bad("[policy] allowed_ip_ranges: \"" + cidr + "\" is not a CIDR range");
  }
  std::set<std::string> accounts;
  for (const auto& o : c.rate_limit_overrides) {
    if (!accounts.insert(o.account).second)
      return bad("[[rate_limits.overrides]] account \"" + o.account + "\" appears twice");
  }
  // The test mode is never on by accident: its knobs without it are a mistake to report,
  // not settings to ignore.
  if (!c.testing.enabled && !c.testing.knobs_set.empty()) {
    std::string knobs;
    for (const auto& k : c.testing.knobs_set) knobs += (knobs.empty() ? "" : ", ") + k;
    return bad("[testing] sets " + knobs +
               " but the test mode is not enabled: add `enabled = true` to [testing], or start "
               "with `signet serve --testing` (these knobs make a CA that must not be trusted, so "
               "they are never taken on their own)");
  }
  if (auto st = validate_ca_key(c); !st) return st;
  return validate_testing(c.testing);
}

std::vector<std::string> restart_only_changes(const Config& a, const Config& b) {
  std::vector<std::string> out;
  const auto check = [&](const char* name, bool same) {
    if (!same) out.emplace_back(name);
  };
  check("server.listen", a.listen == b.listen);
  check("server.data_dir", a.data_dir == b.data_dir);
  check("server.external_url", a.external_url == b.external_url);
  check("server.threads", a.threads == b.threads);
  check("server.http_listen", a.http_listen == b.http_listen);
  check("server.http_url", a.http_url == b.http_url);
  check("server.admin_listen", a.admin_listen == b.admin_listen);
  check("server.admin_client_ca", a.admin_client_ca == b.admin_client_ca);
  check("server.node_name", a.node_name == b.node_name);
  check("server.lease_seconds", a.lease == b.lease);
  check("server.nonces", a.nonces == b.nonces);
  check("crl.shards", a.crl_shards == b.crl_shards);
  check("crl.validity_hours", a.crl_validity == b.crl_validity);
  check("crl.regenerate_minutes", a.crl_regenerate == b.crl_regenerate);
  check("ocsp.validity_hours", a.ocsp_validity == b.ocsp_validity);
  check("ocsp.signed_by", a.ocsp_signed_by == b.ocsp_signed_by);
  check("validation.http01_port", a.http01_port == b.http01_port);
  check("validation.tlsalpn01_port", a.tlsalpn01_port == b.tlsalpn01_port);
  check("validation.dns_resolvers", a.dns_resolvers == b.dns_resolvers);
  check("validation.allow", a.validation_allow == b.validation_allow);
  check("validation.deny", a.validation_deny == b.validation_deny);
  check("validation.timeout_seconds", a.validation_timeout == b.validation_timeout);
  check("validation.max_in_flight", a.validation_max_in_flight == b.validation_max_in_flight);
  check("validation.max_pending", a.validation_max_pending == b.validation_max_pending);
  check("validation.caa_recheck_hours", a.caa_recheck_age == b.caa_recheck_age);
  check("validation.remote_timeout_seconds", a.remote_timeout == b.remote_timeout);
  check("validation.max_remote_failures", a.max_remote_failures == b.max_remote_failures);
  bool same_perspectives = a.perspectives.size() == b.perspectives.size();
  for (std::size_t i = 0; same_perspectives && i < a.perspectives.size(); ++i) {
    same_perspectives = a.perspectives[i].name == b.perspectives[i].name &&
                        a.perspectives[i].url == b.perspectives[i].url &&
                        a.perspectives[i].region == b.perspectives[i].region;
  }
  check("validation.perspectives", same_perspectives);
  check("orders.lifetime_hours", a.order_lifetime == b.order_lifetime);
  check("orders.pending_authz_lifetime_hours",
        a.pending_authz_lifetime == b.pending_authz_lifetime);
  check("orders.valid_authz_lifetime_hours", a.valid_authz_lifetime == b.valid_authz_lifetime);
  check("orders.page_size", a.orders_page_size == b.orders_page_size);
  check("orders.purge_after_days", a.purge_after == b.purge_after);
  check("audit.file", a.audit_file == b.audit_file);
  check("storage.backend", a.storage_backend == b.storage_backend);
  check("storage.url", a.storage_url == b.storage_url);
  check("storage.connections", a.storage_connections == b.storage_connections);
  check("storage.statement_timeout_seconds",
        a.storage_statement_timeout == b.storage_statement_timeout);
  check("limits.max_body_bytes", a.max_body_bytes == b.max_body_bytes);
  check("limits.max_header_bytes", a.max_header_bytes == b.max_header_bytes);
  check("limits.handshake_timeout_seconds", a.handshake_timeout == b.handshake_timeout);
  check("limits.header_timeout_seconds", a.header_timeout == b.header_timeout);
  check("limits.read_timeout_seconds", a.read_timeout == b.read_timeout);
  check("limits.idle_timeout_seconds", a.idle_timeout == b.idle_timeout);
  check("limits.max_connections", a.max_connections == b.max_connections);
  check("limits.max_connections_per_address",
        a.max_connections_per_address == b.max_connections_per_address);
  check("testing.enabled", a.testing.enabled == b.testing.enabled);
  check("ca.key", a.ca_key == b.ca_key && a.ca_pkcs11_module == b.ca_pkcs11_module &&
                      a.ca_pin_file == b.ca_pin_file && a.ca_pin_env == b.ca_pin_env);
  return out;
}

}  // namespace signet::config
