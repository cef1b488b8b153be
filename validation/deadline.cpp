#include "validation/deadline.hpp"

namespace signet::validation {

std::string describe_duration(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms < 1000) return std::to_string(ms) + " ms";
  std::string s = std::to_string(ms / 1000);
  if (const auto frac = ms % 1000; frac != 0) {
    std::string digits = std::to_string(1000 + frac).substr(1);  // three digits
    while (digits.back() == '0') digits.pop_back();
    s += "." + digits;
  }
  return s + " s";
}

core::Error Deadline::expired() const {
  return core::make_error(
      type_, "validation did not finish within " + describe_duration(budget_) + " (" + what_ + ")");
}

}  // namespace signet::validation
