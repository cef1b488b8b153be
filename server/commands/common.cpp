#include "server/commands/common.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <malloc.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include "authority/audit.hpp"
#include "core/async.hpp"
#include "core/log.hpp"
#include "core/thread_name.hpp"
#include "policy/identifiers.hpp"
#include "policy/key_policy.hpp"
#include "policy/rate_limit.hpp"
#include "server/testing.hpp"
#include "storage/pg_store.hpp"
#include "storage/sqlite_store.hpp"
#include "validation/address_policy.hpp"
#include "validation/dns01.hpp"
#include "validation/http01.hpp"
#include "validation/testing.hpp"
#include "validation/tls_alpn01.hpp"

namespace signet::server::commands {

namespace asio = boost::asio;

int fail(const std::string& what) {
  std::cerr << "signet: " << what << "\n";
  return 1;
}

void use_credentials(asio::ssl::context& tls, const std::string& chain_pem,
                     const std::string& key_pem) {
  tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                  asio::ssl::context::no_tlsv1_1);
  tls.use_certificate_chain(asio::buffer(chain_pem));
  tls.use_private_key(asio::buffer(key_pem), asio::ssl::context::pem);
}

core::Status apply_log_config(const config::Config& cfg) {
  // Validated when the configuration was read.
  core::set_log_level(core::parse_log_level(cfg.log_level).value_or(core::LogLevel::Info));
  core::set_log_format(core::parse_log_format(cfg.log_format).value_or(core::LogFormat::Text));
  return core::set_log_file(cfg.log_file);
}

core::Result<Database> open_store(const config::Config& cfg,
                                  std::shared_ptr<core::metrics::Registry> metrics) {
  if (cfg.storage_backend == "postgresql") {
    auto s = storage::PgStore::open({.url = cfg.storage_url,
                                     .connections = cfg.storage_connections,
                                     .statement_timeout = cfg.storage_statement_timeout});
    if (!s) return std::move(s).error();
    auto* pg = s->get();
    return Database{std::move(s).value(), [pg] { return pg->stats(); }};
  }
  const auto file = std::filesystem::path(cfg.data_dir) / "signet.db";
  auto s = storage::SqliteStore::open(file.string(), {.metrics = std::move(metrics)});
  if (!s) return std::move(s).error();
  auto* sqlite = s->get();
  return Database{std::move(s).value(), [sqlite] { return sqlite->stats(); }};
}

core::Result<config::Config> load_config(const Overrides& o) {
  config::Config cfg;
  if (o.config_file) {
    auto loaded = config::load_file(*o.config_file);
    if (!loaded) return std::move(loaded).error();
    cfg = std::move(loaded).value();
  }
  if (o.listen) cfg.listen = *o.listen;
  if (o.http_listen) cfg.http_listen = *o.http_listen;
  if (o.admin_listen) cfg.admin_listen = *o.admin_listen;
  if (o.data_dir) cfg.data_dir = *o.data_dir;
  if (o.database) {
    cfg.storage_backend = "postgresql";
    cfg.storage_url = *o.database;
  }
  if (o.external_url) cfg.external_url = *o.external_url;
  if (o.node_name) cfg.node_name = *o.node_name;
  if (o.http01_port) cfg.http01_port = static_cast<uint16_t>(*o.http01_port);
  if (o.tlsalpn01_port) cfg.tlsalpn01_port = static_cast<uint16_t>(*o.tlsalpn01_port);
  if (o.threads) cfg.threads = *o.threads;
  if (!o.dns_resolvers.empty()) cfg.dns_resolvers = o.dns_resolvers;
  if (!o.validation_allow.empty()) cfg.validation_allow = o.validation_allow;
  if (o.testing) cfg.testing.enabled = true;
  if (auto st = config::validate(cfg); !st) return std::move(st).error();
  // The inject rules' resources are the route table's.
  if (cfg.testing.enabled) {
    if (auto rules = compile_injections(cfg.testing.inject); !rules)
      return std::move(rules).error();
  }
  return cfg;
}

