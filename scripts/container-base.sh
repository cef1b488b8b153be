#!/usr/bin/env bash
# Makes the Debian 12 base images docker/Dockerfile starts from, without a registry:
# debootstrap (variant minbase) from a Debian mirror, then `podman import`, tagged
#   docker.io/library/debian:bookworm        (build stage)
#   docker.io/library/debian:bookworm-slim   (runtime stage: no documentation, man pages
#                                             or translations, as Debian's slim image)
# so that the same Dockerfile builds from the registry's images where one is reachable.
#   scripts/container-base.sh [--force]      (as root; skips tags that exist unless --force)
# DEBIAN_MIRROR overrides the mirror (default: the first Debian mirror in this machine's
# APT sources, else http://deb.debian.org/debian).
set -euo pipefail
cd "$(dirname "$0")/.."
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/docker/containers.conf}"
full=docker.io/library/debian:bookworm
slim=docker.io/library/debian:bookworm-slim

force=0
[[ "${1:-}" == "--force" ]] && force=1
if [[ $(id -u) -ne 0 ]]; then
  echo "container-base.sh: run as root (debootstrap and podman import need it)" >&2
  exit 1
fi
for tool in debootstrap podman; do
  command -v "$tool" >/dev/null || {
    echo "container-base.sh: $tool is missing; run scripts/install-deps.sh --container" >&2
    exit 1
  }
done
if ((!force)) && podman image exists "$full" && podman image exists "$slim"; then
  echo "$full and $slim exist (--force makes them again)"
  exit 0
fi

mirror="${DEBIAN_MIRROR:-}"
if [[ -z "$mirror" ]]; then
  # deb822 "URIs:" lines and one-line "deb URI suite ..." entries, first Debian one wins.
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
             2>/dev/null | sed -nE 's/^(URIs:|deb)[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]*\/debian\/?)([[:space:]].*)?$/\3/p' \
           | head -n 1 || true)
fi
mirror="${mirror:-http://deb.debian.org/debian}"
security="${DEBIAN_SECURITY_MIRROR:-${mirror%/debian*}/debian-security}"
echo "Debian mirror: $mirror"

work=$(mktemp -d /var/tmp/signet-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
nice debootstrap --variant=minbase --arch="$(dpkg --print-architecture)" bookworm "$root" "$mirror"

# APT sources as in Debian's images: main, updates and security.
rm -f "$root/etc/apt/sources.list"
cat > "$root/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
# No package caches or lists in the image; apt needs no prompt.
cat > "$root/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
echo 'APT::Install-Recommends "false";' > "$root/etc/apt/apt.conf.d/docker-no-recommends"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/log/*.log \
       "$root"/var/log/apt/* "$root"/tmp/* "$root"/root/.bash_history
: > "$root/etc/machine-id"
echo debian > "$root/etc/hostname"

changes=(--change 'CMD ["bash"]'
         --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
tar -C "$root" -c . | podman import "${changes[@]}" - "$full"

# The slim variant: dpkg leaves documentation and translations out from now on, and the
# ones already installed go (copyright files stay).
cat > "$root/etc/dpkg/dpkg.cfg.d/docker" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
DPKG
find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$root"/usr/share/{man,groff,info,lintian,linda}/*
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
tar -C "$root" -c . | podman import "${changes[@]}" - "$slim"
podman images --filter reference=docker.io/library/debian
