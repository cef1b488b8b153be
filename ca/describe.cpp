// Describing the issuers of a data directory from their certificate files.
#include "ca/describe.hpp"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <tuple>

#include "ca/chains.hpp"
#include "ca/hierarchy.hpp"
#include "ca/previous.hpp"
#include "ca/x509.hpp"
#include "core/files.hpp"
#include "core/openssl.hpp"

namespace signet::ca {

namespace fs = std::filesystem;

namespace {

std::string name_text(const X509_NAME* name) {
  core::ossl::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string key_type(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      return "RSA " + std::to_string(EVP_PKEY_get_bits(key));
    case EVP_PKEY_EC: {
      char group[64] = {};
      std::size_t len = 0;
      const std::string g =
          EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1 ? group : "";
      if (g == "prime256v1") return "ECDSA P-256";
      if (g == "secp384r1") return "ECDSA P-384";
      if (g == "secp521r1") return "ECDSA P-521";
      return "ECDSA " + g;
    }
    case EVP_PKEY_ED25519:
      return "Ed25519";
    default:
      return "unknown";
  }
}

IssuerDescription describe(const std::string& role, const fs::path& file, X509* cert) {
  IssuerDescription d;
  d.role = role;
  d.file = file.string();
  d.subject = name_text(X509_get_subject_name(cert));
  d.issuer = name_text(X509_get_issuer_name(cert));
  core::ossl::Bignum serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  if (serial) {
    std::string bytes(static_cast<std::size_t>(BN_num_bytes(serial.get())), '\0');
    BN_bn2bin(serial.get(), reinterpret_cast<unsigned char*>(bytes.data()));
    d.serial = detail::hex(bytes);
  }
  d.key_type = key_type(X509_get0_pubkey(cert));
  d.sha256_fingerprint = detail::hex(core::ossl::sha256(detail::to_der(cert)));
  if (const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(cert)) {
    d.subject_key_id =
        detail::hex(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(ski)),
                                static_cast<std::size_t>(ASN1_STRING_length(ski))));
  }
  d.not_before = detail::to_time_point(X509_get0_notBefore(cert)).value_or(core::TimePoint{});
  d.not_after = detail::to_time_point(X509_get0_notAfter(cert)).value_or(core::TimePoint{});
  d.pem = detail::to_pem(cert);
  return d;
}

}  // namespace

core::Result<std::vector<IssuerDescription>> describe_issuers(const fs::path& dir,
                                                              const std::string& acme_token_key) {
  const HierarchyPaths p(dir);
  std::vector<IssuerDescription> out;
  // Each file's certificates: root.pem's first is the root, the others roots still
  // trusted (after an import or a rollover); an imported issuer's chain; the alternate
  // chains a rollover made.
  std::vector<std::tuple<std::string, fs::path, bool>> files{
      {"root", p.root_cert, true},
      {"acme", p.acme_cert, true},
      {"chain", p.acme_chain, false},
      {"infrastructure", p.infrastructure_cert, false}};
  auto alternates = alternate_files(p.alternates);
  if (!alternates) return std::move(alternates).error();
  for (const auto& f : *alternates) files.emplace_back("alternate", f, false);
  std::error_code ec;
  for (const auto& [role, file, required] : files) {
    if (!fs::exists(file, ec)) {
      if (!required) continue;
      return core::make_error(core::ProblemType::NotFound,
                              "no CA in " + dir.string() + ": " + file.string() + " is missing");
    }
    auto pem = core::read_file(file);
    if (!pem) return std::move(pem).error();
    auto certs = certificates_of(*pem, file.string());
    if (!certs) return std::move(certs).error();
    for (std::size_t i = 0; i < certs->size(); ++i) {
      const std::string r = role == "root" && i > 0 ? "previous root" : role;
      out.push_back(describe(r, file, (*certs)[i].get()));
      if (role == "acme") {
        // As the server chooses: the token key when [ca] key names one, else the file.
        auto& d = out.back();
        if (!acme_token_key.empty()) {
          d.key_storage = "pkcs11";
          d.key_location = acme_token_key;
        } else if (fs::exists(p.acme_key, ec)) {
          d.key_storage = "file";
          d.key_location = p.acme_key.lexically_relative(dir).string();
        } else {
          d.key_storage = "unknown";
        }
        break;
      }
    }
  }
  return out;
}

std::vector<IssuerDescription> describe_previous_issuers(const fs::path& dir, core::TimePoint now) {
  const HierarchyPaths p(dir);
  auto current_pem = core::read_file(p.acme_cert);
  auto current = current_pem ? detail::x509_from_pem(*current_pem)
                             : core::Result<core::ossl::X509Ptr>(current_pem.error());
  std::vector<IssuerDescription> out;
  if (!current) return out;
  for (const auto& f : previous_issuer_files(dir, current->get(), now)) {
    auto pem = core::read_file(f.cert);
    auto cert = pem ? detail::x509_from_pem(*pem) : core::Result<core::ossl::X509Ptr>(pem.error());
    if (cert) out.push_back(describe("previous acme", f.cert, cert->get()));
  }
  return out;
}

}  // namespace signet::ca
