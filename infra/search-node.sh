# Sourced by infra/opensearch.sh and infra/elasticsearch{,8,7}.sh: the life cycle of one embedded search
# node built from Maven Central artifacts (the Maven project in $SRC_DIR, one Java main class).
#
# The caller sets NAME, HTTP_PORT, TRANSPORT_PORT, MAIN_CLASS, SRC_DIR, CACHE, START_TIMEOUT and
# NODE_JAVA_OPTS (an array), and may define before_build (e.g. to set NODE_JAVA, the java that runs
# the node; default the one on PATH) or its own build.
# Everything (build output, classpath, data, logs, pid) lives in $CACHE; calls are serialised with flock.
# shellcheck disable=SC2154 # the variables above come from the caller

URL="http://127.0.0.1:${HTTP_PORT}"
PID_FILE="$CACHE/node.pid"
LOG_FILE="$CACHE/logs/node.out"

log() { echo "$NAME: $*" >&2; }

# shellcheck source=infra/java.sh
source "$(dirname "${BASH_SOURCE[0]}")/java.sh"
# shellcheck source=infra/process.sh
source "$(dirname "${BASH_SOURCE[0]}")/process.sh"

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

# Compiles the main class and records the classpath; redone only when the sources or the JDK change.
build() {
  local stamp
  stamp=$( (
    echo "${JAVA_HOME:-}"
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
  if declare -F before_build >/dev/null; then before_build; fi
  build
  local started=false pid
  if pid=$(running_pid); then
    :
  elif healthy; then
    log "something already serves $URL; using it"
  else
    mkdir -p "$CACHE/logs" "$CACHE/data"
    # setsid: the node outlives the shell (and the test runner) that started it.
    setsid "${NODE_JAVA:-java}" "${NODE_JAVA_OPTS[@]}" -cp "$CACHE/build/classes:$(<"$CACHE/classpath.txt")" \
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
  terminate "$pid"
  rm -f "$PID_FILE"
}

search_node_main() {
  case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
  esac
}
