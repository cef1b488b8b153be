#pragma once
// Which public keys are acceptable, for accounts (JWS) and for certificates (CSR).
// Pure; thread-safe.
#include <openssl/evp.h>

#include "core/result.hpp"

namespace signet::policy {

enum class KeyUse { Account, Certificate };

// Account keys: RSA 2048-4096 bits with e = 65537, EC P-256/P-384/P-521, Ed25519.
// Certificate keys: RSA 2048-4096 bits with e = 65537, EC P-256/P-384.
// EC points and RSA moduli are checked (EVP_PKEY_public_check).
// Errors: badPublicKey for account keys, badCSR for certificate keys.
core::Status check_key(EVP_PKEY* key, KeyUse use);

}  // namespace signet::policy
