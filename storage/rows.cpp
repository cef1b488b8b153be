#include "storage/rows.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <sstream>

#include "core/base64url.hpp"
#include "core/openssl.hpp"
#include "storage/random_id.hpp"

namespace signet::storage::detail::rows {

using core::to_unix;

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : "\n") + s;
  return out;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::string encode_identifiers(const std::vector<core::Identifier>& ids) {
  std::vector<std::string> parts;
  for (const auto& id : ids) parts.push_back(std::string(to_string(id.type)) + ":" + id.value);
  return join(parts);
}

std::string identifiers_sha256(std::vector<core::Identifier> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::string lines;
  for (const auto& id : ids) lines += std::string(to_string(id.type)) + ":" + id.value + "\n";
  return core::ossl::sha256(lines);
}

std::vector<core::Identifier> decode_identifiers(const std::string& s) {
  std::vector<core::Identifier> out;
  for (const auto& line : split(s)) {
    const auto colon = line.find(':');
    out.push_back({core::identifier_type_from_string(line.substr(0, colon))
                       .value_or(core::IdentifierType::Dns),
                   line.substr(colon + 1)});
  }
  return out;
}

std::optional<int64_t> opt_unix(const std::optional<core::TimePoint>& t) {
  return t ? std::optional<int64_t>(to_unix(*t)) : std::nullopt;
}
std::optional<core::TimePoint> opt_time(const std::optional<int64_t>& s) {
  return s ? std::optional<core::TimePoint>(core::from_unix(*s)) : std::nullopt;
}

}  // namespace signet::storage::detail::rows

namespace signet::storage {

std::string random_id() {
  // Never starting with "-": an operator types account ids on the command line, where
  // a leading "-" would read as an option.
  for (;;) {
    unsigned char buf[16];
    RAND_bytes(buf, sizeof buf);
    auto id = core::base64url_encode(std::string_view(reinterpret_cast<char*>(buf), sizeof buf));
    if (id.front() != '-') return id;
  }
}

}  // namespace signet::storage
