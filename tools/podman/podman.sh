#!/usr/bin/env bash
# podman with the project's configuration (env.sh): `tools/podman/podman.sh run --rm IMAGE ...`.
set -euo pipefail
. "$(dirname "$0")/env.sh"
exec podman "$@"
