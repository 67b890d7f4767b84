# Shared settings of the cluster scripts (sourced). Every E2E_* value can be overridden by env.
# shellcheck shell=bash
E2E_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
E2E_ROOT="$(cd "$E2E_SCRIPTS/.." && pwd)"
# shellcheck source=versions.sh
source "$E2E_SCRIPTS/versions.sh"

: "${E2E_CLUSTER_DIR:=$E2E_ROOT/.cluster}"
: "${E2E_HOST:=127.0.0.1}"
: "${E2E_ETCD_PORT:=23791}"
: "${E2E_ETCD_PEER_PORT:=23801}"
: "${E2E_APISERVER_PORT:=16443}"
: "${E2E_KCM_PORT:=20257}"
: "${E2E_SCHEDULER_PORT:=20259}"
: "${E2E_KWOK_PORT:=20250}"
: "${E2E_NODES:=3}"
: "${E2E_SERVICE_CIDR:=10.96.0.0/16}"
: "${E2E_POD_CIDR:=10.244.0.0/16}"
: "${E2E_START_TIMEOUT:=60}"

PKI="$E2E_CLUSTER_DIR/pki"
LOGS="$E2E_CLUSTER_DIR/logs"
PIDS="$E2E_CLUSTER_DIR/pids"
KUBECONFIG_ADMIN="$E2E_CLUSTER_DIR/kubeconfig"
KUBECTL="$E2E_K8S_BIN/kubectl"
# The real node real-0 (e2e/scripts/real-node.sh): on by default, CLUSTER_REAL_NODE=0 skips it. Left
# unset, cluster-up leaves it out with a warning where it cannot run (not root, or another cluster
# runs this machine's real node); CLUSTER_REAL_NODE=1 insists and fails instead.
CLUSTER_REAL_NODE_ASKED="${CLUSTER_REAL_NODE:-}"
: "${CLUSTER_REAL_NODE:=1}"
: "${E2E_REAL_NODE_IP:=10.250.0.1}"         # a /32 on lo: kubelet refuses 127.0.0.1 as node IP
: "${E2E_REAL_POD_CIDR:=10.244.254.0/24}"   # the bridge's subnet; kwok allocates from the bottom
: "${E2E_REAL_BRIDGE:=tre2e0}"
REAL_DIR="$E2E_CLUSTER_DIR/real-0"
# Ports of the infra/ servers (MariaDB, Pulsar broker and web, OpenSearch) that listen on loopback
# only: a relay per port on the node IP lets pods reach them without restarting any server. 33316 is
# the fullstack suite's own MariaDB (TRACARDI_MARIADB_PORT=33316 infra/mariadb.sh), the one its
# lost-backend scenario stops and starts; until it runs, its relay refuses like a stopped server.
: "${E2E_REAL_INFRA_PORTS:=33306 16650 18080 19200 33316}"
read -ra REAL_INFRA_RELAYS <<<"$(printf 'infra-relay-%s ' $E2E_REAL_INFRA_PORTS)"
: "${E2E_METRICS_SERVER_PORT:=4443}"      # metrics-server on the node IP (APIService v1beta1.metrics.k8s.io)
REAL_COMPONENTS=(apiserver-relay "${REAL_INFRA_RELAYS[@]}" coredns containerd kubelet kube-proxy metrics-server)

# Start order; cluster-down stops in reverse order. The real node's processes count as components
# once it was started (its state directory exists); cluster-up adds them when it starts it.
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
if [[ -d "$REAL_DIR" ]]; then COMPONENTS+=("${REAL_COMPONENTS[@]}"); fi

log() { printf '[e2e-cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# binary_of <component>: absolute path of the executable the component runs.
binary_of() {
  case "$1" in
    etcd) echo "$E2E_ETCD_BIN/etcd" ;;
    kwok) echo "$E2E_KWOK_BIN/kwok" ;;
    kubelet | kube-proxy) echo "$E2E_NODE_BIN/$1" ;;
    coredns) echo "$E2E_COREDNS_BIN/coredns" ;;
    metrics-server) echo "$E2E_METRICS_SERVER_BIN/metrics-server" ;;
    containerd) echo /usr/bin/containerd ;;
    apiserver-relay | infra-relay-*) echo /usr/bin/socat ;;
    *) echo "$E2E_K8S_BIN/$1" ;;
  esac
}

# pid_of <component>: prints the pid if the recorded process is alive and still runs our binary.
pid_of() {
  local f="$PIDS/$1.pid" pid exe
  [[ -f "$f" ]] || return 1
  pid="$(<"$f")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || return 1
  [[ "$exe" == "$(binary_of "$1")" ]] || return 1
  echo "$pid"
}

# rss_kb <pid>: resident set size in KiB.
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

log_tail() {
  local f="$LOGS/$1.log"
  if [[ -f "$f" ]]; then
    echo "----- last 30 lines of $f -----" >&2
    tail -n 30 "$f" >&2
    echo "-----" >&2
  fi
}
