#!/usr/bin/env bash
# Apache Pulsar standalone for integration tests, assembled from Maven Central (no download of the
# binary distribution, no container).
#
#   infra/pulsar.sh start   assemble once, start unless running, wait until usable; last stdout line:
#                           {"startedNow":…,"serviceUrl":"pulsar://…","webUrl":"http://…","wsUrl":"ws://…"}
#   infra/pulsar.sh stop    stop the server started from this cache dir (no-op if not running, and
#                           left running while other processes are connected to it)
#
# Environment: PULSAR_VERSION (4.0.7), PULSAR_JAVA (java; 4.3+ needs Java 21+),
# TRACARDI_INFRA_CACHE ($HOME/.cache/tracardi-infra).
set -euo pipefail

VERSION="${PULSAR_VERSION:-4.0.7}"
JAVA="${PULSAR_JAVA:-java}"
CACHE="${TRACARDI_INFRA_CACHE:-$HOME/.cache/tracardi-infra}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TEMPLATES="$HERE/pulsar"
DIR="$CACHE/pulsar-$VERSION"
PID_FILE="$DIR/pulsar.pid"
BROKER_PORT=16650
WEB_PORT=18080
BOOKIE_PORT=13181
WEB_URL="http://127.0.0.1:$WEB_PORT"

log() { echo "pulsar.sh: $*" >&2; }

# shellcheck source=infra/java.sh
source "$(dirname "${BASH_SOURCE[0]}")/java.sh"
# shellcheck source=infra/process.sh
source "$(dirname "${BASH_SOURCE[0]}")/process.sh"

running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null &&
    grep -q PulsarStandaloneStarter "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}

http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" || true; }

ready() {
  [[ "$(http_code "$WEB_URL/admin/v2/clusters")" == 200 ]] &&
    curl -s --max-time 5 "$WEB_URL/admin/v2/namespaces/public" | grep -q '"public/default"'
}

# The broker's own check: a message produced and consumed on a heartbeat topic. A standalone broker
# starved of CPU for long can lose its bookie's registration lock and loop re-acquiring it, answering
# admin reads while every write fails ("Not enough non-faulty bookies").
healthy() {
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 "$WEB_URL/admin/v2/brokers/health" || true)" == 200 ]]
}

assemble() {
  [[ -s "$DIR/classpath.txt" ]] && return 0
  log "assembling Pulsar $VERSION from Maven Central into $DIR (first run only)"
  local build="$DIR/build"
  rm -rf "$build" && mkdir -p "$build"
  sed "s/@PULSAR_VERSION@/$VERSION/" "$TEMPLATES/pom.xml" >"$build/pom.xml"
  if ! (cd "$build" && mvn -q -B -s "$TEMPLATES/settings.xml" dependency:build-classpath \
    -Dmdep.outputFile=classpath.txt >&2); then
    log "could not resolve org.apache.pulsar:pulsar-broker:$VERSION (try PULSAR_VERSION=4.0.7 or 3.3.6)"
    return 1
  fi
  mv "$build/classpath.txt" "$DIR/classpath.txt"
}

start() {
  ensure_java_and_maven
  mkdir -p "$DIR/data" "$DIR/logs"
  local pid started_now=false launched=""
  if pid="$(running_pid)" && ! healthy && sleep 5 && ! healthy; then
    log "running (pid $pid) but its health check fails (messages cannot be stored): restarting it"
    terminate "$pid"
    rm -f "$PID_FILE"
  fi
  if pid="$(running_pid)"; then
    log "already running (pid $pid)"
  elif ready; then
    log "a Pulsar already answers on $WEB_URL; using it"
  else
    assemble
    cp "$TEMPLATES/standalone.conf" "$DIR/standalone.conf"
    log "starting Pulsar $VERSION (logs in $DIR/logs)"
    (
      cd "$DIR"
      # setsid: the server must outlive the shell (and the test run) that started it.
      exec setsid "$JAVA" -Xms256m -Xmx768m -XX:MaxDirectMemorySize=512m \
        --add-opens java.base/sun.net=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED \
        -Dlog4j.configurationFile="$TEMPLATES/log4j2.xml" -Dpulsar.log.dir="$DIR/logs" \
        -cp "$(cat "$DIR/classpath.txt")" org.apache.pulsar.PulsarStandaloneStarter \
        -c "$DIR/standalone.conf" -nfw -nss \
        --metadata-dir "$DIR/data/metadata" --bookkeeper-dir "$DIR/data/bookkeeper" \
        --bookkeeper-port "$BOOKIE_PORT"
    ) </dev/null >"$DIR/logs/stdout.log" 2>&1 9>&- &
    launched=$!
    echo "$launched" >"$PID_FILE"
    started_now=true
  fi
  local deadline=$((SECONDS + 300))
  until ready; do
    # The launched pid, not running_pid: until the subshell execs Java, its command line is bash's.
    if [[ -n "$launched" ]] && ! kill -0 "$launched" 2>/dev/null; then
      log "Pulsar exited during startup; last log lines:"
      tail -n 40 "$DIR/logs/pulsar.log" "$DIR/logs/stdout.log" >&2 || true
      return 1
    fi
    if ((SECONDS > deadline)); then
      log "Pulsar did not become ready within 300 s (see $DIR/logs)"
      return 1
    fi
    sleep 0.5
  done
  printf '{"startedNow": %s, "serviceUrl": "pulsar://127.0.0.1:%s", "webUrl": "%s", "wsUrl": "ws://127.0.0.1:%s"}\n' \
    "$started_now" "$BROKER_PORT" "$WEB_URL" "$WEB_PORT"
}

# Client connections to the broker from other processes (another test run still using it).
other_clients() {
  ss -Htnp state established "( dport = :$WEB_PORT or dport = :$BROKER_PORT )" 2>/dev/null |
    grep -v "pid=$1," || true
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    return 0
  fi
  if [[ "${PULSAR_STOP_FORCE:-}" != 1 ]] && [[ -n "$(other_clients "$pid")" ]]; then
    log "not stopping Pulsar (pid $pid): other processes are connected (PULSAR_STOP_FORCE=1 stops anyway)"
    return 0
  fi
  log "stopping Pulsar (pid $pid)"
  terminate "$pid"
  rm -f "$PID_FILE"
}

main() {
  local command="${1:-}"
  case "$command" in
  start | stop) ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
  esac
  mkdir -p "$CACHE"
  # One start/stop at a time, also across concurrent test runs.
  exec 9>"$CACHE/pulsar.lock"
  flock -w 1200 9
  "$command"
}

main "$@"
