#include "ca/import.hpp"

#include <openssl/x509v3.h>

#include <algorithm>

#include "ca/archive.hpp"
#include "ca/chains.hpp"
#include "ca/hierarchy.hpp"
#include "ca/x509.hpp"
#include "core/files.hpp"

namespace signet::ca {
namespace fs = std::filesystem;
using core::ossl::X509Ptr;

namespace {

core::Error refused(const std::string& why) {
  return core::make_error(core::ProblemType::Malformed, "signet ca import: " + why);
}

// RFC 5280 §4.2.1.9, §4.2.1.3, §4.2.1.12: what a CA needs to sign TLS server leaves.
// (Its own path length needs no check: pathLenConstraint 0 still allows leaves; those
// above it are checked with the chain.)
core::Status may_sign_leaves(X509* cert, const std::string& name) {
  const uint32_t flags = X509_get_extension_flags(cert);
  if ((flags & EXFLAG_INVALID) != 0) return refused(name + " has an invalid extension");
  if ((flags & EXFLAG_BCONS) == 0 || (flags & EXFLAG_CA) == 0) {
    return refused(name + " is not a CA certificate (basicConstraints CA:TRUE is missing)");
  }
  if ((flags & EXFLAG_KUSAGE) == 0 || (X509_get_key_usage(cert) & KU_KEY_CERT_SIGN) == 0) {
    return refused(name + " may not sign certificates (keyUsage keyCertSign is missing)");
  }
  // RFC 5280 §4.2.1.2: a CA's key identifier, which its leaves and CRLs name (§4.2.1.1).
  if (X509_get0_subject_key_id(cert) == nullptr) {
    return refused(name + " has no subjectKeyIdentifier");
  }
  if ((flags & EXFLAG_XKUSAGE) != 0 &&
      (X509_get_extended_key_usage(cert) & (XKU_SSL_SERVER | XKU_ANYEKU)) == 0) {
    return refused(name + " has an extended key usage that does not allow serverAuth");
  }
  return {};
}

core::Result<std::vector<X509Ptr>> read_certificates(const fs::path& path, const char* option) {
  auto text = core::read_file(path);
  if (!text) return refused(std::string(option) + " " + text.error().detail);
  auto certs = certificates_of(*text, path.string());
  if (!certs) return refused(std::string(option) + ": " + certs.error().detail);
  return certs;
}

}  // namespace

core::Result<ImportResult> import_ca(const fs::path& dir, const ImportRequest& r,
                                     const core::Clock& clock) {
  const bool in_token = r.key.starts_with("pkcs11:");
  if (in_token && r.token_key == nullptr) {
    return refused("--key " + r.key +
                   ": a key in a PKCS#11 token needs its module and PIN (--module, and "
                   "--pin-file or --pin-env, or a configuration with [ca])");
  }
  const auto now = clock.now();
  auto certs = read_certificates(r.cert, "--cert");
  if (!certs) return std::move(certs).error();
  X509Ptr cert = std::move(certs->front());
  std::vector<X509Ptr> chain;
  for (std::size_t i = 1; i < certs->size(); ++i) chain.push_back(std::move((*certs)[i]));
  if (!r.chain.empty()) {
    auto above = read_certificates(r.chain, "--chain");
    if (!above) return std::move(above).error();
    for (auto& c : *above) chain.push_back(std::move(c));
  }
  const std::string name = r.cert.string() + " (" + subject_line(cert.get()) + ")";

  // The key: a PEM file, or the token's key (whose private half stays in the token).
  std::string key_pem;
  core::Result<core::ossl::Pkey> key = core::internal_error("");
  if (in_token) {
    key = r.token_key->private_key();
  } else if (auto text = core::read_file(r.key); !text) {
    return refused("--key " + text.error().detail);
  } else {
    key_pem = std::move(text).value();
    key = detail::key_from_pem(key_pem);
  }
  if (!key) return refused("--key " + r.key + ": " + key.error().detail);
  auto signer = KeySigner::create(std::move(key).value());
  if (!signer) return refused("--key " + r.key + ": " + signer.error().detail);
  if (!signer->matches(cert.get())) {
    return refused("the key " + r.key + " does not match the certificate " + name);
  }
  if (auto st = may_sign_leaves(cert.get(), name); !st) return std::move(st).error();

  // The top of the chain is its trust anchor: the self-signed root if it holds one,
  // else its last certificate (else the imported certificate itself).
  const auto root_it = std::find_if(chain.begin(), chain.end(),
                                    [](const X509Ptr& c) { return self_signed(c.get()); });
  X509* top = root_it != chain.end() ? root_it->get()
              : chain.empty()        ? cert.get()
                                     : chain.back().get();
  std::vector<X509Ptr> anchors;
  anchors.emplace_back(X509_dup(top));
  std::vector<X509Ptr> served;  // the chain without a self-signed root
  for (auto& c : chain) {
    if (!self_signed(c.get())) served.push_back(std::move(c));
  }
  if (auto st = verify_up_to(cert.get(), anchors, served, now); !st) {
    return refused("the chain does not verify from " + name + " up to " + subject_line(top) + ": " +
                   st.error().detail);
  }
  // Name constraints Signet cannot read would leave orders unchecked: refused now.
  std::vector<X509*> constraining{cert.get()};
  for (const auto& c : served) constraining.push_back(c.get());
  if (auto nc = name_constraints_of(constraining); !nc) return refused(nc.error().detail);

  // Signet's own hierarchy first, when the directory has none: its infrastructure
  // issuer (Signet's listener, vantage agents) stays Signet's.
  auto current = roots_to_replace_acme(dir, clock);
  if (!current) return std::move(current).error();

  const HierarchyPaths p(dir);
  auto archived = archive_ca_files(p, now);
  if (!archived) return std::move(archived).error();

  std::vector<X509Ptr> roots;
  roots.push_back(std::move(anchors.front()));
  for (auto& old : *current) {
    if (X509_cmp(old.get(), roots.front().get()) != 0) roots.push_back(std::move(old));
  }
  // The key before its certificate, root.pem last: loading stops at a mismatch rather
  // than signing with the wrong key.
  if (in_token) {
    std::error_code ec;
    fs::remove(p.acme_key, ec);  // archived: the token's key replaces it
    if (ec) return core::internal_error("removing " + p.acme_key.string() + ": " + ec.message());
  } else if (auto st = core::write_file(p.acme_key, key_pem, 0600); !st) {
    return std::move(st).error();
  }
  if (auto st = core::write_file(p.acme_cert, detail::to_pem(cert.get()), 0644); !st) {
    return std::move(st).error();
  }
  if (served.empty()) {
    std::error_code ec;
    fs::remove(p.acme_chain, ec);  // archived, if there was one
  } else if (auto st = core::write_file(p.acme_chain, pem_of(served), 0644); !st) {
    return std::move(st).error();
  }
  if (auto st = core::write_file(p.root_cert, pem_of(roots), 0644); !st) {
    return std::move(st).error();
  }
  return ImportResult{subject_line(cert.get()), subject_line(roots.front().get()),
                      std::move(archived).value()};
}

}  // namespace signet::ca
