#!/usr/bin/env bash
# Installs what Signet needs on Debian 12, idempotently.
#   scripts/install-deps.sh          build dependencies only
#   scripts/install-deps.sh --test   also the ACME clients and DNS server the tests run,
#                                    promtool (package prometheus) to check /metrics,
#                                    headless Chromium to load the inventory page,
#                                    SoftHSM2 and OpenSC's pkcs11-tool for CA keys in a
#                                    token, and clang with libFuzzer for the fuzz targets
#   scripts/install-deps.sh --container
#                                    also podman, runc and debootstrap, to make the Debian
#                                    base images and build and test the container image
# Options combine: scripts/install-deps.sh --test --container
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libssl-dev libsqlite3-dev rapidjson-dev libc-ares-dev
  libpsl-dev publicsuffix libidn2-dev libpq-dev
  libcli11-dev libtoml11-dev googletest libgtest-dev libgmock-dev
  libp11-dev libp11-kit-dev
  openssl ca-certificates
)
test_pkgs=(certbot lego caddy pebble prometheus postgresql python3 python3-acme python3-josepy python3-cryptography python3-requests curl
  softhsm2 opensc chromium clang libclang-rt-14-dev)

container_pkgs=(podman runc debootstrap debian-archive-keyring)

want=("${build_pkgs[@]}")
for arg in "$@"; do
  case "$arg" in
    --test) want+=("${test_pkgs[@]}") ;;
    --container) want+=("${container_pkgs[@]}") ;;
    *) echo "install-deps.sh: unknown option $arg (--test, --container)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
