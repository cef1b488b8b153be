#include "ca/chains.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include "ca/x509.hpp"
#include "core/files.hpp"

namespace signet::ca {
namespace fs = std::filesystem;
using core::ossl::X509Ptr;

namespace {

using StorePtr = std::unique_ptr<X509_STORE, core::ossl::Deleter<X509_STORE_free>>;
using StoreCtx = std::unique_ptr<X509_STORE_CTX, core::ossl::Deleter<X509_STORE_CTX_free>>;
// Frees the stack, not the certificates it points to.
struct StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
};
using Stack = std::unique_ptr<STACK_OF(X509), StackFree>;
using Constraints = std::unique_ptr<NAME_CONSTRAINTS, core::ossl::Deleter<NAME_CONSTRAINTS_free>>;

// An iPAddress subtree: address then mask, 8 bytes for IPv4, 32 for IPv6 (RFC 5280
// §4.2.1.10).
core::Result<policy::IpRange> ip_subtree(const ASN1_OCTET_STRING* s) {
  const int len = ASN1_STRING_length(s);
  const unsigned char* d = ASN1_STRING_get0_data(s);
  if (len != 8 && len != 32) {
    return core::internal_error("an iPAddress name constraint of " + std::to_string(len) +
                                " bytes");
  }
  const int half = len / 2;
  unsigned prefix = 0;
  for (int i = 0; i < half; ++i) prefix += static_cast<unsigned>(__builtin_popcount(d[half + i]));
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(half == 4 ? AF_INET : AF_INET6, d, text, sizeof text);
  return policy::parse_ip_range(std::string(text) + "/" + std::to_string(prefix));
}

core::Status add_subtrees(STACK_OF(GENERAL_SUBTREE) * trees, std::vector<std::string>& dns,
                          std::vector<policy::IpRange>& ips) {
  for (int i = 0; i < sk_GENERAL_SUBTREE_num(trees); ++i) {
    const GENERAL_NAME* base = sk_GENERAL_SUBTREE_value(trees, i)->base;
    if (base->type == GEN_DNS) {
      const ASN1_IA5STRING* s = base->d.dNSName;
      std::string name(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<std::size_t>(ASN1_STRING_length(s)));
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      dns.push_back(std::move(name));
    } else if (base->type == GEN_IPADD) {
      auto range = ip_subtree(base->d.iPAddress);
      if (!range) return std::move(range).error();
      ips.push_back(*range);
    }
    // Other forms (e-mail, directory names, URIs) name nothing an ACME certificate holds.
  }
  return {};
}

}  // namespace

core::Result<std::vector<X509Ptr>> certificates_of(const std::string& pem,
                                                   const std::string& what) {
  ERR_clear_error();
  core::ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::vector<X509Ptr> out;
  while (true) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    out.push_back(std::move(cert));
  }
  // The loop ends at the end of the text (PEM_R_NO_START_LINE) or at a bad block.
  const unsigned long err = ERR_peek_last_error();
  const bool clean_end =
      ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
  const std::string reason = core::ossl::last_error();
  if (!clean_end && err != 0) return core::internal_error(what + ": unreadable PEM: " + reason);
  if (out.empty()) return core::internal_error(what + " holds no certificate");
  return out;
}

std::string pem_of(const std::vector<X509Ptr>& certs) {
  std::string out;
  for (const auto& c : certs) out += detail::to_pem(c.get());
  return out;
}

std::string subject_line(X509* cert) {
  char buf[512] = {};
  X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
  return buf;
}

bool self_signed(X509* cert) {
  return X509_self_signed(cert, 1) == 1;
}

core::Status verify_up_to(X509* cert, const std::vector<X509Ptr>& anchors,
                          const std::vector<X509Ptr>& untrusted,
                          std::optional<core::TimePoint> at) {
  StorePtr store(X509_STORE_new());
  Stack chain(sk_X509_new_null());
  StoreCtx ctx(X509_STORE_CTX_new());
  if (!store || !chain || !ctx) return core::internal_error("X509_STORE: out of memory");
  for (const auto& a : anchors) X509_STORE_add_cert(store.get(), a.get());
  for (const auto& u : untrusted) sk_X509_push(chain.get(), u.get());
  if (X509_STORE_CTX_init(ctx.get(), store.get(), cert, chain.get()) != 1) {
    return core::internal_error("X509_STORE_CTX_init: " + core::ossl::last_error());
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  if (at) {
    X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(*at));
  } else {
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_NO_CHECK_TIME);
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    X509* at_fault = X509_STORE_CTX_get_current_cert(ctx.get());
    return core::internal_error(
        std::string(X509_verify_cert_error_string(err)) +
        (at_fault ? " (at " + subject_line(at_fault) + ")" : std::string()));
  }
  return {};
}

core::Result<policy::NameConstraints> name_constraints_of(const std::vector<X509*>& certs) {
  policy::NameConstraints out;
  for (X509* cert : certs) {
    int crit = 0;
    Constraints nc(static_cast<NAME_CONSTRAINTS*>(
        X509_get_ext_d2i(cert, NID_name_constraints, &crit, nullptr)));
    if (!nc) {
      if (crit != -1) {
        return core::internal_error(subject_line(cert) + ": unreadable name constraints");
      }
      continue;
    }
    policy::NameSubtrees s;
    s.certificate = subject_line(cert);
    for (auto [trees, dns, ips] :
         {std::tuple{nc->permittedSubtrees, &s.permitted_dns, &s.permitted_ip},
          std::tuple{nc->excludedSubtrees, &s.excluded_dns, &s.excluded_ip}}) {
      if (trees == nullptr) continue;
      if (auto st = add_subtrees(trees, *dns, *ips); !st) {
        return core::internal_error(s.certificate + ": " + st.error().detail);
      }
    }
    out.sets.push_back(std::move(s));
  }
  return out;
}

core::Result<std::vector<fs::path>> alternate_files(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".pem") files.push_back(e.path());
  }
  if (ec) return core::internal_error("cannot list " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

core::Result<std::vector<std::string>> load_alternates(const fs::path& dir) {
  auto files = alternate_files(dir);
  if (!files) return std::move(files).error();
  std::vector<std::string> out;
  for (const auto& f : *files) {
    auto text = core::read_file(f);
    if (!text) return std::move(text).error();
    auto certs = certificates_of(*text, f.string());
    if (!certs) return std::move(certs).error();
    // Re-encoded, so that it compares with the chains Signet serves.
    out.push_back(pem_of(*certs));
  }
  return out;
}

std::vector<std::string> alternate_chains(const std::vector<std::string>& alternates,
                                          const std::string& chain_pem) {
  static constexpr std::string_view kEnd = "-----END CERTIFICATE-----\n";
  std::vector<std::string> out;
  const auto leaf_end = chain_pem.find(kEnd);
  if (leaf_end == std::string::npos) return out;
  const std::string leaf = chain_pem.substr(0, leaf_end + kEnd.size());
  const std::string_view above = std::string_view(chain_pem).substr(leaf.size());
  for (const auto& alt : alternates) {
    const auto first_end = alt.find(kEnd);
    const std::string_view issuer = std::string_view(alt).substr(0, first_end + kEnd.size());
    if (!above.starts_with(issuer) || above == alt) continue;
    out.push_back(leaf + alt);
  }
  return out;
}

}  // namespace signet::ca
