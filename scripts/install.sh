#!/usr/bin/env bash
# Installs what nbrun needs on a Debian (bookworm) machine with Node.js >= 20.
#   bash scripts/install.sh         pnpm, the workspace's packages, a Python kernel (ipykernel)
#   bash scripts/install.sh --all   also everything the test suite uses: Jupyter Server, nbclient,
#                                   IRkernel, the Octave kernel, ipywidgets, the Docker engine,
#                                   Chromium and Firefox ESR (browser tests), nbconvert (the render benchmark),
#                                   PostgreSQL (the scheduler's tests start a throwaway cluster)
# Debian packages are installed only when missing (needs root, or sudo).
# Links the `nbrun` command into /usr/local/bin (root) or ~/.local/bin (other users);
# NBRUN_BIN_DIR=DIR links it there instead.
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

# The caller's PATH: where `nbrun` must be found afterwards.
caller_path="$PATH"
root=0
[ "$(id -u)" = 0 ] && root=1
user_bin="$HOME/.local/bin"

if ! command -v pnpm >/dev/null 2>&1 || ! pnpm --version | grep -q '^10\.'; then
  if [ "$root" = 1 ] || [ -w "$(npm prefix -g)/lib/node_modules" ]; then
    log "installing pnpm 10 (npm install -g)"
    npm install -g pnpm@10.34.8 >/dev/null
  else
    # npm's global folder belongs to root: install pnpm for this user only.
    log "installing pnpm 10 into ~/.local (npm install -g --prefix ~/.local)"
    npm install -g --prefix "$HOME/.local" pnpm@10.34.8 >/dev/null
    export PATH="$user_bin:$PATH"
  fi
fi

pkgs=(python3-ipykernel)
if [ "$all" = 1 ]; then
  pkgs+=(python3-jupyter-server python3-nbclient python3-nbformat jupyter-core python3-ipywidgets
         r-cran-irkernel r-cran-jsonlite python3-octave-kernel octave docker.io procps time
         python3-yaml chromium firefox-esr fonts-dejavu-core python3-nbconvert postgresql)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  if [ "$root" = 0 ]; then
    if ! command -v sudo >/dev/null 2>&1 || ! sudo -n true 2>/dev/null; then
      log "missing Debian packages; as root, run:"
      log "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
      log "then run this script again"
      exit 1
    fi
    sudo="sudo"
  fi
  log "apt-get install ${missing[*]}"
  $sudo apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

log "pnpm install"
CI=true pnpm install --frozen-lockfile

# The `nbrun` command on PATH: a link to the committed launcher (works without a build).
bin_dir="${NBRUN_BIN_DIR:-}"
if [ -z "$bin_dir" ]; then
  if [ "$root" = 1 ]; then bin_dir=/usr/local/bin; else bin_dir="$user_bin"; fi
fi
mkdir -p "$bin_dir"
ln -sfn "$PWD/packages/cli/bin/nbrun.js" "$bin_dir/nbrun"
log "linked $bin_dir/nbrun -> $PWD/packages/cli/bin/nbrun.js"
case ":$caller_path:" in
  *":$bin_dir:"*) ;;
  *) log "$bin_dir is not on your PATH: add it (e.g. export PATH=\"$bin_dir:\$PATH\" in ~/.profile)" ;;
esac
