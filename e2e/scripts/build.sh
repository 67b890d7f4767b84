#!/usr/bin/env bash
# Build (once) and cache outside the repository the pinned control-plane binaries:
#   k8s   kube-apiserver kube-controller-manager kube-scheduler kubectl  (k8s.io/kubernetes)
#   etcd  etcd etcdctl                                                   (go.etcd.io/etcd)
#   kwok  kwok                                                           (sigs.k8s.io/kwok)
#   node  kubelet kube-proxy (the real node real-0)                      (k8s.io/kubernetes)
#   coredns coredns (cluster DNS of the real node)                       (github.com/coredns/coredns)
#   metrics metrics-server (resource metrics of real-0 for kubectl top/HPA) (sigs.k8s.io/metrics-server)
# Usage: e2e/scripts/build.sh [k8s|etcd|kwok|node|coredns|metrics ...]
#   (default: k8s etcd kwok, plus node, coredns and metrics unless CLUSTER_REAL_NODE=0)
# A component whose cache directory holds a `.complete` stamp is not rebuilt.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
source "$HERE/versions.sh"

export CGO_ENABLED=0
export GOFLAGS="-mod=mod"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
: "${E2E_BUILD_PARALLEL:=$(nproc 2>/dev/null || echo 2)}"

log() { printf '[e2e-build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

need_go() {
  command -v go >/dev/null 2>&1 || { log "go is not installed (need Go >= 1.24)"; exit 1; }
}

# run_locked <component> <build-function>: builds into <dir>.tmp and renames into place, so an
# interrupted build never leaves a half-filled cache; a lock serialises concurrent callers.
run_locked() {
  local name="$1" dest="$2" fn="$3"
  if [[ -f "$dest/.complete" ]]; then
    log "$name: cached in $dest"
    return 0
  fi
  mkdir -p "$E2E_CACHE_DIR"
  exec {lockfd}>"$E2E_CACHE_DIR/.$name.lock"
  flock "$lockfd"
  if [[ -f "$dest/.complete" ]]; then
    log "$name: cached in $dest (built by a concurrent run)"
    exec {lockfd}>&-
    return 0
  fi
  need_go
  local start=$SECONDS
  rm -rf "$dest.tmp"
  mkdir -p "$dest.tmp/bin"
  log "$name: building into $dest (log: $E2E_CACHE_DIR/build-$name.log)"
  if ! "$fn" "$dest.tmp" >"$E2E_CACHE_DIR/build-$name.log" 2>&1; then
    log "$name: BUILD FAILED, last lines of $E2E_CACHE_DIR/build-$name.log:"
    tail -n 40 "$E2E_CACHE_DIR/build-$name.log" >&2
    exit 1
  fi
  echo "built $(date -u +%FT%TZ) in $((SECONDS - start))s with $(go version)" >"$dest.tmp/.complete"
  rm -rf "$dest"
  mv "$dest.tmp" "$dest"
  log "$name: done in $((SECONDS - start))s"
  exec {lockfd}>&-
}

# --- Kubernetes ------------------------------------------------------------------------------
# k8s.io/kubernetes requires its staging modules at v0.0.0 with local replaces, so a plain
# `go install` fails; a throwaway module replaces every staging module by its published v0.X.Y tag.
# k8s_module <src>: a throwaway module requiring k8s.io/kubernetes with every staging module
# replaced by its published v0.X.Y tag; sets LDF to the version ldflags.
k8s_module() {
  local src="$1" K="$E2E_K8S_VERSION"
  local minor="${K#v1.}"; minor="${minor%%.*}"
  local S="v0.${K#v1.}"
  rm -rf "$src"; mkdir -p "$src"; cd "$src"
  local gomod
  gomod="$(go mod download -json "k8s.io/kubernetes@$K" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
  [[ -f "$gomod" ]] || { echo "could not download go.mod of k8s.io/kubernetes@$K"; return 1; }
  local staging
  staging="$(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$gomod" | sort -u)"
  [[ -n "$staging" ]] || { echo "no staging replaces found in $gomod"; return 1; }
  echo "staging modules: $(echo "$staging" | wc -l)"
  {
    echo "module local/k8sbuild"
    echo
    echo "go 1.24.0"
    echo
    echo "godebug default=go1.24"
    echo
    echo "require k8s.io/kubernetes $K"
    echo
    echo "replace ("
    for m in $staging; do echo "	$m => $m $S"; done
    echo ")"
  } >go.mod
  cat go.mod
  go get "k8s.io/kubernetes@$K"
  LDF="-s -w"
  local p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    LDF+=" -X '$p.gitVersion=$K' -X '$p.gitMajor=1' -X '$p.gitMinor=$minor' -X '$p.gitTreeState=clean'"
    LDF+=" -X '$p.gitCommit=0000000000000000000000000000000000000000' -X '$p.buildDate=1970-01-01T00:00:00Z'"
  done
}

