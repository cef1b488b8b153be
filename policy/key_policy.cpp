#include "policy/key_policy.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/objects.h>

#include <array>
#include <cctype>
#include <utility>

#include "core/ascii.hpp"
#include "core/files.hpp"
#include "core/openssl.hpp"
#include "policy/rsa_modulus.hpp"

namespace signet::policy {
namespace {

struct TypeInfo {
  KeyType type;
  std::string_view name;         // as the configuration spells it
  std::string_view description;  // as a refusal spells it
  const char* group;             // OpenSSL group name for EC, else nullptr
  int rsa_bits;                  // for RSA, else 0
  std::size_t ec_field_bytes;    // for EC, else 0
};

constexpr std::array kTypes{
    TypeInfo{KeyType::Rsa2048, "rsa2048", "RSA 2048-bit keys", nullptr, 2048, 0},
    TypeInfo{KeyType::Rsa3072, "rsa3072", "RSA 3072-bit keys", nullptr, 3072, 0},
    TypeInfo{KeyType::Rsa4096, "rsa4096", "RSA 4096-bit keys", nullptr, 4096, 0},
    TypeInfo{KeyType::P256, "p256", "EC P-256 keys", "prime256v1", 0, 32},
    TypeInfo{KeyType::P384, "p384", "EC P-384 keys", "secp384r1", 0, 48},
    TypeInfo{KeyType::P521, "p521", "EC P-521 keys", "secp521r1", 0, 66},
    TypeInfo{KeyType::Ed25519, "ed25519", "Ed25519 keys", nullptr, 0, 0},
};

const TypeInfo& info(KeyType t) {
  return kTypes[static_cast<std::size_t>(t)];
}

const TypeInfo* ec_type(std::string_view group) {
  for (const auto& t : kTypes) {
    if (t.group != nullptr && group == t.group) return &t;
  }
  return nullptr;
}

core::Error refuse(KeyUse use, std::string why) {
  return core::make_error(
      use == KeyUse::Account ? core::ProblemType::BadPublicKey : core::ProblemType::BadCsr,
      (use == KeyUse::Account ? "Account key refused: " : "CSR key refused: ") + std::move(why));
}

std::string accepted_list(const std::set<KeyType>& types) {
  std::string out;
  for (KeyType t : types) {
    if (!out.empty()) out += ", ";
    out += key_type_name(t);
  }
  return out.empty() ? "none" : out;
}

std::optional<std::string> group_name(EVP_PKEY* key) {
  char group[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) !=
      1) {
    return std::nullopt;
  }
  return std::string(group, len);
}

core::ossl::Bignum bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  return core::ossl::Bignum(bn);
}

// What a key is: one of the KeyTypes, or a description for the refusal.
struct Classified {
  std::optional<KeyType> type;
  std::string description;
};

Classified classify(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: {
      const int bits = EVP_PKEY_get_bits(key);
      for (const auto& t : kTypes) {
        if (t.rsa_bits == bits) return {t.type, std::string(t.description)};
      }
      return {std::nullopt, "RSA " + std::to_string(bits) + "-bit keys"};
    }
    case EVP_PKEY_EC: {
      // Explicit parameters that are not a named curve have no group name.
      const auto group = group_name(key);
      if (!group) return {std::nullopt, "EC keys on an unnamed curve"};
      if (const TypeInfo* t = ec_type(*group)) return {t->type, std::string(t->description)};
      return {std::nullopt, "EC keys on " + *group};
    }
    case EVP_PKEY_ED25519:
      return {KeyType::Ed25519, std::string(info(KeyType::Ed25519).description)};
    default: {
      const char* name = EVP_PKEY_get0_type_name(key);
      return {std::nullopt, std::string(name != nullptr ? name : "unknown") + " keys"};
    }
  }
}

// A tiny DER writer: enough for a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
std::string der_tlv(unsigned char tag, std::string_view content) {
  std::string out(1, static_cast<char>(tag));
  const std::size_t n = content.size();
  if (n < 0x80) {
    out += static_cast<char>(n);
  } else {
    std::string len;
    for (std::size_t v = n; v != 0; v >>= 8) len.insert(len.begin(), static_cast<char>(v & 0xff));
    out += static_cast<char>(0x80 | len.size());
    out += len;
  }
  out += content;
  return out;
}

