# Sourced by the infra scripts: ends a server process the way each of them should.

# terminate PID: SIGTERM, up to 60 s to exit, then SIGKILL. Uses the caller's log().
terminate() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 120); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.5
  done
  log "pid $pid did not stop within 60 s of SIGTERM; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}