namespace {

core::Error config_error(const std::string& where, const std::string& detail) {
  return core::make_error(core::ProblemType::Malformed, where + ": " + detail);
}

core::Result<std::set<policy::KeyType>> key_types(const std::string& where,
                                                  const std::vector<std::string>& names) {
  std::set<policy::KeyType> out;
  for (const auto& n : names) {
    auto t = policy::key_type_from_name(n);
    if (!t) {
      return config_error(where, "unknown key type \"" + n +
                                     "\" (known: rsa2048, rsa3072, rsa4096, p256, p384, p521, "
                                     "ed25519)");
    }
    out.insert(*t);
  }
  return out;
}

core::Result<authority::Limits> limits_of(const std::string& where, const config::RateLimits& r) {
  authority::Limits out;
  const std::pair<const char*, std::pair<const std::string*, policy::Rate*>> rates[] = {
      {"new_orders_per_account", {&r.new_orders_per_account, &out.new_orders_per_account}},
      {"certificates_per_domain", {&r.certificates_per_domain, &out.certificates_per_domain}},
      {"failed_validations_per_account_name",
       {&r.failed_validations_per_account_name, &out.failed_validations_per_account_name}},
      {"new_accounts_per_ip", {&r.new_accounts_per_ip, &out.new_accounts_per_ip}},
  };
  for (const auto& [key, v] : rates) {
    auto rate = policy::parse_rate(*v.first);
    if (!rate) return config_error(where + " " + key, rate.error().detail);
    *v.second = *rate;
  }
  out.pending_authorizations_per_account = r.pending_authorizations_per_account;
  out.validations_in_flight_per_account = r.validations_in_flight_per_account;
  return out;
}

// "90 days", "160 hours".
std::string duration_text(std::chrono::seconds d) {
  const auto hours = std::chrono::duration_cast<std::chrono::hours>(d).count();
  if (hours % 24 == 0) return std::to_string(hours / 24) + (hours == 24 ? " day" : " days");
  return std::to_string(hours) + (hours == 1 ? " hour" : " hours");
}

// What the directory says of a profile that brings no description of its own.
std::string describe_profile(const config::ProfileConfig& p, std::chrono::seconds validity) {
  std::string usage;
  for (const auto& u : p.extended_key_usage) usage += (usage.empty() ? "" : " and ") + u;
  std::string out = (usage == "serverAuth"   ? std::string("TLS server")
                     : usage == "clientAuth" ? std::string("TLS client")
                                             : usage) +
                    " certificates valid for " + duration_text(validity);
  if (!p.revocation_pointers) out += ", without revocation pointers";
  return out;
}

core::Result<authority::ProfileRules> profile_of(const config::Config& cfg,
                                                 const config::ProfileConfig& p) {
  const std::string where = "[profiles." + p.name + "]";
  policy::Profile out;
  out.name = p.name;
  const auto [validity, max_validity] = config::profile_validity(cfg, p);
  out.default_validity = validity;
  out.max_validity = max_validity;
  out.description = p.description.empty() ? describe_profile(p, validity) : p.description;
  out.extended_key_usages.clear();
  for (const auto& n : p.extended_key_usage) {
    auto e = policy::extended_key_usage_from_name(n);
    if (!e) {
      return config_error(where + " extended_key_usage",
                          "unknown usage \"" + n + "\" (known: serverAuth, clientAuth)");
    }
    out.extended_key_usages.push_back(*e);
  }
  if (out.extended_key_usages.empty())
    return config_error(where + " extended_key_usage", "names no usage");
  out.key_usages.clear();
  for (const auto& n : p.key_usage) {
    auto k = policy::key_usage_from_name(n);
    if (!k) {
      return config_error(where + " key_usage", "unknown usage \"" + n +
                                                    "\" (known: digitalSignature, keyEncipherment)");
    }
    out.key_usages.push_back(*k);
  }
  if (std::find(out.key_usages.begin(), out.key_usages.end(),
                policy::KeyUsage::DigitalSignature) == out.key_usages.end()) {
    // Every TLS key proves possession by signing (RFC 8446 §4.4.3; RFC 5246 ECDHE).
    return config_error(where + " key_usage", "must include digitalSignature");
  }
  out.common_name = p.common_name;
  out.max_identifiers = p.max_identifiers;
  out.identifier_types.clear();
  for (const auto& n : p.identifier_types) {
    auto t = core::identifier_type_from_string(n);
    if (!t) return config_error(where + " identifier_types", "unknown type \"" + n + "\" (known: dns, ip)");
    out.identifier_types.insert(*t);
  }
  if (out.identifier_types.empty()) return config_error(where + " identifier_types", "names no type");
  if (p.authorization_reuse) {
    out.authorization_reuse = *p.authorization_reuse;
  } else if (!cfg.reuse_valid_authorizations) {
    out.authorization_reuse = std::chrono::seconds(0);
  }
  auto types = key_types(where + " key_types", p.key_types);
  if (!types) return std::move(types).error();
  out.key_types = *types;
  out.accounts = {p.accounts.begin(), p.accounts.end()};
  out.eab_keys = {p.eab_keys.begin(), p.eab_keys.end()};
  out.revocation_pointers = p.revocation_pointers;
  return authority::ProfileRules{out, ca::certificate_profile(out)};
}

std::vector<validation::Cidr> cidrs(const std::vector<std::string>& v) {
  std::vector<validation::Cidr> out;
  for (const auto& s : v)
    out.push_back(*validation::Cidr::parse(s));  // checked by config::validate
  return out;
}

}  // namespace

