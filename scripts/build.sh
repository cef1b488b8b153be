#!/usr/bin/env bash
# Configures and builds Signet.
#   scripts/build.sh [BUILD_DIR] [--target TARGET]... [extra cmake args...]
# The build type is RelWithDebInfo unless the arguments name another
# (-DCMAKE_BUILD_TYPE=Release, Debug, ...); every build type builds without warnings.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-build}"
shift || true
target=()
while [[ "${1:-}" == "--target" ]]; do
  target+=(--target "$2")
  shift 2
done
type_arg=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
for a in "$@"; do
  [[ "$a" == -DCMAKE_BUILD_TYPE=* ]] && type_arg=()
done
cmake -S . -B "$dir" -G Ninja "${type_arg[@]}" "$@" >/dev/null
cmake --build "$dir" --parallel "$(nproc)" "${target[@]}"
