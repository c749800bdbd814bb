#!/usr/bin/env bash
# The whole test suite, as CI runs it: starts the Docker engine if needed, builds what the
# tests run (the runner's self-contained bundle, the local test image), type-checks, lints,
# then runs every vitest test (they start their own Jupyter Server and S3 server) and ends
# with one plain line: `Tests: N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -x scripts/start-dockerd.sh ]; then bash scripts/start-dockerd.sh; fi
pnpm -r run build
if [ -x examples/docker/build-local-image.sh ]; then bash examples/docker/build-local-image.sh; fi
pnpm typecheck
pnpm lint

mkdir -p .vitest-tmp
status=0
pnpm vitest run --reporter=default --reporter=json --outputFile.json=.vitest-tmp/results.json "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(".vitest-tmp/results.json", "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' || true
exit "$status"
