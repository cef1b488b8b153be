// The certificate rules. Each looks at one thing and says what is wrong with it.
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/x509v3.h>

#include <memory>

#include "ca/lint/lint.hpp"
#include "core/openssl.hpp"

namespace signet::ca::lint {
namespace {

using Names = core::ossl::GeneralNames;
using Constraints = core::ossl::BasicConstraints;
using Usage = core::ossl::Asn1BitString;
using Ekus = core::ossl::ExtendedKeyUsage;
using KeyId = core::ossl::Asn1OctetString;
using AuthorityKeyId = core::ossl::AuthorityKeyId;
using Bn = core::ossl::Bignum;

template <class T>
T* extension(X509* cert, int nid, int* critical = nullptr) {
  return static_cast<T*>(X509_get_ext_d2i(cert, nid, critical, nullptr));
}

std::string text(const ASN1_STRING* s) {
  return {reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
          static_cast<std::size_t>(ASN1_STRING_length(s))};
}

// Whether a subject CN names one of the SANs: a DNS name as it is, an IP address by its
// octets (its text has several spellings).
bool among_sans(const std::string& cn, GENERAL_NAMES* names) {
  KeyId ip(a2i_IPADDRESS(cn.c_str()));
  ERR_clear_error();  // a CN that is no address
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (!ip && n->type == GEN_DNS && text(n->d.dNSName) == cn) return true;
    if (ip && n->type == GEN_IPADD && ASN1_OCTET_STRING_cmp(ip.get(), n->d.iPAddress) == 0)
      return true;
  }
  return false;
}

bool ldh_label(std::string_view l) {
  if (l.empty() || l.size() > 63 || l.front() == '-' || l.back() == '-') return false;
  for (char c : l) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// A lower-case LDH host name of at most 253 characters, with at most a leading "*.".
bool dns_name(std::string_view name) {
  if (name.starts_with("*.")) name.remove_prefix(2);
  if (name.empty() || name.size() > 253) return false;
  int labels = 0;
  while (!name.empty()) {
    const auto dot = name.find('.');
    if (!ldh_label(name.substr(0, dot))) return false;
    ++labels;
    name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
    if (dot != std::string_view::npos && name.empty()) return false;  // trailing dot
  }
  return labels >= 1;
}

void add(std::vector<Finding>& out, std::string_view rule, std::string detail) {
  out.push_back({rule, std::move(detail)});
}

// --- the rules ------------------------------------------------------------------------

void version_3(const Leaf& leaf, const LeafExpectations&, std::vector<Finding>& out) {
  X509* c = leaf.cert;
  if (X509_get_version(c) != X509_VERSION_3) add(out, "e_version_not_3", "not a v3 certificate");
}

void serial_number(const Leaf& leaf, const LeafExpectations&, std::vector<Finding>& out) {
  X509* c = leaf.cert;
  const ASN1_INTEGER* serial = X509_get0_serialNumber(c);
  Bn bn(serial == nullptr ? nullptr : ASN1_INTEGER_to_BN(serial, nullptr));
  if (!bn || BN_is_negative(bn.get()) || BN_is_zero(bn.get())) {
    add(out, "e_serial_not_positive", "the serial number must be a positive integer");
    return;
  }
  // DER adds a leading zero octet when the top bit is set.
  const int octets = BN_num_bytes(bn.get()) + (BN_num_bits(bn.get()) % 8 == 0 ? 1 : 0);
  if (octets > 20) {
    add(out, "e_serial_too_long",
        "the serial number is " + std::to_string(octets) + " octets; at most 20 are allowed");
  }
  if (BN_num_bits(bn.get()) < 64) {
    add(out, "e_serial_low_entropy",
        "the serial number has " + std::to_string(BN_num_bits(bn.get())) +
            " bits; at least 64 random bits are required");
  }
}

void issuer_name(const Leaf& leaf, const LeafExpectations&, std::vector<Finding>& out) {
  X509* c = leaf.cert;
  X509* issuer = leaf.issuer;
  if (X509_NAME_cmp(X509_get_issuer_name(c), X509_get_subject_name(issuer)) != 0)
    add(out, "e_issuer_name_mismatch", "the issuer name is not the issuer's subject name");
}

void validity(const Leaf& leaf, const LeafExpectations& want, std::vector<Finding>& out) {
  X509* c = leaf.cert;
  int days = 0, seconds = 0;
  if (ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(c), X509_get0_notAfter(c)) != 1) {
    add(out, "e_validity_unreadable", "notBefore or notAfter cannot be read");
    return;
  }
  const long long lifetime = static_cast<long long>(days) * 86400 + seconds;
  if (lifetime <= 0) {
    add(out, "e_validity_not_positive", "notAfter is not later than notBefore");
    return;
  }
  if (want.max_validity.count() > 0 && lifetime > want.max_validity.count()) {
    add(out, "e_validity_exceeds_profile",
        "the validity of " + std::to_string(lifetime) + " s exceeds the profile's maximum of " +
            std::to_string(want.max_validity.count()) + " s");
  }
}

void subject_alt_name(const Leaf& leaf, const LeafExpectations&, std::vector<Finding>& out) {
  X509* c = leaf.cert;
  int critical = -1;
  Names names(extension<GENERAL_NAMES>(c, NID_subject_alt_name, &critical));
  if (!names || sk_GENERAL_NAME_num(names.get()) == 0) {
    add(out, "e_san_missing", "no subjectAltName entries");
    return;
  }
  const bool has_subject = X509_NAME_entry_count(X509_get_subject_name(c)) > 0;
  if (!has_subject && critical != 1) {
    add(out, "e_san_not_critical_without_subject",
        "an empty subject requires a critical subjectAltName (RFC 5280 §4.2.1.6)");
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
    if (n->type == GEN_DNS) {
      const std::string name = text(n->d.dNSName);
      if (!dns_name(name)) add(out, "e_san_dns_malformed", "\"" + name + "\" is not a host name");
    } else if (n->type == GEN_IPADD) {
      const int len = ASN1_STRING_length(n->d.iPAddress);
      if (len != 4 && len != 16)
        add(out, "e_san_ip_malformed", "an IP address of " + std::to_string(len) + " octets");
    } else {
      add(out, "e_san_unexpected_type", "a subjectAltName entry that is neither DNS nor IP");
    }
  }
}

void common_name_in_sans(const Leaf& leaf, const LeafExpectations&, std::vector<Finding>& out) {
  X509* c = leaf.cert;
  X509_NAME* subject = X509_get_subject_name(c);
  Names names(extension<GENERAL_NAMES>(c, NID_subject_alt_name));
  for (int i = -1; (i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) >= 0;) {
    const std::string cn = text(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i)));
    if (!among_sans(cn, names.get()))
      add(out, "e_cn_not_in_san", "the common name \"" + cn + "\" is not among the SANs");
  }
}

