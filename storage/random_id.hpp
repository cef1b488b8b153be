#pragma once
#include <string>

namespace signet::storage {

// 16 random bytes, base64url, never starting with "-": ids of accounts, orders,
// authorizations and challenges (and of a node's run).
std::string random_id();

}  // namespace signet::storage
