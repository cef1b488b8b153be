#include "policy/csr.hpp"

#include <arpa/inet.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/objects.h>

#include <algorithm>

#include "core/ascii.hpp"

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

// RFC 8555 §7.4 leaves the CSR's signature algorithm to the CA. Accepted: PKCS#1 v1.5
// RSA and ECDSA with SHA-256, SHA-384 or SHA-512, and Ed25519.
core::Status check_signature_algorithm(const X509_ALGOR* alg) {
  const ASN1_OBJECT* oid = nullptr;
  X509_ALGOR_get0(&oid, nullptr, nullptr, alg);
  const int nid = OBJ_obj2nid(oid);
  if (nid == NID_ED25519) return {};
  char name[80] = {};
  OBJ_obj2txt(name, sizeof name, oid, 0);
  int md = NID_undef;
  if (nid != NID_undef && OBJ_find_sigid_algs(nid, &md, nullptr) == 1) {
    switch (md) {
      case NID_sha256:
      case NID_sha384:
      case NID_sha512:
        return {};
      case NID_sha1:
        return bad_csr(std::string("signed with ") + name + "; SHA-1 signatures are not accepted");
      case NID_md5:
      case NID_md4:
      case NID_md2:
        return bad_csr(std::string("signed with ") + name + "; " + OBJ_nid2sn(md) +
                       " signatures are not accepted");
      default:
        break;
    }
  }
  return bad_csr(std::string("the signature algorithm ") + name +
                 " is not accepted; use SHA-256, SHA-384 or SHA-512 with RSA or ECDSA, or "
                 "Ed25519");
}

// One DER element: all of it, and its content.
struct Element {
  std::string_view whole, content;
};

// One DER element after another, each of an expected tag.
class DerReader {
 public:
  explicit DerReader(std::string_view der) : rest_(der) {}
  std::optional<Element> element(int tag, int expected_class = V_ASN1_UNIVERSAL) {
    const auto* start = reinterpret_cast<const unsigned char*>(rest_.data());
    const unsigned char* p = start;
    long len = 0;
    int got = 0, cls = 0;
    const int r = ASN1_get_object(&p, &len, &got, &cls, static_cast<long>(rest_.size()));
    // SEQUENCE, SET and the request's [0] attributes are constructed; the rest primitive.
    const bool constructed = expected_class != V_ASN1_UNIVERSAL || tag == V_ASN1_SEQUENCE ||
                             tag == V_ASN1_SET;
    if ((r & 0x80) != 0 || (r & 0x01) != 0 || got != tag || cls != expected_class ||
        ((r & V_ASN1_CONSTRUCTED) != 0) != constructed) {
      core::ossl::last_error();  // clear the queue
      return std::nullopt;
    }
    const auto header = static_cast<std::size_t>(p - start);
    const Element e{rest_.substr(0, header + static_cast<std::size_t>(len)),
                    rest_.substr(header, static_cast<std::size_t>(len))};
    rest_.remove_prefix(e.whole.size());
    return e;
  }
  std::optional<std::string_view> next(int tag) {
    const auto e = element(tag);
    if (!e) return std::nullopt;
    return e->content;
  }
  bool done() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

// OpenSSL takes explicit EC parameters (RFC 3279 §2.3.5) for the named curve whose
// field, coefficients, generator and order they repeat, without comparing the rest.
// Those must match as well, or the parameters are not that curve: the version is 1, a
// seed is the curve's own, and the cofactor, when given, is 1 (as for every curve a
// certificate key may use).
core::Status check_explicit_curve(const X509_PUBKEY* spki, EVP_PKEY* key) {
  X509_ALGOR* algor = nullptr;
  X509_PUBKEY_get0_param(nullptr, nullptr, nullptr, &algor, spki);
  int type = V_ASN1_UNDEF;
  const void* value = nullptr;
  X509_ALGOR_get0(nullptr, &type, &value, algor);
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC || type != V_ASN1_SEQUENCE) return {};
  const auto* params = static_cast<const ASN1_STRING*>(value);
  char group[64] = {};
  size_t group_len = 0;
  EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &group_len);
  std::unique_ptr<EC_GROUP, core::ossl::Deleter<EC_GROUP_free>> named(
      EC_GROUP_new_by_curve_name(OBJ_sn2nid(group)));
  const core::Error refused = core::make_error(
      core::ProblemType::BadCsr,
      std::string("CSR key refused: its explicit curve parameters are not exactly ") + group);
  if (!named) return refused;

  DerReader outer(std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(params)),
                                   static_cast<std::size_t>(ASN1_STRING_length(params))));
  const auto body = outer.next(V_ASN1_SEQUENCE);
  if (!body || !outer.done()) return refused;
  DerReader ecp(*body);
  const auto version = ecp.next(V_ASN1_INTEGER);
  if (!version || *version != std::string_view("\x01", 1) || !ecp.next(V_ASN1_SEQUENCE)) {
    return refused;
  }
  const auto curve_body = ecp.next(V_ASN1_SEQUENCE);
  if (!curve_body) return refused;
  DerReader curve(*curve_body);
  if (!curve.next(V_ASN1_OCTET_STRING) || !curve.next(V_ASN1_OCTET_STRING)) return refused;
  if (!curve.done()) {
    const auto seed = curve.next(V_ASN1_BIT_STRING);
    const auto* own = EC_GROUP_get0_seed(named.get());
    const std::string_view own_seed(reinterpret_cast<const char*>(own),
                                    own != nullptr ? EC_GROUP_get_seed_len(named.get()) : 0);
    if (!seed || seed->empty() || (*seed)[0] != '\0' || seed->substr(1) != own_seed ||
        own_seed.empty() || !curve.done()) {
      return refused;
    }
  }
  if (!ecp.next(V_ASN1_OCTET_STRING) || !ecp.next(V_ASN1_INTEGER)) return refused;
  if (!ecp.done()) {
    const auto cofactor = ecp.next(V_ASN1_INTEGER);
    if (!cofactor || *cofactor != std::string_view("\x01", 1) || !ecp.done()) return refused;
  }
  return {};
}

