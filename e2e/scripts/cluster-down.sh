#!/usr/bin/env bash
# Stop every process cluster-up started (by the pids it recorded, checking that each pid still runs
# the expected binary) and remove e2e/.cluster. E2E_KEEP_STATE=1 keeps the directory (logs).
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=real-node.sh
source "$E2E_SCRIPTS/real-node.sh"

# The real node first: its pods are deleted through the API server, its leftovers cleaned.
real_node_down

stopped=()
for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
  c="${COMPONENTS[$i]}"
  if pid="$(pid_of "$c")"; then
    kill -TERM "$pid" 2>/dev/null || true
    stopped+=("$c:$pid")
  fi
done
# Give them 10 s to exit, then SIGKILL the rest.
deadline=$((SECONDS + 10))
for entry in "${stopped[@]}"; do
  c="${entry%%:*}" pid="${entry##*:}"
  while pid_of "$c" >/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  if pid_of "$c" >/dev/null; then
    log "$c ($pid) did not stop on SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
done
((${#stopped[@]} == 0)) || log "stopped ${stopped[*]}"
if [[ "${E2E_KEEP_STATE:-0}" != 1 ]]; then
  rm -rf "$E2E_CLUSTER_DIR"
  log "removed $E2E_CLUSTER_DIR"
fi
