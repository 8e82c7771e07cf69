#!/usr/bin/env bash
# Builds Questline's container images with podman (`make images`):
#   questline/<name>:<version> for mission reward wallet gift mypage auth gateway web.
# IMAGES="reward gift" builds some; BASE_IMAGE=… sets the base (default: the official
# python:3.11-slim-bookworm, or, where no image registry answers, a Debian bookworm base
# built here from Debian's archive with debootstrap, once). Podman keeps everything in
# .cache/containers: no storage of the machine's is touched.
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf '[images] %s\n' "$*"; }

ALL="mission reward wallet gift mypage auth gateway web"
IMAGES=${IMAGES:-$ALL}
PUBLIC_BASE=docker.io/library/python:3.11-slim-bookworm
DEBIAN_BASE=localhost/questline-base:bookworm
VERSION=${VERSION:-$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' deploy/helm/questline/Chart.yaml)}
REVISION=$(git rev-parse HEAD 2>/dev/null || echo unknown)
STORE=$PWD/.cache/containers

# The same storage as questline.devstack.images (its podman()); TMPDIR holds buildah's
# temporary files and the builders' download cache (RUN --mount=type=cache).
podman() {
  TMPDIR=$STORE/tmp command podman --root "$STORE/storage" --runroot "$STORE/run" --storage-driver overlay \
    --events-backend none "$@"
}

# Debian bookworm with python3 (3.11) and CA certificates, from the mirror apt uses here.
debian_base() {
  if podman image exists "$DEBIAN_BASE"; then return; fi
  [ "$(id -u)" = 0 ] || { say "building the Debian base needs root (debootstrap)"; exit 1; }
  command -v debootstrap >/dev/null || { say "debootstrap is missing: make install-images"; exit 1; }
  local mirror
  mirror=$( { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
    /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } \
    | sed -n -e 's/^URIs: *\([^ ]*\).*/\1/p' -e 's/^deb  *\(\[[^]]*\] *\)\{0,1\}\([^ ]*\) .*/\2/p' \
    | grep -v security | head -1 || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  rootfs=$(mktemp -d /tmp/questline-base.XXXXXX)  # global: the trap sees it on any exit
  trap 'rm -rf "$rootfs"' EXIT
  say "no registry answers for $PUBLIC_BASE: building $DEBIAN_BASE from $mirror (once, ~1 min)"
  debootstrap --variant=minbase --include=python3,ca-certificates bookworm "$rootfs" "$mirror" \
    >"$STORE/logs/debootstrap.log" 2>&1 || { tail -20 "$STORE/logs/debootstrap.log"; exit 1; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/tmp/*
  tar -C "$rootfs" --numeric-owner -c . | podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' \
    --message "debootstrap bookworm minbase + python3, ca-certificates" - "$DEBIAN_BASE" \
    >>"$STORE/logs/debootstrap.log" 2>&1
  rm -rf "$rootfs"; trap - EXIT
}

for name in $IMAGES; do
  case " $ALL " in *" $name "*) ;; *) say "unknown image: $name (one of: $ALL)"; exit 1 ;; esac
done
# The web image takes the app as built by `make install` (npm ci, npm run build).
if [[ " $IMAGES " == *" web "* ]]; then
  newer=$(find web/src web/public web/index.html web/package.json web/package-lock.json \
    -newer web/dist/index.html -print -quit 2>/dev/null || echo missing)
  if [ ! -f web/dist/index.html ] || [ -n "$newer" ]; then
    say "web/dist is missing or older than web/ (run make install: npm ci, npm run build)"
    exit 1
  fi
fi
mkdir -p "$STORE/logs" "$STORE/tmp"
if [ -n "${BASE_IMAGE:-}" ]; then
  base=$BASE_IMAGE
elif podman image exists "$PUBLIC_BASE" || podman pull -q "$PUBLIC_BASE" >/dev/null 2>&1; then
  base=$PUBLIC_BASE
else
  debian_base
  base=$DEBIAN_BASE
fi

declare -A DESCRIPTION=(
  [mission]="Questline mission service: mission catalogue and achievements"
  [reward]="Questline reward service: one reward per achievement"
  [wallet]="Questline wallet service: each player's wallet and the exchange"
  [gift]="Questline gift service: gift catalogue with stock"
  [mypage]="Questline My Page service: the player's read model"
  [auth]="Questline auth service: OAuth 2 / OpenID Connect"
  [gateway]="Questline gateway: Envoy, configured from QUESTLINE_GATEWAY_* at start"
)
common=(--isolation chroot --layers --build-arg "BASE_IMAGE=$base" --build-arg "VERSION=$VERSION"
  --build-arg "REVISION=$REVISION")
# The builders download from PyPI trusting this machine's CAs (e.g. a TLS-inspecting
# proxy's); passed as a secret, they are in no layer of any image.
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  common+=(--secret id=ca-certificates,src=/etc/ssl/certs/ca-certificates.crt)
fi
for name in $IMAGES; do
  started=$SECONDS
  if [ "$name" = web ]; then
    args=(-f deploy/images/web.Containerfile)
  else
    args=(-f deploy/images/service.Containerfile --build-arg "SERVICE=$name"
      --build-arg "DESCRIPTION=${DESCRIPTION[$name]}")
  fi
  log=$STORE/logs/$name.log
  if ! podman build "${common[@]}" "${args[@]}" -t "questline/$name:$VERSION" . >"$log" 2>&1; then
    tail -30 "$log"; say "building $name failed (all of it: $log)"; exit 1
  fi
  say "localhost/questline/$name:$VERSION ($((SECONDS - started)) s, from $base)"
done