build_k8s() {
  local out="$1"
  k8s_module "$E2E_CACHE_DIR/src/k8s-$E2E_K8S_VERSION"
  go build -p "$E2E_BUILD_PARALLEL" -trimpath -ldflags "$LDF" -o "$out/bin/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
  "$out/bin/kube-apiserver" --version
  "$out/bin/kubectl" version --client
}

# The real node's kubelet and kube-proxy: same module and version as the control plane, but their
# own cache directory and stamp, so adding them never invalidates a cached control plane.
build_node() {
  local out="$1"
  k8s_module "$E2E_CACHE_DIR/src/node-$E2E_K8S_VERSION"
  go build -p "$E2E_BUILD_PARALLEL" -trimpath -ldflags "$LDF" -o "$out/bin/" \
    k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy
  # The sandbox ("pause") process of every pod: sleeps until SIGINT/SIGTERM, reaps orphans as PID 1.
  mkdir -p pause
  cat >pause/main.go <<'GO'
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range sigs {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var ws syscall.WaitStatus
			if pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil); pid <= 0 || err != nil {
				break
			}
		}
	}
}
GO
  go build -trimpath -ldflags "-s -w" -o "$out/bin/pause" ./pause
  "$out/bin/kubelet" --version
  "$out/bin/kube-proxy" --version
}

# CoreDNS for the real node's pods (run as a host process; Service names resolve in-cluster only).
build_coredns() {
  local out="$1" src="$E2E_CACHE_DIR/src/coredns-$E2E_COREDNS_VERSION"
  rm -rf "$src"; mkdir -p "$src"; cd "$src"
  printf 'module local/corednsbuild\n\ngo 1.24.0\n' >go.mod
  go get "github.com/coredns/coredns@$E2E_COREDNS_VERSION"
  go build -p "$E2E_BUILD_PARALLEL" -trimpath -ldflags "-s -w" -o "$out/bin/coredns" github.com/coredns/coredns
  "$out/bin/coredns" -version
}

# metrics-server for the real node's pods (a host process behind the APIService v1beta1.metrics.k8s.io).
build_metrics() {
  local out="$1" src="$E2E_CACHE_DIR/src/metrics-server-$E2E_METRICS_SERVER_VERSION"
  rm -rf "$src"; mkdir -p "$src"; cd "$src"
  printf 'module local/metricsbuild\n\ngo 1.24.0\n' >go.mod
  go get "sigs.k8s.io/metrics-server@$E2E_METRICS_SERVER_VERSION"
  go build -p "$E2E_BUILD_PARALLEL" -trimpath \
    -ldflags "-s -w -X 'sigs.k8s.io/metrics-server/pkg/version.gitVersion=$E2E_METRICS_SERVER_VERSION'" \
    -o "$out/bin/metrics-server" sigs.k8s.io/metrics-server/cmd/metrics-server
  "$out/bin/metrics-server" --version
}

