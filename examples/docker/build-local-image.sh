#!/usr/bin/env bash
# Builds the test image `nbrun-runner:test` WITHOUT pulling anything: a root filesystem
# is assembled from this machine's own files (node, Debian's python3 + ipykernel and the
# packages it imports, their shared libraries found with ldd, the python3 kernelspec, the
# self-contained runner) and loaded with `docker import`.
#
# Idempotent: the image carries a hash of its inputs (NBRUN_IMAGE_HASH); when the
# existing image has the same hash nothing is rebuilt. Needs a running Docker engine.
#
# Usage: examples/docker/build-local-image.sh [--force]
# Env:   IMAGE (default nbrun-runner:test), NBRUN_SKIP_BUILD=1 to use the existing dist/.
set -euo pipefail

IMAGE="${IMAGE:-nbrun-runner:test}"
FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIST="$REPO/packages/runner/dist"
PY=/usr/bin/python3
PYVER="$($PY -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
NODE="$(readlink -f "$(command -v node)")"
SITE=/usr/lib/python3/dist-packages
KERNELSPEC=/usr/share/jupyter/kernels/python3

log() { printf '[build-local-image] %s\n' "$*" >&2; }

docker info >/dev/null 2>&1 || { log "the Docker engine is not running (start it: dockerd --iptables=false --bridge=none &)"; exit 1; }
[[ -x "$PY" ]] && "$PY" -c 'import ipykernel' 2>/dev/null || { log "$PY has no ipykernel (apt-get install python3-ipykernel)"; exit 1; }
[[ -f "$KERNELSPEC/kernel.json" ]] || { log "no python3 kernelspec at $KERNELSPEC"; exit 1; }

if [[ "${NBRUN_SKIP_BUILD:-0}" != 1 ]]; then
  log "building the self-contained runner"
  (cd "$REPO/packages/runner" && NBRUN_RUNNER_BUNDLE_ONLY=1 "$REPO/node_modules/.bin/tsup" >/dev/null) \
    || { log "the runner build failed (run: pnpm install)"; exit 1; }
fi
[[ -f "$DIST/nbrun-runner.mjs" ]] || { log "no $DIST/nbrun-runner.mjs"; exit 1; }

HASH="$( { sha256sum "$0" "$DIST"/nbrun-runner*.mjs "$DIST/zeromq/build/manifest.json" "$NODE" "$KERNELSPEC/kernel.json"; "$PY" --version; } | sha256sum | cut -c1-16)"
if [[ $FORCE == 0 ]] && docker image inspect "$IMAGE" --format '{{range .Config.Env}}{{println .}}{{end}}' 2>/dev/null | grep -qx "NBRUN_IMAGE_HASH=$HASH"; then
  log "$IMAGE is up to date ($HASH)"
  exit 0
fi

ROOT="$(mktemp -d /tmp/nbrun-rootfs-XXXXXX)"
trap 'rm -rf "$ROOT"' EXIT
log "assembling the root filesystem in $ROOT"

# Merged-/usr layout, like Debian bookworm.
mkdir -p "$ROOT"/usr/{bin,lib,lib64} "$ROOT"/{etc,tmp,root,work,opt} "$ROOT/usr/share/jupyter/kernels"
ln -s usr/bin "$ROOT/bin"; ln -s usr/lib "$ROOT/lib"; ln -s usr/lib64 "$ROOT/lib64"
chmod 1777 "$ROOT/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$ROOT/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$ROOT/etc/group"
printf 'hosts: files dns\n' >"$ROOT/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n' >"$ROOT/etc/hosts"

# Node.js and the runner.
cp "$NODE" "$ROOT/usr/bin/node"
cp -r "$DIST" "$ROOT/opt/nbrun-runner"
rm -f "$ROOT"/opt/nbrun-runner/index.* 2>/dev/null || true

