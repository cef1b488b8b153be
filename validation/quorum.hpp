#pragma once
// The multi-perspective quorum rule (CA/Browser Forum Baseline Requirements 3.2.2.9).
// Pure functions.
#include <cstddef>
#include <optional>

namespace signet::validation {

// How many remote perspectives may disagree with the primary before validation fails:
//
//   remote perspectives   failures allowed
//   0 or 1                0
//   2 to 5                1
//   6 or more             2
std::size_t max_remote_failures(std::size_t remotes);

enum class Verdict { Undecided, Pass, Fail };

struct QuorumState {
  bool primary_done = false;
  bool primary_ok = false;
  std::size_t remotes = 0;
  std::size_t remote_ok = 0;
  std::size_t remote_failed = 0;
};

// The outcome as soon as it is decided: the primary must pass, and at most `allowed`
// remotes may fail. Undecided while the answers so far could still go either way.
Verdict decide(const QuorumState& s, std::size_t allowed);

}  // namespace signet::validation
