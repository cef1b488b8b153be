#pragma once
// X.509 building blocks shared by the CA's certificate builders. Private to ca/.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/identifier.hpp"
#include "core/openssl.hpp"
#include "core/result.hpp"

namespace signet::ca::detail {

std::string to_pem(X509* cert);
std::string key_to_pem(EVP_PKEY* key);
core::Result<core::ossl::X509Ptr> x509_from_pem(const std::string& pem);
core::Result<core::ossl::Pkey> key_from_pem(const std::string& pem);
// The private key in a PEM file.
core::Result<core::ossl::Pkey> key_from_file(const std::filesystem::path& path);
// DER of a certificate; empty on failure.
std::string to_der(X509* cert);

// Adds an extension from its OpenSSL configuration text ("critical,CA:FALSE").
bool add_ext(X509* cert, X509* issuer, int nid, const char* value);
// subjectAltName with DNS and IP entries.
bool add_san(X509* cert, const std::vector<core::Identifier>& names);
bool set_serial(X509* cert, const std::string& serial_bytes);
void set_validity(X509* cert, int64_t not_before_unix, int64_t not_after_unix);
// A time in a certificate; nullopt if it is unreadable.
std::optional<core::TimePoint> to_time_point(const ASN1_TIME* t);

// Lower-case hex, and back; nullopt for odd lengths or non-hex digits.
std::string hex(const std::string& bytes);
std::optional<std::string> unhex(const std::string& text);

}  // namespace signet::ca::detail
