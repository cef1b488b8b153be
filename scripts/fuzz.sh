#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang in build-fuzz, then runs each one
# for SECONDS_PER_TARGET seconds (default 30) over a copy of its seed corpus, so the
# corpus in the repository is not touched. Fails if any target crashes, leaks, trips a
# sanitizer, breaks one of its properties, runs out of time on one input or of memory;
# the input that did is kept in build-fuzz/crashes/<target>/.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]
# docs/development.md says how to run one target for longer and what to do with a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"

CC=clang CXX=clang++ scripts/build.sh build-fuzz --target signet_fuzz \
  -DSIGNET_FUZZ=ON -DSIGNET_INTEGRATION_TESTS=OFF

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
for src in tests/fuzz/*_fuzz.cpp; do
  name=$(basename "$src" _fuzz.cpp)
  mkdir -p "$work/$name" "build-fuzz/crashes/$name"
  cp tests/fuzz/corpus/"$name"/* "$work/$name/"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="build-fuzz/crashes/$name/")
  case "$name" in
    json | jwk | jws) args+=(-dict=tests/fuzz/json.dict) ;;
    http) args+=(-dict=tests/fuzz/http.dict) ;;
  esac
  if build-fuzz/tests/fuzz/"${name}_fuzz" "${args[@]}" "$work/$name" >"$work/$name.log" 2>&1; then
    echo "fuzz $name: $(grep -E '^stat::number_of_executed_units' "$work/$name.log" | awk '{print $2}') inputs in ${seconds}s, no finding"
  else
    failed+=("$name")
    echo "fuzz $name: FAILED" >&2
    grep -vE '^#[0-9]+|^INFO:' "$work/$name.log" | tail -60 >&2
  fi
done
if ((${#failed[@]})); then
  echo "fuzz targets with findings: ${failed[*]} (inputs in build-fuzz/crashes/)" >&2
  exit 1
fi
