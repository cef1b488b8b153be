#include "policy/csr.hpp"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#include "core/ascii.hpp"
#include "tests/support/crypto.hpp"

namespace signet::policy {
namespace {

using core::Identifier;
using core::IdentifierType;
using testing::make_csr;
using testing::make_key;

const Identifier kA{IdentifierType::Dns, "a.example"};
const Identifier kB{IdentifierType::Dns, "b.example"};
const Identifier kIp{IdentifierType::Ip, "192.0.2.7"};
const KeyPolicy kKeys{KeyPolicyConfig{}};

TEST(Csr, ParsesNamesAndCommonName) {
  auto key = make_key("p256");
  auto r = parse_csr(make_csr(key.get(), {kA, kIp}, "B.example"), kKeys);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->common_name, "b.example");
  EXPECT_EQ(r->names, (std::vector<Identifier>{kA, kIp, kB}));
  EXPECT_TRUE(check_csr_against_order(*r, {kA, kB, kIp}));
}

TEST(Csr, NamesMustMatchOrderExactly) {
  auto key = make_key("p256");
  auto r = parse_csr(make_csr(key.get(), {kA, kB}), kKeys);
  ASSERT_TRUE(r);
  auto extra = check_csr_against_order(*r, {kA});
  ASSERT_FALSE(extra);
  EXPECT_NE(extra.error().detail.find("b.example"), std::string::npos);
  EXPECT_FALSE(check_csr_against_order(*r, {kA, kB, kIp}));
}

TEST(Csr, RejectsBadSignatureGarbageAndWeakKeys) {
  auto key = make_key("p256");
  auto der = make_csr(key.get(), {kA});
  der[der.size() - 5] ^= 0x55;  // inside the signature
  auto r = parse_csr(der, kKeys);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, core::ProblemType::BadCsr);
  EXPECT_FALSE(parse_csr("not a csr", kKeys));
  auto weak = make_key("rsa1024");
  EXPECT_FALSE(parse_csr(make_csr(weak.get(), {kA}), kKeys));
  EXPECT_FALSE(parse_csr(make_csr(key.get(), {}), kKeys));  // no names at all
}

// Found by fuzzing: a refused request left its errors in OpenSSL's queue, where the next
// last_error() on the thread reported them.
TEST(Csr, RefusalsLeaveNoOpenSslErrors) {
  auto key = make_key("p256");
  auto der = make_csr(key.get(), {kA});
  der[der.size() - 5] ^= 0x55;
  for (const std::string& bad :
       {std::string("not a csr"), std::string("\x30\x03\x02\x01"), der, make_csr(key.get(), {})}) {
    ERR_clear_error();
    EXPECT_FALSE(parse_csr(bad, kKeys));
    EXPECT_EQ(ERR_peek_error(), 0u);
  }
}

std::string detail_of(const core::Result<ParsedCsr>& r) {
  return r ? std::string() : r.error().detail;
}

// A request for a.example by CN, with `edit` applied before it is signed by key.
template <class Edit>
std::string edited_csr(EVP_PKEY* key, Edit edit) {
  const std::string der = make_csr(key, {}, "a.example");
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  core::ossl::X509Req req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  edit(req.get());
  EXPECT_GT(X509_REQ_sign(req.get(), key, EVP_sha256()), 0);
  return core::ossl::der_of(req.get(), i2d_X509_REQ);
}

X509_EXTENSION* san_extension(const std::string& content) {
  std::unique_ptr<ASN1_OCTET_STRING, core::ossl::Deleter<ASN1_OCTET_STRING_free>> value(
      ASN1_OCTET_STRING_new());
  ASN1_OCTET_STRING_set(value.get(), reinterpret_cast<const unsigned char*>(content.data()),
                        static_cast<int>(content.size()));
  return X509_EXTENSION_create_by_NID(nullptr, NID_subject_alt_name, 0, value.get());
}