void basic_constraints(const Leaf& leaf, const LeafExpectations&, std::vector<Finding>& out) {
  X509* c = leaf.cert;
  Constraints bc(extension<BASIC_CONSTRAINTS>(c, NID_basic_constraints));
  if (bc && bc->ca != 0) add(out, "e_leaf_ca_true", "a leaf certificate with CA:TRUE");
}

void key_usage(const Leaf& leaf, const LeafExpectations& want, std::vector<Finding>& out) {
  X509* c = leaf.cert;
  int critical = -1;
  Usage ku(extension<ASN1_BIT_STRING>(c, NID_key_usage, &critical));
  if (!ku) {
    add(out, "e_key_usage_missing", "no keyUsage extension");
    return;
  }
  if (critical != 1) add(out, "e_key_usage_not_critical", "keyUsage is not critical");
  const bool rsa = EVP_PKEY_get_base_id(leaf.key) == EVP_PKEY_RSA;
  if (ASN1_BIT_STRING_get_bit(ku.get(), 0) != 1)
    add(out, "e_key_usage_no_digital_signature", "keyUsage lacks digitalSignature");
  if (ASN1_BIT_STRING_get_bit(ku.get(), 2) == 1 && !rsa)
    add(out, "e_key_usage_key_encipherment_not_rsa",
        "keyEncipherment on a key that cannot encipher (not RSA)");
  if (ASN1_BIT_STRING_get_bit(ku.get(), 2) == 1 && !want.key_encipherment_for_rsa)
    add(out, "e_key_usage_not_in_profile", "keyEncipherment, which the profile does not include");
  for (int bit : {1, 3, 4, 5, 6, 7, 8}) {  // all but digitalSignature and keyEncipherment
    if (ASN1_BIT_STRING_get_bit(ku.get(), bit) == 1) {
      add(out, "e_key_usage_not_for_leaf",
          "keyUsage bit " + std::to_string(bit) + " is not for TLS leaf certificates");
    }
  }
}

