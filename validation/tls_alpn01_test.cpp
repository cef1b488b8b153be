#include "validation/tls_alpn01.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_future.hpp>
#include <thread>

#include "core/openssl.hpp"
#include "tests/support/fake_resolver.hpp"

namespace signet::validation {
namespace {

using tcp = asio::ip::tcp;
using core::ProblemType;

struct CertSpec {
  std::vector<std::string> dns_sans{"a.test"};
  std::string key_authorization = "tok.thumb";
  bool with_extension = true;
  bool critical = true;
};

// A self-signed validation certificate as a client would make it (RFC 8737 §3).
std::pair<core::ossl::X509Ptr, core::ossl::Pkey> make_cert(const CertSpec& spec) {
  core::ossl::Pkey key(EVP_EC_gen("P-256"));
  core::ossl::X509Ptr cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  GENERAL_NAMES* sans = sk_GENERAL_NAME_new_null();
  for (const auto& n : spec.dns_sans) {
    GENERAL_NAME* gn = GENERAL_NAME_new();
    ASN1_IA5STRING* s = ASN1_IA5STRING_new();
    ASN1_STRING_set(s, n.data(), static_cast<int>(n.size()));
    GENERAL_NAME_set0_value(gn, GEN_DNS, s);
    sk_GENERAL_NAME_push(sans, gn);
  }
  X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, sans, 0, X509V3_ADD_DEFAULT);
  GENERAL_NAMES_free(sans);
  if (spec.with_extension) {
    const std::string der = std::string("\x04\x20", 2) + core::ossl::sha256(spec.key_authorization);
    ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(value, reinterpret_cast<const unsigned char*>(der.data()),
                          static_cast<int>(der.size()));
    ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
    X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, oid, spec.critical ? 1 : 0, value);
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
    ASN1_OBJECT_free(oid);
    ASN1_OCTET_STRING_free(value);
  }
  X509_sign(cert.get(), key.get(), EVP_sha256());
  return {std::move(cert), std::move(key)};
}

int select_acme_tls(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                    unsigned int inlen, void*) {
  static const unsigned char ours[] =
      "\x0a"
      "acme-tls/1";
  unsigned char* sel = nullptr;
  if (SSL_select_next_proto(&sel, outlen, ours, sizeof ours - 1, in, inlen) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = sel;
  return SSL_TLSEXT_ERR_OK;
}

// Completes TLS handshakes on loopback with one certificate, then closes.
class TlsServer {
 public:
  TlsServer(const CertSpec& spec, bool alpn)
      : ctx_(asio::ssl::context::tls_server),
        acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    auto [cert, key] = make_cert(spec);
    SSL_CTX_use_certificate(ctx_.native_handle(), cert.get());
    SSL_CTX_use_PrivateKey(ctx_.native_handle(), key.get());
    if (alpn) SSL_CTX_set_alpn_select_cb(ctx_.native_handle(), select_acme_tls, nullptr);
    asio::co_spawn(io_, accept(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TlsServer() {
    io_.stop();
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  asio::awaitable<void> accept() {
    for (;;) {
      boost::system::error_code ec;
      auto sock = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      asio::ssl::stream<tcp::socket> s(std::move(sock), ctx_);
      co_await s.async_handshake(asio::ssl::stream_base::server,
                                 asio::redirect_error(asio::use_awaitable, ec));
    }
  }
  asio::io_context io_;
  asio::ssl::context ctx_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

ValidationOutcome run(const CertSpec& spec, bool alpn = true,
                      const std::string& keyauth = "tok.thumb") {
  TlsServer server(spec, alpn);
  TlsAlpn01Config cfg;
  cfg.port = server.port();
  TlsAlpn01Checker checker(cfg, testing::loopback_resolver(),
                           AddressPolicy({*Cidr::parse("127.0.0.0/8")}));
  ValidationRequest req{{core::IdentifierType::Dns, "a.test"},
                        core::ChallengeType::TlsAlpn01,
                        "tok",
                        keyauth,
                        false,
                        "",
                        {}};
  asio::io_context io;
  Deadline deadline(std::chrono::seconds(5));
  auto fut = asio::co_spawn(io, checker.check(req, deadline), asio::use_future);
  io.run();
  return fut.get();
}

TEST(TlsAlpn01, ValidCertificatePasses) {
  auto out = run(CertSpec{});
  EXPECT_TRUE(out.ok()) << out.problem->detail;
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].address_used, "127.0.0.1");
}

TEST(TlsAlpn01, RefusesWhatRfc8737Forbids) {
  CertSpec two_sans;
  two_sans.dns_sans = {"a.test", "b.test"};
  auto r1 = run(two_sans);
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.problem->type, ProblemType::Unauthorized);
  EXPECT_NE(r1.problem->detail.find("DNS:b.test"), std::string::npos) << r1.problem->detail;

  CertSpec noncritical;
  noncritical.critical = false;
  auto r2 = run(noncritical);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.problem->detail.find("not critical"), std::string::npos);

  auto r3 = run(CertSpec{}, true, "tok.other");
  ASSERT_FALSE(r3.ok());
  EXPECT_NE(r3.problem->detail.find("SHA-256"), std::string::npos);

  CertSpec missing;
  missing.with_extension = false;
  EXPECT_FALSE(run(missing).ok());
}

TEST(TlsAlpn01, RequiresAcmeTlsNegotiated) {
  auto out = run(CertSpec{}, /*alpn=*/false);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.problem->detail.find("ALPN"), std::string::npos) << out.problem->detail;
}

TEST(TlsAlpn01, SniForIpIsReverseName) {
  EXPECT_EQ(TlsAlpn01Checker::sni_name({core::IdentifierType::Ip, "192.0.2.1"}),
            "1.2.0.192.in-addr.arpa");
  EXPECT_EQ(TlsAlpn01Checker::sni_name({core::IdentifierType::Ip, "2001:db8::1"}),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
  EXPECT_EQ(TlsAlpn01Checker::sni_name({core::IdentifierType::Dns, "a.test"}), "a.test");
}

}  // namespace
}  // namespace signet::validation