core::Result<authority::RulesPtr> build_rules(const config::Config& cfg,
                                              const std::set<core::ChallengeType>& challenges,
                                              const policy::NameConstraints& issuer_constraints) {
  policy::IdentifierPolicyConfig names;
  names.max_identifiers_per_order = cfg.max_identifiers;
  names.allow_wildcards = cfg.allow_wildcards;
  names.allowed_domains = cfg.allowed_domains;
  names.denied_domains = cfg.denied_domains;
  names.reserved_names = cfg.reserved_names;
  names.allowed_ip_ranges.clear();
  for (const auto& r : cfg.allowed_ip_ranges) {
    auto range = policy::parse_ip_range(r);
    if (!range) return config_error("[policy] allowed_ip_ranges", range.error().detail);
    names.allowed_ip_ranges.push_back(*range);
  }
  names.enabled_challenges = challenges;
  names.issuer_constraints = issuer_constraints;
  if (auto st = policy::validate_config(names); !st)
    return config_error("[policy]", st.error().detail);

  policy::KeyPolicyConfig keys;
  auto account = key_types("[policy.keys] account", cfg.account_keys);
  if (!account) return std::move(account).error();
  auto certificate = key_types("[policy.keys] certificate", cfg.certificate_keys);
  if (!certificate) return std::move(certificate).error();
  keys.account = *account;
  keys.certificate = *certificate;
  if (!cfg.blocked_keys_file.empty()) {
    auto blocked = policy::load_blocked_keys(cfg.blocked_keys_file);
    if (!blocked) return config_error("[policy.keys] blocked_keys_file", blocked.error().detail);
    keys.blocked_spki_sha256 = std::move(blocked).value();
  }

  auto limits = limits_of("[rate_limits]", cfg.rate_limits);
  if (!limits) return std::move(limits).error();
  std::map<std::string, authority::Limits> overrides;
  for (const auto& o : cfg.rate_limit_overrides) {
    auto l = limits_of("[[rate_limits.overrides]] account " + o.account, o.limits);
    if (!l) return std::move(l).error();
    overrides.emplace(o.account, *l);
  }
  authority::Rules rules{policy::IdentifierPolicy(std::move(names)),
                         policy::KeyPolicy(std::move(keys)),
                         *limits,
                         std::move(overrides),
                         !cfg.terms_of_service.empty(),
                         cfg.caa_identities,
                         cfg.external_account_required};
  for (const auto& p : cfg.profiles) {
    auto profile = profile_of(cfg, p);
    if (!profile) return std::move(profile).error();
    rules.profiles.emplace(p.name, std::move(profile).value());
  }
  rules.default_profile = cfg.default_profile;
  if (rules.profile(rules.default_profile) == nullptr)
    return config_error("[certificates] default_profile", "names no profile");
  return std::make_shared<const authority::Rules>(std::move(rules));
}

