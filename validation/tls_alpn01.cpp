#include "validation/tls_alpn01.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

#include "core/ascii.hpp"
#include "core/openssl.hpp"
#include "validation/targets.hpp"

namespace signet::validation {

namespace beast = boost::beast;
namespace ip = asio::ip;
using core::ProblemType;

namespace {

constexpr unsigned char kAlpn[] =
    "\x0a"
    "acme-tls/1";
constexpr std::string_view kProtocol = "acme-tls/1";

core::Error unauthorized(const std::string& detail) {
  return core::make_error(ProblemType::Unauthorized, detail);
}

std::string describe_sans(const GENERAL_NAMES* sans) {
  std::string out;
  for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
    std::string one = "(other)";
    if (gn->type == GEN_DNS) {
      one = "DNS:" +
            sanitize_excerpt(std::string_view(reinterpret_cast<const char*>(gn->d.dNSName->data),
                                              static_cast<std::size_t>(gn->d.dNSName->length)));
    } else if (gn->type == GEN_IPADD) {
      const auto* d = gn->d.iPAddress;
      if (d->length == 4 || d->length == 16) {
        ip::address a = d->length == 4 ? ip::address(ip::address_v4(ip::address_v4::bytes_type{
                                             d->data[0], d->data[1], d->data[2], d->data[3]}))
                                       : ip::address(ip::address_v6([&] {
                                           ip::address_v6::bytes_type b;
                                           std::copy(d->data, d->data + 16, b.begin());
                                           return b;
                                         }()));
        one = "IP:" + a.to_string();
      }
    }
    out += (out.empty() ? "" : ", ") + one;
    if (i >= 4) {
      out += ", ...";
      break;
    }
  }
  return out.empty() ? "none" : out;
}

// RFC 8737 §3: exactly one SAN, the identifier being validated.
bool san_is_exactly(const GENERAL_NAMES* sans, const core::Identifier& id) {
  if (!sans || sk_GENERAL_NAME_num(sans) != 1) return false;
  const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, 0);
  if (id.type == core::IdentifierType::Dns) {
    if (gn->type != GEN_DNS) return false;
    const std::string name =
        core::ascii_lower(std::string_view(reinterpret_cast<const char*>(gn->d.dNSName->data),
                                           static_cast<std::size_t>(gn->d.dNSName->length)));
    return name == id.value;
  }
  if (gn->type != GEN_IPADD) return false;
  boost::system::error_code ec;
  const auto want = ip::make_address(id.value, ec);
  if (ec) return false;
  const auto* d = gn->d.iPAddress;
  if (want.is_v4()) {
    const auto b = want.to_v4().to_bytes();
    return d->length == 4 && std::equal(b.begin(), b.end(), d->data);
  }
  const auto b = want.to_v6().to_bytes();
  return d->length == 16 && std::equal(b.begin(), b.end(), d->data);
}

// Checks the certificate the target presented; nullopt if it proves control.
std::optional<core::Error> check_certificate(X509* cert, const ValidationRequest& req,
                                             const std::string& where) {
  if (!cert) return unauthorized(where + ": no certificate was presented");
  core::ossl::GeneralNames sans(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!san_is_exactly(sans.get(), req.identifier)) {
    return unauthorized(where + ": the certificate must name exactly " + req.identifier.value +
                        "; it has subjectAltName " + describe_sans(sans.get()));
  }
  std::unique_ptr<ASN1_OBJECT, core::ossl::Deleter<ASN1_OBJECT_free>> oid(
      OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1));
  const int idx = X509_get_ext_by_OBJ(cert, oid.get(), -1);
  if (idx < 0) return unauthorized(where + ": the certificate has no acmeIdentifier extension");
  X509_EXTENSION* ext = X509_get_ext(cert, idx);
  if (X509_EXTENSION_get_critical(ext) != 1) {
    return unauthorized(where + ": the acmeIdentifier extension is not critical");
  }
  // extnValue is the DER of Authorization ::= OCTET STRING (SIZE (32)).
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(ext);
  const std::string digest = core::ossl::sha256(req.key_authorization);
  const std::string expected = std::string("\x04\x20", 2) + digest;
  const std::string_view got(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                             static_cast<std::size_t>(ASN1_STRING_length(value)));
  if (got != expected) {
    return unauthorized(
        where + ": the acmeIdentifier extension does not hold SHA-256 of the key authorization");
  }
  return std::nullopt;
}

}  // namespace

