// parse_csr with the default key policy, and check_csr_against_order (policy/csr.hpp).
//
// The first byte says how to read the rest, a DER PKCS#10 request:
//   even: as it is (few mutations keep a valid self-signature);
//   odd:  when OpenSSL can read it, with its key replaced by a fixed P-256 key and signed
//         again, so that mutations of the subject and extensions reach the name checks.
// A request that parses asks for at least one name, and every subjectAltName it carries
// was read; it fits an order of exactly its names, and no order that lacks one or adds one. Parsed
// or refused, it leaves no error in OpenSSL's queue, and OpenSSL's own decoding of the
// request gives the same answer as the direct one.
#include <openssl/err.h>
#include <openssl/x509.h>

#include <algorithm>
#include <string>

#include "policy/csr.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/support/crypto.hpp"

namespace {

using namespace signet;

std::string re_signed(std::string_view der) {
  static const core::ossl::Pkey key = testing::make_key("p256");
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  core::ossl::X509Req req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  if (!req || X509_REQ_set_pubkey(req.get(), key.get()) != 1 ||
      X509_REQ_sign(req.get(), key.get(), EVP_sha256()) <= 0) {
    ERR_clear_error();
    return std::string(der);
  }
  return core::ossl::der_of(req.get(), i2d_X509_REQ);
}

// Whether the request's subject alternative names were all readable: an extension request
// OpenSSL can decode, holding at most one subjectAltName, which decodes.
bool sans_readable(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  core::ossl::X509Req req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  if (!req) return false;
  const bool asks = X509_REQ_get_attr_by_NID(req.get(), NID_ext_req, -1) >= 0 ||
                    X509_REQ_get_attr_by_NID(req.get(), NID_ms_ext_req, -1) >= 0;
  STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(req.get());
  bool ok = exts != nullptr || !asks;
  int sans = 0;
  for (int i = 0; exts != nullptr && i < sk_X509_EXTENSION_num(exts); ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts, i);
    if (OBJ_obj2nid(X509_EXTENSION_get_object(ext)) != NID_subject_alt_name) continue;
    ++sans;
    core::ossl::GeneralNames names(static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(ext)));
    ok = ok && names != nullptr;
  }
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  ERR_clear_error();
  return ok && sans <= 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const policy::KeyPolicy keys{policy::KeyPolicyConfig{}};
  const std::string_view rest = fuzz::as_text(data + 1, size - 1);
  const std::string der = (data[0] & 1) != 0 ? re_signed(rest) : std::string(rest);

  auto csr = policy::parse_csr(der, keys);
  FUZZ_CHECK_NO_OPENSSL_ERRORS();
  const auto through = policy::parse_csr(der, keys, policy::CsrDecoding::ThroughOpenSsl);
  FUZZ_CHECK_NO_OPENSSL_ERRORS();
  FUZZ_CHECK(csr.ok() == through.ok());
  FUZZ_CHECK(csr ? csr->names == through->names && csr->spki_sha256 == through->spki_sha256 &&
                       csr->common_name == through->common_name
                 : csr.error().detail == through.error().detail);
  if (!csr) return 0;
  FUZZ_CHECK(!csr->names.empty());
  FUZZ_CHECK(csr->public_key != nullptr && csr->spki != nullptr);
  FUZZ_CHECK(csr->spki_sha256.size() == 32);
  FUZZ_CHECK(sans_readable(der));

  std::vector<core::Identifier> order = csr->names;
  FUZZ_CHECK(policy::check_csr_against_order(*csr, order).ok());
  std::reverse(order.begin(), order.end());
  FUZZ_CHECK(policy::check_csr_against_order(*csr, order).ok());
  order.push_back({core::IdentifierType::Ip, "not an address"});  // never a CSR name
  FUZZ_CHECK(!policy::check_csr_against_order(*csr, order).ok());
  order.pop_back();
  order.pop_back();
  FUZZ_CHECK(!policy::check_csr_against_order(*csr, order).ok());
  return 0;
}
