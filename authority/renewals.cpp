// Renewal information (RFC 9773): certIDs, suggested windows, early renewal.
#include "authority/renewals.hpp"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <random>

#include "authority/audit.hpp"
#include "ca/x509.hpp"
#include "core/base64url.hpp"
#include "core/openssl.hpp"

namespace signet::authority {

using core::ProblemType;

namespace {

// The octets Signet's serials have (ca::random_serial): shorter ones are padded so
// that a serial has one spelling.
constexpr std::size_t kSerialOctets = 16;
// RFC 5280 §4.1.2.2: at most 20 octets.
constexpr std::size_t kMaxSerialOctets = 20;

core::Error bad_cert_id(const std::string& why) {
  return core::make_error(ProblemType::Malformed,
                          "Invalid certID: " + why +
                              " (RFC 9773 §4.1: base64url(AKI keyIdentifier) \".\" "
                              "base64url(serial), without padding)");
}

// RFC 9773 §4.3: clients ask again after this; six hours as Let's Encrypt uses, with
// up to an hour more so that clients that started together spread out.
std::chrono::seconds retry_after() {
  thread_local std::mt19937 rng{std::random_device{}()};
  return std::chrono::hours(6) +
         std::chrono::seconds(std::uniform_int_distribution<int>(0, 3599)(rng));
}

}  // namespace

core::Result<CertId> parse_cert_id(std::string_view text) {
  const auto dot = text.find('.');
  if (dot == std::string_view::npos) return bad_cert_id("no \".\" between its two parts");
  if (text.find('.', dot + 1) != std::string_view::npos) return bad_cert_id("more than one \".\"");
  const std::string_view aki = text.substr(0, dot), serial = text.substr(dot + 1);
  if (aki.empty()) return bad_cert_id("the key identifier part is empty");
  if (serial.empty()) return bad_cert_id("the serial part is empty");
  auto key_id = core::base64url_decode(aki);
  if (!key_id || key_id->empty()) return bad_cert_id("the key identifier part is not base64url");
  auto content = core::base64url_decode(serial);
  if (!content || content->empty()) return bad_cert_id("the serial part is not base64url");
  const auto octet = [&](std::size_t i) { return static_cast<unsigned char>((*content)[i]); };
  // X.690 §8.3.2: the shortest two's complement form; serials are positive.
  if (octet(0) & 0x80) return bad_cert_id("the serial is negative");
  if (content->size() > 1 && octet(0) == 0 && !(octet(1) & 0x80))
    return bad_cert_id("the serial is not in its shortest DER form");
  std::string magnitude = content->substr(octet(0) == 0 ? 1 : 0);
  if (magnitude.empty()) return bad_cert_id("the serial is zero");
  if (magnitude.size() > kMaxSerialOctets)
    return bad_cert_id("the serial is longer than 20 octets");
  if (magnitude.size() < kSerialOctets) magnitude.insert(0, kSerialOctets - magnitude.size(), '\0');
  return CertId{std::move(*key_id), ca::detail::hex(magnitude)};
}

std::string encode_cert_id(std::string_view key_id, std::string_view serial_hex) {
  std::string bytes = ca::detail::unhex(std::string(serial_hex)).value_or(std::string{});
  const auto first = bytes.find_first_not_of('\0');
  bytes = first == std::string::npos ? std::string(1, '\0') : bytes.substr(first);
  if (static_cast<unsigned char>(bytes[0]) & 0x80) bytes.insert(0, 1, '\0');
  return core::base64url_encode(key_id) + "." + core::base64url_encode(bytes);
}

std::optional<std::string> cert_id_of(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  core::ossl::X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x) return std::nullopt;
  const ASN1_OCTET_STRING* kid = X509_get0_authority_key_id(x.get());
  const ASN1_INTEGER* serial = X509_get0_serialNumber(x.get());
  if (!kid || !serial) return std::nullopt;
  // The INTEGER's content octets, as DER has them.
  unsigned char* out = nullptr;
  const int n = i2d_ASN1_INTEGER(serial, &out);
  if (n <= 2) {
    OPENSSL_free(out);
    return std::nullopt;
  }
  const std::string encoded(reinterpret_cast<char*>(out), static_cast<std::size_t>(n));
  OPENSSL_free(out);
  // Tag, then a length of one octet (short form) or 0x81 and one octet: serials are short.
  const std::size_t header = static_cast<unsigned char>(encoded[1]) & 0x80 ? 3 : 2;
  const std::string key_id(reinterpret_cast<const char*>(ASN1_STRING_get0_data(kid)),
                           static_cast<std::size_t>(ASN1_STRING_length(kid)));
  return core::base64url_encode(key_id) + "." + core::base64url_encode(encoded.substr(header));
}

