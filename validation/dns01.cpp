#include "validation/dns01.hpp"

#include "core/base64url.hpp"
#include "core/openssl.hpp"

namespace signet::validation {

std::string Dns01Checker::expected_txt(std::string_view key_authorization) {
  return core::base64url_encode(core::ossl::sha256(key_authorization));
}

boost::asio::awaitable<ValidationOutcome> Dns01Checker::check(const ValidationRequest& req,
                                                              Deadline& deadline) {
  ValidationOutcome out;
  // For a wildcard the identifier here is already the base name (RFC 8555 §8.4).
  const std::string name = "_acme-challenge." + req.identifier.value;
  core::ValidationRecord rec;
  rec.hostname = req.identifier.value;
  out.records.push_back(rec);
  deadline.doing(core::ProblemType::Dns, "looking up TXT for " + name);
  auto txts = co_await resolver_->lookup_txt(name);
  if (!txts) {
    out.problem = txts.error();
    co_return out;
  }
  const std::string expected = expected_txt(req.key_authorization);
  for (const auto& t : *txts) {
    if (t == expected) co_return out;
  }
  if (txts->empty()) {
    out.problem =
        core::make_error(core::ProblemType::Unauthorized, "No TXT record found at " + name);
  } else {
    std::string seen;
    for (std::size_t i = 0; i < txts->size() && i < 3; ++i) {
      seen += (seen.empty() ? "\"" : ", \"") + sanitize_excerpt((*txts)[i]) + "\"";
    }
    if (txts->size() > 3) seen += " and " + std::to_string(txts->size() - 3) + " more";
    out.problem = core::make_error(
        core::ProblemType::Unauthorized,
        "Incorrect TXT record at " + name + ": expected \"" + expected + "\", found " + seen);
  }
  co_return out;
}

}  // namespace signet::validation