void add_extensions(X509_REQ* req, const std::vector<X509_EXTENSION*>& list) {
  STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
  for (auto* e : list) sk_X509_EXTENSION_push(exts, e);
  X509_REQ_add_extensions(req, exts);
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
}

// Found by fuzzing: names that could not be read were skipped, and the request was judged
// by its common name alone.
TEST(Csr, RefusesUnreadableSubjectAltNames) {
  auto key = make_key("p256");
  const std::string san_b = std::string("\x30\x0b\x82\x09", 4) + "b.example";
  ASSERT_TRUE(parse_csr(
      edited_csr(key.get(), [&](X509_REQ* req) { add_extensions(req, {san_extension(san_b)}); }),
      kKeys));
  auto twice =
      parse_csr(edited_csr(key.get(),
                           [&](X509_REQ* req) {
                             add_extensions(req, {san_extension(san_b), san_extension(san_b)});
                           }),
                kKeys);
  EXPECT_EQ(detail_of(twice), "Invalid CSR: more than one subjectAltName extension");
  auto garbled = parse_csr(
      edited_csr(key.get(),
                 [&](X509_REQ* req) { add_extensions(req, {san_extension("\x30\x05\x82")}); }),
      kKeys);
  EXPECT_EQ(detail_of(garbled), "Invalid CSR: unreadable subjectAltName extension");
  auto no_extensions = parse_csr(
      edited_csr(key.get(),
                 [](X509_REQ* req) {
                   X509_REQ_add1_attr_by_NID(req, NID_ext_req, V_ASN1_INTEGER,
                                             reinterpret_cast<const unsigned char*>("\x01"), 1);
                 }),
      kKeys);
  EXPECT_EQ(detail_of(no_extensions), "Invalid CSR: unreadable extension request");
}

// The CSR signed again by key with md, after any edit of its DER.
std::string resign(const std::string& der, EVP_PKEY* key, const EVP_MD* md) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  core::ossl::X509Req req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  EXPECT_TRUE(req);
  EXPECT_GT(X509_REQ_sign(req.get(), key, md), 0);
  return core::ossl::der_of(req.get(), i2d_X509_REQ);
}

// The same key pair, set to encode its public key another way.
using Encoding = std::vector<std::pair<const char*, const char*>>;
core::ossl::Pkey encoded_as(EVP_PKEY* key, const Encoding& how) {
  core::ossl::Pkey dup(EVP_PKEY_dup(key));
  for (const auto& [param, value] : how) {
    EXPECT_EQ(EVP_PKEY_set_utf8_string_param(dup.get(), param, value), 1);
  }
  return dup;
}

constexpr auto kPointFormat = OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT;
constexpr auto kEncoding = OSSL_PKEY_PARAM_EC_ENCODING;

TEST(Csr, RefusesWeakSignatureDigests) {
  auto p256 = make_key("p256");
  const auto der = make_csr(p256.get(), {kA});
  auto sha1 = parse_csr(resign(der, p256.get(), EVP_sha1()), kKeys);
  ASSERT_FALSE(sha1);
  EXPECT_EQ(sha1.error().type, core::ProblemType::BadCsr);
  EXPECT_EQ(sha1.error().detail,
            "Invalid CSR: signed with ecdsa-with-SHA1; SHA-1 signatures are not accepted");
  EXPECT_TRUE(parse_csr(resign(der, p256.get(), EVP_sha384()), kKeys));

  auto rsa = make_key("rsa2048");
  const auto rsa_der = make_csr(rsa.get(), {kA});
  EXPECT_EQ(detail_of(parse_csr(resign(rsa_der, rsa.get(), EVP_md5()), kKeys)),
            "Invalid CSR: signed with md5WithRSAEncryption; MD5 signatures are not accepted");
  EXPECT_EQ(detail_of(parse_csr(resign(rsa_der, rsa.get(), EVP_sha1()), kKeys)),
            "Invalid CSR: signed with sha1WithRSAEncryption; SHA-1 signatures are not accepted");
  const auto sha224 = detail_of(parse_csr(resign(rsa_der, rsa.get(), EVP_sha224()), kKeys));
  EXPECT_NE(sha224.find("sha224WithRSAEncryption is not accepted"), std::string::npos) << sha224;
  EXPECT_TRUE(parse_csr(rsa_der, kKeys));
}