void extended_key_usage(const Leaf& leaf, const LeafExpectations& want, std::vector<Finding>& out) {
  X509* c = leaf.cert;
  Ekus eku(extension<EXTENDED_KEY_USAGE>(c, NID_ext_key_usage));
  if (!eku) {
    add(out, "e_eku_missing", "no extendedKeyUsage extension");
    return;
  }
  std::set<Eku> got;
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
    const int nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku.get(), i));
    if (nid == NID_server_auth) {
      got.insert(Eku::ServerAuth);
    } else if (nid == NID_client_auth) {
      got.insert(Eku::ClientAuth);
    } else {
      add(out, "e_eku_unexpected", nid == NID_anyExtendedKeyUsage
                                       ? "anyExtendedKeyUsage"
                                       : "an extended key usage other than serverAuth and clientAuth");
    }
  }
  if (got != want.extended_key_usages)
    add(out, "e_eku_not_profile", "the extended key usages differ from the profile's");
}

void key_identifiers(const Leaf& leaf, const LeafExpectations&, std::vector<Finding>& out) {
  X509* c = leaf.cert;
  X509* issuer = leaf.issuer;
  KeyId ski(extension<ASN1_OCTET_STRING>(c, NID_subject_key_identifier));
  if (!ski || ASN1_STRING_length(ski.get()) == 0)
    add(out, "e_subject_key_identifier_missing", "no subjectKeyIdentifier");
  AuthorityKeyId aki(extension<AUTHORITY_KEYID>(c, NID_authority_key_identifier));
  if (!aki || aki->keyid == nullptr) {
    add(out, "e_authority_key_identifier_missing", "no authorityKeyIdentifier keyIdentifier");
    return;
  }
  KeyId issuer_ski(extension<ASN1_OCTET_STRING>(issuer, NID_subject_key_identifier));
  if (issuer_ski && ASN1_OCTET_STRING_cmp(aki->keyid, issuer_ski.get()) != 0)
    add(out, "e_authority_key_identifier_mismatch",
        "authorityKeyIdentifier is not the issuer's subjectKeyIdentifier");
}

// The http:// URLs of a list of general names; a finding for anything else.
void http_uris(const GENERAL_NAMES* names, std::string_view what, std::vector<Finding>& out) {
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type != GEN_URI || !text(n->d.uniformResourceIdentifier).starts_with("http://")) {
      add(out, "e_revocation_pointer_not_http",
          std::string(what) + " must be an http:// URL (RFC 5280 §4.2.1.13, BR 7.1.2.11.2)");
    }
  }
}

void revocation_pointers(const Leaf& leaf, const LeafExpectations& want, std::vector<Finding>& out) {
  core::ossl::CrlDistPoints dps(
      extension<CRL_DIST_POINTS>(leaf.cert, NID_crl_distribution_points));
  core::ossl::AuthorityInfoAccess aia(
      extension<AUTHORITY_INFO_ACCESS>(leaf.cert, NID_info_access));
  bool ocsp = false;
  for (int i = 0; aia && i < sk_ACCESS_DESCRIPTION_num(aia.get()); ++i) {
    const ACCESS_DESCRIPTION* ad = sk_ACCESS_DESCRIPTION_value(aia.get(), i);
    const int method = OBJ_obj2nid(ad->method);
    if (method != NID_ad_OCSP && method != NID_ad_ca_issuers) {
      add(out, "e_authority_info_access_method", "an access method other than OCSP and caIssuers");
      continue;
    }
    ocsp = ocsp || method == NID_ad_OCSP;
    GENERAL_NAMES* one = sk_GENERAL_NAME_new_null();
    sk_GENERAL_NAME_push(one, ad->location);
    http_uris(one, method == NID_ad_OCSP ? "the OCSP URL" : "the caIssuers URL", out);
    sk_GENERAL_NAME_free(one);
  }
  if (!want.revocation_pointers && (dps || ocsp)) {
    add(out, "e_revocation_pointers_not_in_profile",
        "a CRL distribution point or OCSP URL under a profile without revocation pointers");
  }
  for (int i = 0; dps && i < sk_DIST_POINT_num(dps.get()); ++i) {
    const DIST_POINT* dp = sk_DIST_POINT_value(dps.get(), i);
    if (dp->distpoint == nullptr || dp->distpoint->type != 0) {
      add(out, "e_crl_distribution_point_malformed", "a CRL distribution point without a full name");
      continue;
    }
    http_uris(dp->distpoint->name.fullname, "the CRL distribution point", out);
  }
}