// A request whose self-signature verified, and its key.
struct Decoded {
  std::shared_ptr<X509_REQ> req;
  core::ossl::SharedPkey key;
};

// The general way: OpenSSL decodes the request, its key included.
core::Result<Decoded> decode_with_openssl(std::string_view der, const KeyPolicy& keys) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::shared_ptr<X509_REQ> req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())),
                                X509_REQ_free);
  if (!req) return bad_csr("not a DER-encoded PKCS#10 request");
  if (p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    return bad_csr("trailing data after the request");
  }
  const X509_ALGOR* signature_algorithm = nullptr;
  X509_REQ_get0_signature(req.get(), nullptr, &signature_algorithm);
  if (auto st = check_signature_algorithm(signature_algorithm); !st) return std::move(st).error();
  EVP_PKEY* key = X509_REQ_get0_pubkey(req.get());
  if (key == nullptr) return bad_csr("unreadable public key");
  // The cheap checks first: a key of a refused type costs no signature verification.
  if (auto st = keys.check_type(key, KeyUse::Certificate); !st) return std::move(st).error();
  if (auto st = check_explicit_curve(X509_REQ_get_X509_PUBKEY(req.get()), key); !st) {
    return std::move(st).error();
  }
  if (X509_REQ_verify(req.get(), key) != 1) {
    core::ossl::last_error();
    return bad_csr("the signature does not verify with the request's key");
  }
  EVP_PKEY_up_ref(key);
  return Decoded{std::move(req), core::ossl::share(core::ossl::Pkey(key))};
}

// The named curves a certificate key may be on (each of cofactor 1).
int certificate_curve(std::string_view oid_der) {
  const auto* p = reinterpret_cast<const unsigned char*>(oid_der.data());
  std::unique_ptr<ASN1_OBJECT, core::ossl::Deleter<ASN1_OBJECT_free>> oid(
      d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(oid_der.size())));
  const int nid = oid ? OBJ_obj2nid(oid.get()) : NID_undef;
  core::ossl::last_error();  // clear the queue
  return nid == NID_X9_62_prime256v1 || nid == NID_secp384r1 || nid == NID_secp521r1 ? nid
                                                                                     : NID_undef;
}

