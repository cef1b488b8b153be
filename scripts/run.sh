#!/usr/bin/env bash
# Installs what Signet needs, builds it, and runs `signet serve` on the embedded
# default (data in ./signet-data, HTTPS on 127.0.0.1:14000). Extra arguments go to
# `signet serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build
exec ./build/server/signet serve "$@"
