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
    PreviousIssuerFiles f{a / p.acme_cert.filename(), a / p.acme_key.filename()};
    if (!fs::exists(f.cert, ec) || !fs::exists(f.key, ec)) continue;
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

std::vector<PreviousIssuer> load_previous_issuers(const fs::path& dir, X509* current,
                                                  core::TimePoint now,
                                                  std::vector<std::string>& skipped) {
  std::vector<PreviousIssuer> out;
  for (const auto& f : previous_issuer_files(dir, current, now)) {
    auto issuer = FileIssuer::open("acme", f.cert, f.key);
    if (!issuer) {
      skipped.push_back(f.cert.string() + ": " + issuer.error().detail);
      continue;
    }
    auto key_pem = core::read_file(f.key);
    auto key =
        key_pem ? detail::key_from_pem(*key_pem) : core::Result<core::ossl::Pkey>(key_pem.error());
    auto ocsp = key ? OcspSigner::create(core::ossl::X509Ptr(X509_dup((*issuer)->certificate())),
                                         std::move(key).value())
                    : core::Result<OcspSigner>(key.error());
    if (!ocsp) {
      skipped.push_back(f.cert.string() + ": " + ocsp.error().detail);
      continue;
    }
    PreviousIssuer prev;
    prev.id = issuer_id((*issuer)->certificate());
    prev.file = f.cert;
    prev.issuer = std::move(issuer).value();
    prev.ocsp = std::make_shared<const OcspSigner>(std::move(ocsp).value());
    out.push_back(std::move(prev));
  }
  return out;
}

}  // namespace signet::ca