std::string key_identifier_of(const ca::Issuer& issuer) {
  const ASN1_OCTET_STRING* kid = X509_get0_subject_key_id(issuer.certificate());
  if (!kid) return {};
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(kid)),
                     static_cast<std::size_t>(ASN1_STRING_length(kid)));
}

RenewalWindow suggested_window(const core::Certificate& c, core::TimePoint now) {
  std::optional<core::TimePoint> marked = c.revoked_at;
  if (c.renew_early_at && (!marked || *c.renew_early_at < *marked)) marked = c.renew_early_at;
  if (marked) {
    const auto t = std::min(*marked, now);
    return {t - std::chrono::hours(1), t};
  }
  const auto lifetime = c.not_after - c.not_before;
  const auto start = c.not_after - lifetime / 3;
  return {start, start + lifetime / 30};
}

Renewals::Async<core::Certificate> Renewals::certificate(std::string_view cert_id,
                                                         const std::string& issuer_key_id) {
  auto id = parse_cert_id(cert_id);
  if (!id) co_return std::move(id).error();
  const auto unknown = core::make_error(
      ProblemType::NotFound, "No certificate issued by this CA has certID " + std::string(cert_id));
  if (id->key_id != issuer_key_id) co_return unknown;
  auto cert = co_await store_.certificate_by_serial(id->serial);
  if (!cert) co_return std::move(cert).error();
  if (!cert->has_value()) co_return unknown;
  co_return std::move(**cert);
}

Renewals::Async<RenewalInfo> Renewals::info(std::string_view cert_id,
                                            const std::string& issuer_key_id) {
  auto cert = co_await certificate(cert_id, issuer_key_id);
  if (!cert) co_return std::move(cert).error();
  co_return RenewalInfo{suggested_window(*cert, clock_.now()), retry_after()};
}

Renewals::Async<std::vector<EarlyRenewal>> Renewals::renew_early(const EarlyRenewalRequest& r) {
  const auto now = clock_.now();
  auto selected = co_await select_certificates(store_, r, now);
  if (!selected) co_return std::move(selected).error();
  std::vector<core::Certificate> certs = std::move(selected).value();
  if (r.serial) {
    const auto& c = certs.front();
    if (c.revoked_at) {
      co_return core::make_error(
          ProblemType::Malformed,
          "Certificate " + *r.serial + " is revoked: its renewal window is in the past already");
    }
    if (c.not_after <= now)
      co_return core::make_error(ProblemType::Malformed,
                                 "Certificate " + *r.serial + " has expired");
  }
  std::vector<EarlyRenewal> out;
  for (auto& c : certs) {
    bool marked = false;
    if (!c.renew_early_at) {
      auto changed = co_await store_.mark_renew_early(
          c.serial, now, audit::renewal_requested(now, c.serial, audit::operator_actor()));
      if (!changed) co_return std::move(changed).error();
      marked = *changed;
      // Revoked meanwhile, or marked by another request: show it as it is now.
      auto again = co_await store_.certificate_by_serial(c.serial);
      if (!again) co_return std::move(again).error();
      if (again->has_value()) c = std::move(**again);
    }
    out.push_back({std::move(c), marked});
  }
  co_return out;
}

}  // namespace signet::authority
