#!/usr/bin/env bash
# The whole test suite, as CI runs it: starts the Docker engine if needed, builds what the
# tests run (the runner's self-contained bundle, the local test image), type-checks, then
# runs every vitest test (they start their own Jupyter Server and S3 server).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -x scripts/start-dockerd.sh ]; then bash scripts/start-dockerd.sh; fi
pnpm -r run build
if [ -x examples/docker/build-local-image.sh ]; then bash examples/docker/build-local-image.sh; fi
pnpm typecheck
pnpm vitest run "$@"
