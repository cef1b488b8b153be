// `signet serve`: build every service of the ACME server, serve until SIGINT/SIGTERM,
// then stop cleanly.
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>

#include <cstring>
#include <filesystem>
#include <iostream>

#include <unistd.h>

#include <openssl/x509v3.h>

#include "authority/audit.hpp"
#include "authority/audit_trail.hpp"
#include "authority/authority.hpp"
#include "authority/housekeeping.hpp"
#include "authority/leases.hpp"
#include "ca/certificate_authority.hpp"
#include "core/ascii.hpp"
#include "core/async.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/openssl.hpp"
#include "core/random.hpp"
#include "server/admin/runtime_metrics.hpp"
#include "server/admin/server.hpp"
#include "server/commands/ca_token.hpp"
#include "server/commands/common.hpp"
#include "server/frontend.hpp"
#include "server/nonce.hpp"
#include "server/routes.hpp"
#include "server/testing.hpp"
#include "server/vantage/client.hpp"
#include "storage/random_id.hpp"
#include "validation/validation_authority.hpp"

namespace signet::server::commands {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

// The names Signet's own certificates carry: localhost, the loopback addresses, the
// external URL's host and a specific listen address.
// The host part of an https:// or http:// URL ("[::1]" stays bracketed).
std::string url_host(const std::string& url) {
  std::string host = url.substr(url.find("://") + 3);
  return host.starts_with("[") ? host.substr(0, host.find(']') + 1)
                               : host.substr(0, host.find_first_of(":/"));
}

std::vector<core::Identifier> own_names(const std::string& base, const std::string& listen_host) {
  std::vector<core::Identifier> names{{core::IdentifierType::Dns, "localhost"},
                                      {core::IdentifierType::Ip, "127.0.0.1"},
                                      {core::IdentifierType::Ip, "::1"}};
  // The external URL's host: a name, an IPv4 address, or a bracketed IPv6 address.
  std::string ext_host = base.substr(8);
  ext_host = ext_host.starts_with("[") ? ext_host.substr(1, ext_host.find(']') - 1)
                                       : ext_host.substr(0, ext_host.find_first_of(":/"));
  boost::system::error_code ip_ec;
  const auto ext_ip = asio::ip::make_address(ext_host, ip_ec);
  if (!ip_ec) {
    names.push_back({core::IdentifierType::Ip, ext_ip.to_string()});
  } else if (ext_host != "localhost") {
    names.push_back({core::IdentifierType::Dns, ext_host});
  }
  if (listen_host != "127.0.0.1" && listen_host != "::1" && listen_host != "0.0.0.0" &&
      listen_host != "::") {
    names.push_back({core::IdentifierType::Ip, listen_host});
  }
  return names;
}

// The remote perspectives, sharing one client TLS context: Signet's client
// certificate, trusting only Signet's root.
core::Result<std::vector<std::shared_ptr<validation::RemotePerspective>>> remote_perspectives(
    const config::Config& cfg, const ca::CertificateAuthority& ca, storage::Store& store,
    const core::Clock& clock, const std::vector<core::Identifier>& names, asio::ssl::context& tls) {
  std::vector<std::shared_ptr<validation::RemotePerspective>> remotes;
  if (cfg.perspectives.empty()) return remotes;
  auto creds = ca.client_credentials(names);
  if (!creds) return std::move(creds).error();
  if (auto st = record_signed(store, creds->newly_signed, clock,
                              std::string(authority::audit::kServer));
      !st)
    return std::move(st).error();
  use_credentials(tls, creds->chain_pem, creds->key_pem);
  tls.add_certificate_authority(asio::buffer(ca.root_pem()));
  for (const auto& p : cfg.perspectives) {
    auto url = vantage::parse_agent_url(p.url);
    if (!url) return std::move(url).error();
    // The validation authority stops waiting at remote_timeout and records the agent
    // as timed out; the connection's own deadline, a little later, only cleans up.
    const auto deadline = cfg.remote_timeout + std::chrono::seconds(2);
    remotes.push_back(
        std::make_shared<vantage::AgentClient>(vantage::AgentConfig{p.name, *url, deadline}, tls));
    core::log_info("corroborating validations from " + p.name + " (" +
                   (p.region.empty() ? "no region" : p.region) + ") at " + p.url);
  }
  return remotes;
}

// A CA made by an earlier version has an ACME issuer limited to serverAuth: client
// certificates under it fail path validation for client use.
void warn_about_issuer_usages(const ca::CertificateAuthority& ca, const authority::Rules& rules) {
  X509* issuer = ca.acme_issuer().certificate();
  const bool limited = (X509_get_extension_flags(issuer) & EXFLAG_XKUSAGE) != 0 &&
                       (X509_get_extended_key_usage(issuer) & XKU_SSL_CLIENT) == 0;
  if (!limited) return;
  for (const auto& [name, p] : rules.profiles) {
    for (auto u : p.policy.extended_key_usages) {
      if (u != policy::ExtendedKeyUsage::ClientAuth) continue;
      core::log_warn("profile " + name +
                     " issues client certificates, but this CA's ACME issuer certificate "
                     "allows serverAuth only: relying parties will refuse them for client use");
    }
  }
}

// What the test CA mode does, said at start on stdout and in the log.
void print_test_banner(const TestMode& mode, const admin::Server* admin_server) {
  std::cout << "TEST CA MODE:     on (--testing or [testing] enabled): never trust this CA "
               "outside tests\n";
  const auto knobs = mode.describe();
  for (const auto& line : knobs) std::cout << "  " << line << "\n";
  if (knobs.empty()) std::cout << "  no knobs on: validation and requests as without it\n";
  if (admin_server) {
    std::cout << "Test endpoints:   " << admin_server->url()
              << "testing/ (txt, caa, config, root, intermediate)\n";
  } else {
    std::cout << "  no admin listener: the /testing/ endpoints (TXT and CAA records, knobs) "
                 "are off\n";
  }
  std::string on;
  for (const auto& line : knobs) on += (on.empty() ? "" : "; ") + line;
  core::log_warn("test CA mode: never trust this CA outside tests" +
                 (on.empty() ? std::string() : "; " + on));
}

// The admin listener's limits: the server's, with room for a few scrapers only.
// This node's name among several on one database: the configured one, or the host name
// and the configured listen port (distinct for nodes sharing a host on fixed ports, the
// same across restarts, so a restarted node takes over its earlier run's work at once).
std::string node_name(const config::Config& cfg) {
  if (!cfg.node_name.empty()) return cfg.node_name;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::strcpy(host, "signet");
  const auto colon = cfg.listen.rfind(':');
  return std::string(host) + ":" +
         (colon == std::string::npos ? cfg.listen : cfg.listen.substr(colon + 1));
}

// A nonce is accepted this long after it was issued, when nonces are shared.
constexpr core::Seconds kSharedNonceLifetime = std::chrono::minutes(15);

core::Result<std::unique_ptr<Nonces>> make_nonces(const config::Config& cfg,
                                                  storage::Store& store,
                                                  const core::Clock& clock) {
  // Shared by default on PostgreSQL, where several nodes are what it is for.
  const bool across_nodes =
      cfg.nonces == "shared" || (cfg.nonces.empty() && cfg.storage_backend == "postgresql");
  if (!across_nodes) return std::unique_ptr<Nonces>(std::make_unique<LocalNonces>());
  auto key = core::await_blocking(store.nonce_key());
  if (!key) return std::move(key).error();
  auto shared = SharedNonces::create(store, clock, *key, kSharedNonceLifetime);
  if (!shared) return std::move(shared).error();
  return std::unique_ptr<Nonces>(std::move(shared).value());
}

http::Limits admin_limits(http::Limits l) {
  l.max_connections = 64;
  l.max_connections_per_address = 0;
  return l;
}

}  // namespace

