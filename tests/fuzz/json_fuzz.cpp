// The strict JSON reader (server/json/strict.hpp) and every request decoder
// (server/json/decode.hpp) on the same bytes, as payloads of any resource may be.
// A document parse_strict takes must come back from RapidJSON's writer as JSON that
// parse_strict takes again. A certID (RFC 9773) that parses has one spelling.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "authority/renewals.hpp"
#include "server/json/decode.hpp"
#include "server/json/strict.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace signet::server::json;
  const std::string_view text = signet::fuzz::as_text(data, size);

  if (auto doc = parse_strict(text)) {
    rapidjson::StringBuffer out;
    rapidjson::Writer<rapidjson::StringBuffer> writer(out);
    FUZZ_CHECK(doc->Accept(writer));
    FUZZ_CHECK(parse_strict(std::string_view(out.GetString(), out.GetSize())).ok());
  }
  (void)parse_strict(text, 1);

  (void)decode_new_account(text);
  (void)decode_account_update(text);
  if (auto order = decode_new_order(text)) {
    if (order->not_before && order->not_after) (void)(*order->not_before < *order->not_after);
  }
  if (auto fin = decode_finalize(text)) FUZZ_CHECK(!fin->csr_der.empty());
  if (auto rev = decode_revoke(text)) FUZZ_CHECK(!rev->certificate_der.empty());
  if (auto kc = decode_key_change(text)) FUZZ_CHECK(kc->old_key.key != nullptr);
  (void)decode_authz_update(text);
  (void)decode_challenge_response(text);
  (void)decode_new_authz(text);
  if (auto id = signet::authority::parse_cert_id(text))
    FUZZ_CHECK(signet::authority::encode_cert_id(id->key_id, id->serial) == text);
  (void)parse_rfc3339(text);
  return 0;
}
