#include "policy/rate_limit.hpp"

#include <algorithm>
#include <charconv>

namespace signet::policy {
namespace {

using std::chrono::milliseconds;

constexpr std::string_view kDigits = "0123456789";
constexpr std::string_view kShape = " must look like COUNT/PERIOD, e.g. 300/3h";

core::Error bad_rate(std::string_view text, std::string_view why) {
  return core::make_error(core::ProblemType::Malformed,
                          "rate \"" + std::string(text) + "\"" + std::string(why));
}

// `s`, all decimal digits, as a number; nullopt when it is empty or too large.
std::optional<std::uint64_t> whole_number(std::string_view s) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

std::int64_t unit_seconds(char unit) {
  switch (unit) {
    case 's':
      return 1;
    case 'm':
      return 60;
    case 'h':
      return 60 * 60;
    case 'd':
      return 24 * 60 * 60;
    default:
      return 0;
  }
}

// A rate as arithmetic: the emission interval and the burst, in milliseconds. A Rate
// built by hand may be finer than parse_rate allows; it is held to one request per
// millisecond here, so that neither is zero and nothing overflows.
struct Bucket {
  std::int64_t interval;
  std::int64_t burst;
};

Bucket bucket_of(const Rate& rate) {
  const std::int64_t period = std::chrono::duration_cast<milliseconds>(rate.period).count();
  const auto count = static_cast<std::int64_t>(
      std::min<std::uint64_t>(rate.count, static_cast<std::uint64_t>(period)));
  const std::int64_t interval = period / count;
  return {interval, interval * count};
}

}  // namespace

core::Result<Rate> parse_rate(std::string_view text) {
  if (text.empty() || text == "0") return Rate{};
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return bad_rate(text, kShape);
  const std::string_view count_text = text.substr(0, slash);
  const std::string_view period_text = text.substr(slash + 1);
  const auto digits_end = std::min(period_text.find_first_not_of(kDigits), period_text.size());
  const std::string_view amount_text = period_text.substr(0, digits_end);
  const std::string_view unit = period_text.substr(digits_end);
  if (count_text.empty() || count_text.find_first_not_of(kDigits) != std::string_view::npos ||
      amount_text.empty() || period_text.find('/') != std::string_view::npos) {
    return bad_rate(text, kShape);
  }
  const auto count = whole_number(count_text);
  if (!count) return bad_rate(text, ": the count is too large");
  const std::int64_t unit_s = unit.size() == 1 ? unit_seconds(unit[0]) : 0;
  if (unit_s == 0) return bad_rate(text, ": the period needs a unit: s, m, h or d");
  const auto amount = whole_number(amount_text);
  if (amount && *amount == 0) return bad_rate(text, ": the period must be longer than zero");
  if (!amount || *amount > static_cast<std::uint64_t>(kMaxRatePeriod.count() / unit_s)) {
    const auto days = std::chrono::duration_cast<std::chrono::days>(kMaxRatePeriod).count();
    return bad_rate(text, ": the period may be at most " + std::to_string(days) + "d");
  }
  const std::chrono::seconds period(static_cast<std::int64_t>(*amount) * unit_s);
  if (*count == 0) return Rate{};
  if (*count >
      static_cast<std::uint64_t>(std::chrono::duration_cast<milliseconds>(period).count())) {
    return bad_rate(text, ": more than one request per millisecond is not a limit");
  }
  return Rate{*count, period};
}

std::string to_string(const Rate& rate) {
  if (!rate.enabled()) return "";
  const std::int64_t s = rate.period.count();
  char unit = 's';
  std::int64_t amount = s;
  for (char u : {'d', 'h', 'm'}) {
    if (s % unit_seconds(u) == 0) {
      unit = u;
      amount = s / unit_seconds(u);
      break;
    }
  }
  return std::to_string(rate.count) + "/" + std::to_string(amount) + unit;
}

GcraDecision gcra(std::optional<std::int64_t> tat_ms, std::int64_t now_ms, const Rate& rate,
                  std::uint64_t cost) {
  const std::int64_t unchanged = tat_ms.value_or(now_ms);
  if (!rate.enabled()) return {true, unchanged, milliseconds(0), kUnlimited};
  const auto [interval, burst] = bucket_of(rate);
  // A TAT in the past is a full bucket: idle time does not bank more than the burst.
  const std::int64_t tat = std::max(unchanged, now_ms);
  // How far the TAT may still move now. Negative when the bucket is over its limit,
  // which happens when a limit is lowered below what was spent.
  const std::int64_t room = now_ms + burst - tat;
  const auto fits = static_cast<std::uint64_t>(std::max<std::int64_t>(room, 0) / interval);
  const std::uint64_t wanted = std::max<std::uint64_t>(cost, 1);
  const auto max_cost = static_cast<std::uint64_t>(burst / interval);
  if (wanted > max_cost) return {false, unchanged, milliseconds(tat - now_ms), fits};
  if (wanted > fits) {
    const std::int64_t needed = static_cast<std::int64_t>(wanted) * interval;
    return {false, unchanged, milliseconds(needed - room), fits};
  }
  if (cost == 0) return {true, unchanged, milliseconds(0), fits};
  return {true, tat + static_cast<std::int64_t>(cost) * interval, milliseconds(0), fits - cost};
}

}  // namespace signet::policy
