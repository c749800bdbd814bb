#!/usr/bin/env bash
# Installs what nbrun needs on a Debian (bookworm) machine with Node.js >= 20.
#   bash scripts/install.sh         pnpm, the workspace's packages, a Python kernel (ipykernel)
#   bash scripts/install.sh --all   also everything the test suite uses: Jupyter Server, nbclient,
#                                   IRkernel, the Octave kernel, ipywidgets, the Docker engine,
#                                   Chromium (browser tests), nbconvert (the render benchmark)
# Debian packages are installed only when missing (needs root, or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

all=0
[ "${1:-}" = "--all" ] && all=1

log() { printf '[install] %s\n' "$*" >&2; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  log "Node.js >= 20 is required (found: $(node --version 2>/dev/null || echo none))"
  exit 1
fi

if ! command -v pnpm >/dev/null 2>&1 || ! pnpm --version | grep -q '^10\.'; then
  log "installing pnpm 10"
  npm install -g pnpm@10.34.8 >/dev/null
fi

pkgs=(python3-ipykernel)
if [ "$all" = 1 ]; then
  pkgs+=(python3-jupyter-server python3-nbclient python3-nbformat jupyter-core python3-ipywidgets
         r-cran-irkernel r-cran-jsonlite python3-octave-kernel octave docker.io procps time
         python3-yaml chromium fonts-dejavu-core python3-nbconvert)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  log "apt-get install ${missing[*]}"
  $sudo apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

log "pnpm install"
CI=true pnpm install --frozen-lockfile
