#pragma once
// The JSON of the admin listener's /testing/ endpoints (the test CA mode): the TXT and
// CAA records a client sets, and the knobs. Decoders refuse unknown members and wrong
// types with a `malformed` error that says which.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "core/result.hpp"
#include "validation/caa.hpp"

namespace signet::server::json {

// {"name": "_acme-challenge.app.example.test", "value": "..."}; the value is required
// unless `value_optional` (a DELETE: without one, every TXT record of the name).
struct TxtBody {
  std::string name;
  std::optional<std::string> value;
};
core::Result<TxtBody> decode_txt_body(std::string_view body, bool value_optional);

// {"name": "example.test", "tag": "issue", "value": "...", "critical": false}; tag and
// value are required unless `optional` (a DELETE: the records that match what is given).
struct CaaBody {
  std::string name;
  std::optional<std::string> tag;
  std::optional<std::string> value;
  bool critical = false;
};
core::Result<CaaBody> decode_caa_body(std::string_view body, bool optional);

// {"name": ..., "txt": [values]} and {"name": ..., "caa": [{tag, value, critical}]}:
// the records a name has now.
std::string encode_txt_records(const std::string& name, const std::vector<std::string>& values);
std::string encode_caa_records(const std::string& name,
                               const std::vector<validation::CaaRecord>& records);

// Some or all of the knobs: resolve_all_to, always_valid, nonce_reject_percent,
// validation_delay, reuse_authorizations, inject (an array of {resource, problem,
// status, percent, retry_after}), each replacing its value in `knobs`; members not
// given keep theirs. Values are checked by the caller (TestMode::apply).
core::Status decode_testing_knobs(std::string_view body, config::Testing& knobs);
// Every knob, as decode_testing_knobs reads them (status 0 and retry_after null when
// unset).
std::string encode_testing_knobs(const config::Testing& knobs);

}  // namespace signet::server::json
