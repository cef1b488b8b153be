#include "ca/rollover.hpp"

#include "ca/archive.hpp"
#include "ca/chains.hpp"
#include "ca/hierarchy.hpp"
#include "ca/x509.hpp"
#include "core/files.hpp"

namespace signet::ca {
namespace fs = std::filesystem;
using core::ossl::Pkey;
using core::ossl::X509Ptr;

namespace {

// A new root and the same root cross-signed by the current one (RFC 5280 §3.2: a
// cross-certificate; same subject and key, so that what the new root signs chains to
// either). Neither limits the path length: an intermediate sits below both.
struct NewRoot {
  Pkey key;
  X509Ptr root, cross;
};

core::Result<NewRoot> make_root(X509* current, const KeySigner& current_signer,
                                core::TimePoint now) {
  NewRoot r;
  r.key.reset(EVP_EC_gen("P-384"));
  if (!r.key) return core::internal_error("CA key generation failed: " + core::ossl::last_error());
  const std::string tag = random_tag();
  auto root = build_root_tbs(r.key.get(), tag, nullptr, now);
  if (!root) return std::move(root).error();
  auto cross = build_root_tbs(r.key.get(), tag, current, now);
  if (!cross) return std::move(cross).error();
  auto self = KeySigner::create(Pkey(EVP_PKEY_dup(r.key.get())));
  if (!self) return std::move(self).error();
  if (auto st = self->sign(root->get()); !st) return std::move(st).error();
  if (auto st = current_signer.sign(cross->get()); !st) return std::move(st).error();
  r.root = std::move(root).value();
  r.cross = std::move(cross).value();
  return r;
}

std::string stamp_of(const fs::path& archive) {
  return archive.filename().string();
}

}  // namespace

core::Result<RolloverResult> rollover_ca(const fs::path& dir, bool new_root,
                                         const core::Clock& clock, const Pkcs11Key* token_key) {
  const auto now = clock.now();
  auto current_roots = roots_to_replace_acme(dir, clock);
  if (!current_roots) return std::move(current_roots).error();
  const HierarchyPaths p(dir);
  X509* current = current_roots->front().get();

  auto key = detail::key_from_file(p.root_key);
  auto signer =
      key ? KeySigner::create(std::move(key).value()) : core::Result<KeySigner>(key.error());
  if (!signer || !signer->matches(current)) {
    return core::make_error(
        core::ProblemType::Malformed,
        "signet ca rollover: the key of the root in " + p.root_cert.string() + " (" +
            subject_line(current) + ") is not in " + p.root_key.string() +
            " (an imported CA?): import a new intermediate with `signet ca import` instead");
  }

  std::optional<NewRoot> made;
  if (new_root) {
    auto r = make_root(current, *signer, now);
    if (!r) return std::move(r).error();
    made = std::move(r).value();
  }
  // The token's new key last: a refusal above leaves the token as it was.
  Pkey token_public;
  if (token_key) {
    auto pub = token_key->generate_ec_p256();
    if (!pub) return std::move(pub).error();
    token_public = std::move(pub).value();
  }
  auto archived = archive_ca_files(p, now);
  if (!archived) return std::move(archived).error();

  RolloverResult out;
  out.archive = *archived;
  X509* issuer_root = current;
  std::optional<KeySigner> new_signer;
  // A name of its own for the new intermediate: its root's tag, and a fresh one when
  // the root stays.
  std::string tag = tag_of(current) + "-" + random_tag();
  if (made) {
    if (auto st = core::write_file(p.root_key, detail::key_to_pem(made->key.get()), 0600); !st) {
      return std::move(st).error();
    }
    auto s = KeySigner::create(std::move(made->key));
    if (!s) return std::move(s).error();
    new_signer = std::move(s).value();
    issuer_root = made->root.get();
    tag = tag_of(issuer_root);
    out.cross_of = subject_line(current);
  }
  const KeySigner& root_signer = new_signer ? *new_signer : *signer;
  if (token_key) {
    std::error_code ec;
    fs::remove(p.acme_key, ec);  // archived: the token's key replaces it
    if (ec) return core::internal_error("removing " + p.acme_key.string() + ": " + ec.message());
  }
  if (auto st = create_acme_intermediate(p, issuer_root, root_signer, tag, now, token_public.get());
      !st) {
    return std::move(st).error();
  }
  auto written = core::read_file(p.acme_cert);
  if (!written) return std::move(written).error();
  auto intermediate = detail::x509_from_pem(*written);
  if (!intermediate) return std::move(intermediate).error();
  out.intermediate_subject = subject_line(intermediate->get());
  out.root_subject = subject_line(issuer_root);
  if (made) {
    // The chain to the current root, for relying parties that do not trust the new
    // one yet.
    const std::string alternate =
        detail::to_pem(intermediate->get()) + detail::to_pem(made->cross.get());
    std::error_code ec;
    fs::create_directories(p.alternates, ec);
    if (ec)
      return core::internal_error("cannot create " + p.alternates.string() + ": " + ec.message());
    if (auto st = core::write_file(p.alternates / (stamp_of(*archived) + ".pem"), alternate, 0644);
        !st) {
      return std::move(st).error();
    }
    std::vector<X509Ptr> roots;
    roots.push_back(std::move(made->root));
    for (auto& r : *current_roots) roots.push_back(std::move(r));
    if (auto st = core::write_file(p.root_cert, pem_of(roots), 0644); !st) {
      return std::move(st).error();
    }
  }
  return out;
}

}  // namespace signet::ca