TEST(Csr, TheKeyTypeIsJudgedBeforeTheSignature) {
  auto weak = make_key("rsa1024");
  auto der = make_csr(weak.get(), {kA});
  der[der.size() - 5] ^= 0x55;  // inside the signature
  EXPECT_EQ(detail_of(parse_csr(der, kKeys)),
            "CSR key refused: RSA 1024-bit keys are not accepted; accepted: rsa2048, rsa3072, "
            "rsa4096, p256, p384");
}

TEST(Csr, ConfiguredCertificateKeyTypes) {
  KeyPolicyConfig c;
  c.certificate = {KeyType::P256, KeyType::Ed25519};
  const KeyPolicy keys(c);
  auto p256 = make_key("p256");
  auto p384 = make_key("p384");
  auto ed = make_key("ed25519");
  EXPECT_TRUE(parse_csr(make_csr(p256.get(), {kA}), keys));
  EXPECT_TRUE(parse_csr(make_csr(ed.get(), {kA}), keys));
  EXPECT_EQ(detail_of(parse_csr(make_csr(p384.get(), {kA}), keys)),
            "CSR key refused: EC P-384 keys are not accepted; accepted: p256, ed25519");
  EXPECT_FALSE(parse_csr(make_csr(ed.get(), {kA}), kKeys));
}

TEST(Csr, OtherKeyEncodingsAreCertifiedCanonically) {
  for (const char* kind : {"p256", "p384"}) {
    auto key = make_key(kind);
    const std::string canonical = core::ossl::spki_der(key.get());  // named, uncompressed
    auto plain = parse_csr(make_csr(key.get(), {kA}), kKeys);
    ASSERT_TRUE(plain) << plain.error().detail;
    EXPECT_EQ(core::ossl::spki_der(plain->spki.get()), canonical);
    EXPECT_EQ(plain->spki_sha256, core::ossl::sha256(canonical));
    for (const Encoding& how :
         {Encoding{{kPointFormat, "compressed"}}, Encoding{{kEncoding, "explicit"}},
          Encoding{{kEncoding, "explicit"}, {kPointFormat, "compressed"}}}) {
      const auto der = make_csr(encoded_as(key.get(), how).get(), {kA});
      ASSERT_EQ(der.find(canonical), std::string::npos) << kind;  // sent otherwise
      auto r = parse_csr(der, kKeys);
      ASSERT_TRUE(r) << kind << ": " << r.error().detail;
      EXPECT_EQ(core::ossl::spki_der(r->spki.get()), canonical) << kind;
      EXPECT_EQ(r->spki_sha256, plain->spki_sha256) << kind;
      EXPECT_EQ(EVP_PKEY_eq(r->public_key.get(), key.get()), 1) << kind;
      EXPECT_EQ(core::ossl::spki_der(r->public_key.get()), canonical) << kind;
    }
  }
}

