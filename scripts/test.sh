#!/usr/bin/env bash
# Installs what the tests need, builds Signet, and runs every test:
#   1. the unit and integration tests (real certbot and lego against a real server)
#      and a short run of the load generator;
#   2. all of them again built with AddressSanitizer and UndefinedBehaviorSanitizer
#      (the integration tests then drive the sanitized server);
#   3. the unit tests built with ThreadSanitizer;
#   4. every fuzz target (tests/fuzz, clang and libFuzzer) for 20 seconds over its seeds.
# With SIGNET_CONTAINER_TESTS=1, the container image is built and tested too (podman, as
# root; a cold image build compiles Signet once more, which is why it is not by default).
set -euo pipefail
cd "$(dirname "$0")/.."
deps=(--test)
[[ "${SIGNET_CONTAINER_TESTS:-}" == 1 ]] && deps+=(--container)
scripts/install-deps.sh "${deps[@]}"

scripts/build.sh build
(cd build && ctest --output-on-failure --timeout 900)

scripts/build.sh build-asan -DSIGNET_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
   ctest --output-on-failure --timeout 900)

scripts/build.sh build-tsan -DSIGNET_TSAN=ON -DCMAKE_BUILD_TYPE=Debug -DSIGNET_INTEGRATION_TESTS=OFF
(cd build-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
   ctest --output-on-failure --timeout 900 -L unit)

scripts/fuzz.sh 20
