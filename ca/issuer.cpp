#include "ca/issuer.hpp"

#include "ca/x509.hpp"
#include "core/files.hpp"

namespace signet::ca {

namespace {

const char* digest_for(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_ED25519:
    case EVP_PKEY_ED448:
      return nullptr;
    case EVP_PKEY_EC: {
      const int bits = EVP_PKEY_get_bits(key);
      return bits > 384 ? "SHA512" : bits > 256 ? "SHA384" : "SHA256";
    }
    default:
      return "SHA256";
  }
}

}  // namespace

KeySigner::KeySigner(core::ossl::Pkey key, Md md) : key_(std::move(key)), md_(std::move(md)) {}

core::Result<KeySigner> KeySigner::create(core::ossl::Pkey key) {
  if (!key) return core::internal_error("signing key missing");
  Md md;
  if (const char* name = digest_for(key.get())) {
    md.reset(EVP_MD_fetch(nullptr, name, nullptr));
    if (!md)
      return core::internal_error(std::string("no ") + name + ": " + core::ossl::last_error());
  }
  return KeySigner(std::move(key), std::move(md));
}

core::Result<core::ossl::MdCtx> KeySigner::context() const {
  core::ossl::MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md_.get(), nullptr, key_.get()) != 1) {
    return core::internal_error("signing context: " + core::ossl::last_error());
  }
  return ctx;
}

core::Status KeySigner::sign(X509* tbs) const {
  auto ctx = context();
  if (!ctx) return std::move(ctx).error();
  if (X509_sign_ctx(tbs, ctx->get()) <= 0) {
    return core::internal_error("signing certificate: " + core::ossl::last_error());
  }
  return {};
}

core::Status KeySigner::sign(X509_CRL* tbs) const {
  auto ctx = context();
  if (!ctx) return std::move(ctx).error();
  if (X509_CRL_sign_ctx(tbs, ctx->get()) <= 0) {
    return core::internal_error("signing CRL: " + core::ossl::last_error());
  }
  return {};
}

core::Status KeySigner::sign(OCSP_BASICRESP* tbs, X509* cert) const {
  auto ctx = context();
  if (!ctx) return std::move(ctx).error();
  // RFC 6960 §4.2.2.3: byKey, the SHA-1 of the responder's public key. OpenSSL sets
  // producedAt to the current time (RFC 6960 §4.2.1).
  if (OCSP_basic_sign_ctx(tbs, cert, ctx->get(), nullptr, OCSP_RESPID_KEY) != 1) {
    return core::internal_error("signing OCSP response: " + core::ossl::last_error());
  }
  return {};
}

bool KeySigner::matches(X509* cert) const {
  return X509_check_private_key(cert, key_.get()) == 1;
}

core::Status Issuer::sign(X509* tbs) const {
  // RFC 5280 §4.1.2.4: what we sign must name us as its issuer, or it chains nowhere.
  if (X509_NAME_cmp(X509_get_issuer_name(tbs), X509_get_subject_name(certificate())) != 0) {
    return core::internal_error("certificate does not name the " + name() + " issuer");
  }
  return sign_certificate(tbs);
}

core::Status Issuer::sign(X509_CRL* tbs) const {
  // RFC 5280 §5.1.2.3.
  if (X509_NAME_cmp(X509_CRL_get_issuer(tbs), X509_get_subject_name(certificate())) != 0) {
    return core::internal_error("CRL does not name the " + name() + " issuer");
  }
  return sign_crl(tbs);
}

FileIssuer::FileIssuer(std::string name, core::ossl::X509Ptr cert, std::string chain_pem,
                       KeySigner signer)
    : name_(std::move(name)),
      cert_(std::move(cert)),
      chain_pem_(std::move(chain_pem)),
      signer_(std::move(signer)) {}

core::Result<std::unique_ptr<FileIssuer>> FileIssuer::open(std::string name,
                                                           const std::filesystem::path& cert_path,
                                                           const std::filesystem::path& key_path,
                                                           const std::string& chain_above_pem) {
  auto cert_pem = core::read_file(cert_path);
  if (!cert_pem) return std::move(cert_pem).error();
  auto key_pem = core::read_file(key_path);
  if (!key_pem) return std::move(key_pem).error();
  auto cert = detail::x509_from_pem(*cert_pem);
  if (!cert) return std::move(cert).error();
  auto key = detail::key_from_pem(*key_pem);
  if (!key) return std::move(key).error();
  auto signer = KeySigner::create(std::move(key).value());
  if (!signer) return std::move(signer).error();
  if (!signer->matches(cert->get())) {
    return core::internal_error(key_path.string() + " does not match " + cert_path.string());
  }
  std::string chain = detail::to_pem(cert->get()) + chain_above_pem;
  return std::unique_ptr<FileIssuer>(new FileIssuer(std::move(name), std::move(cert).value(),
                                                    std::move(chain), std::move(signer).value()));
}

core::Status FileIssuer::sign_certificate(X509* tbs) const {
  return signer_.sign(tbs);
}

core::Status FileIssuer::sign_crl(X509_CRL* tbs) const {
  return signer_.sign(tbs);
}

}  // namespace signet::ca