int serve(const Overrides& o) {
  auto loaded = load_config(o);
  if (!loaded) return fail(loaded.error().detail);
  const config::Config& cfg = *loaded;
  if (auto st = apply_log_config(cfg); !st) return fail(st.error().detail);
  if (auto st = raise_file_limit(cfg.max_connections); !st) return fail(st.error().detail);
  keep_freed_memory();

  std::error_code ec;
  fs::create_directories(cfg.data_dir, ec);
  if (ec) return fail("cannot create data directory " + cfg.data_dir + ": " + ec.message());
  const fs::path data_dir = fs::absolute(cfg.data_dir);

  core::SystemClock clock;
  // One registry for the whole server, handed to each part; rendered on the admin listener.
  auto metrics = std::make_shared<core::metrics::Registry>();
  auto database = open_store(cfg, metrics);
  if (!database) return fail(database.error().detail);
  auto* store = &database->store;
  auto token_key = configured_token_key(cfg);  // [ca] key: the ACME issuer's, in a token
  if (!token_key) return fail(token_key.error().detail);
  auto ca = ca::CertificateAuthority::open(data_dir, clock, *token_key);
  if (!ca) return fail(ca.error().detail);
  for (const auto& p : (*ca)->previous_issuers()) {
    core::log_info("previous ACME issuer loaded: its revocation status stays published",
                   {{"certificate", p.file.string()}, {"id", p.id}});
  }
  for (const auto& s : (*ca)->previous_issuers_skipped()) {
    core::log_warn("previous ACME issuer not loaded, its revocation status is not published: " + s);
  }

  const unsigned threads = network_threads(cfg);
  asio::io_context io(static_cast<int>(threads));
  asio::io_context va_io(1);

  // The test CA mode: its knobs, shared by the front end, validation, the authority's
  // rules and the admin listener's /testing/ endpoints.
  std::shared_ptr<TestMode> test_mode;
  if (cfg.testing.enabled) {
    test_mode = std::make_shared<TestMode>(
        std::make_shared<core::Random>(core::Random::entropy_seed()), metrics);
    if (auto st = test_mode->apply(cfg.testing); !st) return fail(st.error().detail);
  }

  // Validation: its own thread and strand; c-ares through the configured resolvers (or
  // the test mode's records); remote perspectives over mutual TLS (below, once the port
  // is known).
  auto stack = validation_stack(va_io, cfg, test_mode ? test_mode->dns() : nullptr);
  if (!stack) return fail(stack.error().detail);
  std::set<core::ChallengeType> challenges;
  for (const auto& [type, checker] : stack->checkers) challenges.insert(type);
  auto rules = build_rules(cfg, challenges, (*ca)->name_constraints());
  if (!rules) return fail(rules.error().detail);
  warn_about_issuer_usages(**ca, **rules);

  core::WorkerPool cpu_pool(threads);
  authority::Config acfg;
  acfg.order_lifetime = cfg.order_lifetime;
  acfg.pending_authz_lifetime = cfg.pending_authz_lifetime;
  acfg.valid_authz_lifetime = cfg.valid_authz_lifetime;
  acfg.orders_page_size = cfg.orders_page_size;
  acfg.caa_recheck_age = cfg.caa_recheck_age;
  acfg.lease = cfg.lease;
  auto nonces = make_nonces(cfg, **store, clock);
  if (!nonces) return fail(nonces.error().detail);

  // Listen first (port 0 picks a free port), then name ourselves after the port.
  const auto endpoint = listen_endpoint(cfg);
  // Built once the port is known; declared first so that they outlive the listener.
  std::optional<validation::ValidationAuthority> va;
  std::optional<Urls> urls;
  std::optional<authority::Authority> authority;
  std::optional<Frontend> frontend;
  asio::ssl::context agent_tls(asio::ssl::context::tls_client);
  asio::ssl::context tls(asio::ssl::context::tls_server);
  // Both listeners hand their requests to the one front end (it decides what plain
  // HTTP may reach).
  const http::Handler handle = [&frontend](const http::Request& r) { return frontend->handle(r); };
  const http::ErrorResponder refuse = [&frontend](const core::Error& e) {
    return frontend->error_response(e);
  };
  const http::Limits limits = connection_limits(cfg, config::kDefaultConnectionsPerAddress);
  http::Listener listener(io, tls, limits, handle, refuse);
  if (auto st = listener.bind(endpoint); !st) return fail(st.error().detail);
  const uint16_t port = listener.local_endpoint().port();
  // Work in flight is leased to this run of this node (authority/leases.hpp).
  const std::string node = node_name(cfg);
  acfg.run = node + "/" + storage::random_id().substr(0, 8);
  const std::string base =
      cfg.external_url ? *cfg.external_url : "https://localhost:" + std::to_string(port);
  const auto names = own_names(base, endpoint.address().to_string());
  auto creds = (*ca)->server_credentials(names);
  if (!creds) return fail(creds.error().detail);
  if (auto st = record_signed(**store, creds->newly_signed, clock,
                              std::string(authority::audit::kServer));
      !st)
    return fail(st.error().detail);
  use_credentials(tls, creds->chain_pem, creds->key_pem);

  auto remotes = remote_perspectives(cfg, **ca, **store, clock, names, agent_tls);
  if (!remotes) return fail(remotes.error().detail);
  auto va_config = validation_config(cfg);
  if (test_mode) va_config.testing = test_mode->validation();
  va.emplace(asio::make_strand(va_io), va_config, stack->checkers, stack->resolver, *remotes,
             metrics);

  // CRLs for relying parties, over plain HTTP (and HTTPS), signed before the first
  // certificate names them.
  std::optional<http::Listener> plain;
  std::string http_base;
  if (!cfg.http_listen.empty()) {
    plain.emplace(io, limits, handle, refuse);
    const auto http_endpoint = endpoint_of(cfg.http_listen);
    if (auto st = plain->bind(http_endpoint); !st) return fail(st.error().detail);
    http_base = cfg.http_url ? *cfg.http_url
                             : "http://" + url_host(base) + ":" +
                                   std::to_string(plain->local_endpoint().port());
  } else if (cfg.http_url) {
    http_base = *cfg.http_url;  // served by a proxy in front of the HTTPS listener
  }
  std::optional<authority::CrlPublisher> crls;
  if (!http_base.empty()) {
    crls.emplace(**store, **ca, cpu_pool, clock,
                 authority::CrlConfig{cfg.crl_shards, cfg.crl_validity, cfg.crl_regenerate,
                                      std::chrono::seconds(2), http_base});
    if (auto st = core::await_blocking(crls->publish_all()); !st) return fail(st.error().detail);
  }
  // OCSP on the same listeners, told of revocations by other processes as the CRLs are.
  std::optional<authority::OcspService> ocsp;
  if (crls) {
    ocsp.emplace(**store, **ca, cpu_pool, clock,
                 authority::OcspConfig{cfg.ocsp_validity, std::chrono::seconds(60), 200000, 4096,
                                       http_base,
                                       config::ocsp_signed_by_issuer(cfg)
                                           ? authority::OcspSignedBy::Issuer
                                           : authority::OcspSignedBy::Responder});
    if (auto st = core::await_blocking(ocsp->start()); !st) return fail(st.error().detail);
    crls->on_revocations([&ocsp](const auto& entries) { ocsp->revoked(entries); });
  }

  urls.emplace(base);
  acfg.account_uri_prefix = urls->of(Route::Account);
  if (!http_base.empty()) acfg.ca_issuers_url = http_base + route_path(Route::CaIssuers);
  authority.emplace(authority::Services{**store, **ca, *va, clock, cpu_pool, io.get_executor(),
                                        crls ? &*crls : nullptr, ocsp ? &*ocsp : nullptr,
                                        metrics},
                    acfg, *rules);
  // In the test mode, the authority's rules follow reuse_authorizations.
  const auto install_rules = [&authority](authority::RulesPtr r) {
    authority->set_rules(std::move(r));
  };
  if (test_mode) test_mode->use_rules(*rules, install_rules);
  frontend.emplace(*authority, **nonces, *urls, directory_meta(cfg, **rules, base),
                   std::chrono::seconds(30), metrics, test_mode);
  // Metrics and the certificate inventory for operators on a listener of their own
  // (server/admin).
  std::unique_ptr<admin::Server> admin_server;
  if (!cfg.admin_listen.empty()) {
    const auto use_ours = [&](asio::ssl::context& c) {
      use_credentials(c, creds->chain_pem, creds->key_pem);
    };
    std::shared_ptr<const admin::TestingEndpoints> testing_endpoints;
    if (test_mode) {
      testing_endpoints = std::make_shared<admin::TestingEndpoints>(test_mode, (*ca)->root_pem(),
                                                                    (*ca)->intermediate_pem());
    }
    auto opened = admin::Server::open(
        io, {endpoint_of(cfg.admin_listen), cfg.admin_client_ca, admin_limits(limits)}, use_ours,
        admin::Router({metrics, std::make_shared<authority::Inventory>(**store, clock),
                       testing_endpoints}));
    if (!opened) return fail(opened.error().detail);
    admin_server = std::move(opened).value();
  }
  admin::Observed observed{cpu_pool, database->stats, *va, {{"acme", &listener}}};
  if (plain) observed.listeners.emplace_back("http", &*plain);
  if (admin_server) observed.listeners.emplace_back("admin", &admin_server->listener());
  admin::observe(*metrics, std::move(observed));
  // What this node's previous run left in flight, and what stopped nodes left once their
  // leases lapsed, is ended (validations) or signed and stored (recorded certificates).
  authority::WorkLeases leases(*authority, **store, clock,
                               {node, std::chrono::duration_cast<std::chrono::milliseconds>(
                                          cfg.lease / 4)});
  if (auto n = core::await_blocking(leases.take_over_at_start()); !n)
    return fail(n.error().detail);
  listener.start();
  if (plain) plain->start();
  if (admin_server) admin_server->start();
  if (crls) asio::co_spawn(io, crls->run(), asio::detached);
  if (ocsp) asio::co_spawn(io, ocsp->run(), asio::detached);
  authority::Housekeeping housekeeping(**store, clock, {cfg.purge_after});
  asio::co_spawn(io, housekeeping.run(), asio::detached);
  asio::co_spawn(io, leases.run(), asio::detached);
  // The audit log, copied to a file for a SIEM as it grows.
  std::optional<authority::AuditStream> audit_stream;
  if (!cfg.audit_file.empty()) {
    audit_stream.emplace(**store, cpu_pool, cfg.audit_file, std::chrono::seconds(1));
    if (auto st = audit_stream->open(); !st)
      return fail(st.error().detail + " (move it aside, or remove its incomplete last line)");
    asio::co_spawn(io, audit_stream->run(), asio::detached);
  }

  std::cout << "Signet ACME server listening on " << endpoint.address().to_string() << ":" << port
            << "\n"
            << "Directory URL:    " << base << "/directory\n"
            << "Root certificate: " << (*ca)->root_path().string() << "\n";
  if (crls) {
    std::cout << "CRLs:             " << crls->url(0) << " ... " << crls->url(crls->shards() - 1)
              << "\n";
    // The previous issuers', and those of certificates that name no issuer in their URL.
    const auto issuers = crls->issuers();
    for (std::size_t i = 1; i < issuers.size(); ++i) {
      std::cout << "CRLs (previous):  " << crls->url(issuers[i], 0) << " ... "
                << crls->url(issuers[i], crls->shards() - 1) << "\n";
    }
  }
  if (ocsp) std::cout << "OCSP:             " << ocsp->url() << "\n";
  if (admin_server) std::cout << "Admin:            " << admin_server->url() << "\n";
  if (test_mode) print_test_banner(*test_mode, admin_server.get());
  std::cout << std::flush;
  core::log_info("ready");
  // On SIGTERM, validations in flight finish and are recorded, within a bound.
  const auto drain_limit = std::chrono::duration_cast<std::chrono::milliseconds>(
      cfg.validation_timeout + cfg.remote_timeout + std::chrono::seconds(5) +
      (test_mode ? config::kMaxValidationDelay : std::chrono::seconds(0)));
  // On SIGHUP, the configuration file is read again: the rules and the directory meta
  // change for new requests; an invalid file changes nothing.
  const auto reload = [&]() -> asio::awaitable<void> {
    if (!o.config_file) {
      core::log_warn("SIGHUP: there is no configuration file to read again (see --config)");
      co_return;
    }
    struct Loaded {
      config::Config config;
      authority::RulesPtr rules;
      std::string sha256;  // of the file read
    };
    using Next = core::Result<Loaded>;
    Next next = co_await cpu_pool.run([&]() -> Next {
      auto text = core::read_file(*o.config_file);
      if (!text) return std::move(text).error();
      auto c = load_config(o);
      if (!c) return std::move(c).error();
      auto r = build_rules(*c, challenges, (*ca)->name_constraints());
      if (!r) return std::move(r).error();
      return Loaded{std::move(c).value(), std::move(r).value(),
                    core::hex_lower(core::ossl::sha256(*text))};
    });
    if (!next) {
      core::log_error("configuration not reloaded, the running one stays: " + next.error().detail);
      co_return;
    }
    for (const auto& key : config::restart_only_changes(cfg, next->config))
      core::log_warn("configuration reload: " + key + " takes effect only at restart; ignored");
    if (auto st = apply_log_config(next->config); !st)
      core::log_error("configuration reload: " + st.error().detail);
    // Recorded before it takes effect: nothing is decided under rules the log lacks.
    auto audited = co_await (*store)->append_audit(
        authority::audit::policy_reloaded(clock.now(), *o.config_file, next->sha256));
    if (!audited) {
      core::log_error("configuration not reloaded, the running one stays: the audit log: " +
                      audited.error().detail);
      co_return;
    }
    // The test mode: the file's knobs replace those set through the admin listener.
    if (test_mode && next->config.testing.enabled) {
      if (auto st = test_mode->apply(next->config.testing); !st) {
        core::log_error("configuration reload: " + st.error().detail);
      } else {
        std::string on;
        for (const auto& line : test_mode->describe()) on += (on.empty() ? "" : "; ") + line;
        core::log_warn("test CA mode: knobs from the configuration file: " +
                       (on.empty() ? std::string("none on") : on));
      }
    }
    next->config.testing.enabled = test_mode != nullptr;  // on or off until a restart
    if (test_mode) {
      test_mode->use_rules(next->rules, install_rules);
    } else {
      authority->set_rules(next->rules);
    }
    frontend->set_meta(directory_meta(next->config, *next->rules, base));
    core::log_info("configuration reloaded from " + *o.config_file);
  };
  run_until_signalled(
      io, va_io, listener, threads,
      [&]() -> asio::awaitable<void> {
        if (plain) plain->stop();
        if (admin_server) admin_server->stop();
        if (crls) crls->stop();
        if (ocsp) ocsp->stop();
        housekeeping.stop();
        if (audit_stream) audit_stream->stop();
        const bool drained = co_await authority->drain(drain_limit);
        leases.stop();
        if (!drained) {
          core::log_warn(
              "validations still in flight at shutdown are ended at this node's next start, or "
              "by another node once their lease lapses");
        }
      },
      reload);
  cpu_pool.join();
  const auto stats = database->stats();
  core::log_info("storage: " + std::to_string(stats.writes) + " writes in " +
                 std::to_string(stats.commits) + " commits (" + std::to_string(stats.gathered) +
                 " of them waited for more writes), " + std::to_string(stats.reads) + " reads");
  core::log_info("stopped");
  return 0;  // the store closes the database as it goes out of scope
}

}  // namespace signet::server::commands
