#!/usr/bin/env bash
# Builds Signet's container image with podman (as root) from docker/Dockerfile, after
# making the Debian base images with scripts/container-base.sh if they are missing.
#   scripts/container-image.sh [TAG] [extra podman build args...]   (TAG: localhost/signet:latest)
# Builds use the host's network (no registry needed; apt reaches the Debian mirror) and
# keep compiled objects in a ccache cache mount, so that a rebuild compiles only what
# changed.
set -euo pipefail
cd "$(dirname "$0")/.."
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/docker/containers.conf}"
tag="${1:-localhost/signet:latest}"
shift || true
scripts/container-base.sh
# --format docker: the OCI image format has no HEALTHCHECK.
nice podman build --network host --format docker --layers -f docker/Dockerfile -t "$tag" "$@" .
podman image inspect --format '{{.Id}} {{.Size}}' "$tag"
