#!/usr/bin/env bash
# Chromium from Debian for the browser suites (no download of a browser by npm).
#
#   infra/chromium.sh start   installs the `chromium` package with apt if missing; last stdout line:
#                             {"executablePath":"/usr/bin/chromium","version":"Chromium 156.…"}
#
# `start` to match the other infra scripts (the suites call every script the same way); there is no
# server, so there is no `stop`.
set -euo pipefail

log() { echo "chromium.sh: $*" >&2; }

install_chromium() {
  if command -v chromium >/dev/null 2>&1; then return; fi
  log "installing chromium with apt-get (first run only)"
  local apt=(apt-get -o DPkg::Lock::Timeout=600 -y -q)
  if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" install chromium >&2; then
    log "install failed; refreshing package lists and retrying"
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" update >&2
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install chromium >&2
  fi
  command -v chromium >/dev/null 2>&1 || {
    log "chromium installed, but not on PATH"
    exit 1
  }
}

case "${1:-}" in
start)
  install_chromium
  path="$(command -v chromium)"
  printf '{"executablePath": "%s", "version": "%s"}\n' "$path" "$("$path" --version 2>/dev/null | head -1)"
  ;;
*)
  echo "usage: $0 start" >&2
  exit 2
  ;;
esac