void public_key(const Leaf& leaf, const LeafExpectations&, std::vector<Finding>& out) {
  EVP_PKEY* key = leaf.key;
  ASN1_OBJECT* algorithm = nullptr;
  X509_PUBKEY* spki = X509_get_X509_PUBKEY(leaf.cert);
  if (key == nullptr || spki == nullptr ||
      X509_PUBKEY_get0_param(&algorithm, nullptr, nullptr, nullptr, spki) != 1) {
    add(out, "e_public_key_unreadable", "the subject public key cannot be read");
    return;
  }
  int want_nid = NID_undef;
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      want_nid = NID_rsaEncryption;
      if (EVP_PKEY_get_bits(key) < 2048 || EVP_PKEY_get_bits(key) % 8 != 0)
        add(out, "e_public_key_weak", "an RSA key of " + std::to_string(EVP_PKEY_get_bits(key)) +
                                          " bits (at least 2048, a multiple of 8)");
      break;
    case EVP_PKEY_EC: {
      want_nid = NID_X9_62_id_ecPublicKey;
      char group[64] = {};
      std::size_t len = 0;
      const std::string g =
          EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1 ? group : "";
      if (g != "prime256v1" && g != "secp384r1" && g != "secp521r1")
        add(out, "e_public_key_curve", "an EC key on " + (g.empty() ? "an unnamed curve" : g));
      break;
    }
    case EVP_PKEY_ED25519:
      want_nid = NID_ED25519;
      break;
    default:
      add(out, "e_public_key_type", "a public key of a type TLS certificates do not carry");
      return;
  }
  if (OBJ_obj2nid(algorithm) != want_nid)
    add(out, "e_public_key_algorithm_mismatch",
        "the certificate's key algorithm is not the subject key's");
}

}  // namespace

const std::vector<Rule>& leaf_rules() {
  static const std::vector<Rule> rules = {
      {"version_3", "RFC 5280 §4.1.2.1", version_3},
      {"serial_number", "RFC 5280 §4.1.2.2; BR 7.1", serial_number},
      {"issuer_name", "RFC 5280 §4.1.2.4", issuer_name},
      {"validity", "RFC 5280 §4.1.2.5; profile", validity},
      {"subject_alt_name", "RFC 5280 §4.2.1.6; BR 7.1.2.7.12", subject_alt_name},
      {"common_name_in_sans", "BR 7.1.4.3", common_name_in_sans},
      {"basic_constraints", "RFC 5280 §4.2.1.9", basic_constraints},
      {"key_usage", "RFC 5280 §4.2.1.3; BR 7.1.2.7.11", key_usage},
      {"extended_key_usage", "RFC 5280 §4.2.1.12; BR 7.1.2.7.10; profile", extended_key_usage},
      {"key_identifiers", "RFC 5280 §4.2.1.1, §4.2.1.2", key_identifiers},
      {"revocation_pointers", "RFC 5280 §4.2.1.13, §4.2.2.1; BR 7.1.2.11.2", revocation_pointers},
      {"public_key", "BR 6.1.5", public_key},
  };
  return rules;
}

std::vector<Finding> lint_leaf(const Leaf& leaf, const LeafExpectations& want) {
  std::vector<Finding> out;
  for (const auto& r : leaf_rules()) r.check(leaf, want, out);
  return out;
}

core::Status check_leaf(const Leaf& leaf, const LeafExpectations& want) {
  return refusal("certificate", lint_leaf(leaf, want));
}

core::Status refusal(std::string_view what, const std::vector<Finding>& findings) {
  if (findings.empty()) return {};
  std::string detail = std::string(what) + " refused by the pre-issuance lint:";
  for (const auto& f : findings) detail += " [" + std::string(f.rule) + "] " + f.detail + ";";
  detail.pop_back();
  return core::internal_error(std::move(detail));
}

}  // namespace signet::ca::lint