TEST(Csr, ExplicitParametersMustBeExactlyTheNamedCurve) {
  auto key = make_key("p256");
  const auto der = make_csr(encoded_as(key.get(), {{kEncoding, "explicit"}}).get(), {kA});
  ASSERT_TRUE(parse_csr(der, kKeys));
  const std::string kRefused =
      "CSR key refused: its explicit curve parameters are not exactly prime256v1";

  // The cofactor (the INTEGER 1 before the key's BIT STRING) changed to 2. OpenSSL alone
  // would take these parameters for P-256.
  std::string cofactor = der;
  const auto at = cofactor.find(std::string("\x02\x01\x01\x03\x42\x00\x04", 7));
  ASSERT_NE(at, std::string::npos);
  cofactor[at + 2] = 2;
  EXPECT_EQ(detail_of(parse_csr(resign(cofactor, key.get(), EVP_sha256()), kKeys)), kRefused);

  // Another seed.
  std::unique_ptr<EC_GROUP, core::ossl::Deleter<EC_GROUP_free>> p256(
      EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  const std::string seed(reinterpret_cast<const char*>(EC_GROUP_get0_seed(p256.get())),
                         EC_GROUP_get_seed_len(p256.get()));
  std::string reseeded = der;
  const auto seed_at = reseeded.find(seed);
  ASSERT_NE(seed_at, std::string::npos);
  reseeded[seed_at] ^= 1;
  EXPECT_EQ(detail_of(parse_csr(resign(reseeded, key.get(), EVP_sha256()), kKeys)), kRefused);

  // The explicit parameters of a curve outside the list.
  auto k1 = make_key("secp256k1");
  const auto k1_der = make_csr(encoded_as(k1.get(), {{kEncoding, "explicit"}}).get(), {kA});
  const auto d = detail_of(parse_csr(k1_der, kKeys));
  EXPECT_NE(d.find("EC keys on secp256k1 are not accepted"), std::string::npos) << d;
}

// The direct reading of named-curve requests answers as OpenSSL's decoders do: the same
// names, key and refusals, for every key type and for requests edited byte by byte.
std::string outcome(const core::Result<ParsedCsr>& r) {
  if (!r) return "refused: " + r.error().detail;
  std::string out = "key " + core::hex_lower(r->spki_sha256) + " spki " +
                    core::hex_lower(core::ossl::sha256(core::ossl::spki_der(r->spki.get()))) +
                    " cn " + r->common_name.value_or("-");
  for (const auto& id : r->names) out += " " + id.value;
  return out;
}

TEST(Csr, DirectDecodingAnswersAsOpenSslDoes) {
  std::vector<std::string> requests;
  for (const char* kind : {"p256", "p384", "p521", "rsa2048", "ed25519"}) {
    auto key = make_key(kind);
    requests.push_back(make_csr(key.get(), {kA, kIp}, "B.example"));
    requests.push_back(make_csr(key.get(), {}, "a.example"));
  }
  auto p256 = make_key("p256");
  const std::string base = make_csr(p256.get(), {kA, kB}, "a.example");
  requests.push_back(resign(base, p256.get(), EVP_sha1()));
  requests.push_back(resign(base, p256.get(), EVP_sha512()));
  requests.push_back(edited_csr(p256.get(), [&](X509_REQ* req) {
    const std::string san_b = std::string("\x30\x0b\x82\x09", 4) + "b.example";
    add_extensions(req, {san_extension(san_b), san_extension(san_b)});
  }));
  requests.push_back(make_csr(
      encoded_as(p256.get(), {{kPointFormat, OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_COMPRESSED}})
          .get(),
      {kA}));
  requests.push_back(base + "x");  // trailing data
  // Found by fuzzing: a constructed INTEGER as the version, which OpenSSL does not read.
  std::string constructed_version = base;
  const auto version = constructed_version.find(std::string("\x02\x01\x00", 3));
  ASSERT_NE(version, std::string::npos);
  constructed_version[version] = '\x22';
  requests.push_back(constructed_version);
  // Every byte of a named-curve request changed in turn: its lengths, tags, curve, point,
  // names and signature.
  for (std::size_t i = 0; i < base.size(); ++i) {
    std::string edited = base;
    edited[i] = static_cast<char>(edited[i] ^ (i % 7 == 0 ? 0x01 : 0x80));
    requests.push_back(edited);
  }
  int parsed = 0;
  for (const auto& der : requests) {
    const auto direct = parse_csr(der, kKeys, CsrDecoding::Direct);
    EXPECT_EQ(outcome(direct), outcome(parse_csr(der, kKeys, CsrDecoding::ThroughOpenSsl)))
        << core::hex_lower(der);
    parsed += direct ? 1 : 0;
  }
  EXPECT_GE(parsed, 8);  // the well-formed requests of the accepted key types
}

}  // namespace
}  // namespace signet::policy
