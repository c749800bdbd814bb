#!/usr/bin/env bash
# Starts the Docker engine for the tests if it does not answer yet, and waits until it does.
# Idempotent: an engine already answering (local, or remote through DOCKER_HOST) is left alone.
# Needs root (CI runs as root). Flags: no iptables, no default bridge — containers in the
# tests use NetworkMode "none", and nothing on this machine's firewall changes.
#   NBRUN_DOCKERD_LOG   where dockerd logs (default /tmp/nbrun-dockerd.log)
#   NBRUN_DOCKERD_WAIT  seconds to wait for the engine (default 60)
set -euo pipefail

log=${NBRUN_DOCKERD_LOG:-/tmp/nbrun-dockerd.log}
wait_s=${NBRUN_DOCKERD_WAIT:-60}

answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if answers; then
  echo "start-dockerd: engine already answering (${DOCKER_HOST:-unix:///var/run/docker.sock})"
  exit 0
fi
if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST#unix://}" = "$DOCKER_HOST" ]; then
  echo "start-dockerd: DOCKER_HOST=$DOCKER_HOST does not answer and is not a local socket; start that engine" >&2
  exit 1
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "start-dockerd: dockerd is not installed (apt-get install docker.io)" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "start-dockerd: dockerd needs root; run as root or start the engine yourself" >&2
  exit 1
fi
# A stale pid file from a killed engine blocks a new one.
if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
  rm -f /var/run/docker.pid
fi
setsid nohup dockerd --iptables=false --bridge=none >"$log" 2>&1 </dev/null &
echo "start-dockerd: started dockerd (pid $!), log in $log"
for _ in $(seq 1 $((wait_s * 4))); do
  if answers; then
    echo "start-dockerd: engine answering"
    exit 0
  fi
  sleep 0.25
done
echo "start-dockerd: the engine did not answer within ${wait_s}s; last log lines:" >&2
tail -n 20 "$log" >&2 || true
exit 1