TlsAlpn01Checker::TlsAlpn01Checker(TlsAlpn01Config config, std::shared_ptr<Resolver> resolver,
                                   AddressPolicy policy)
    : config_(config),
      resolver_(std::move(resolver)),
      policy_(std::move(policy)),
      tls_(std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client)) {
  // The certificate is self-signed by design (RFC 8737 §3); what it holds is checked.
  tls_->set_verify_mode(asio::ssl::verify_none);
}

std::string TlsAlpn01Checker::sni_name(const core::Identifier& id) {
  if (id.type == core::IdentifierType::Dns) return id.value;
  boost::system::error_code ec;
  const auto a = ip::make_address(id.value, ec);
  if (ec) return id.value;
  std::string out;
  if (a.is_v4()) {
    const auto b = a.to_v4().to_bytes();
    for (int i = 3; i >= 0; --i) out += std::to_string(b[static_cast<std::size_t>(i)]) + ".";
    return out + "in-addr.arpa";
  }
  static const char* hex = "0123456789abcdef";
  const auto b = a.to_v6().to_bytes();
  for (int i = 15; i >= 0; --i) {
    out += hex[b[static_cast<std::size_t>(i)] & 15];
    out += '.';
    out += hex[b[static_cast<std::size_t>(i)] >> 4];
    out += '.';
  }
  return out + "ip6.arpa";
}

asio::awaitable<ValidationOutcome> TlsAlpn01Checker::check(const ValidationRequest& req,
                                                           Deadline& deadline) {
  ValidationOutcome out;
  auto ex = co_await asio::this_coro::executor;
  core::ValidationRecord rec;
  rec.hostname = req.identifier.value;
  rec.port = std::to_string(config_.port);
  deadline.doing(ProblemType::Dns, "looking up A/AAAA for " + req.identifier.value);
  auto targets =
      co_await resolve_targets(*resolver_, policy_, req.identifier.value, rec.addresses_resolved);
  if (!targets) {
    out.records.push_back(std::move(rec));
    out.problem = std::move(targets).error();
    co_return out;
  }
  const std::string sni = sni_name(req.identifier);
  for (const auto& addr : *targets) {
    rec.address_used = addr.to_string();
    const std::string where = addr.to_string() + ":" + rec.port;
    deadline.doing(ProblemType::Connection, "tls-alpn-01 handshake with " + where);
    beast::ssl_stream<beast::tcp_stream> stream(ex, *tls_);
    beast::get_lowest_layer(stream).expires_at(deadline.at());
    SSL_set_tlsext_host_name(stream.native_handle(), sni.c_str());
    SSL_set_alpn_protos(stream.native_handle(), kAlpn, sizeof kAlpn - 1);
    boost::system::error_code ec;
    co_await beast::get_lowest_layer(stream).async_connect(
        ip::tcp::endpoint(addr, config_.port), asio::redirect_error(asio::use_awaitable, ec));
    if (ec && deadline.passed()) {
      out.problem = deadline.expired();
      break;
    }
    if (ec) {
      out.problem = core::make_error(ProblemType::Connection, where + ": " + ec.message());
      continue;  // the other address family may answer
    }
    co_await stream.async_handshake(asio::ssl::stream_base::client,
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      out.problem = deadline.passed()
                        ? deadline.expired()
                        : core::make_error(ProblemType::Tls,
                                           where + ": TLS handshake failed: " + ec.message());
      break;
    }
    const unsigned char* proto = nullptr;
    unsigned int proto_len = 0;
    SSL_get0_alpn_selected(stream.native_handle(), &proto, &proto_len);
    const std::string_view negotiated(reinterpret_cast<const char*>(proto), proto_len);
    if (negotiated != kProtocol) {
      out.problem = unauthorized(where + ": the server negotiated ALPN \"" +
                                 sanitize_excerpt(negotiated.empty() ? "none" : negotiated) +
                                 "\" instead of \"acme-tls/1\"");
      break;
    }
    core::ossl::X509Ptr cert(SSL_get1_peer_certificate(stream.native_handle()));
    out.problem = check_certificate(cert.get(), req, where);
    break;  // RFC 8737 §3: close at once; nothing else is exchanged
  }
  out.records.push_back(std::move(rec));
  co_return out;
}

}  // namespace signet::validation
