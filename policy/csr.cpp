#include "policy/csr.hpp"

#include <arpa/inet.h>
#include <openssl/objects.h>

#include <algorithm>

#include "core/ascii.hpp"
#include "policy/key_policy.hpp"

namespace signet::policy {
namespace {

using core::Identifier;
using core::IdentifierType;

core::Error bad_csr(std::string why) {
  return core::make_error(core::ProblemType::BadCsr, "Invalid CSR: " + std::move(why));
}

void add_name(std::vector<Identifier>& names, Identifier id) {
  if (std::find(names.begin(), names.end(), id) == names.end()) names.push_back(std::move(id));
}

std::string ip_text(const ASN1_OCTET_STRING* ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ip->length == 4) {
    inet_ntop(AF_INET, ip->data, buf, sizeof buf);
  } else if (ip->length == 16) {
    inet_ntop(AF_INET6, ip->data, buf, sizeof buf);
  }
  return buf;
}

}  // namespace

core::Result<ParsedCsr> parse_csr(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::shared_ptr<X509_REQ> req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())),
                                X509_REQ_free);
  if (!req) return bad_csr("not a DER-encoded PKCS#10 request");
  if (p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    return bad_csr("trailing data after the request");
  }
  ParsedCsr out;
  EVP_PKEY* key = X509_REQ_get_pubkey(req.get());  // owned reference
  if (key == nullptr) return bad_csr("unreadable public key");
  out.public_key = core::ossl::share(core::ossl::Pkey(key));
  out.spki = std::shared_ptr<const X509_PUBKEY>(req, X509_REQ_get_X509_PUBKEY(req.get()));
  out.spki_sha256 = core::ossl::sha256(core::ossl::spki_der(out.spki.get()));
  if (auto st = check_key(key, KeyUse::Certificate); !st) return std::move(st).error();
  if (X509_REQ_verify(req.get(), key) != 1) {
    core::ossl::last_error();
    return bad_csr("the signature does not verify with the request's key");
  }

  // Common name(s) in the subject.
  X509_NAME* subject = X509_REQ_get_subject_name(req.get());
  for (int i = -1; (i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) >= 0;) {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i));
    unsigned char* utf8 = nullptr;
    const int len = ASN1_STRING_to_UTF8(&utf8, data);
    if (len < 0) return bad_csr("unreadable common name");
    std::string cn(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
    OPENSSL_free(utf8);
    if (out.common_name) return bad_csr("more than one common name");
    out.common_name = core::ascii_lower(cn);
  }

  // Subject alternative names from the extension request.
  STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(req.get());
  if (exts != nullptr) {
    core::ossl::GeneralNames sans(
        static_cast<GENERAL_NAMES*>(X509V3_get_d2i(exts, NID_subject_alt_name, nullptr, nullptr)));
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    if (sans) {
      for (int i = 0; i < sk_GENERAL_NAME_num(sans.get()); ++i) {
        const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans.get(), i);
        if (gn->type == GEN_DNS) {
          const ASN1_IA5STRING* s = gn->d.dNSName;
          add_name(out.names, {IdentifierType::Dns, core::ascii_lower(std::string(
                                                        reinterpret_cast<const char*>(s->data),
                                                        static_cast<std::size_t>(s->length)))});
        } else if (gn->type == GEN_IPADD) {
          const auto text = ip_text(gn->d.iPAddress);
          if (text.empty()) return bad_csr("malformed IP address SAN");
          add_name(out.names, {IdentifierType::Ip, text});
        } else {
          return bad_csr("only DNS and IP subject alternative names are supported");
        }
      }
    }
  }
  if (out.common_name) {
    // The CN is one of the requested names, as a DNS name or an IP address.
    const Identifier as_ip{IdentifierType::Ip, *out.common_name};
    const bool is_ip_san = std::find(out.names.begin(), out.names.end(), as_ip) != out.names.end();
    if (!is_ip_san) add_name(out.names, {IdentifierType::Dns, *out.common_name});
  }
  if (out.names.empty()) return bad_csr("no names requested");
  return out;
}

core::Status check_csr_against_order(const ParsedCsr& csr,
                                     const std::vector<Identifier>& order_identifiers) {
  std::string missing, extra;
  for (const auto& id : order_identifiers) {
    if (std::find(csr.names.begin(), csr.names.end(), id) == csr.names.end()) {
      missing += (missing.empty() ? "" : ", ") + id.value;
    }
  }
  for (const auto& id : csr.names) {
    if (std::find(order_identifiers.begin(), order_identifiers.end(), id) ==
        order_identifiers.end()) {
      extra += (extra.empty() ? "" : ", ") + id.value;
    }
  }
  if (!extra.empty()) return bad_csr("names not in the order: " + extra);
  if (!missing.empty()) return bad_csr("order names missing from the CSR: " + missing);
  return {};
}

}  // namespace signet::policy