constexpr unsigned char kInteger = 0x02, kBitString = 0x03, kNull = 0x05, kSequence = 0x30;

std::string der_oid(int nid) {
  return core::ossl::der_of(OBJ_nid2obj(nid), i2d_ASN1_OBJECT);
}

// A non-negative INTEGER: big-endian, with a leading zero octet when the top bit is set.
std::string der_integer(const BIGNUM* bn) {
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  if (bytes.empty() || (static_cast<unsigned char>(bytes[0]) & 0x80) != 0) bytes.insert(0, 1, '\0');
  return der_tlv(kInteger, bytes);
}

std::string spki(std::string_view algorithm, std::string_view key_bits) {
  std::string bits(1, '\0');  // no unused bits
  bits += key_bits;
  return der_tlv(kSequence, der_tlv(kSequence, algorithm) + der_tlv(kBitString, bits));
}

}  // namespace

std::optional<KeyType> key_type_from_name(std::string_view name) {
  for (const auto& t : kTypes) {
    if (t.name == name) return t.type;
  }
  return std::nullopt;
}

std::string_view key_type_name(KeyType type) {
  return info(type).name;
}

std::optional<KeyType> key_type_of(EVP_PKEY* key) {
  if (key == nullptr) return std::nullopt;
  return classify(key).type;
}

std::string key_type_list(const std::set<KeyType>& types) {
  return accepted_list(types);
}

core::Result<std::set<std::string>> load_blocked_keys(const std::filesystem::path& file) {
  auto text = core::read_file(file);
  if (!text) {
    return core::make_error(core::ProblemType::Malformed,
                            "cannot read the blocked keys file " + file.string());
  }
  std::set<std::string> out;
  std::size_t line_no = 0;
  for (std::size_t start = 0; start < text->size();) {
    std::size_t end = text->find('\n', start);
    if (end == std::string::npos) end = text->size();
    std::string line = text->substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    std::size_t first = 0;
    while (first < line.size() && std::isspace(static_cast<unsigned char>(line[first]))) ++first;
    line.erase(0, first);
    if (line.empty()) continue;
    bool ok = line.size() == 64;
    for (char& c : line) {
      ok = ok && std::isxdigit(static_cast<unsigned char>(c));
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (!ok) {
      return core::make_error(core::ProblemType::Malformed,
                              file.string() + " line " + std::to_string(line_no) +
                                  ": expected a SHA-256 in hex (64 digits), found \"" + line +
                                  "\"");
    }
    out.insert(std::move(line));
  }
  return out;
}

KeyPolicy::KeyPolicy(KeyPolicyConfig c) : config_(std::move(c)) {}

core::Status KeyPolicy::check_type(EVP_PKEY* key, KeyUse use) const {
  if (key == nullptr) return refuse(use, "no key");
  const auto& allowed = use == KeyUse::Account ? config_.account : config_.certificate;
  const Classified c = classify(key);
  if (!c.type || !allowed.contains(*c.type)) {
    return refuse(use, c.description + " are not accepted; accepted: " + accepted_list(allowed));
  }
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
    const auto e = bn_param(key, OSSL_PKEY_PARAM_RSA_E);
    if (!e) return refuse(use, "unreadable RSA public exponent");
    if (!BN_is_word(e.get(), 65537)) {
      std::string value = "a " + std::to_string(BN_num_bits(e.get())) + "-bit number";
      if (BN_num_bits(e.get()) <= 64) {
        char* dec = BN_bn2dec(e.get());
        if (dec != nullptr) value = dec;
        OPENSSL_free(dec);
      }
      return refuse(use, "the RSA public exponent must be 65537, not " + value);
    }
  }
  return {};
}

