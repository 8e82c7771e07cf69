#!/usr/bin/env bash
# Installs what Questline needs and is missing; fast when everything is there.
# Prerequisites on the machine: Python 3.11, Java 17+, Maven, Node 20.19+ (npm);
# for `--test` (make test) also Go, to build Toxiproxy, and Debian's chromium (installed
# here with apt-get when missing) for the browser tests; for `--test` and `--images`
# Debian's podman and debootstrap (likewise), for the container images.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never   # uv must use the machine's Python, never fetch one

say() { printf '[install] %s\n' "$*"; }

need_apt=()
command -v java >/dev/null || need_apt+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need_apt+=(maven)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing ${need_apt[*]} with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
  else
    say "missing: ${need_apt[*]} (install Java 17+ and Maven)"; exit 1
  fi
fi
java_major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
if [ "${java_major:-0}" -lt 17 ]; then say "Java 17+ is required (found ${java_major:-none})"; exit 1; fi

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
"$PYTHON" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
  || { say "Python 3.11 is required"; exit 1; }

if ! "$PYTHON" -m uv --version >/dev/null 2>&1; then
  say "installing uv"
  "$PYTHON" -m pip install -q --disable-pip-version-check 'uv==0.13.9'
fi
"$PYTHON" -m uv sync --all-packages --frozen --python "$(command -v "$PYTHON")" -q

# The Kafka broker's jars, from Maven Central, cached in .cache/kafka (once).
.venv/bin/python -m questline.devstack fetch

# The web app: its packages from package-lock.json (npm ci), then its build (web/dist,
# served by `make run` through the gateway), each only when missing or out of date.
# No browser is ever downloaded: the browser tests drive Debian's chromium.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
command -v npm >/dev/null || { say "Node 20 and npm are required for the web app"; exit 1; }
# Vite 7 needs Node 20.19 or later.
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' \
  || { say "Node 20.19+ is required (found $(node --version))"; exit 1; }
if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  say "installing the web app's packages (npm ci)"
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi
web_sources=(web/src web/public web/index.html web/package.json web/package-lock.json
  web/vite.config.ts web/tsconfig.json)
if [ ! -f web/dist/index.html ] \
  || [ -n "$(find "${web_sources[@]}" -newer web/dist/index.html -print -quit)" ]; then
  say "building the web app (npm run build)"
  (cd web && npm run --silent build >/dev/null)
fi

# The chart's CRD check (deploy/helm/crd-check: the Strimzi and CloudNativePG schemas from
# npm) for `make test` (--test): npm ci from its package-lock.json when missing or stale.
CRD_CHECK=deploy/helm/crd-check
if [ "${1:-}" = "--test" ] && { [ ! -d $CRD_CHECK/node_modules ] \
  || [ $CRD_CHECK/package-lock.json -nt $CRD_CHECK/node_modules/.package-lock.json ]; }; then
  say "installing the chart's CRD check packages (npm ci)"
  (cd $CRD_CHECK && npm ci --no-audit --no-fund --loglevel=error)
fi

# Chromium for the browser tests (Playwright drives /usr/bin/chromium), from Debian.
if [ "${1:-}" = "--test" ] && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing chromium with apt-get (for the browser tests)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    say "missing: /usr/bin/chromium (apt-get install chromium) for the browser tests"; exit 1
  fi
fi

# Podman and debootstrap (Debian's) build the container images: `make images`
# (--images), and the image test in `make test` (--test). debootstrap makes the base
# image from Debian's archive where no image registry is reachable (deploy/images).
if [ "${1:-}" = "--test" ] || [ "${1:-}" = "--images" ]; then
  need_images=()
  command -v podman >/dev/null || need_images+=(podman)
  command -v debootstrap >/dev/null || need_images+=(debootstrap)
  if [ ${#need_images[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      say "installing ${need_images[*]} with apt-get (for the container images)"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        "${need_images[@]}" >/dev/null
    else
      say "missing: ${need_images[*]} (apt-get install ${need_images[*]}) for the images"
      exit 1
    fi
  fi
fi

# Toxiproxy (fault injection in the tests), built from the Go module proxy (once).
# Only `make test` asks for it (--test): running Questline needs no Go.
TOXIPROXY=.cache/toxiproxy/toxiproxy-server
if [ "${1:-}" = "--test" ] && [ ! -x "$TOXIPROXY" ]; then
  command -v go >/dev/null || { say "Go is required to build Toxiproxy for the tests"; exit 1; }
  say "building Toxiproxy v2.12.0 (once, ~40 s)"
  mkdir -p .cache/toxiproxy
  GOBIN="$PWD/.cache/toxiproxy" go install github.com/Shopify/toxiproxy/v2/cmd/server@v2.12.0
  mv .cache/toxiproxy/server "$TOXIPROXY"
fi

# Helm (the chart's tests: deploy/helm/questline), built from the Go module proxy (once).
# v3.21.4: v3.22.0 is served too but not approved for this project.
HELM=.cache/helm/helm
if [ "${1:-}" = "--test" ] && [ ! -x "$HELM" ]; then
  command -v go >/dev/null || { say "Go is required to build Helm for the tests"; exit 1; }
  say "building Helm v3.21.4 (once, a few minutes)"
  mkdir -p .cache/helm
  GOBIN="$PWD/.cache/helm" go install helm.sh/helm/v3/cmd/helm@v3.21.4
fi

# checkov (scans the chart's rendered manifests) in a venv of its own: its pins
# (packaging 23.2, an older pytest and python-dateutil) would downgrade the project's
# dev environment, so it stays out of uv.lock.
CHECKOV=.cache/checkov/bin/checkov
if [ "${1:-}" = "--test" ] && [ ! -x "$CHECKOV" ]; then
  say "installing checkov 3.3.30 in .cache/checkov (once)"
  "$PYTHON" -m uv venv -q --python "$(command -v "$PYTHON")" .cache/checkov
  "$PYTHON" -m uv pip install -q --python .cache/checkov/bin/python 'checkov==3.3.30'
fi

# wrk (Debian) for the benchmark's saturation load: a C client leaves the cores to
# the system under test. Only `make bench` asks for it (--bench); optional elsewhere.
if [ "${1:-}" = "--bench" ] && ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing wrk with apt-get"
    (apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && \
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }) \
      || say "wrk unavailable: saturation falls back to the Python client"
  fi
fi