# --- etcd --------------------------------------------------------------------------------------
build_etcd() {
  local out="$1" src="$E2E_CACHE_DIR/src/etcd-$E2E_ETCD_VERSION"
  rm -rf "$src"; mkdir -p "$src"; cd "$src"
  printf 'module local/etcdbuild\n\ngo 1.24.0\n' >go.mod
  go get "go.etcd.io/etcd/server/v3@$E2E_ETCD_VERSION" "go.etcd.io/etcd/etcdctl/v3@$E2E_ETCD_VERSION"
  go build -p "$E2E_BUILD_PARALLEL" -trimpath -ldflags "-s -w" -o "$out/bin/etcd" go.etcd.io/etcd/server/v3
  go build -p "$E2E_BUILD_PARALLEL" -trimpath -ldflags "-s -w" -o "$out/bin/etcdctl" go.etcd.io/etcd/etcdctl/v3
  "$out/bin/etcd" --version
}

# --- kwok --------------------------------------------------------------------------------------
build_kwok() {
  local out="$1" src="$E2E_CACHE_DIR/src/kwok-$E2E_KWOK_VERSION"
  rm -rf "$src"; mkdir -p "$src"; cd "$src"
  printf 'module local/kwokbuild\n\ngo 1.24.0\n' >go.mod
  go get "sigs.k8s.io/kwok@$E2E_KWOK_VERSION"
  go build -p "$E2E_BUILD_PARALLEL" -trimpath \
    -ldflags "-s -w -X 'sigs.k8s.io/kwok/pkg/consts.Version=$E2E_KWOK_VERSION'" \
    -o "$out/bin/kwok" sigs.k8s.io/kwok/cmd/kwok
  "$out/bin/kwok" --version
  # CRDs of the kwok API groups that cluster-up installs (Logs and ClusterLogs serve pod logs).
  local dir
  dir="$(go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
  mkdir -p "$out/crd"
  cp "$dir"/kustomize/crd/bases/kwok.x-k8s.io_*.yaml "$out/crd/"
  chmod u+w "$out"/crd/*.yaml
}

build_component() {
  case "$1" in
    k8s) run_locked k8s "$E2E_CACHE_DIR/k8s-$E2E_K8S_VERSION" build_k8s ;;
    etcd) run_locked etcd "$E2E_CACHE_DIR/etcd-$E2E_ETCD_VERSION" build_etcd ;;
    kwok) run_locked kwok "$E2E_CACHE_DIR/kwok-$E2E_KWOK_VERSION" build_kwok ;;
    node) run_locked node "$E2E_CACHE_DIR/node-$E2E_K8S_VERSION" build_node ;;
    coredns) run_locked coredns "$E2E_CACHE_DIR/coredns-$E2E_COREDNS_VERSION" build_coredns ;;
    metrics) run_locked metrics "$E2E_CACHE_DIR/metrics-server-$E2E_METRICS_SERVER_VERSION" build_metrics ;;
  esac
}

components=("$@")
if [[ ${#components[@]} -eq 0 ]]; then
  components=(k8s etcd kwok)
  [[ "${CLUSTER_REAL_NODE:-1}" != 1 ]] || components+=(node coredns metrics)
fi
for c in "${components[@]}"; do
  case "$c" in
    k8s | etcd | kwok | node | coredns | metrics) ;;
    *) log "unknown component: $c (expected k8s, etcd, kwok, node, coredns or metrics)"; exit 2 ;;
  esac
done
total_start=$SECONDS
# Missing components build in parallel (k8s is the long pole; etcd and kwok finish within it).
jobs=()
for c in "${components[@]}"; do
  (build_component "$c") &
  jobs+=("$!")
done
rc=0
for j in "${jobs[@]}"; do wait "$j" || rc=1; done
if ((rc != 0)); then
  log "build failed (logs: $E2E_CACHE_DIR/build-*.log)"
  exit 1
fi
log "all requested components ready in $((SECONDS - total_start))s (cache: $E2E_CACHE_DIR)"