json::DirectoryMeta directory_meta(const config::Config& cfg, const authority::Rules& rules,
                                   const std::string& base_url) {
  json::DirectoryMeta meta{cfg.terms_of_service, cfg.website.empty() ? base_url + "/" : cfg.website,
                           cfg.caa_identities, cfg.external_account_required};
  // A test CA points at its own home page, which says what it is.
  if (cfg.testing.enabled) {
    meta.website = base_url + "/";
    meta.test_ca = true;
  }
  for (const auto& [name, p] : rules.profiles) meta.profiles.emplace_back(name, p.policy.description);
  return meta;
}

core::Result<ValidationStack> validation_stack(
    asio::io_context& va_io, const config::Config& cfg,
    std::shared_ptr<const validation::TestDns> test_dns) {
  validation::ResolverConfig resolver_cfg;
  resolver_cfg.servers = cfg.dns_resolvers;
  auto servers = validation::CaresResolver::create(va_io.get_executor(), resolver_cfg);
  if (!servers) return std::move(servers).error();
  // The test mode's resolver answers from its records while resolve_all_to is set and
  // asks the DNS servers otherwise; without the test mode, the DNS servers alone.
  std::shared_ptr<validation::Resolver> resolver = *servers;
  if (test_dns) resolver = std::make_shared<validation::TestResolver>(test_dns, *servers);
  auto allow = cidrs(cfg.validation_allow);
  if (test_dns) {
    // A CI job's responders listen on loopback, where resolve_all_to usually points.
    allow.push_back(*validation::Cidr::parse("127.0.0.0/8"));
    allow.push_back(*validation::Cidr::parse("::1/128"));
  }
  validation::Http01Config http01;
  http01.port = cfg.http01_port;
  validation::TlsAlpn01Config tls_alpn;
  tls_alpn.port = cfg.tlsalpn01_port;
  validation::AddressPolicy address_policy(std::move(allow), cidrs(cfg.validation_deny));
  ValidationStack stack;
  stack.resolver = resolver;
  stack.checkers = {
      {core::ChallengeType::Http01,
       std::make_shared<validation::Http01Checker>(http01, resolver, address_policy)},
      {core::ChallengeType::Dns01, std::make_shared<validation::Dns01Checker>(resolver)},
      {core::ChallengeType::TlsAlpn01,
       std::make_shared<validation::TlsAlpn01Checker>(tls_alpn, resolver, address_policy)}};
  return stack;
}

validation::ValidationConfig validation_config(const config::Config& cfg) {
  validation::ValidationConfig v;
  v.timeout = cfg.validation_timeout;
  v.max_in_flight = cfg.validation_max_in_flight;
  v.max_pending = cfg.validation_max_pending;
  v.max_in_flight_per_account = cfg.rate_limits.validations_in_flight_per_account;
  v.max_remote_failures = cfg.max_remote_failures;
  v.remote_timeout = cfg.remote_timeout;
  return v;
}

asio::ip::tcp::endpoint listen_endpoint(const config::Config& cfg) {
  return endpoint_of(cfg.listen);
}

asio::ip::tcp::endpoint endpoint_of(const std::string& host_port) {
  auto hp = config::split_host_port(host_port);  // checked by config::validate
  const std::string host = hp->first == "localhost" ? "127.0.0.1" : hp->first;
  return {asio::ip::make_address(host), hp->second};
}

http::Limits connection_limits(const config::Config& cfg, std::size_t default_per_address) {
  http::Limits l;
  l.max_body_bytes = cfg.max_body_bytes;
  l.max_header_bytes = cfg.max_header_bytes;
  l.handshake_timeout = cfg.handshake_timeout;
  l.header_timeout = cfg.header_timeout;
  l.read_timeout = cfg.read_timeout;
  l.idle_timeout = cfg.idle_timeout;
  l.max_connections = cfg.max_connections;
  l.max_connections_per_address = cfg.max_connections_per_address.value_or(default_per_address);
  return l;
}

