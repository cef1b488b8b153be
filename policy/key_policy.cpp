#include "policy/key_policy.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>

#include <string>

#include "core/openssl.hpp"

namespace signet::policy {
namespace {

core::Error refuse(KeyUse use, std::string why) {
  return core::make_error(
      use == KeyUse::Account ? core::ProblemType::BadPublicKey : core::ProblemType::BadCsr,
      (use == KeyUse::Account ? "Account key refused: " : "CSR key refused: ") + std::move(why));
}

}  // namespace

core::Status check_key(EVP_PKEY* key, KeyUse use) {
  if (key == nullptr) return refuse(use, "no key");
  const int id = EVP_PKEY_get_base_id(key);
  if (id == EVP_PKEY_RSA) {
    const int bits = EVP_PKEY_get_bits(key);
    if (bits < 2048 || bits > 4096 || bits % 8 != 0) {
      return refuse(use, "RSA keys must be 2048 to 4096 bits (a multiple of 8); this one has " +
                             std::to_string(bits));
    }
    BIGNUM* e = nullptr;
    if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
      return refuse(use, "unreadable RSA exponent");
    }
    core::ossl::Bignum eown(e);
    if (!BN_is_word(e, 65537)) return refuse(use, "RSA public exponent must be 65537");
  } else if (id == EVP_PKEY_EC) {
    char group[64] = {};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &len) != 1) {
      return refuse(use, "EC key without a named curve");
    }
    const std::string curve(group, len);
    const bool ok = curve == "prime256v1" || curve == "secp384r1" ||
                    (use == KeyUse::Account && curve == "secp521r1");
    if (!ok) {
      return refuse(use, use == KeyUse::Account
                             ? "EC keys must use P-256, P-384 or P-521; this one uses " + curve
                             : "EC keys must use P-256 or P-384; this one uses " + curve);
    }
  } else if (id == EVP_PKEY_ED25519) {
    if (use != KeyUse::Account)
      return refuse(use, "Ed25519 keys are not accepted for certificates");
  } else {
    return refuse(use, "unsupported key type");
  }
  core::ossl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx || EVP_PKEY_public_check(ctx.get()) != 1) {
    core::ossl::last_error();  // clear the queue
    return refuse(use, "the public key is not valid (point not on curve or bad modulus)");
  }
  return {};
}

}  // namespace signet::policy
