# Sourced by build.sh and podman.sh: podman's configuration for these machines, kept in a scratch
# folder of its own ($FACTBOT_PODMAN_DIR) so nothing touches the system's image store.
# Adapted from ../shared/tools/podman/build-and-smoke.sh (tested there; README "Docker").
W=${FACTBOT_PODMAN_DIR:-/var/tmp/factbot-podman}
IMG=${FACTBOT_IMAGE:-localhost/factbot:latest}
mkdir -p "$W"
# This VM: cgroup v1 with a cgroup2 'unified' mount (crun refuses that hybrid: use runc); root
# lacks CAP_SYS_RESOURCE, so podman's default rlimits (nofile/nproc 1048576) cannot be set.
cat > "$W/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=32768:32768"]
[engine]
runtime = "runc"
CONF
cat > "$W/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$W/storage"
runroot = "$W/runroot"
CONF
export CONTAINERS_CONF="$W/containers.conf" CONTAINERS_STORAGE_CONF="$W/storage.conf"
