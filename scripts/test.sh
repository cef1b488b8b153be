#!/usr/bin/env bash
# Installs what the tests need, builds Signet, and runs every test: the unit and
# integration tests (real certbot and lego against a real server), then all of them
# again built with AddressSanitizer and UndefinedBehaviorSanitizer (the integration
# tests then drive the sanitized server).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test

scripts/build.sh build
(cd build && ctest --output-on-failure --timeout 900)

scripts/build.sh build-asan -DSIGNET_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
   ctest --output-on-failure --timeout 900)