# Python: the interpreter, the standard library (without tests and GUI bits), and only the
# dist-packages that ipykernel imports (found by importing them), plus their metadata.
cp "$(readlink -f "$PY")" "$ROOT/usr/bin/python$PYVER"
ln -s "python$PYVER" "$ROOT/usr/bin/python3"
ln -s "python$PYVER" "$ROOT/usr/bin/python"
tar -C /usr/lib -cf - --exclude="python$PYVER/test" --exclude="python$PYVER/idlelib" --exclude="python$PYVER/tkinter" \
  --exclude="python$PYVER/turtledemo" --exclude="python$PYVER/ensurepip" "python$PYVER" | tar -C "$ROOT/usr/lib" -xf -
TOPS="$("$PY" - 2>/dev/null <<'EOF'
import sys
import ipykernel.kernelapp, ipykernel.ipkernel, ipykernel.zmqshell, ipykernel_launcher, ipykernel.comm
import IPython, IPython.core.interactiveshell, IPython.core.completer
import jupyter_client, jupyter_core, zmq, tornado, traitlets
for mod in ('jedi', 'parso', 'debugpy', 'psutil', 'nest_asyncio', 'comm', 'matplotlib_inline'):
    try:
        __import__(mod)
    except Exception:
        pass
site = '/usr/lib/python3/dist-packages/'
tops = {f[len(site):].split('/')[0] for m in list(sys.modules.values()) if (f := getattr(m, '__file__', None) or '').startswith(site)}
sys.stdout.write('\n'.join(sorted(tops)) + '\n')
EOF
)"
mkdir -p "$ROOT$SITE"
(
  cd "$SITE"
  # debugpy loads its pydevd parts lazily: add them by name. Metadata dirs are small and
  # read by importlib.metadata.
  ls -d $TOPS _pydev_bundle _pydev_runfiles _pydevd_bundle _pydevd_frame_eval pydevd*.py ./*.dist-info ./*.egg-info 2>/dev/null \
    | tar -cf - -T - | tar -C "$ROOT$SITE" -xf -
)
cp -r "$KERNELSPEC" "$ROOT/usr/share/jupyter/kernels/python3"

# Shared libraries of everything executable or loadable in the tree, and the loader.
log "collecting shared libraries"
find "$ROOT/usr/bin" "$ROOT/usr/lib" "$ROOT/opt" -type f \( -name '*.so*' -o -name '*.node' -o -perm -u+x \) -print0 \
  | { xargs -0 ldd 2>/dev/null || true; } | awk '/=> \// { print $3 } /^\t\/lib64\// { print $1 }' | sort -u \
  | while read -r lib; do
      real="$(readlink -f "$lib")"
      dest="$ROOT$(dirname "$real")"
      mkdir -p "$dest" "$ROOT$(dirname "$lib")"
      [[ -e "$dest/$(basename "$real")" ]] || cp "$real" "$dest/"
      [[ -e "$ROOT$lib" ]] || ln -s "$real" "$ROOT$lib"
    done
mkdir -p "$ROOT/usr/lib64"
[[ -e "$ROOT/usr/lib64/ld-linux-x86-64.so.2" ]] || [[ "$(uname -m)" != x86_64 ]] \
  || cp "$(readlink -f /lib64/ld-linux-x86-64.so.2)" "$ROOT/usr/lib64/ld-linux-x86-64.so.2"

log "importing $IMAGE ($(du -sh "$ROOT" | cut -f1))"
tar -C "$ROOT" -cf - . | docker import \
  --change 'ENV PATH=/usr/bin' \
  --change 'ENV HOME=/root' \
  --change "ENV NBRUN_IMAGE_HASH=$HASH" \
  --change 'WORKDIR /work' \
  --change 'ENTRYPOINT ["/usr/bin/node", "/opt/nbrun-runner/nbrun-runner.mjs"]' \
  - "$IMAGE" >/dev/null
log "built $IMAGE ($HASH)"
