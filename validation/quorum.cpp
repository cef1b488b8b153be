#include "validation/quorum.hpp"

namespace signet::validation {

std::size_t max_remote_failures(std::size_t remotes) {
  if (remotes <= 1) return 0;
  if (remotes <= 5) return 1;
  return 2;
}

Verdict decide(const QuorumState& s, std::size_t allowed) {
  if (s.primary_done && !s.primary_ok) return Verdict::Fail;
  if (s.remote_failed > allowed) return Verdict::Fail;
  const std::size_t needed = s.remotes > allowed ? s.remotes - allowed : 0;
  if (s.primary_done && s.remote_ok >= needed) return Verdict::Pass;
  return Verdict::Undecided;
}

}  // namespace signet::validation