void keep_freed_memory() {
  mallopt(M_TRIM_THRESHOLD, 64 << 20);  // free at the top of a heap: kept up to 64 MiB
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // blocks from the heap up to 32 MiB (the most)
}

core::Status raise_file_limit(std::size_t max_connections) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    return core::make_error(
        core::ProblemType::ServerInternal,
        std::string("cannot read the open-file limit: ") + std::strerror(errno));
  }
  const std::size_t needed = max_connections + kOwnFiles;
  // The soft limit may go up to the hard one without privileges. An unlimited hard limit
  // is still bounded by the kernel (fs.nr_open): when raising to it fails, what is
  // needed is asked for instead.
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      lim = raised;
    } else if (lim.rlim_cur < needed) {
      raised.rlim_cur = static_cast<rlim_t>(needed);
      if (setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
    }
  }
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < needed) {
    const auto limit = static_cast<std::size_t>(lim.rlim_cur);
    const std::string hard =
        lim.rlim_max == RLIM_INFINITY ? "unlimited" : std::to_string(lim.rlim_max);
    return core::make_error(
        core::ProblemType::ServerInternal,
        "the open-file limit (" + std::to_string(limit) + ", hard limit " + hard +
            ") is too low for [limits] max_connections = " + std::to_string(max_connections) +
            ": Signet needs max_connections + " + std::to_string(kOwnFiles) + " = " +
            std::to_string(needed) + " open files. Lower max_connections to at most " +
            std::to_string(limit > kOwnFiles ? limit - kOwnFiles : 0) +
            ", or raise the limit to at least " + std::to_string(needed) +
            " (LimitNOFILE=" + std::to_string(needed) + " in the systemd unit, or ulimit -n)");
  }
  return {};
}

unsigned network_threads(const config::Config& cfg) {
  return cfg.threads > 0 ? static_cast<unsigned>(cfg.threads)
                         : std::max(1u, std::thread::hardware_concurrency());
}

core::Status record_signed(storage::Store& store, const std::optional<ca::SignedRecord>& r,
                           const core::Clock& clock, const std::string& actor) {
  if (!r) return {};
  const auto c = r->record(clock.now());
  auto recorded = core::await_blocking(store.record_infrastructure_certificate(
      c, authority::audit::infrastructure_certificate_issued(c.issued_at, c, actor)));
  if (!recorded) return std::move(recorded).error();
  return {};
}

void run_until_signalled(asio::io_context& io, asio::io_context& va_io, http::Listener& listener,
                         unsigned threads, std::function<asio::awaitable<void>()> drain,
                         std::function<asio::awaitable<void>()> reload) {
  // Signals are handled on one strand. SIGHUP: one reload at a time, each after the
  // previous one finished.
  auto strand = asio::make_strand(io);
  asio::signal_set hangups(strand);
  if (reload) hangups.add(SIGHUP);
  std::function<void()> await_hangup = [&] {
    hangups.async_wait([&](const boost::system::error_code& e, int) {
      if (e) return;
      asio::co_spawn(io, reload(),
                     asio::bind_executor(strand, [&](std::exception_ptr) { await_hangup(); }));
    });
  };
  if (reload) await_hangup();
  asio::signal_set signals(strand, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& e, int sig) {
    if (e) return;
    core::log_info("signal " + std::to_string(sig) + ": shutting down");
    listener.stop();
    hangups.cancel();
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          asio::steady_timer t(io);
          for (int i = 0; i < 200 && listener.requests_in_flight() > 0; ++i) {
            t.expires_after(std::chrono::milliseconds(50));
            co_await t.async_wait(asio::use_awaitable);
          }
          if (drain) co_await drain();
          io.stop();
        },
        asio::detached);
  });
  auto va_work = asio::make_work_guard(va_io);
  std::thread va_thread([&] {
    core::name_this_thread("validation");
    va_io.run();
  });
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) {
    pool.emplace_back([&] {
      core::name_this_thread("signet-io");
      io.run();
    });
  }
  io.run();  // the main thread, "signet", serves too
  for (auto& t : pool) t.join();
  va_work.reset();
  va_io.stop();
  va_thread.join();
}

}  // namespace signet::server::commands
