#!/usr/bin/env bash
# The runtime image without Docker and without a registry: one layer assembled from the Node.js on
# PATH (the binary and the libraries ldd names; .nvmrc's major, as the Dockerfile's base image), the
# built dist/, package.json and the production packages of node_modules (package-lock.json entries
# that are not dev-only), plus /etc/passwd and /etc/group with the tracardi user (10001) and /data
# owned by it, as the Dockerfile's runtime stage.
# Image config (entrypoint, user, working dir, env) comes from e2e/image/runtime-image.json.
# Usage: e2e/scripts/runtime-image.sh [containerd-socket]
#   writes e2e/.cluster/images/tracardi-runtime.tar; with a socket, imports it into containerd's
#   k8s.io namespace (pods use it with imagePullPolicy: IfNotPresent or Never).
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
REPO="$(cd "$E2E_ROOT/.." && pwd)"
DEF="$E2E_ROOT/image/runtime-image.json"
SOCK="${1:-}"
start_ts=$SECONDS

[[ -f "$REPO/dist/runtime/cli.js" ]] || { log "dist/ is not built: run npx tsc -p tsconfig.json"; exit 1; }
[[ -f "$REPO/dist/console/index.html" ]] ||
  log "dist/console is not built (npx vite build -c console/vite.config.ts): the image's console answers 503"
[[ -f "$REPO/dist/tracker/liliput.min.js" ]] ||
  log "dist/tracker is not built (npm run build:tracker): the image's /tracker/liliput.min.js answers 404"
NODE="$(readlink -f "$(command -v node)")"
major="$(tr -d '[:space:]v' <"$REPO/.nvmrc")" major="${major%%.*}"
[[ "$("$NODE" --version)" == "v$major."* ]] || {
  log "need Node $major (.nvmrc; make puts it first on PATH, by hand: export PATH=\"\$(scripts/node.sh)/bin:\$PATH\"), found $("$NODE" --version)"
  exit 1
}

out="$E2E_CLUSTER_DIR/images"
work="$(mktemp -d "${TMPDIR:-/tmp}/tracardi-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out" "$work/root/etc" "$work/root/data" "$work/root/tmp" "$work/root/usr/local/bin" \
  "$work/archive"

# Node and the shared libraries it (and the native addons) load.
cp "$NODE" "$work/root/usr/local/bin/node"
mapfile -t addons < <(find -L "$REPO/node_modules" -name '*.node' -path '*/build/Release/*' 2>/dev/null)
libs="$( { ldd "$NODE"; for a in "${addons[@]}"; do ldd "$a" 2>/dev/null || true; done; } |
  awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u)"
for lib in $libs; do
  mkdir -p "$work/root$(dirname "$lib")"
  cp -L "$lib" "$work/root$lib"
done
cat >"$work/root/etc/passwd" <<'P'
root:x:0:0:root:/root:/usr/sbin/nologin
tracardi:x:10001:10001::/app:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
P
printf 'root:x:0:\ntracardi:x:10001:\nnogroup:x:65534:\n' >"$work/root/etc/group"

# Production packages: node_modules without the lockfile's dev-only entries (as npm prune --omit=dev).
node -e '
  const lock = require(process.argv[1]);
  for (const [path, meta] of Object.entries(lock.packages ?? {}))
    if (path.startsWith("node_modules/") && meta.dev) console.log(path);
' "$REPO/package-lock.json" | sort >"$work/dev-packages"

layer="$work/layer.tar"
TAR=(tar --numeric-owner --owner=0 --group=0 --sort=name --mtime=@0)
"${TAR[@]}" -cf "$layer" -C "$work/root" usr lib lib64 etc tmp 2>/dev/null ||
  "${TAR[@]}" -cf "$layer" -C "$work/root" usr lib etc tmp
"${TAR[@]}" -rf "$layer" --mode=1777 -C "$work/root" --no-recursion tmp 2>/dev/null || true
tar --numeric-owner --owner=10001 --group=10001 --mtime=@0 -rf "$layer" -C "$work/root" data
"${TAR[@]}" -rf "$layer" -C "$REPO" --transform 's,^,app/,' package.json dist
# node_modules may be a symlink (worktrees): archive the directory it points to as app/node_modules.
nm="$(readlink -f "$REPO/node_modules")"
sed "s,^node_modules,$(basename "$nm")," "$work/dev-packages" >"$work/exclude"
echo "$(basename "$nm")/.bin" >>"$work/exclude"
"${TAR[@]}" -rf "$layer" -C "$(dirname "$nm")" --anchored --exclude-from="$work/exclude" \
  --transform "s,^$(basename "$nm"),app/node_modules," "$(basename "$nm")"

ref="$(node "$E2E_ROOT/image/image-archive.mjs" "$DEF" "$layer" "$work/archive")"
tar --numeric-owner --owner=0 --group=0 -cf "$out/tracardi-runtime.tar.tmp" -C "$work/archive" .
mv "$out/tracardi-runtime.tar.tmp" "$out/tracardi-runtime.tar"
log "image $ref: $out/tracardi-runtime.tar ($(du -m "$out/tracardi-runtime.tar" | cut -f1) MB, $((SECONDS - start_ts))s)"
if [[ -n "$SOCK" ]]; then
  ctr --address "$SOCK" -n k8s.io images import --no-unpack=false "$out/tracardi-runtime.tar" >/dev/null
  log "imported ${ref%% *} into containerd ($((SECONDS - start_ts))s)"
fi
