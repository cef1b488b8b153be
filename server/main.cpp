// The composition root: parse the command line and config once, build every
// service, serve until SIGINT/SIGTERM, then stop cleanly.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "ca/certificate_authority.hpp"
#include "config/config.hpp"
#include "policy/identifiers.hpp"
#include "server/authority.hpp"
#include "server/frontend.hpp"
#include "server/http/listener.hpp"
#include "server/log.hpp"
#include "storage/sqlite_store.hpp"
#include "validation/dns01.hpp"
#include "validation/http01.hpp"
#include "validation/resolver.hpp"
#include "validation/tls_alpn01.hpp"
#include "validation/validation_authority.hpp"

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace signet;

struct Overrides {
  std::optional<std::string> config_file, listen, data_dir, external_url;
  std::optional<int> http01_port, tlsalpn01_port, threads;
  std::vector<std::string> dns_resolvers, validation_allow;
};

int fail(const std::string& what) {
  std::cerr << "signet: " << what << "\n";
  return 1;
}

std::vector<validation::Cidr> cidrs(const std::vector<std::string>& v) {
  std::vector<validation::Cidr> out;
  for (const auto& s : v)
    out.push_back(*validation::Cidr::parse(s));  // checked by config::validate
  return out;
}

int serve(const Overrides& o) {
  config::Config cfg;
  if (o.config_file) {
    auto loaded = config::load_file(*o.config_file);
    if (!loaded) return fail(loaded.error().detail);
    cfg = std::move(loaded).value();
  }
  if (o.listen) cfg.listen = *o.listen;
  if (o.data_dir) cfg.data_dir = *o.data_dir;
  if (o.external_url) cfg.external_url = *o.external_url;
  if (o.http01_port) cfg.http01_port = static_cast<uint16_t>(*o.http01_port);
  if (o.tlsalpn01_port) cfg.tlsalpn01_port = static_cast<uint16_t>(*o.tlsalpn01_port);
  if (o.threads) cfg.threads = *o.threads;
  if (!o.dns_resolvers.empty()) cfg.dns_resolvers = o.dns_resolvers;
  if (!o.validation_allow.empty()) cfg.validation_allow = o.validation_allow;
  if (auto st = config::validate(cfg); !st) return fail(st.error().detail);

  std::error_code ec;
  fs::create_directories(cfg.data_dir, ec);
  if (ec) return fail("cannot create data directory " + cfg.data_dir + ": " + ec.message());
  const fs::path data_dir = fs::absolute(cfg.data_dir);

  core::SystemClock clock;
  auto store = storage::SqliteStore::open((data_dir / "signet.db").string());
  if (!store) return fail(store.error().detail);
  if (auto n = (*store)->recover_interrupted(); !n) {
    return fail(n.error().detail);
  } else if (*n > 0) {
    server::log_warn("ended " + std::to_string(*n) +
                     " challenges/orders interrupted by the previous run");
  }
  auto ca = ca::CertificateAuthority::open(data_dir, clock);
  if (!ca) return fail(ca.error().detail);

  const unsigned threads = cfg.threads > 0 ? static_cast<unsigned>(cfg.threads)
                                           : std::max(1u, std::thread::hardware_concurrency());
  asio::io_context io(static_cast<int>(threads));
  asio::io_context va_io(1);

  // Validation: its own thread and strand; c-ares through the configured resolvers.
  validation::ResolverConfig resolver_cfg;
  resolver_cfg.servers = cfg.dns_resolvers;
  auto resolver = validation::CaresResolver::create(va_io.get_executor(), resolver_cfg);
  if (!resolver) return fail(resolver.error().detail);
  validation::Http01Config http01;
  http01.port = cfg.http01_port;
  http01.timeout = cfg.validation_timeout;
  validation::TlsAlpn01Config tls_alpn;
  tls_alpn.port = cfg.tlsalpn01_port;
  tls_alpn.timeout = cfg.validation_timeout;
  validation::AddressPolicy address_policy(cidrs(cfg.validation_allow), cidrs(cfg.validation_deny));
  std::map<core::ChallengeType, std::shared_ptr<validation::Checker>> checkers{
      {core::ChallengeType::Http01,
       std::make_shared<validation::Http01Checker>(http01, *resolver, address_policy)},
      {core::ChallengeType::Dns01, std::make_shared<validation::Dns01Checker>(*resolver)},
      {core::ChallengeType::TlsAlpn01,
       std::make_shared<validation::TlsAlpn01Checker>(tls_alpn, *resolver, address_policy)}};
  validation::ValidationConfig va_cfg;
  va_cfg.max_in_flight = cfg.validation_max_in_flight;
  va_cfg.max_pending = cfg.validation_max_pending;
  validation::ValidationAuthority va(asio::make_strand(va_io), va_cfg, checkers, *resolver);

  policy::IdentifierPolicyConfig id_cfg;
  id_cfg.max_identifiers_per_order = cfg.max_identifiers;
  id_cfg.enabled_challenges.clear();
  for (const auto& [type, checker] : checkers) id_cfg.enabled_challenges.insert(type);
  const policy::IdentifierPolicy identifiers(id_cfg);

  server::BlockingPool db_pool(2);
  server::BlockingPool cpu_pool(threads);
  server::AuthorityConfig acfg;
  acfg.order_lifetime = cfg.order_lifetime;
  acfg.pending_authz_lifetime = cfg.pending_authz_lifetime;
  acfg.valid_authz_lifetime = cfg.valid_authz_lifetime;
  acfg.reuse_valid_authorizations = cfg.reuse_valid_authorizations;
  acfg.orders_page_size = cfg.orders_page_size;
  acfg.terms_of_service_required = !cfg.terms_of_service.empty();
  acfg.profile.default_validity = cfg.default_validity;
  acfg.profile.max_validity = cfg.max_validity;
  acfg.caa_identities = cfg.caa_identities;
  acfg.caa_recheck_age = cfg.caa_recheck_age;
  server::NonceService nonces;

  // Listen first (port 0 picks a free port), then name ourselves after the port.
  auto hp = config::split_host_port(cfg.listen);
  const std::string listen_host = hp->first == "localhost" ? "127.0.0.1" : hp->first;
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address(listen_host), hp->second);

  std::optional<server::Urls> urls;
  std::optional<server::Authority> authority;
  std::optional<server::Frontend> frontend;
  asio::ssl::context tls(asio::ssl::context::tls_server);
  server::http::Limits limits{cfg.max_body_bytes, cfg.max_header_bytes, cfg.read_timeout,
                              cfg.idle_timeout, cfg.max_connections};
  server::http::Listener listener(
      io, tls, limits, [&frontend](const server::http::Request& r) { return frontend->handle(r); },
      [&frontend](const core::Error& e) { return frontend->error_response(e); });
  if (auto st = listener.bind(endpoint); !st) return fail(st.error().detail);
  const uint16_t port = listener.local_endpoint().port();
  const std::string base =
      cfg.external_url ? *cfg.external_url : "https://localhost:" + std::to_string(port);

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
  auto creds = (*ca)->server_credentials(names);
  if (!creds) return fail(creds.error().detail);
  tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                  asio::ssl::context::no_tlsv1_1);
  tls.use_certificate_chain(asio::buffer(creds->chain_pem));
  tls.use_private_key(asio::buffer(creds->key_pem), asio::ssl::context::pem);

  server::json::DirectoryMeta meta{cfg.terms_of_service, cfg.website, cfg.caa_identities, false};
  urls.emplace(base);
  authority.emplace(
      server::Services{**store, **ca, va, identifiers, clock, *urls, db_pool, cpu_pool}, acfg);
  frontend.emplace(*authority, nonces, *urls, meta);
  listener.start();

  // SIGINT/SIGTERM: stop accepting, let requests in flight finish (up to 10 s), stop.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& e, int sig) {
    if (e) return;
    server::log_info("signal " + std::to_string(sig) + ": shutting down");
    listener.stop();
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          asio::steady_timer t(io);
          for (int i = 0; i < 200 && listener.requests_in_flight() > 0; ++i) {
            t.expires_after(std::chrono::milliseconds(50));
            co_await t.async_wait(asio::use_awaitable);
          }
          io.stop();
        },
        asio::detached);
  });

  std::cout << "Signet ACME server listening on " << endpoint.address().to_string() << ":" << port
            << "\n"
            << "Directory URL:    " << base << "/directory\n"
            << "Root certificate: " << (*ca)->root_path().string() << "\n"
            << std::flush;
  server::log_info("ready");

  auto va_work = asio::make_work_guard(va_io);
  std::thread va_thread([&] { va_io.run(); });
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  va_work.reset();
  va_io.stop();
  va_thread.join();
  db_pool.join();
  cpu_pool.join();
  server::log_info("stopped");
  return 0;  // the store closes the database as it goes out of scope
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Signet: an ACME (RFC 8555) server and private certificate authority"};
  app.require_subcommand(1);
  Overrides o;
  auto* serve_cmd =
      app.add_subcommand("serve", "Run the ACME server (with no options: the embedded default)");
  serve_cmd->add_option("--config", o.config_file, "TOML configuration file")
      ->check(CLI::ExistingFile);
  serve_cmd->add_option("--listen", o.listen,
                        "HTTPS listen address IP:PORT (default 127.0.0.1:14000; port 0 picks one)");
  serve_cmd->add_option("--data-dir", o.data_dir, "Data directory (default ./signet-data)");
  serve_cmd->add_option("--external-url", o.external_url,
                        "Base URL clients use (default https://localhost:<port>)");
  serve_cmd
      ->add_option("--http01-port", o.http01_port,
                   "Port http-01 validation connects to (default 80)")
      ->check(CLI::Range(1, 65535));
  serve_cmd
      ->add_option("--tlsalpn01-port", o.tlsalpn01_port,
                   "Port tls-alpn-01 validation connects to (default 443)")
      ->check(CLI::Range(1, 65535));
  serve_cmd->add_option("--dns-resolver", o.dns_resolvers,
                        "DNS resolver IP:PORT for validation (repeatable)");
  serve_cmd->add_option(
      "--validation-allow", o.validation_allow,
      "CIDR validation may reach even if the default policy refuses it (repeatable)");
  serve_cmd->add_option("--threads", o.threads, "Network threads (default: one per core)")
      ->check(CLI::Range(1, 256));
  app.add_subcommand("version", "Print the version");
  CLI11_PARSE(app, argc, argv);
  if (app.got_subcommand("version")) {
    std::cout << "signet 0.1.0\n";
    return 0;
  }
  return serve(o);
}
