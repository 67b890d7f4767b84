#!/usr/bin/env bash
# Start a local Kubernetes control plane without containers:
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok (simulated kubelets),
# all on loopback, with generated certificates, RBAC on and $E2E_NODES fake nodes.
# Writes e2e/.cluster/kubeconfig and e2e/.cluster/bin/kubectl. Builds the binaries on first use.
# Exit status 0 when the cluster is up (or was already up); on failure prints the log tail of the
# failing component, stops what it started and keeps e2e/.cluster/logs for inspection.
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=real-node.sh
source "$E2E_SCRIPTS/real-node.sh"

start_ts=$SECONDS

# --- already running? --------------------------------------------------------------------------
running=0
for c in "${COMPONENTS[@]}"; do pid_of "$c" >/dev/null && running=$((running + 1)); done
if ((running == ${#COMPONENTS[@]})); then
  log "cluster already running (kubeconfig: $KUBECONFIG_ADMIN)"
  exit 0
elif ((running > 0)); then
  log "a partial cluster is running; stopping it first"
  "$E2E_SCRIPTS/cluster-down.sh"
fi

# --- prerequisites (idempotent) ----------------------------------------------------------------
missing=()
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v setsid >/dev/null 2>&1 || missing+=(util-linux)
if ((${#missing[@]})); then
  log "installing ${missing[*]} with apt-get"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq && "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The real node by default, unless it cannot run here and nobody insisted (CLUSTER_REAL_NODE=1).
if [[ "$CLUSTER_REAL_NODE" == 1 && -z "$CLUSTER_REAL_NODE_ASKED" ]]; then
  if why="$(real_node_unavailable)"; then
    log "WARNING: no real node: $why; the fullstack suites will be skipped (CLUSTER_REAL_NODE=1 insists)"
    CLUSTER_REAL_NODE=0
  fi
fi
if [[ "$CLUSTER_REAL_NODE" == 1 ]]; then
  [[ " ${COMPONENTS[*]} " == *" kubelet "* ]] || COMPONENTS+=("${REAL_COMPONENTS[@]}")
  "$E2E_SCRIPTS/node-deps.sh" >/dev/null
  "$E2E_SCRIPTS/build.sh" k8s etcd kwok node coredns metrics
else
  "$E2E_SCRIPTS/build.sh" k8s etcd kwok
fi

for port in "$E2E_ETCD_PORT" "$E2E_ETCD_PEER_PORT" "$E2E_APISERVER_PORT" "$E2E_KCM_PORT" \
  "$E2E_SCHEDULER_PORT" "$E2E_KWOK_PORT"; do
  if (exec 3<>"/dev/tcp/$E2E_HOST/$port") 2>/dev/null; then
    log "port $E2E_HOST:$port is already in use; set the E2E_*_PORT variables (see e2e/README.md)"
    exit 1
  fi
done

rm -rf "$E2E_CLUSTER_DIR"
mkdir -p "$PKI" "$LOGS" "$PIDS" "$E2E_CLUSTER_DIR/bin" "$E2E_CLUSTER_DIR/etcd" "$E2E_CLUSTER_DIR/pod-logs"
chmod 700 "$E2E_CLUSTER_DIR"

# --- certificates (ECDSA P-256: fast to generate, accepted by every component) ----------------
genkey() { openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/$1.key" 2>/dev/null; }
# gencert <name> <subject> <extensions>: key + certificate signed by the cluster CA.
gencert() {
  genkey "$1"
  openssl req -new -key "$PKI/$1.key" -subj "$2" -out "$PKI/$1.csr" 2>/dev/null
  printf '%b\n' "$3" >"$PKI/$1.ext"
  openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 3650 -sha256 -extfile "$PKI/$1.ext" -out "$PKI/$1.crt" 2>/dev/null
  rm -f "$PKI/$1.csr" "$PKI/$1.ext"
}
genkey ca
openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=tracardi-e2e-ca" -days 3650 -sha256 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
  -out "$PKI/ca.crt" 2>/dev/null
SERVER_EXT="basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth"
CLIENT_EXT="basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth"
gencert apiserver "/CN=kube-apiserver" \
  "$SERVER_EXT\nsubjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:$E2E_HOST,IP:${E2E_SERVICE_CIDR%.0/*}.1"
gencert kwok-serving "/CN=kwok-kubelet" "$SERVER_EXT\nsubjectAltName=DNS:localhost,IP:$E2E_HOST"
gencert admin "/O=system:masters/CN=kubernetes-admin" "$CLIENT_EXT"
gencert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$CLIENT_EXT"
gencert kube-controller-manager "/CN=system:kube-controller-manager" "$CLIENT_EXT"
gencert kube-scheduler "/CN=system:kube-scheduler" "$CLIENT_EXT"
gencert kwok "/CN=kwok-controller" "$CLIENT_EXT"
gencert front-proxy-client "/CN=front-proxy-client" "$CLIENT_EXT"
# Service-account token signing key pair.
genkey sa
openssl ec -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
chmod 600 "$PKI"/*.key

b64() { base64 -w0 <"$1"; }
# kubeconfig <file> <user>: self-contained kubeconfig (certificates embedded).
kubeconfig() {
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: tracardi-e2e
  cluster:
    server: https://$E2E_HOST:$E2E_APISERVER_PORT
    certificate-authority-data: $(b64 "$PKI/ca.crt")
users:
- name: $2
  user:
    client-certificate-data: $(b64 "$PKI/$2.crt")
    client-key-data: $(b64 "$PKI/$2.key")
contexts:
- name: tracardi-e2e
  context:
    cluster: tracardi-e2e
    user: $2
    namespace: default
current-context: tracardi-e2e
EOF
  chmod 600 "$1"
}
kubeconfig "$E2E_CLUSTER_DIR/admin.kubeconfig.tmp" admin
kubeconfig "$E2E_CLUSTER_DIR/kube-controller-manager.kubeconfig" kube-controller-manager
kubeconfig "$E2E_CLUSTER_DIR/kube-scheduler.kubeconfig" kube-scheduler
kubeconfig "$E2E_CLUSTER_DIR/kwok.kubeconfig" kwok
ln -sf "$KUBECTL" "$E2E_CLUSTER_DIR/bin/kubectl"
log "certificates and kubeconfigs ready ($((SECONDS - start_ts))s)"

# --- process helpers ---------------------------------------------------------------------------
failed() {
  local c="$1" msg="$2"
  log "FAILED: $c: $msg"
  log_tail "$c"
  log "stopping what was started; logs stay in $LOGS"
  E2E_KEEP_STATE=1 "$E2E_SCRIPTS/cluster-down.sh" || true
  exit 1
}
# start <component> <args...>: detached (own session), output to logs/<component>.log.
start() {
  local c="$1"
  shift
  setsid "$(binary_of "$c")" "$@" >"$LOGS/$c.log" 2>&1 </dev/null &
  echo $! >"$PIDS/$c.pid"
}
# started_alive <component>: the process we forked still exists and is not a zombie. (Not pid_of:
# right after the fork /proc/<pid>/exe still points at bash until setsid has exec'ed the binary.)
started_alive() {
  local pid state
  pid="$(<"$PIDS/$1.pid")"
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z ]]
}
# wait_for <component> <description> <command...>: polls until the command succeeds.
wait_for() {
  local c="$1" what="$2" deadline=$((SECONDS + E2E_START_TIMEOUT))
  shift 2
  until "$@" >/dev/null 2>&1; do
    local pc
    for pc in "${COMPONENTS[@]}"; do
      if [[ -f "$PIDS/$pc.pid" ]] && ! started_alive "$pc"; then failed "$pc" "process exited"; fi
    done
    ((SECONDS < deadline)) || failed "$c" "timed out after ${E2E_START_TIMEOUT}s waiting for $what"
    sleep 0.2
  done
}
api() { "$KUBECTL" --kubeconfig "$E2E_CLUSTER_DIR/admin.kubeconfig.tmp" "$@"; }
healthz() { curl -fsS --max-time 2 --cacert "$PKI/ca.crt" "$1" | grep -qx ok; }
# The controller-manager and the scheduler serve with self-signed certificates (not from our CA).
healthz_insecure() { curl -fsSk --max-time 2 "$1" | grep -qx ok; }

# --- etcd --------------------------------------------------------------------------------------
ETCD_URL="http://$E2E_HOST:$E2E_ETCD_PORT"
start etcd --name=e2e --data-dir="$E2E_CLUSTER_DIR/etcd" \
  --listen-client-urls="$ETCD_URL" --advertise-client-urls="$ETCD_URL" \
  --listen-peer-urls="http://$E2E_HOST:$E2E_ETCD_PEER_PORT" \
  --initial-advertise-peer-urls="http://$E2E_HOST:$E2E_ETCD_PEER_PORT" \
  --initial-cluster="e2e=http://$E2E_HOST:$E2E_ETCD_PEER_PORT" \
  --unsafe-no-fsync=true --auto-compaction-retention=1 --quota-backend-bytes=2147483648 \
  --log-level=warn
wait_for etcd "$ETCD_URL/health" sh -c "curl -fsS --max-time 2 '$ETCD_URL/health' | grep -q '\"health\":\"true\"'"
log "etcd ready ($((SECONDS - start_ts))s)"

# --- kube-apiserver ----------------------------------------------------------------------------
start kube-apiserver \
  --etcd-servers="$ETCD_URL" \
  --bind-address="$E2E_HOST" --advertise-address="$E2E_HOST" --secure-port="$E2E_APISERVER_PORT" \
  --cert-dir="$PKI" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
  --client-ca-file="$PKI/ca.crt" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
  --service-cluster-ip-range="$E2E_SERVICE_CIDR" \
  --authorization-mode=Node,RBAC \
  --allow-privileged=true \
  --endpoint-reconciler-type=none \
  --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" \
  --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority="$PKI/ca.crt" \
  --kubelet-preferred-address-types=InternalIP,Hostname \
  --requestheader-client-ca-file="$PKI/ca.crt" --requestheader-allowed-names=front-proxy-client \
  --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
  --requestheader-extra-headers-prefix=X-Remote-Extra- \
  --proxy-client-cert-file="$PKI/front-proxy-client.crt" --proxy-client-key-file="$PKI/front-proxy-client.key" \
  --profiling=false
APISERVER="https://$E2E_HOST:$E2E_APISERVER_PORT"
wait_for kube-apiserver "$APISERVER/readyz" healthz "$APISERVER/readyz"
log "kube-apiserver ready ($((SECONDS - start_ts))s)"

# --- bootstrap objects: kwok's identity, log CRDs, fake nodes ----------------------------------
nodes_yaml() {
  local i
  for ((i = 0; i < E2E_NODES; i++)); do
    cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: kwok-node-$i
    node-role.kubernetes.io/agent: ""
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "110"}
  capacity: {cpu: "32", memory: 256Gi, pods: "110"}
EOF
  done
}
{
  cat "$E2E_KWOK_BIN/../crd/kwok.x-k8s.io_logs.yaml" "$E2E_KWOK_BIN/../crd/kwok.x-k8s.io_clusterlogs.yaml"
  cat <<EOF
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: e2e:kwok-controller
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: kwok-controller
EOF
  nodes_yaml
} | api create -f - >"$LOGS/bootstrap.log" 2>&1 || failed bootstrap "kubectl create of CRDs/RBAC/nodes"
wait_for bootstrap "kwok CRDs established" api wait --for=condition=Established --timeout=2s \
  crd/logs.kwok.x-k8s.io crd/clusterlogs.kwok.x-k8s.io

# --- controller-manager, scheduler, kwok (in parallel) -------------------------------------------
KCM_KC="$E2E_CLUSTER_DIR/kube-controller-manager.kubeconfig"
start kube-controller-manager \
  --kubeconfig="$KCM_KC" --authentication-kubeconfig="$KCM_KC" --authorization-kubeconfig="$KCM_KC" \
  --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
  --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
  --use-service-account-credentials=true \
  --controllers='*' \
  --leader-elect=false \
  --bind-address="$E2E_HOST" --secure-port="$E2E_KCM_PORT" \
  --kube-api-qps=200 --kube-api-burst=400 \
  --profiling=false
SCHED_KC="$E2E_CLUSTER_DIR/kube-scheduler.kubeconfig"
start kube-scheduler \
  --kubeconfig="$SCHED_KC" --authentication-kubeconfig="$SCHED_KC" --authorization-kubeconfig="$SCHED_KC" \
  --leader-elect=false \
  --bind-address="$E2E_HOST" --secure-port="$E2E_SCHEDULER_PORT" \
  --profiling=false
start kwok \
  --kubeconfig="$E2E_CLUSTER_DIR/kwok.kubeconfig" \
  --config="$E2E_SCRIPTS/config/kwok-stages.yaml" \
  --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --cidr="$E2E_POD_CIDR" --node-ip="$E2E_HOST" --node-port="$E2E_KWOK_PORT" \
  --server-address="$E2E_HOST:$E2E_KWOK_PORT" \
  --tls-cert-file="$PKI/kwok-serving.crt" --tls-private-key-file="$PKI/kwok-serving.key" \
  --node-lease-duration-seconds=40 \
  --enable-crds=Logs,ClusterLogs

wait_for kube-controller-manager "/healthz" healthz_insecure "https://$E2E_HOST:$E2E_KCM_PORT/healthz"
wait_for kube-scheduler "/healthz" healthz_insecure "https://$E2E_HOST:$E2E_SCHEDULER_PORT/healthz"
wait_for kwok "$E2E_NODES Ready nodes" api wait --for=condition=Ready node --all --timeout=2s
wait_for kube-controller-manager "ServiceAccount default/default" api get serviceaccount default -n default
if [[ "$CLUSTER_REAL_NODE" == 1 ]]; then real_node_up; fi
mv "$E2E_CLUSTER_DIR/admin.kubeconfig.tmp" "$KUBECONFIG_ADMIN"

log "cluster up in $((SECONDS - start_ts))s: export KUBECONFIG=$KUBECONFIG_ADMIN; kubectl: $E2E_CLUSTER_DIR/bin/kubectl"
