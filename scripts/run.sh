#!/usr/bin/env bash
# Installs what Signet needs, builds the server (and only the server), and runs
# `signet serve` on the embedded default (data in ./signet-data, HTTPS on
# 127.0.0.1:14000). Extra arguments go to `signet serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build --target signet
exec ./build/server/signet serve "$@"
