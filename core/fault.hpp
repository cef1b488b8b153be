#pragma once
// Crash points for recovery tests. When the environment variable SIGNET_FAULT names a
// point, the process ends there at once, as a kill would: no cleanup, no flush. Unset
// (as it always is outside tests), a point costs one comparison.
#include <string_view>

namespace signet::core {

void fault_point(std::string_view name);

}  // namespace signet::core
