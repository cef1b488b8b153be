#pragma once
// Helpers for ca/ tests: PEM and DER parsing; chain verification against a root alone,
// the way a relying party (or a vantage agent) checks what it is sent; a fake issuer.
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ca/builder.hpp"
#include "ca/issuer.hpp"
#include "ca/x509.hpp"
#include "core/openssl.hpp"

namespace signet::ca::test {

using StoreCtx = std::unique_ptr<X509_STORE_CTX, core::ossl::Deleter<X509_STORE_CTX_free>>;
using Store = std::unique_ptr<X509_STORE, core::ossl::Deleter<X509_STORE_free>>;

// The default ACME profile (tlsserver: serverAuth, 90 days).
inline const CertificateProfile& acme_profile() {
  static const CertificateProfile p = certificate_profile(policy::Profile{});
  return p;
}

inline std::vector<core::ossl::X509Ptr> parse_pem_chain(const std::string& pem) {
  std::vector<core::ossl::X509Ptr> out;
  core::ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.emplace_back(c);
  ERR_clear_error();  // the end of the buffer
  return out;
}

inline core::ossl::X509Ptr parse_pem(const std::string& pem) {
  auto chain = parse_pem_chain(pem);
  return chain.empty() ? nullptr : std::move(chain.front());
}

inline core::ossl::X509Ptr parse_der(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return core::ossl::X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

inline std::string subject(X509* cert) {
  char buf[512] = {};
  X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
  return buf;
}

struct Verified {
  bool ok = false;
  std::string error;
  std::vector<std::string> subjects;  // leaf first, root last
};

// Verifies the first certificate of chain_pem, the rest of it untrusted, against
// root_pem as the only trust anchor, for an X509_PURPOSE_* (0 for none).
inline Verified verify_chain(const std::string& chain_pem, const std::string& root_pem,
                             int purpose) {
  Verified out;
  auto chain = parse_pem_chain(chain_pem);
  auto root = parse_pem(root_pem);
  if (chain.empty() || !root) {
    out.error = "unparseable";
    return out;
  }
  Store store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), root.get());
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  for (std::size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted, chain[i].get());
  StoreCtx ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), chain.front().get(), untrusted);
  if (purpose != 0) X509_STORE_CTX_set_purpose(ctx.get(), purpose);
  out.ok = X509_verify_cert(ctx.get()) == 1;
  out.error = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  if (STACK_OF(X509)* built = X509_STORE_CTX_get0_chain(ctx.get())) {
    for (int i = 0; i < sk_X509_num(built); ++i)
      out.subjects.push_back(subject(sk_X509_value(built, i)));
  }
  sk_X509_free(untrusted);
  return out;
}

// A directory of its own for the running test, removed afterwards.
class TempDir {
 public:
  explicit TempDir(const std::string& tag = "")
      : path_(std::filesystem::temp_directory_path() /
              ("signet-ca-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name() + tag)) {
    std::filesystem::remove_all(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// An issuer held in memory: a self-signed P-256 CA certificate named "CN=<cn>".
class FakeIssuer final : public Issuer {
 public:
  FakeIssuer(std::string name, const std::string& cn) : name_(std::move(name)) {
    core::ossl::Pkey key(EVP_EC_gen("P-256"));
    cert_.reset(X509_new());
    X509_set_version(cert_.get(), X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(cert_.get()), 1);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert_.get()), "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert_.get(), X509_get_subject_name(cert_.get()));
    detail::set_validity(cert_.get(), 1'600'000'000, 2'000'000'000);
    X509_set_pubkey(cert_.get(), key.get());
    detail::add_ext(cert_.get(), cert_.get(), NID_basic_constraints, "critical,CA:TRUE");
    detail::add_ext(cert_.get(), cert_.get(), NID_subject_key_identifier, "hash");
    signer_.emplace(std::move(KeySigner::create(std::move(key))).value());
    (void)signer_->sign(cert_.get());
    chain_pem_ = detail::to_pem(cert_.get());
  }
  const std::string& name() const override { return name_; }
  X509* certificate() const override { return cert_.get(); }
  const std::string& chain_pem() const override { return chain_pem_; }

 private:
  core::Status sign_certificate(X509* tbs) const override { return signer_->sign(tbs); }
  core::Status sign_crl(X509_CRL* tbs) const override { return signer_->sign(tbs); }

  std::string name_;
  core::ossl::X509Ptr cert_;
  std::string chain_pem_;
  std::optional<KeySigner> signer_;
};

}  // namespace signet::ca::test
