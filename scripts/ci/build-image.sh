#!/usr/bin/env bash
# Builds Herald's production image with podman and checks that it runs: /healthz and / answer,
# the image's HEALTHCHECK passes, and `podman stop` (SIGTERM) ends it cleanly. Run as root from
# the checkout after `npm install` (it takes Node 24 from the project's `node` package).
#
# No registry but the package ones is reachable here, so the base image (NODE_IMAGE in the
# Dockerfile) is made from Debian packages: debootstrap of the release apt uses, the project's
# Node 24 binary, the host's npm, a `node` user (uid 1000) as in the official image, and the
# host's CA bundle, through which this machine reaches the npm registry.
#
#   bash scripts/ci/build-image.sh      (tags HERALD_IMAGE, localhost/herald:ci by default)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
IMAGE=${HERALD_IMAGE:-localhost/herald:ci}
BASE_IMAGE=localhost/herald-node:24
WORK=$(mktemp -d /tmp/herald-image.XXXXXX)
CONTAINER=herald-image-check-$$
VOLUME=herald-image-check-$$
STEP_STARTED=$SECONDS

step() {
  printf '\n==== %s ==== (previous step %ss, %ss in all)\n' "$*" "$((SECONDS - STEP_STARTED))" "$SECONDS"
  STEP_STARTED=$SECONDS
}

cleanup() {
  local status=$?
  if [[ $status -ne 0 ]] && podman container exists "$CONTAINER" 2>/dev/null; then
    echo "---- the container's log ----" >&2
    podman logs "$CONTAINER" >&2 || true
  fi
  podman rm -f "$CONTAINER" >/dev/null 2>&1 || true
  podman volume rm -f "$VOLUME" >/dev/null 2>&1 || true
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT

# This machine's kernel mounts cgroups v1 and v2 side by side, which crun refuses, and root lacks
# CAP_SYS_RESOURCE, so podman's default limits (over 1 million open files) cannot be set: runc,
# and limits under the host's own.
export CONTAINERS_CONF=$WORK/containers.conf
cat >"$CONTAINERS_CONF" <<EOF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=10000:10000"]
[engine]
runtime = "runc"
EOF

# The Debian mirror apt uses (the first one whose suite is not -security).
debian_mirror() {
  grep -hE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    grep -oE 'https?://[^ ]+' | grep -v -- '-security' | head -n 1
}

step "System packages"
missing=()
command -v podman >/dev/null || missing+=(podman)
command -v runc >/dev/null || missing+=(runc)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "Installing: ${missing[*]}"
  # A fresh machine may have no package lists yet.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" </dev/null >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" </dev/null >/dev/null; }
fi
podman --version

NODE_BINARY=$ROOT/node_modules/node/bin/node
# The npm on the PATH (its package folder: bin/npm-cli.js is where the npm command leads).
NPM_DIR=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
[[ -x $NODE_BINARY ]] || { echo "No $NODE_BINARY: run npm install first." >&2; exit 1; }
[[ -f $NPM_DIR/bin/npm-cli.js ]] || { echo "No npm at $NPM_DIR." >&2; exit 1; }

if podman image exists "$BASE_IMAGE"; then
  step "Base image $BASE_IMAGE (already there)"
else
  step "Base image $BASE_IMAGE: debootstrap"
  codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)
  rootfs=$WORK/rootfs
  debootstrap --variant=minbase "$codename" "$rootfs" "$(debian_mirror)" >"$WORK/debootstrap.log" 2>&1 || {
    tail -n 20 "$WORK/debootstrap.log" >&2
    exit 1
  }
  step "Base image $BASE_IMAGE: Node $("$NODE_BINARY" --version), npm $(node "$NPM_DIR/bin/npm-cli.js" --version), import"
  install -m 755 "$NODE_BINARY" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules" "$rootfs/etc/ssl/certs"
  cp -a "$NPM_DIR" "$rootfs/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
  tar -C "$rootfs" -c . | podman import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["node"]' - "$BASE_IMAGE" >/dev/null
  rm -rf "$rootfs"
fi

step "podman build $IMAGE"
# The docker format keeps HEALTHCHECK (OCI images have no such field).
podman build --format docker --build-arg NODE_IMAGE="$BASE_IMAGE" -t "$IMAGE" . >"$WORK/build.log" 2>&1 || {
  tail -n 40 "$WORK/build.log" >&2
  exit 1
}
podman image inspect "$IMAGE" --format 'image size: {{.Size}} bytes, user {{.Config.User}}'

step "Run with a volume"
PORT=$(node -e 'const s = require("node:net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')
BASE=http://127.0.0.1:$PORT
podman run -d --name "$CONTAINER" -v "$VOLUME:/data" -p "127.0.0.1:$PORT:4321" -e PUBLIC_URL="$BASE" "$IMAGE" >/dev/null 2>"$WORK/run.log"
for _ in $(seq 1 120); do
  if curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null; then break; fi
  if [[ $(podman inspect "$CONTAINER" --format '{{.State.Running}}') != true ]]; then
    echo "The container stopped before answering." >&2
    exit 1
  fi
  sleep 0.5
done
echo "/healthz: $(curl -fsS "$BASE/healthz")"
echo "/: HTTP $(curl -sS -o /dev/null -w '%{http_code}' "$BASE/")"
[[ $(curl -sS -o /dev/null -w '%{http_code}' "$BASE/") == 200 ]] || { echo "/ did not answer 200." >&2; exit 1; }
podman healthcheck run "$CONTAINER" 2>/dev/null || { echo "The image's HEALTHCHECK failed." >&2; exit 1; }
echo "HEALTHCHECK: healthy"
[[ $(podman exec "$CONTAINER" id -un) == node ]] || { echo "The server does not run as node." >&2; exit 1; }
echo "runs as: node"

step "podman stop (SIGTERM)"
podman stop -t 30 "$CONTAINER" >/dev/null 2>&1
exit_code=$(podman inspect "$CONTAINER" --format '{{.State.ExitCode}}')
last_line=$(podman logs "$CONTAINER" 2>/dev/null | grep -v '^{' | tail -n 1)
echo "exit code $exit_code; last line: $last_line"
[[ $exit_code == 0 && $last_line == stopped:* ]] || { echo "Herald did not stop cleanly on SIGTERM." >&2; exit 1; }

step "Image checked"