// The usual request, an EC key on a named curve, read without OpenSSL 3's key decoders,
// whose set-up costs more than verifying the signature: the key is built from the curve
// and the point, the signature verified over the request's info as sent, and the request
// put together from its own subject and attributes. nullopt when the request is not of
// that shape, or not plainly encoded: decode_with_openssl then reads (or refuses) it, so
// both ways give one answer about every request.
std::optional<core::Result<Decoded>> decode_named_curve(std::string_view der,
                                                        const KeyPolicy& keys) {
  DerReader outer(der);
  const auto request = outer.element(V_ASN1_SEQUENCE);
  if (!request || !outer.done()) return std::nullopt;
  DerReader parts(request->content);
  const auto info = parts.element(V_ASN1_SEQUENCE);
  const auto signature_algorithm = parts.element(V_ASN1_SEQUENCE);
  const auto signature = parts.element(V_ASN1_BIT_STRING);
  if (!info || !signature_algorithm || !signature || !parts.done()) return std::nullopt;
  DerReader fields(info->content);
  const auto version = fields.element(V_ASN1_INTEGER);
  const auto subject = fields.element(V_ASN1_SEQUENCE);
  const auto spki = fields.element(V_ASN1_SEQUENCE);
  const auto attributes = fields.element(0, V_ASN1_CONTEXT_SPECIFIC);
  if (!version || version->content != std::string_view("\0", 1) || !subject || !spki ||
      !attributes || !fields.done()) {
    return std::nullopt;
  }
  DerReader key_info(spki->content);
  const auto algorithm = key_info.element(V_ASN1_SEQUENCE);
  const auto bits = key_info.element(V_ASN1_BIT_STRING);
  if (!algorithm || !bits || !key_info.done()) return std::nullopt;
  DerReader key_algorithm(algorithm->content);
  const auto key_type = key_algorithm.element(V_ASN1_OBJECT);
  const auto curve_oid = key_algorithm.element(V_ASN1_OBJECT);
  // 1.2.840.10045.2.1, id-ecPublicKey (RFC 5480 §2.1.1)
  static constexpr std::string_view kEcPublicKey("\x06\x07\x2a\x86\x48\xce\x3d\x02\x01", 9);
  if (!key_type || key_type->whole != kEcPublicKey || !curve_oid || !key_algorithm.done()) {
    return std::nullopt;
  }
  const int curve = certificate_curve(curve_oid->whole);
  if (curve == NID_undef || bits->content.size() < 2 || bits->content[0] != '\0' ||
      signature->content.empty() || signature->content[0] != '\0') {
    return std::nullopt;
  }
  const std::string_view point = bits->content.substr(1);

  // The whole request read first, as d2i_X509_REQ would, then judged in its order.
  std::shared_ptr<X509_REQ> req(X509_REQ_new(), X509_REQ_free);
  const auto* p = reinterpret_cast<const unsigned char*>(subject->whole.data());
  std::unique_ptr<X509_NAME, core::ossl::Deleter<X509_NAME_free>> name(
      d2i_X509_NAME(nullptr, &p, static_cast<long>(subject->whole.size())));
  if (!req || !name || X509_REQ_set_subject_name(req.get(), name.get()) != 1) {
    core::ossl::last_error();
    return std::nullopt;
  }
  DerReader each(attributes->content);
  while (!each.done()) {
    const auto attribute = each.element(V_ASN1_SEQUENCE);
    if (!attribute) return std::nullopt;
    p = reinterpret_cast<const unsigned char*>(attribute->whole.data());
    std::unique_ptr<X509_ATTRIBUTE, core::ossl::Deleter<X509_ATTRIBUTE_free>> a(
        d2i_X509_ATTRIBUTE(nullptr, &p, static_cast<long>(attribute->whole.size())));
    if (!a || X509_REQ_add1_attr(req.get(), a.get()) != 1) {
      core::ossl::last_error();
      return std::nullopt;
    }
  }
  p = reinterpret_cast<const unsigned char*>(signature_algorithm->whole.data());
  std::unique_ptr<X509_ALGOR, core::ossl::Deleter<X509_ALGOR_free>> sig_alg(
      d2i_X509_ALGOR(nullptr, &p, static_cast<long>(signature_algorithm->whole.size())));
  if (!sig_alg) return std::nullopt;
  if (auto st = check_signature_algorithm(sig_alg.get()); !st) {
    return core::Result<Decoded>(std::move(st).error());
  }

  std::string group(OBJ_nid2sn(curve));
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group.data(), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<char*>(point.data()),
                                        point.size()),
      OSSL_PARAM_construct_end()};
  core::ossl::PkeyCtx from(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* built = nullptr;
  if (!from || EVP_PKEY_fromdata_init(from.get()) != 1 ||
      EVP_PKEY_fromdata(from.get(), &built, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    core::ossl::last_error();  // not a point of the curve: the general way says why
    return std::nullopt;
  }
  core::ossl::SharedPkey key = core::ossl::share(core::ossl::Pkey(built));
  if (auto st = keys.check_type(key.get(), KeyUse::Certificate); !st) {
    return core::Result<Decoded>(std::move(st).error());
  }
  int digest = NID_undef, signed_with = NID_undef;
  OBJ_find_sigid_algs(OBJ_obj2nid(sig_alg->algorithm), &digest, &signed_with);
  std::unique_ptr<EVP_MD_CTX, core::ossl::Deleter<EVP_MD_CTX_free>> md(EVP_MD_CTX_new());
  if (signed_with != NID_X9_62_id_ecPublicKey || !md ||
      EVP_DigestVerifyInit(md.get(), nullptr, EVP_get_digestbynid(digest), nullptr, key.get()) !=
          1 ||
      EVP_DigestVerify(
          md.get(), reinterpret_cast<const unsigned char*>(signature->content.data()) + 1,
          signature->content.size() - 1, reinterpret_cast<const unsigned char*>(info->whole.data()),
          info->whole.size()) != 1) {
    core::ossl::last_error();
    return core::Result<Decoded>(bad_csr("the signature does not verify with the request's key"));
  }

  auto* copy = static_cast<unsigned char*>(OPENSSL_memdup(point.data(), point.size()));
  if (copy == nullptr ||
      X509_PUBKEY_set0_param(X509_REQ_get_X509_PUBKEY(req.get()),
                             OBJ_nid2obj(NID_X9_62_id_ecPublicKey), V_ASN1_OBJECT,
                             OBJ_nid2obj(curve), copy, static_cast<int>(point.size())) != 1) {
    OPENSSL_free(copy);
    return core::Result<Decoded>(core::internal_error("CSR key: " + core::ossl::last_error()));
  }
  return core::Result<Decoded>(Decoded{std::move(req), std::move(key)});
}

// The key policy, the names and the common name of a decoded request.
core::Result<ParsedCsr> read_request(Decoded d, const KeyPolicy& keys) {
  const std::shared_ptr<X509_REQ>& req = d.req;
  ParsedCsr out;
  auto canonical = canonical_spki_der(d.key.get());
  if (!canonical) return std::move(canonical).error();
  const X509_PUBKEY* sent = X509_REQ_get_X509_PUBKEY(req.get());
  if (core::ossl::spki_der(sent) == *canonical) {
    // The usual case: the request's own structure, kept alive with the request.
    out.public_key = std::move(d.key);
    out.spki = std::shared_ptr<const X509_PUBKEY>(req, sent);
  } else {
    // A compressed point or explicit curve parameters: the key as it is certified.
    const auto* p = reinterpret_cast<const unsigned char*>(canonical->data());
    X509_PUBKEY* c = d2i_X509_PUBKEY(nullptr, &p, static_cast<long>(canonical->size()));
    if (c == nullptr) return core::internal_error("canonical SPKI: " + core::ossl::last_error());
    out.spki = std::shared_ptr<const X509_PUBKEY>(c, X509_PUBKEY_free);
    EVP_PKEY* ck = X509_PUBKEY_get(c);  // owned reference
    if (ck == nullptr) return core::internal_error("canonical key: " + core::ossl::last_error());
    out.public_key = core::ossl::share(core::ossl::Pkey(ck));
  }
  out.spki_sha256 = core::ossl::sha256(*canonical);
  if (auto st = keys.check(out.public_key.get(), KeyUse::Certificate); !st) {
    return std::move(st).error();
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

  // Subject alternative names from the extension request. A request whose extensions or
  // names cannot be read is refused, not taken for one that asks for none.
  STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(req.get());
  if (exts == nullptr && (X509_REQ_get_attr_by_NID(req.get(), NID_ext_req, -1) >= 0 ||
                          X509_REQ_get_attr_by_NID(req.get(), NID_ms_ext_req, -1) >= 0)) {
    return bad_csr("unreadable extension request");
  }
  if (exts != nullptr) {
    int found = -1;  // -1: none; -2: more than one; else the criticality of the one
    core::ossl::GeneralNames sans(
        static_cast<GENERAL_NAMES*>(X509V3_get_d2i(exts, NID_subject_alt_name, &found, nullptr)));
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    if (found == -2) return bad_csr("more than one subjectAltName extension");
    if (!sans && found != -1) return bad_csr("unreadable subjectAltName extension");
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

}  // namespace

core::Result<ParsedCsr> parse_csr(std::string_view der, const KeyPolicy& keys, CsrDecoding how) {
  const core::ossl::ErrorQueueScope clear_errors;
  auto decoded = how == CsrDecoding::Direct ? decode_named_curve(der, keys) : std::nullopt;
  if (!decoded) decoded = decode_with_openssl(der, keys);
  if (!*decoded) return std::move(*decoded).error();
  return read_request(std::move(**decoded), keys);
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
