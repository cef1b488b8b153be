#pragma once
// Rate limits: how a rate is written in the configuration, and the arithmetic of one
// token bucket. Pure functions; the Store keeps each bucket's state and applies this
// arithmetic inside its own transaction.
//
// The bucket follows the generic cell rate algorithm (GCRA). Its whole state is one
// instant, the theoretical arrival time (TAT): the moment the bucket would be full
// again if nothing more were spent. For a rate of `count` requests per `period`:
//
//   emission interval I = period / count   (one request's share of the period)
//   burst B             = I * count        (how far ahead of now the TAT may run)
//
// A request of cost n fits when max(TAT, now) + n*I <= now + B; spending it moves the
// TAT to max(TAT, now) + n*I. So a fresh (or long idle) bucket takes `count` requests
// at once, then one every I.
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace signet::policy {

// `count` requests per `period`. A count of zero switches the limit off.
struct Rate {
  std::uint64_t count = 0;
  std::chrono::seconds period{0};

  bool enabled() const { return count > 0 && period > std::chrono::seconds(0); }
  bool operator==(const Rate&) const = default;
};

// The longest period a rate may have.
inline constexpr std::chrono::seconds kMaxRatePeriod = std::chrono::hours(24 * 3650);

// "300/3h", "50/168h", "5/1h", "10/30m", "2/10s", "1/1d". "", "0" and a count of 0
// ("0/1h") switch the limit off. The period is at most kMaxRatePeriod, and a rate may
// not allow more than one request per millisecond. Errors are `malformed`, with a
// detail that quotes the text and names the problem.
core::Result<Rate> parse_rate(std::string_view text);

// The rate as parse_rate reads it, with the largest unit that divides the period
// ("50/168h" is "50/7d"); "" when the limit is off.
std::string to_string(const Rate& rate);

// Remaining requests of a limit that is off.
inline constexpr std::uint64_t kUnlimited = std::numeric_limits<std::uint64_t>::max();

struct GcraDecision {
  bool allowed = false;
  // The bucket's TAT afterwards: moved on by an allowed spend, otherwise the TAT given
  // (now when there was none).
  std::int64_t new_tat_ms = 0;
  // When denied: how long until the cost asked for would fit. Zero when allowed.
  std::chrono::milliseconds retry_after{0};
  // Requests of cost 1 that still fit now, after this one if it was allowed.
  std::uint64_t remaining = 0;
};

// One decision about a bucket whose TAT is tat_ms (none: a fresh bucket), all times in
// milliseconds since the Unix epoch. Cost 0 spends nothing and asks whether the bucket
// has room for one more request: allowed unless it is used up, with the same
// retry_after as a spend of 1 would get; the TAT never changes. A cost above the
// rate's count never fits; its retry_after is when the bucket is full again. A limit
// that is off allows everything and leaves the TAT as it was.
GcraDecision gcra(std::optional<std::int64_t> tat_ms, std::int64_t now_ms, const Rate& rate,
                  std::uint64_t cost);

}  // namespace signet::policy
