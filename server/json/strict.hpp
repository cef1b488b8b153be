#pragma once
// Strict JSON: valid UTF-8, no duplicate member names, bounded nesting, one value.
// RapidJSON is used in server/json and server/jose only.
#include <rapidjson/document.h>

#include <cstddef>
#include <string_view>

#include "core/result.hpp"

namespace signet::server::json {

inline constexpr std::size_t kDefaultMaxDepth = 16;

// Parses text into a document; `malformed` problems say what was wrong and where.
core::Result<rapidjson::Document> parse_strict(std::string_view text,
                                               std::size_t max_depth = kDefaultMaxDepth);

}  // namespace signet::server::json
