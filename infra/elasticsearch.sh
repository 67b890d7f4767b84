#!/usr/bin/env bash
# An embedded single-node Elasticsearch 9.5.4 for integration tests, built from Maven Central artifacts
# (the server and transport-netty4 only: no painless, reindex, analysis-common or x-pack, so no security).
#
#   infra/elasticsearch.sh start   builds once, starts the node unless it runs, waits for yellow health;
#                                  the last stdout line is {"startedNow": <bool>, "url": "http://127.0.0.1:19201"}
#   infra/elasticsearch.sh stop    stops the node started by `start` (no-op if none runs)
#
# Everything (build output, classpath, data, logs, pid) lives in $TRACARDI_INFRA_CACHE (default
# ~/.cache/tracardi-infra)/elasticsearch-9.5.4. Concurrent calls are serialised with flock.
# Elasticsearch 9 needs Java 21+, which Debian 12 does not package: Maven and the node run on
# $ELASTICSEARCH_JAVA_HOME, else on the newest JDK 21+ under /usr/lib/jvm (Temurin 25 on our machines).
set -euo pipefail

VERSION=9.5.4
HTTP_PORT=19201
TRANSPORT_PORT=19301
URL="http://127.0.0.1:${HTTP_PORT}"
MAIN_CLASS=tracardi.infra.EmbeddedElasticsearch
SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/elasticsearch"
CACHE="${TRACARDI_INFRA_CACHE:-$HOME/.cache/tracardi-infra}/elasticsearch-${VERSION}"
PID_FILE="$CACHE/node.pid"
LOG_FILE="$CACHE/logs/node.out"
START_TIMEOUT=${ELASTICSEARCH_START_TIMEOUT:-300}

log() { echo "elasticsearch: $*" >&2; }

# shellcheck source=infra/java.sh
source "$(dirname "${BASH_SOURCE[0]}")/java.sh"

# The major version of the JDK at $1 (from its `release` file), or nothing.
jdk_major() {
  [[ -x "$1/bin/javac" && -f "$1/release" ]] || return 0
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
}

# Sets JAVA_HOME to a JDK 21+ for Maven and the node.
use_jdk21() {
  local home major best="" best_major=0
  if [[ -n "${ELASTICSEARCH_JAVA_HOME:-}" ]]; then
    best=$ELASTICSEARCH_JAVA_HOME
    best_major=$(jdk_major "$best")
  else
    for home in /usr/lib/jvm/*; do
      major=$(jdk_major "$home")
      if [[ -n "$major" ]] && ((major > best_major)); then
        best=$home
        best_major=$major
      fi
    done
  fi
  if [[ -z "$best_major" ]] || ((best_major < 21)); then
    log "Elasticsearch 9 needs a JDK 21+; found ${best:-none} (set ELASTICSEARCH_JAVA_HOME)"
    exit 1
  fi
  export JAVA_HOME=$best
}

lock() {
  mkdir -p "$CACHE"
  exec 9>"$CACHE/lock"
  flock 9
}

# The pid of our node, if it is alive (the pid file may name a recycled pid).
running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid cmdline
  pid=$(<"$PID_FILE")
  [[ "$pid" =~ ^[0-9]+$ ]] && [[ -r "/proc/$pid/cmdline" ]] || return 1
  # Read whole, not piped into grep -q: with pipefail, grep quitting early can fail the pipeline.
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ "$cmdline" == *"$MAIN_CLASS"* ]] || return 1
  echo "$pid"
}

healthy() {
  curl -fsS -m 5 "${URL}/_cluster/health?wait_for_status=yellow&timeout=2s" >/dev/null 2>&1
}

# True if the recorded classpath's jars are all still there (the Maven repository may have been wiped).
classpath_present() {
  [[ -f "$CACHE/classpath.txt" && -d "$CACHE/build/classes" ]] || return 1
  local jar jars
  IFS=: read -r -a jars <"$CACHE/classpath.txt"
  for jar in "${jars[@]}"; do [[ -f "$jar" ]] || return 1; done
}

# Compiles the main class and records the classpath; redone only when pom.xml or the source changes.
build() {
  local stamp
  stamp=$( (
    echo "$JAVA_HOME"
    cd "$SRC_DIR" && find pom.xml src -type f | LC_ALL=C sort | xargs cat
  ) | sha256sum | cut -d' ' -f1)
  if [[ -f "$CACHE/build.stamp" && "$(<"$CACHE/build.stamp")" == "$stamp" ]] && classpath_present; then
    return 0
  fi
  log "building the embedded node into $CACHE/build (Maven downloads on the first run)"
  if ! mvn -q -B --no-transfer-progress -f "$SRC_DIR/pom.xml" "-Dbuild.dir=$CACHE/build" \
    compile dependency:build-classpath "-Dmdep.outputFile=$CACHE/classpath.txt" >"$CACHE/build.log" 2>&1; then
    cat "$CACHE/build.log" >&2
    log "build failed"
    exit 1
  fi
  echo "$stamp" >"$CACHE/build.stamp"
}

start() {
  lock
  ensure_java_and_maven
  use_jdk21
  build
  local started=false pid
  if pid=$(running_pid); then
    :
  elif healthy; then
    log "something already serves $URL; using it"
  else
    mkdir -p "$CACHE/logs" "$CACHE/data"
    # shellcheck disable=SC2054 # SPI,CLDR is one value
    local java_opts=(
      -Xms256m -Xmx768m
      -XX:+UseSerialGC
      -Des.set.netty.runtime.available.processors=false
      -Djava.locale.providers=SPI,CLDR
      -Dlog4j2.disable.jmx=true
      --enable-native-access=ALL-UNNAMED
    )
    # setsid: the node outlives the shell (and the test runner) that started it.
    setsid "$JAVA_HOME/bin/java" "${java_opts[@]}" -cp "$CACHE/build/classes:$(<"$CACHE/classpath.txt")" \
      "$MAIN_CLASS" "$CACHE" "$HTTP_PORT" "$TRANSPORT_PORT" >"$LOG_FILE" 2>&1 </dev/null 9>&- &
    pid=$!
    echo "$pid" >"$PID_FILE"
    started=true
  fi
  local deadline=$((SECONDS + START_TIMEOUT))
  until healthy; do
    if [[ "$started" == true ]] && ! kill -0 "$pid" 2>/dev/null; then
      tail -n 50 "$LOG_FILE" >&2 || true
      rm -f "$PID_FILE"
      log "the node exited during startup (log: $LOG_FILE)"
      exit 1
    fi
    if ((SECONDS > deadline)); then
      tail -n 50 "$LOG_FILE" >&2 || true
      log "no yellow health at $URL after ${START_TIMEOUT}s (log: $LOG_FILE)"
      exit 1
    fi
    sleep 0.5
  done
  printf '{"startedNow": %s, "url": "%s"}\n' "$started" "$URL"
}

stop() {
  lock
  local pid
  if ! pid=$(running_pid); then
    rm -f "$PID_FILE"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 120); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "node $pid did not stop in 60s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*)
  echo "usage: $0 start|stop" >&2
  exit 2
  ;;
esac
