#include "ca/previous.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <set>

#include "ca/hierarchy.hpp"
#include "ca/x509.hpp"
#include "core/files.hpp"

namespace signet::ca {
namespace fs = std::filesystem;

std::string issuer_id(X509* issuer) {
  if (issuer == nullptr) return {};
  const ASN1_BIT_STRING* key = X509_get0_pubkey_bitstr(issuer);
  if (key == nullptr) return {};
  unsigned char md[SHA_DIGEST_LENGTH];
  SHA1(ASN1_STRING_get0_data(key), static_cast<std::size_t>(ASN1_STRING_length(key)), md);
  return detail::hex(std::string(reinterpret_cast<const char*>(md), 8));
}

bool issued_by(const std::string& leaf_der, X509* issuer) {
  const auto* p = reinterpret_cast<const unsigned char*>(leaf_der.data());
  core::ossl::X509Ptr leaf(d2i_X509(nullptr, &p, static_cast<long>(leaf_der.size())));
  if (!leaf || issuer == nullptr) return false;
  if (X509_NAME_cmp(X509_get_issuer_name(leaf.get()), X509_get_subject_name(issuer)) != 0)
    return false;
  EVP_PKEY* key = X509_get0_pubkey(issuer);
  return key != nullptr && X509_verify(leaf.get(), key) == 1;
}

fs::path archived_key_uri_file(const fs::path& archive) {
  return archive / "intermediate-key.uri";
}

core::Status write_archived_key_uri(const fs::path& archive, std::string_view uri) {
  if (auto parsed = Pkcs11Uri::parse(uri); !parsed) return std::move(parsed).error();
  return core::write_file(archived_key_uri_file(archive), std::string(uri) + "\n", 0644);
}

namespace {

// The URI archived_key_uri_file() holds (its first line), empty when there is none.
std::string archived_key_uri(const fs::path& archive) {
  std::error_code ec;
  const fs::path file = archived_key_uri_file(archive);
  if (!fs::exists(file, ec)) return {};
  auto text = core::read_file(file);
  if (!text) return {};
  std::string uri = text->substr(0, text->find('\n'));
  while (!uri.empty() && (uri.back() == '\r' || uri.back() == ' ')) uri.pop_back();
  return uri;
}

}  // namespace

std::vector<PreviousIssuerFiles> previous_issuer_files(const fs::path& dir, X509* current,
                                                       core::TimePoint now) {
  const HierarchyPaths p(dir);
  std::vector<fs::path> archives;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(p.archive, ec)) {
    if (e.is_directory(ec)) archives.push_back(e.path());
  }
  std::sort(archives.begin(), archives.end());
  std::set<std::string> seen{issuer_id(current)};
  std::vector<PreviousIssuerFiles> out;
  for (const auto& a : archives) {
    PreviousIssuerFiles f{a / p.acme_cert.filename(), a / p.acme_key.filename(), {}};
    if (!fs::exists(f.cert, ec)) continue;
    if (!fs::exists(f.key, ec)) {
      f.key.clear();
      f.key_uri = archived_key_uri(a);
      if (f.key_uri.empty()) continue;
    }
    auto pem = core::read_file(f.cert);
    auto cert = pem ? detail::x509_from_pem(*pem) : core::Result<core::ossl::X509Ptr>(pem.error());
    if (!cert) continue;
    const auto not_after = detail::to_time_point(X509_get0_notAfter(cert->get()));
    if (!not_after || *not_after <= now) continue;
    if (!seen.insert(issuer_id(cert->get())).second) continue;
    out.push_back(std::move(f));
  }
  return out;
}

namespace {

// The issuer signing with its key file, and its OCSP signer.
core::Result<PreviousIssuer> open_with_file(const PreviousIssuerFiles& f) {
  auto issuer = FileIssuer::open("acme", f.cert, f.key);
  if (!issuer) return std::move(issuer).error();
  auto key = detail::key_from_file(f.key);
  if (!key) return std::move(key).error();
  auto ocsp = OcspSigner::create(core::ossl::X509Ptr(X509_dup((*issuer)->certificate())),
                                 std::move(key).value());
  if (!ocsp) return std::move(ocsp).error();
  PreviousIssuer prev;
  prev.issuer = std::move(issuer).value();
  prev.ocsp = std::make_shared<const OcspSigner>(std::move(ocsp).value());
  return prev;
}

// The issuer signing with its key in token's token, and its OCSP signer; both hold the
// token's signing mutex for each signature.
core::Result<PreviousIssuer> open_in_token(const PreviousIssuerFiles& f,
                                           const std::shared_ptr<const Pkcs11Key>& token) {
  const std::string where =
      "its key " + f.key_uri + " (" + archived_key_uri_file(f.cert.parent_path()).string() + ")";
  if (!token) {
    return core::internal_error(
        where +
        " is in a PKCS#11 token, and the server has no token configured ([ca] key, "
        "pkcs11_module, pin_file or pin_env)");
  }
  auto key = token->another_key(f.key_uri);
  if (!key) return core::internal_error(where + ": " + key.error().detail);
  std::shared_ptr<const Pkcs11Key> shared(std::move(key).value());
  auto issuer = Pkcs11Issuer::open("acme", f.cert, shared);
  if (!issuer) return core::internal_error(where + ": " + issuer.error().detail);
  auto pkey = shared->private_key();
  if (!pkey) return core::internal_error(where + ": " + pkey.error().detail);
  auto ocsp = OcspSigner::create(core::ossl::X509Ptr(X509_dup((*issuer)->certificate())),
                                 std::move(pkey).value(), shared->signing_mutex());
  if (!ocsp) return core::internal_error(where + ": " + ocsp.error().detail);
  PreviousIssuer prev;
  prev.issuer = std::move(issuer).value();
  prev.ocsp = std::make_shared<const OcspSigner>(std::move(ocsp).value());
  return prev;
}

}  // namespace

std::vector<PreviousIssuer> load_previous_issuers(const fs::path& dir, X509* current,
                                                  core::TimePoint now,
                                                  std::vector<std::string>& skipped,
                                                  const std::shared_ptr<const Pkcs11Key>& token) {
  std::vector<PreviousIssuer> out;
  for (const auto& f : previous_issuer_files(dir, current, now)) {
    auto prev = f.key.empty() ? open_in_token(f, token) : open_with_file(f);
    if (!prev) {
      skipped.push_back(f.cert.string() + ": " + prev.error().detail);
      continue;
    }
    prev->id = issuer_id(prev->issuer->certificate());
    prev->file = f.cert;
    out.push_back(std::move(prev).value());
  }
  return out;
}

}  // namespace signet::ca
