#!/usr/bin/env bash
# `make image`: build the Dockerfile with Debian's podman on a machine with no Docker engine and
# no container registry. Run as root from the project root. The base image python:3.11-slim is
# NOT the official one: it is a Debian bookworm minbase with Debian's Python 3.11, made with
# debootstrap and tagged under that name so both FROM lines resolve locally.
# Scratch (image store, base rootfs, build log) goes under $FACTBOT_PODMAN_DIR; one build at a time.
set -euo pipefail
SRC=$PWD
. "$(dirname "$0")/env.sh"
# The folder holding the torch CPU wheel on these machines, and the host CA bundle (egress proxy).
WHEELS=${WHEELS:-${PIP_FIND_LINKS:-$(python3 -m pip config get global.find-links 2>/dev/null || true)}}
CA=${CA:-${PIP_CERT:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}}
# The Debian mirror apt already uses on this machine (deb822 sources or sources.list).
MIRROR=${MIRROR:-$(grep -h -m1 -oE "^URIs: *[^ ]+" /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 | sed -E "s/^URIs: *//" || true)}
[ -n "$MIRROR" ] || MIRROR=$(grep -h -m1 -oE "^deb +[^ ]+" /etc/apt/sources.list 2>/dev/null | head -1 | awk '{print $2}')
t0=$(date +%s)
t() { echo "image: [$(date +%T) +$(( $(date +%s) - t0 ))s] $*"; }

exec 9>"$W/build.lock"
flock 9  # one build at a time on this machine (the build takes both cores for minutes)

if ! command -v podman >/dev/null || ! command -v debootstrap >/dev/null || ! command -v runc >/dev/null; then
  t "apt: podman buildah debootstrap runc"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman buildah debootstrap runc >/dev/null
fi

if ! podman image exists docker.io/library/python:3.11-slim; then
  t "base: debootstrap bookworm minbase from $MIRROR"
  rm -rf "$W/rootfs"
  debootstrap --variant=minbase bookworm "$W/rootfs" "$MIRROR" >"$W/debootstrap.log"
  printf '%s\n' "deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" >"$W/rootfs/etc/apt/sources.list"
  t "base: Debian's python3.11 into the rootfs"
  chroot "$W/rootfs" apt-get update -qq
  chroot "$W/rootfs" env DEBIAN_FRONTEND=noninteractive apt-get upgrade -y -qq >/dev/null
  chroot "$W/rootfs" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    python3.11 python3-venv python3-pip python-is-python3 ca-certificates >/dev/null
  chroot "$W/rootfs" apt-get clean
  rm -rf "$W/rootfs/var/lib/apt/lists/"* "$W/rootfs/etc/resolv.conf"
  t "base: import as docker.io/library/python:3.11-slim"
  tar -C "$W/rootfs" --numeric-owner -c . | podman import -q - localhost/debian-python:3.11 >/dev/null
  podman tag localhost/debian-python:3.11 docker.io/library/python:3.11-slim
  rm -rf "$W/rootfs"
fi

# pip in the build: the host's CA bundle, torch from the wheel on disk when there is one (the
# PyTorch index is unreachable here: TORCH_INDEX_URL names PyPI for torch's own dependencies, and
# pip takes 2.13.0+cpu from find-links as the higher version), everything else from pip's default
# index. Mounted for RUN steps only: nothing of it ends up in the image.
cat > "$W/pip.conf" <<'CONF'
[global]
cert = /etc/ssl/certs/host-ca.crt
CONF
args=(-v "$W/pip.conf":/etc/pip.conf:ro -v "$CA":/etc/ssl/certs/host-ca.crt:ro)
if [ -n "$WHEELS" ] && compgen -G "$WHEELS/torch-2.13.0+cpu-*.whl" >/dev/null; then
  echo "find-links = /opt/wheels" >>"$W/pip.conf"
  args+=(-v "$WHEELS":/opt/wheels:ro --build-arg TORCH_INDEX_URL=https://pypi.org/simple)
fi
t "podman build -t $IMG (log: $W/build.log)"
podman build --format docker --pull=never "${args[@]}" -t "$IMG" "$SRC" >"$W/build.log" 2>&1 \
  || { tail -40 "$W/build.log"; exit 1; }
size=$(podman image inspect --format '{{.Size}}' "$IMG")
t "built $IMG: $(( size / 1000000 )) MB, $(grep -c 'Using cache' "$W/build.log" || true) steps from cache"
