// `signet vantage` and `signet vantage-credentials`: a remote vantage agent and the
// TLS credentials it runs with.
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <openssl/pem.h>

#include <filesystem>
#include <iostream>

#include "authority/audit.hpp"
#include "ca/certificate_authority.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "server/commands/ca_token.hpp"
#include "server/commands/admin.hpp"
#include "server/commands/common.hpp"
#include "server/vantage/agent.hpp"
#include "validation/validation_authority.hpp"

namespace signet::server::commands {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

// The files of an agent's credentials directory.
constexpr const char* kChainFile = "vantage.pem";
constexpr const char* kKeyFile = "vantage-key.pem";
constexpr const char* kRootFile = "root.pem";

// The issuer of an agent's certificate: the second certificate of its chain file.
core::Result<std::shared_ptr<X509>> infrastructure_issuer(const std::string& chain_pem) {
  core::ossl::Bio bio(BIO_new_mem_buf(chain_pem.data(), static_cast<int>(chain_pem.size())));
  core::ossl::X509Ptr leaf(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  std::shared_ptr<X509> issuer(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
  if (!leaf || !issuer) {
    return core::make_error(core::ProblemType::Malformed,
                            "needs the agent's certificate followed by its issuer's");
  }
  return issuer;
}

}  // namespace

int vantage(const Overrides& o, const std::string& credentials_dir) {
  Overrides with_default = o;
  if (!with_default.listen) with_default.listen = "127.0.0.1:14100";
  auto loaded = load_config(with_default);
  if (!loaded) return fail(loaded.error().detail);
  const config::Config& cfg = *loaded;
  if (auto st = apply_log_config(cfg); !st) return fail(st.error().detail);
  if (auto st = raise_file_limit(cfg.max_connections); !st) return fail(st.error().detail);

  const fs::path dir(credentials_dir);
  auto chain = core::read_file(dir / kChainFile);
  auto key = core::read_file(dir / kKeyFile);
  auto root = core::read_file(dir / kRootFile);
  if (!chain || !key || !root) {
    return fail("credentials directory " + credentials_dir + " needs " + kChainFile + ", " +
                kKeyFile + " and " + kRootFile + " (see `signet vantage-credentials`)");
  }
  // Only Signet's own client certificate opens a connection: one with the TLS client
  // usage signed by the infrastructure issuer, which signed this agent's certificate
  // too (the second certificate of its chain). ACME client certificates chain to the
  // same root through another issuer, and are refused.
  auto issuer = infrastructure_issuer(*chain);
  if (!issuer) return fail(credentials_dir + "/" + kChainFile + ": " + issuer.error().detail);
  asio::ssl::context tls(asio::ssl::context::tls_server);
  try {
    use_credentials(tls, *chain, *key);
    tls.add_certificate_authority(asio::buffer(*root));
  } catch (const std::exception& e) {
    return fail("credentials in " + credentials_dir + ": " + e.what());
  }
  tls.set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
  tls.set_verify_callback(
      [issuer = *issuer](bool preverified, asio::ssl::verify_context& ctx) {
        if (!preverified) return false;
        X509_STORE_CTX* store = ctx.native_handle();
        if (X509_STORE_CTX_get_error_depth(store) != 0) return true;
        STACK_OF(X509)* built = X509_STORE_CTX_get0_chain(store);
        return sk_X509_num(built) >= 2 && X509_cmp(sk_X509_value(built, 1), issuer.get()) == 0;
      });

  const unsigned threads = network_threads(cfg);
  asio::io_context io(static_cast<int>(threads));
  asio::io_context va_io(1);
  auto stack = validation_stack(va_io, cfg);
  if (!stack) return fail(stack.error().detail);
  validation::ValidationAuthority va(asio::make_strand(va_io), validation_config(cfg),
                                     stack->checkers, stack->resolver);
  vantage::Agent agent(va);

  const auto endpoint = listen_endpoint(cfg);
  // No per-address cap unless configured: the agent's one client is the Signet server,
  // which opens a connection for each validation.
  http::Listener listener(
      io, tls, connection_limits(cfg, 0),
      [&agent](const http::Request& r) { return agent.handle(r); },
      [&agent](const core::Error& e) { return agent.error_response(e); });
  if (auto st = listener.bind(endpoint); !st) return fail(st.error().detail);
  listener.start();
  std::cout << "Signet vantage agent listening on " << endpoint.address().to_string() << ":"
            << listener.local_endpoint().port() << "\n"
            << std::flush;
  core::log_info("ready");
  run_until_signalled(io, va_io, listener, threads);
  core::log_info("stopped");
  return 0;
}

int vantage_credentials(const std::string& data_dir, const std::optional<std::string>& database,
                        const std::vector<std::string>& hosts, const std::string& out_dir,
                        const std::optional<std::string>& config_file) {
  const fs::path data(data_dir);
  // Agents may be set up before the server's first start: the CA is created then,
  // exactly as `signet serve` would.
  if (!fs::exists(data / "root.pem")) {
    std::cout << "No certificate authority in " << data_dir << " yet: creating one\n";
  }
  std::vector<core::Identifier> names;
  for (const auto& h : hosts) {
    boost::system::error_code ec;
    const auto ip = asio::ip::make_address(h, ec);
    names.push_back(ec ? core::Identifier{core::IdentifierType::Dns, h}
                       : core::Identifier{core::IdentifierType::Ip, ip.to_string()});
  }
  core::SystemClock clock;
  std::shared_ptr<const ca::Pkcs11Key> token_key;  // [ca] key, when the config has one
  if (config_file) {
    Overrides o;
    o.config_file = config_file;
    auto cfg = load_config(o);
    if (!cfg) return fail(cfg.error().detail);
    auto key = configured_token_key(*cfg);
    if (!key) return fail(key.error().detail);
    token_key = std::move(key).value();
  }
  auto ca = ca::CertificateAuthority::open(data, clock, token_key);
  if (!ca) return fail(ca.error().detail);
  auto store = open_database(std::nullopt, data_dir, database, true);
  if (!store) return fail(store.error().detail);
  auto creds = (*ca)->issue_credentials(names, ca::KeyPurpose::TlsServer);
  if (!creds) return fail(creds.error().detail);
  if (auto st = record_signed(**store, creds->newly_signed, clock,
                              authority::audit::operator_actor());
      !st)
    return fail(st.error().detail);

  const fs::path out(out_dir);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) return fail("cannot create " + out_dir + ": " + ec.message());
  for (auto st : {core::write_file(out / kKeyFile, creds->key_pem, 0600),
                  core::write_file(out / kChainFile, creds->chain_pem, 0644),
                  core::write_file(out / kRootFile, (*ca)->root_pem(), 0644)}) {
    if (!st) return fail(st.error().detail);
  }
  std::cout << "Vantage agent credentials for";
  for (const auto& h : hosts) std::cout << " " << h;
  std::cout << " written to " << out_dir << " (valid 90 days)\n";
  return 0;
}

}  // namespace signet::server::commands
