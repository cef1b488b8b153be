#include "ca/hierarchy.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <vector>

#include "ca/chains.hpp"
#include "ca/x509.hpp"
#include "core/files.hpp"

namespace signet::ca {
namespace fs = std::filesystem;
using core::ossl::Pkey;
using core::ossl::X509Ptr;

namespace {

constexpr auto kRootValidity = std::chrono::hours(24 * 365 * 20);
constexpr auto kIntermediateValidity = std::chrono::hours(24 * 365 * 5);
constexpr auto kBackdate = std::chrono::hours(1);
constexpr std::string_view kRootPrefix = "Signet Root CA ";

// What sets one intermediate apart from the other.
struct IntermediateKind {
  const char* name;       // the issuer's name
  const char* cn_prefix;  // its certificate's common name, before the installation tag
  const char* eku;        // its extended key usage (what it may sign)
  const fs::path& cert;
  const fs::path& key;
};

}  // namespace

std::string random_tag() {
  std::string tag(4, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(tag.data()), 4);
  return detail::hex(tag);
}

std::string tag_of(X509* root) {
  char cn[256] = {};
  const int n =
      X509_NAME_get_text_by_NID(X509_get_subject_name(root), NID_commonName, cn, sizeof cn);
  const std::string_view name(cn, n > 0 ? static_cast<std::size_t>(n) : 0);
  if (name.starts_with(kRootPrefix) && name.size() > kRootPrefix.size()) {
    return std::string(name.substr(kRootPrefix.size()));
  }
  return random_tag();
}

core::Result<X509Ptr> build_ca_tbs(EVP_PKEY* subject_key, const std::string& cn, X509* issuer,
                                   core::TimePoint not_before, core::TimePoint not_after,
                                   const char* eku, bool signs_leaves_only) {
  X509Ptr cert(X509_new());
  if (!cert) return core::internal_error("X509_new: " + core::ossl::last_error());
  X509_set_version(cert.get(), X509_VERSION_3);
  std::string serial_bytes(16, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(serial_bytes.data()), 16);
  serial_bytes[0] = static_cast<char>(serial_bytes[0] & 0x7f);  // positive
  detail::set_serial(cert.get(), serial_bytes);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("Signet"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  detail::set_validity(cert.get(), core::to_unix(not_before), core::to_unix(not_after));
  X509_set_pubkey(cert.get(), subject_key);
  const bool is_root = issuer == nullptr;
  X509* iss = is_root ? cert.get() : issuer;
  const bool ok =
      detail::add_ext(cert.get(), iss, NID_basic_constraints,
                      signs_leaves_only ? "critical,CA:TRUE,pathlen:0" : "critical,CA:TRUE") &&
      detail::add_ext(cert.get(), iss, NID_key_usage,
                      "critical,keyCertSign,cRLSign,digitalSignature") &&
      (eku == nullptr || detail::add_ext(cert.get(), iss, NID_ext_key_usage, eku)) &&
      detail::add_ext(cert.get(), iss, NID_subject_key_identifier, "hash") &&
      (is_root || detail::add_ext(cert.get(), iss, NID_authority_key_identifier, "keyid:always"));
  if (!ok) return core::internal_error("building CA certificate: " + core::ossl::last_error());
  return cert;
}

core::Result<X509Ptr> build_root_tbs(EVP_PKEY* key, const std::string& tag, X509* issuer,
                                     core::TimePoint now) {
  auto not_after = now + kRootValidity;
  // A cross certificate never outlives the root that vouches for it.
  if (auto end = issuer ? detail::to_time_point(X509_get0_notAfter(issuer)) : std::nullopt) {
    not_after = std::min(not_after, *end);
  }
  return build_ca_tbs(key, std::string(kRootPrefix) + tag, issuer, now - kBackdate, not_after,
                      nullptr, false);
}

namespace {

// A fresh P-256 intermediate under root, its key written before its certificate; or,
// given token_key (the public half of a key kept in a PKCS#11 token), a certificate
// for that key and no key file.
core::Status create_intermediate(const IntermediateKind& kind, X509* root,
                                 const KeySigner& root_signer, const std::string& tag,
                                 core::TimePoint now, EVP_PKEY* token_key = nullptr) {
  Pkey generated(token_key ? nullptr : EVP_EC_gen("P-256"));
  EVP_PKEY* key = token_key ? token_key : generated.get();
  if (!key) return core::internal_error("key generation failed: " + core::ossl::last_error());
  // Never outliving the root that vouches for it.
  auto not_after = now + kIntermediateValidity;
  if (auto root_end = detail::to_time_point(X509_get0_notAfter(root))) {
    not_after = std::min(not_after, *root_end);
  }
  auto cert = build_ca_tbs(key, std::string(kind.cn_prefix) + tag, root, now - kBackdate, not_after,
                           kind.eku, true);
  if (!cert) return std::move(cert).error();
  if (auto st = root_signer.sign(cert->get()); !st) return st;
  if (generated) {
    if (auto st = core::write_file(kind.key, detail::key_to_pem(key), 0600); !st) return st;
  }
  return core::write_file(kind.cert, detail::to_pem(cert->get()), 0644);
}

// The ACME issuer's files and names.
IntermediateKind acme_kind(const HierarchyPaths& p) {
  return {"acme", "Signet Intermediate CA ", "serverAuth,clientAuth", p.acme_cert, p.acme_key};
}

// First start: a root and both intermediates (the ACME one for acme_token_key when
// given). root.pem comes last.
core::Status create_all(const HierarchyPaths& p, const IntermediateKind& acme,
                        const IntermediateKind& infrastructure, core::TimePoint now,
                        EVP_PKEY* acme_token_key = nullptr) {
  const std::string tag = random_tag();
  Pkey key(EVP_EC_gen("P-384"));
  if (!key) return core::internal_error("CA key generation failed: " + core::ossl::last_error());
  auto root = build_root_tbs(key.get(), tag, nullptr, now);
  if (!root) return std::move(root).error();
  const std::string key_pem = detail::key_to_pem(key.get());
  auto signer = KeySigner::create(std::move(key));
  if (!signer) return std::move(signer).error();
  if (auto st = signer->sign(root->get()); !st) return st;
  if (auto st = core::write_file(p.root_key, key_pem, 0600); !st) return st;
  for (const auto* kind : {&acme, &infrastructure}) {
    if (auto st = create_intermediate(*kind, root->get(), *signer, tag, now,
                                      kind == &acme ? acme_token_key : nullptr);
        !st)
      return st;
  }
  return core::write_file(p.root_cert, detail::to_pem(root->get()), 0644);
}

// Intermediates missing under an existing root, signed with its key (the ACME one
// for acme_token_key when given).
core::Status create_missing(const HierarchyPaths& p, const std::vector<X509Ptr>& roots,
                            const std::vector<const IntermediateKind*>& missing,
                            core::TimePoint now, EVP_PKEY* acme_token_key = nullptr) {
  auto key_pem = core::read_file(p.root_key);
  if (!key_pem) return std::move(key_pem).error();
  auto key = detail::key_from_pem(*key_pem);
  if (!key) return std::move(key).error();
  auto signer = KeySigner::create(std::move(key).value());
  if (!signer) return std::move(signer).error();
  // root.pem may hold several roots (after an import or a rollover): the key's own.
  const auto it = std::find_if(roots.begin(), roots.end(),
                               [&](const X509Ptr& r) { return signer->matches(r.get()); });
  if (it == roots.end()) {
    return core::internal_error(p.root_key.string() + " does not match " + p.root_cert.string());
  }
  X509* root = it->get();
  const std::string tag = tag_of(root);
  for (const auto* kind : missing) {
    EVP_PKEY* token_key = std::string_view(kind->name) == "acme" ? acme_token_key : nullptr;
    if (auto st = create_intermediate(*kind, root, *signer, tag, now, token_key); !st) return st;
  }
  return {};
}

// The issuer's certificate chains up to a root of root.pem (through `above`, an
// imported issuer's chain). Dates are not checked: a hierarchy in use loads as it is.
core::Status chains_to_roots(X509* cert, const std::vector<X509Ptr>& roots,
                             const std::vector<X509Ptr>& above, const fs::path& path) {
  if (auto st = verify_up_to(cert, roots, above, std::nullopt); !st) {
    return core::internal_error(path.string() +
                                " does not chain up to a root in root.pem: " + st.error().detail);
  }
  return {};
}

// The two kinds of issuer, as one type.
core::Result<std::unique_ptr<Issuer>> open_file_issuer(const char* name, const fs::path& cert,
                                                       const fs::path& key,
                                                       const std::string& chain_above_pem) {
  std::error_code ec;
  if (std::string_view(name) == "acme" && fs::exists(cert, ec) && !fs::exists(key, ec)) {
    return core::internal_error(key.string() +
                                " is not there: if the ACME issuer's key is in "
                                "a PKCS#11 token, give the configuration with its [ca] key");
  }
  auto issuer = FileIssuer::open(name, cert, key, chain_above_pem);
  if (!issuer) return std::move(issuer).error();
  return std::unique_ptr<Issuer>(std::move(issuer).value());
}

core::Result<std::unique_ptr<Issuer>> open_token_issuer(const char* name, const fs::path& cert,
                                                        std::shared_ptr<const Pkcs11Key> key,
                                                        const std::string& chain_above_pem) {
  auto issuer = Pkcs11Issuer::open(name, cert, std::move(key), chain_above_pem);
  if (!issuer) return std::move(issuer).error();
  return std::unique_ptr<Issuer>(std::move(issuer).value());
}

}  // namespace

core::Status create_acme_intermediate(const HierarchyPaths& p, X509* root,
                                      const KeySigner& root_signer, const std::string& tag,
                                      core::TimePoint now, EVP_PKEY* token_key) {
  return create_intermediate(acme_kind(p), root, root_signer, tag, now, token_key);
}

namespace {

// open_hierarchy; with acme_key_elsewhere, an ACME issuer whose certificate is there but
// whose key is neither a file nor acme_token_key is checked by its certificate alone, and
// h.acme stays null.
core::Result<Hierarchy> load_hierarchy(const fs::path& dir, const core::Clock& clock,
                                       std::shared_ptr<const Pkcs11Key> acme_token_key,
                                       bool acme_key_elsewhere) {
  std::error_code ec;
  fs::create_directories(dir / "ca", ec);
  if (ec) {
    return core::internal_error("cannot create " + (dir / "ca").string() + ": " + ec.message());
  }
  fs::permissions(dir / "ca", fs::perms::owner_all, ec);

  const HierarchyPaths p(dir);
  // Subscribers' certificates: TLS servers, and TLS clients (the tlsclient profile).
  // Signet's vantage agents accept client certificates from the infrastructure issuer
  // only, whatever the usages. Intermediates made by earlier versions are kept as they
  // are: with no extended key usage, or with serverAuth alone (client certificates
  // under those fail path validation for client use; see `signet serve`'s warning).
  const IntermediateKind acme = acme_kind(p);
  // Signet's listeners and its client certificate: both usages.
  const IntermediateKind infrastructure{"infrastructure", "Signet Infrastructure CA ",
                                        "serverAuth,clientAuth", p.infrastructure_cert,
                                        p.infrastructure_key};

  const auto now = clock.now();
  // A token key: its public half, for a certificate made here.
  core::ossl::Pkey token_public;
  if (acme_token_key && (!fs::exists(p.root_cert) || !fs::exists(p.acme_cert))) {
    auto pub = acme_token_key->public_key();
    if (!pub) return std::move(pub).error();
    token_public = std::move(pub).value();
  }
  if (!fs::exists(p.root_cert)) {
    if (auto st = create_all(p, acme, infrastructure, now, token_public.get()); !st)
      return std::move(st).error();
  }

  auto root_pem = core::read_file(p.root_cert);
  if (!root_pem) return std::move(root_pem).error();
  auto roots = certificates_of(*root_pem, p.root_cert.string());
  if (!roots) return std::move(roots).error();

  std::vector<const IntermediateKind*> missing;
  for (const auto* kind : {&acme, &infrastructure}) {
    if (!fs::exists(kind->cert)) missing.push_back(kind);
  }
  if (!missing.empty()) {
    if (auto st = create_missing(p, *roots, missing, now, token_public.get()); !st)
      return std::move(st).error();
  }

  // An imported ACME issuer's chain, served after it.
  std::vector<X509Ptr> above;
  if (fs::exists(p.acme_chain)) {
    auto text = core::read_file(p.acme_chain);
    if (!text) return std::move(text).error();
    auto certs = certificates_of(*text, p.acme_chain.string());
    if (!certs) return std::move(certs).error();
    above = std::move(certs).value();
  }
  auto alternates = load_alternates(p.alternates);
  if (!alternates) return std::move(alternates).error();

  Hierarchy h;
  h.root = X509Ptr(X509_dup(roots->front().get()));
  h.root_pem = std::move(root_pem).value();
  h.roots = std::move(roots).value();
  h.alternates = std::move(alternates).value();
  std::vector<X509Ptr> none;
  for (auto [kind, slot, chain] : {std::tuple{&acme, &h.acme, &above},
                                   std::tuple{&infrastructure, &h.infrastructure, &none}}) {
    if (kind == &acme && !acme_token_key && acme_key_elsewhere && !fs::exists(kind->key)) {
      auto pem = core::read_file(kind->cert);
      if (!pem) return std::move(pem).error();
      auto cert = detail::x509_from_pem(*pem);
      if (!cert) return core::internal_error(kind->cert.string() + ": " + cert.error().detail);
      if (auto st = chains_to_roots(cert->get(), h.roots, *chain, kind->cert); !st) {
        return std::move(st).error();
      }
      continue;
    }
    auto issuer = kind == &acme && acme_token_key
                      ? open_token_issuer(kind->name, kind->cert, acme_token_key, pem_of(*chain))
                      : open_file_issuer(kind->name, kind->cert, kind->key, pem_of(*chain));
    if (!issuer) return std::move(issuer).error();
    if (auto st = chains_to_roots((*issuer)->certificate(), h.roots, *chain, kind->cert); !st) {
      return std::move(st).error();
    }
    *slot = std::move(issuer).value();
  }
  if (!h.acme) return h;
  std::vector<X509*> constraining{h.acme->certificate()};
  for (const auto& c : above) constraining.push_back(c.get());
  auto constraints = name_constraints_of(constraining);
  if (!constraints) return std::move(constraints).error();
  h.constraints = std::move(constraints).value();
  return h;
}

}  // namespace

core::Result<Hierarchy> open_hierarchy(const fs::path& dir, const core::Clock& clock,
                                       std::shared_ptr<const Pkcs11Key> acme_token_key) {
  return load_hierarchy(dir, clock, std::move(acme_token_key), false);
}

core::Result<std::vector<X509Ptr>> roots_to_replace_acme(const fs::path& dir,
                                                         const core::Clock& clock) {
  auto h = load_hierarchy(dir, clock, nullptr, true);
  if (!h) return std::move(h).error();
  return std::move(h->roots);
}

}  // namespace signet::ca