core::Status KeyPolicy::check(EVP_PKEY* key, KeyUse use) const {
  if (auto st = check_type(key, use); !st) return st;
  if (!config_.blocked_spki_sha256.empty()) {
    auto digest = canonical_spki_sha256(key);
    if (!digest) return refuse(use, "the key cannot be encoded");
    if (config_.blocked_spki_sha256.contains(core::hex_lower(*digest)))
      return refuse(use, "this key is blocked");
  }
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
    const auto n = bn_param(key, OSSL_PKEY_PARAM_RSA_N);
    if (!n) return refuse(use, "unreadable RSA modulus");
    if (const auto p = small_prime_factor(n.get())) {
      return refuse(use, "the RSA modulus is divisible by " + std::to_string(*p));
    }
    if (has_roca_fingerprint(n.get())) {
      return refuse(use, "the RSA modulus has the ROCA fingerprint (Infineon, CVE-2017-15361)");
    }
    if (fermat_factorable(n.get(), config_.fermat_rounds)) {
      return refuse(use, "the RSA modulus has primes close enough for Fermat factorisation");
    }
  }
  // Every curve check_type accepts has cofactor 1: a point on the curve other than the
  // point at infinity has the group's order, so the quick check (those two) is the whole
  // check, without the full one's multiplication by the order.
  core::ossl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  const bool ec = EVP_PKEY_get_base_id(key) == EVP_PKEY_EC;
  if (!ctx ||
      (ec ? EVP_PKEY_public_check_quick(ctx.get()) : EVP_PKEY_public_check(ctx.get())) != 1) {
    core::ossl::last_error();  // clear the queue
    return refuse(use, ec ? "the EC point is not on its curve or is the point at infinity"
                          : "the public key is not valid");
  }
  return {};
}

core::Result<std::string> canonical_spki_der(EVP_PKEY* key) {
  if (key == nullptr) return core::internal_error("canonical SPKI of no key");
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: {
      // RFC 3279 §2.3.1: rsaEncryption with NULL parameters; RSAPublicKey in the bits.
      const auto n = bn_param(key, OSSL_PKEY_PARAM_RSA_N);
      const auto e = bn_param(key, OSSL_PKEY_PARAM_RSA_E);
      if (!n || !e) return core::internal_error("RSA key without n or e");
      return spki(der_oid(NID_rsaEncryption) + der_tlv(kNull, ""),
                  der_tlv(kSequence, der_integer(n.get()) + der_integer(e.get())));
    }
    case EVP_PKEY_EC: {
      // RFC 5480 §2.1.1: namedCurve only; §2.2: the uncompressed point 04 || X || Y.
      const auto group = group_name(key);
      const TypeInfo* t = group ? ec_type(*group) : nullptr;
      if (t == nullptr) return core::internal_error("EC key on an unsupported curve");
      const auto x = bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X);
      const auto y = bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y);
      if (!x || !y) return core::internal_error("EC key without a point");
      const int width = static_cast<int>(t->ec_field_bytes);
      std::string point(1 + 2 * t->ec_field_bytes, '\x04');
      auto* out = reinterpret_cast<unsigned char*>(point.data());
      if (BN_bn2binpad(x.get(), out + 1, width) != width ||
          BN_bn2binpad(y.get(), out + 1 + width, width) != width) {
        return core::internal_error("EC point coordinate out of range");
      }
      return spki(der_oid(NID_X9_62_id_ecPublicKey) + der_oid(OBJ_sn2nid(t->group)), point);
    }
    case EVP_PKEY_ED25519: {
      // RFC 8410 §3: no parameters; the raw 32-octet key.
      std::string raw(32, '\0');
      size_t len = raw.size();
      if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &len) !=
              1 ||
          len != raw.size()) {
        return core::internal_error("unreadable Ed25519 key");
      }
      return spki(der_oid(NID_ED25519), raw);
    }
    default:
      return core::internal_error("canonical SPKI of an unsupported key type");
  }
}

core::Result<std::string> canonical_spki_sha256(EVP_PKEY* key) {
  auto der = canonical_spki_der(key);
  if (!der) return std::move(der).error();
  return core::ossl::sha256(*der);
}

}  // namespace signet::policy
