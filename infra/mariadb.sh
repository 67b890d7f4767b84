#!/usr/bin/env bash
# A MariaDB server for tests and local runs, without systemd or containers.
#
#   infra/mariadb.sh start   installs mariadb-server (apt) if missing, initialises a data dir once,
#                            starts mariadbd on 127.0.0.1:33306 unless it runs, creates the database
#                            and user `tracardi`, and prints connection details as its last stdout line:
#                            {"startedNow":true,"url":"mysql://127.0.0.1:33306/tracardi","user":"tracardi","password":"tracardi"}
#   infra/mariadb.sh stop    stops the server started by `start` (no-op if it does not run)
#
# Everything lives in /var/tmp/tracardi-infra/mariadb/ (TRACARDI_INFRA_DIR moves it): mariadbd runs
# as the mysql user, which cannot enter a 0700 $HOME. Both commands hold a lock on that dir, so
# concurrent calls (parallel test runs) serialise instead of racing.
#
# TRACARDI_MARIADB_PORT=<port> runs a second, independent instance (its own dir, mariadb-<port>/):
# a test that stops its database to watch the runtime lose it stops that one, not the shared server.
set -euo pipefail

PORT="${TRACARDI_MARIADB_PORT:-33306}"
HOST=127.0.0.1
DATABASE=tracardi
USER_NAME=tracardi
USER_PASSWORD=tracardi

DIR="${TRACARDI_INFRA_DIR:-/var/tmp/tracardi-infra}/mariadb$([[ "$PORT" == 33306 ]] || echo "-$PORT")"
DATA="$DIR/data"
RUN="$DIR/run"
SOCKET="$RUN/mariadbd.sock"
PID_FILE="$RUN/mariadbd.pid"
LOG="$DIR/mariadbd.log"
LOCK="$DIR/.lock"

export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

log() { echo "mariadb.sh: $*" >&2; }

# `--no-defaults` everywhere: the server and the clients ignore /etc/mysql, so the system's own
# configuration (port 3306, /run/mysqld) never leaks into this instance.
admin() { mariadb-admin --no-defaults --socket="$SOCKET" --connect-timeout=2 "$@"; }
sql() { mariadb --no-defaults --socket="$SOCKET" -uroot --batch "$@"; }

install_server() {
  if command -v mariadbd >/dev/null 2>&1; then return; fi
  log "installing mariadb-server with apt-get (first run only)"
  local apt=(apt-get -o DPkg::Lock::Timeout=600 -y -q)
  if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" install mariadb-server >&2; then
    log "install failed; refreshing package lists and retrying"
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" update >&2
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install mariadb-server >&2
  fi
  command -v mariadbd >/dev/null 2>&1 || {
    log "mariadb-server installed, but mariadbd is not on PATH"
    exit 1
  }
}

initialise_data_dir() {
  if [[ -d "$DATA/mysql" ]]; then return; fi
  log "initialising $DATA"
  # Initialise aside and rename, so an interrupted run never leaves a half-made data dir behind.
  rm -rf "$DATA.tmp"
  install -d -o mysql -g mysql "$DATA.tmp"
  mariadb-install-db --no-defaults --user=mysql --datadir="$DATA.tmp" \
    --auth-root-authentication-method=socket --skip-test-db >&2
  mv "$DATA.tmp" "$DATA"
}

running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == mariadbd ]] || return 1
  echo "$pid"
}

start_server() {
  rm -f "$PID_FILE" "$SOCKET"
  install -d -o mysql -g mysql "$RUN"
  touch "$LOG" && chown mysql:mysql "$LOG"
  local log_from
  log_from=$(($(stat -c %s "$LOG") + 1))
  log "starting mariadbd on $HOST:$PORT (log: $LOG)"
  # setsid and redirected stdio: the server outlives this script and holds none of its pipes open
  # (a caller waiting for this script's stdout to close would otherwise wait forever); fd 9, the
  # lock, is closed too, or the server would hold the lock for as long as it runs.
  setsid mariadbd --no-defaults --user=mysql --datadir="$DATA" \
    --bind-address="$HOST" --port="$PORT" --socket="$SOCKET" --pid-file="$PID_FILE" \
    --log-error="$LOG" --skip-name-resolve --skip-log-bin \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-buffer-pool-size=128M </dev/null >>"$LOG" 2>&1 9>&- &
  local pid=$!
  local deadline=$((SECONDS + 120))
  until admin ping >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "mariadbd exited during startup; last lines of $LOG:"
      tail -c "+$log_from" "$LOG" | tail -n 30 >&2
      exit 1
    fi
    if ((SECONDS > deadline)); then
      log "mariadbd did not answer a ping within 120 s; last lines of $LOG:"
      tail -c "+$log_from" "$LOG" | tail -n 30 >&2
      exit 1
    fi
    sleep 0.2
  done
}

wait_until_ready() {
  local deadline=$((SECONDS + 120))
  until admin ping >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then
      log "mariadbd (pid $1) runs but does not answer a ping"
      exit 1
    fi
    sleep 0.2
  done
}

# Idempotent. 'tracardi'@'%' serves TCP clients (--skip-name-resolve keeps 127.0.0.1 from becoming
# 'localhost'); tests create and drop throwaway databases named tracardi_<something>.
create_database_and_user() {
  sql <<SQL
CREATE DATABASE IF NOT EXISTS \`$DATABASE\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$USER_NAME'@'%' IDENTIFIED BY '$USER_PASSWORD';
GRANT ALL PRIVILEGES ON \`$DATABASE\`.* TO '$USER_NAME'@'%';
GRANT ALL PRIVILEGES ON \`${DATABASE}\\_%\`.* TO '$USER_NAME'@'%';
SQL
}

start() {
  install_server
  initialise_data_dir
  local started_now=false pid
  if pid="$(running_pid)"; then
    log "mariadbd already runs (pid $pid)"
    wait_until_ready "$pid"
  else
    start_server
    started_now=true
  fi
  create_database_and_user
  printf '{"startedNow": %s, "url": "mysql://%s:%s/%s", "user": "%s", "password": "%s"}\n' \
    "$started_now" "$HOST" "$PORT" "$DATABASE" "$USER_NAME" "$USER_PASSWORD"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    log "mariadbd does not run"
    rm -f "$PID_FILE"
    return
  fi
  log "stopping mariadbd (pid $pid)"
  kill -TERM "$pid"
  local deadline=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS > deadline)); then
      log "mariadbd (pid $pid) did not exit within 60 s of SIGTERM"
      exit 1
    fi
    sleep 0.2
  done
  log "mariadbd stopped"
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
  mkdir -p "$DIR"
  exec 9>>"$LOCK"
  flock -w 1200 9 || {
    log "could not lock $LOCK within 20 minutes"
    exit 1
  }
  "$command"
}

main "$@"
