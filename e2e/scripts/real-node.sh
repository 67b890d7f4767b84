# The real node real-0: containerd + runc + CNI bridge, kubelet, kube-proxy, CoreDNS and relays that
# let pods reach the API server and the infra/ servers (loopback only) on the node IP, next to the kwok nodes. Sourced by cluster-up.sh (real_node_up,
# which uses its genkey/gencert/kubeconfig/start/wait_for/failed helpers) and cluster-down.sh
# (real_node_down). One real node per machine: kube-proxy's iptables chains, the CNI bridge and
# /run/netns are machine-wide, so a lock names the cluster directory that owns them. Needs root.
#
# Resource metrics: metrics-server as a host process on <node IP>:$E2E_METRICS_SERVER_PORT scraping
# real-0's kubelet only, behind the APIService v1beta1.metrics.k8s.io (a selector-less Service in
# kube-system whose endpoint is the node IP), so `kubectl top` and HorizontalPodAutoscalers work.
#
# Network (all inside this machine): node IP $E2E_REAL_NODE_IP as a /32 on lo; pods on the bridge
# $E2E_REAL_BRIDGE in $E2E_REAL_POD_CIDR; Services in $E2E_SERVICE_CIDR (kube-proxy, iptables mode).
# The bridge plugin turns ip_forward on, so a mangle FORWARD rule drops every forwarded packet that
# is not pod <-> pod, and a filter OUTPUT rule rejects host traffic to a Service or pod address that
# no rule translated (it would otherwise follow the default route off the machine).
# shellcheck shell=bash

REAL_LOCK=/run/tracardi-e2e-real-node.owner
REAL_SOCK="$REAL_DIR/containerd/containerd.sock"
REAL_SYSCTLS=(net/ipv4/ip_forward net/ipv4/conf/all/route_localnet vm/overcommit_memory vm/panic_on_oom
  kernel/panic kernel/panic_on_oops kernel/keys/root_maxkeys kernel/keys/root_maxbytes)
REAL_TAINT="e2e.tracardi.io/real-node=true:NoSchedule"
REAL_IMAGE_PAUSE="local/pause:e2e"

# Prints why real-0 cannot start on this machine (status 0), or nothing (status 1).
real_node_unavailable() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "it needs root"
  elif [[ -f "$REAL_LOCK" && "$(<"$REAL_LOCK")" != "$E2E_CLUSTER_DIR" && -d "$(<"$REAL_LOCK")/real-0" ]]; then
    echo "the cluster in $(<"$REAL_LOCK") runs this machine's real node"
  else
    return 1
  fi
}

real_ctr() { ctr --address "$REAL_SOCK" -n k8s.io "$@"; }

# The pod sandbox image: the static pause binary build.sh makes, as a one-layer docker-archive.
real_pause_image() {
  local w="$REAL_DIR/images/pause"
  mkdir -p "$w/root" "$w/archive"
  cp "$E2E_NODE_BIN/pause" "$w/root/pause"
  tar --numeric-owner --owner=0 --group=0 --mtime=@0 -cf "$w/layer.tar" -C "$w/root" pause
  printf '{"reference":"%s","entrypoint":["/pause"],"user":"65535:65535"}\n' "$REAL_IMAGE_PAUSE" >"$w/def.json"
  node "$E2E_ROOT/image/image-archive.mjs" "$w/def.json" "$w/layer.tar" "$w/archive" >/dev/null
  tar -cf "$w.tar" -C "$w/archive" .
  rm -rf "$w"
  real_ctr images import "$w.tar" >/dev/null
}

real_network_guard() {
  local ip="$E2E_REAL_NODE_IP"
  ip addr show dev lo | grep -q " $ip/32 " || ip addr add "$ip/32" dev lo
  iptables -t mangle -N TRE2E-FORWARD 2>/dev/null || iptables -t mangle -F TRE2E-FORWARD
  iptables -t mangle -A TRE2E-FORWARD -s "$E2E_REAL_POD_CIDR" -d "$E2E_REAL_POD_CIDR" -j RETURN
  iptables -t mangle -A TRE2E-FORWARD -j DROP
  iptables -t mangle -C FORWARD -j TRE2E-FORWARD 2>/dev/null || iptables -t mangle -I FORWARD 1 -j TRE2E-FORWARD
  iptables -N TRE2E-OUTPUT 2>/dev/null || iptables -F TRE2E-OUTPUT
  iptables -A TRE2E-OUTPUT -d "$E2E_SERVICE_CIDR" -j REJECT
  iptables -A TRE2E-OUTPUT -d "$E2E_REAL_POD_CIDR" -j RETURN
  iptables -A TRE2E-OUTPUT -d "$E2E_POD_CIDR" -j REJECT
  iptables -C OUTPUT -j TRE2E-OUTPUT 2>/dev/null || iptables -I OUTPUT 1 -j TRE2E-OUTPUT
}

real_kube_objects() {
  local ip="$E2E_REAL_NODE_IP"
  # RBAC for CoreDNS; the kubernetes Service's endpoint is the relay on the node IP (the API server
  # binds loopback and runs with --endpoint-reconciler-type=none).
  api apply -f - >>"$LOGS/bootstrap.log" 2>&1 <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "e2e:coredns"}
rules:
- {apiGroups: [""], resources: [endpoints, services, pods, namespaces], verbs: [list, watch]}
- {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "e2e:coredns"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "e2e:coredns"}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "e2e:coredns"}]
---
apiVersion: v1
kind: Endpoints
metadata:
  name: kubernetes
  namespace: default
  labels: {endpointslice.kubernetes.io/skip-mirror: "true"}
subsets: [{addresses: [{ip: "$ip"}], ports: [{name: https, port: $E2E_APISERVER_PORT, protocol: TCP}]}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kubernetes-e2e
  namespace: default
  labels: {kubernetes.io/service-name: kubernetes, endpointslice.kubernetes.io/managed-by: e2e.tracardi.io}
addressType: IPv4
endpoints: [{addresses: ["$ip"], conditions: {ready: true}}]
ports: [{name: https, port: $E2E_APISERVER_PORT, protocol: TCP}]
EOF
}

# metrics-server: its RBAC (the upstream manifest's), the Service the aggregator proxies to, the APIService.
real_metrics_objects() {
  local ip="$E2E_REAL_NODE_IP"
  api apply -f - >>"$LOGS/bootstrap.log" 2>&1 <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "e2e:metrics-server"}
rules:
- {apiGroups: [""], resources: [nodes/metrics], verbs: [get]}
- {apiGroups: [""], resources: [pods, nodes], verbs: [get, list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "e2e:metrics-server"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "e2e:metrics-server"}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "e2e:metrics-server"}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "e2e:metrics-server:auth-delegator"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:auth-delegator"}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "e2e:metrics-server"}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: "e2e:metrics-server:auth-reader", namespace: kube-system}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: extension-apiserver-authentication-reader}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "e2e:metrics-server"}]
---
apiVersion: v1
kind: Service
metadata: {name: metrics-server, namespace: kube-system}
spec: {ports: [{name: https, port: 443, targetPort: $E2E_METRICS_SERVER_PORT, protocol: TCP}]}
---
apiVersion: v1
kind: Endpoints
metadata:
  name: metrics-server
  namespace: kube-system
  labels: {endpointslice.kubernetes.io/skip-mirror: "true"}
subsets: [{addresses: [{ip: "$ip"}], ports: [{name: https, port: $E2E_METRICS_SERVER_PORT, protocol: TCP}]}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: metrics-server-e2e
  namespace: kube-system
  labels: {kubernetes.io/service-name: metrics-server, endpointslice.kubernetes.io/managed-by: e2e.tracardi.io}
addressType: IPv4
endpoints: [{addresses: ["$ip"], conditions: {ready: true}}]
ports: [{name: https, port: $E2E_METRICS_SERVER_PORT, protocol: TCP}]
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1beta1.metrics.k8s.io}
spec:
  group: metrics.k8s.io
  version: v1beta1
  service: {name: metrics-server, namespace: kube-system, port: 443}
  caBundle: $(b64 "$PKI/ca.crt")
  groupPriorityMinimum: 100
  versionPriority: 100
EOF
}

real_metrics_server_up() {
  local ip="$E2E_REAL_NODE_IP" kc="$REAL_DIR/metrics-server.kubeconfig"
  gencert metrics-server-client "/CN=e2e:metrics-server" "$CLIENT_EXT"
  gencert metrics-server-serving "/CN=metrics-server" \
    "$SERVER_EXT\nsubjectAltName=DNS:metrics-server.kube-system.svc,DNS:metrics-server.kube-system.svc.cluster.local,IP:$ip"
  chmod 600 "$PKI"/*.key
  kubeconfig "$kc" metrics-server-client
  real_metrics_objects || failed metrics-server "RBAC/Service/APIService of metrics-server"
  start metrics-server --kubeconfig="$kc" --authentication-kubeconfig="$kc" --authorization-kubeconfig="$kc" \
    --bind-address="$ip" --secure-port="$E2E_METRICS_SERVER_PORT" \
    --tls-cert-file="$PKI/metrics-server-serving.crt" --tls-private-key-file="$PKI/metrics-server-serving.key" \
    --kubelet-preferred-address-types=InternalIP --kubelet-certificate-authority="$PKI/ca.crt" \
    --node-selector=e2e.tracardi.io/real-node=true --metric-resolution=10s --kubelet-request-timeout=5s
  wait_for metrics-server "APIService v1beta1.metrics.k8s.io Available" \
    api wait --for=condition=Available --timeout=2s apiservice/v1beta1.metrics.k8s.io
}

real_node_up() {
  local t0=$SECONDS ip="$E2E_REAL_NODE_IP"
  [[ $(id -u) -eq 0 ]] || failed real-0 "the real node needs root (CLUSTER_REAL_NODE=0 skips it)"
  if [[ -f "$REAL_LOCK" && "$(<"$REAL_LOCK")" != "$E2E_CLUSTER_DIR" && -d "$(<"$REAL_LOCK")/real-0" ]]; then
    failed real-0 "the cluster in $(<"$REAL_LOCK") runs this machine's real node; stop it first"
  fi
  echo "$E2E_CLUSTER_DIR" >"$REAL_LOCK"
  mkdir -p "$REAL_DIR"/{containerd,cni/net.d,cni/ipam,kubelet,pod-logs,images,orig}
  local s
  for s in "${REAL_SYSCTLS[@]}"; do cat "/proc/sys/$s" >"$REAL_DIR/orig/${s//\//.}" 2>/dev/null || true; done
  for d in /var/lib/kubelet /run/containerd /var/lib/cni /run/netns /var/log/containers /var/log/pods; do
    [[ -e $d ]] || echo "$d" >>"$REAL_DIR/orig/created-dirs"
  done

  # Certificates and kubeconfigs of the node's components.
  gencert kubelet-client "/O=system:nodes/CN=system:node:real-0" "$CLIENT_EXT"
  gencert kubelet-serving "/CN=real-0" "$SERVER_EXT\nsubjectAltName=DNS:real-0,IP:$ip"
  gencert kube-proxy "/CN=system:kube-proxy" "$CLIENT_EXT"
  gencert coredns "/CN=e2e:coredns" "$CLIENT_EXT"
  chmod 600 "$PKI"/*.key
  kubeconfig "$REAL_DIR/kubelet.kubeconfig" kubelet-client
  kubeconfig "$REAL_DIR/kube-proxy.kubeconfig" kube-proxy
  kubeconfig "$REAL_DIR/coredns.kubeconfig" coredns

  # Node address and the guard rules, before anything can forward.
  real_network_guard || failed real-0 "node address or iptables guard rules"
  real_kube_objects || failed real-0 "RBAC/endpoints for the real node"
  start apiserver-relay -d "TCP-LISTEN:$E2E_APISERVER_PORT,bind=$ip,fork,reuseaddr" "TCP:$E2E_HOST:$E2E_APISERVER_PORT"
  local relay
  for relay in "${REAL_INFRA_RELAYS[@]}"; do
    start "$relay" -d "TCP-LISTEN:${relay#infra-relay-},bind=$ip,fork,reuseaddr" "TCP:127.0.0.1:${relay#infra-relay-}"
  done

  cat >"$REAL_DIR/Corefile" <<EOF
.:53 {
    bind $ip
    errors
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $REAL_DIR/coredns.kubeconfig tracardi-e2e
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 5
    }
    cache 5
}
EOF
  start coredns -conf "$REAL_DIR/Corefile" -dns.port 53

  cat >"$REAL_DIR/containerd/config.toml" <<EOF
version = 2
root = "$REAL_DIR/containerd/root"
state = "$REAL_DIR/containerd/state"
[grpc]
  address = "$REAL_SOCK"
[ttrpc]
  address = "$REAL_SOCK.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$REAL_DIR/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$REAL_IMAGE_PAUSE"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  # Without CAP_SYS_RESOURCE (this machine's sandbox) nobody may lower oom_score_adj; runc would fail
  # every pod sandbox (-998) with "can't get final child's PID from pipe". Clamp to containerd's own.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$REAL_DIR/cni/net.d"
EOF
  cat >"$REAL_DIR/cni/net.d/10-tracardi-e2e.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "tracardi-e2e",
  "plugins": [
    {
      "type": "bridge", "bridge": "$E2E_REAL_BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": {"type": "host-local", "ranges": [[{"subnet": "$E2E_REAL_POD_CIDR"}]],
               "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$REAL_DIR/cni/ipam"}
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
  start containerd --config "$REAL_DIR/containerd/config.toml"
  wait_for containerd "$REAL_SOCK" real_ctr version
  real_pause_image || failed containerd "import of $REAL_IMAGE_PAUSE"
  if [[ -f "$E2E_ROOT/../dist/runtime/cli.js" ]]; then
    "$E2E_SCRIPTS/runtime-image.sh" "$REAL_SOCK" || failed containerd "runtime image import"
  else
    log "dist/ is not built: no runtime image (build, then e2e/scripts/runtime-image.sh $REAL_SOCK)"
  fi

  cat >"$REAL_DIR/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $ip
port: 10250
readOnlyPort: 0
healthzBindAddress: $ip
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: AlwaysAllow}
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$REAL_SOCK
clusterDNS: [$ip]
clusterDomain: cluster.local
resolvConf: ""
evictionHard: {}
imageGCHighThresholdPercent: 100
podLogsDir: $REAL_DIR/pod-logs
serializeImagePulls: false
EOF
  start kubelet --config="$REAL_DIR/kubelet.yaml" --kubeconfig="$REAL_DIR/kubelet.kubeconfig" \
    --hostname-override=real-0 --node-ip="$ip" --root-dir="$REAL_DIR/kubelet" \
    --cert-dir="$REAL_DIR/kubelet/pki" \
    --node-labels=type=real,e2e.tracardi.io/real-node=true --register-with-taints="$REAL_TAINT"

  cat >"$REAL_DIR/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $REAL_DIR/kube-proxy.kubeconfig}
hostnameOverride: real-0
bindAddress: $ip
healthzBindAddress: $ip:10256
metricsBindAddress: $ip:10249
mode: iptables
clusterCIDR: $E2E_REAL_POD_CIDR
nodePortAddresses: ["$ip/32"]
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
  start kube-proxy --config="$REAL_DIR/kube-proxy.yaml"
  wait_for kubelet "node real-0 Ready" api wait --for=condition=Ready node/real-0 --timeout=2s
  wait_for kube-proxy "/healthz" curl -fsS --max-time 2 "http://$ip:10256/healthz"
  real_metrics_server_up
  log "real node real-0 ready at $ip ($((SECONDS - t0))s)"
}

# stop_component <component>: SIGTERM, SIGKILL after 10 s.
stop_component() {
  local pid deadline=$((SECONDS + 10))
  pid="$(pid_of "$1")" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  while pid_of "$1" >/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  pid_of "$1" >/dev/null && kill -KILL "$pid" 2>/dev/null
  log "stopped $1 ($pid)"
}

# drop_chains <table> <prefix>: removes the jumps to, then the chains named <prefix>*.
drop_chains() {
  local t="$1" p="$2" rule chains
  chains="$(iptables -t "$t" -S 2>/dev/null | awk -v p="$p" '$1 == "-N" && index($2, p) == 1 {print $2}')" || true
  [[ -n "$chains" ]] || return 0
  iptables -t "$t" -S 2>/dev/null | grep -E "^-A [A-Z]+ .*-j $p" | grep -vE "^-A $p" |
    while read -r rule; do eval "iptables -t $t ${rule/#-A/-D}" 2>/dev/null || true; done || true
  for c in $chains; do iptables -t "$t" -F "$c" 2>/dev/null || true; done
  for c in $chains; do iptables -t "$t" -X "$c" 2>/dev/null || true; done
}

real_node_down() {
  [[ -d "$REAL_DIR" ]] || return 0
  local kc="$KUBECONFIG_ADMIN"
  [[ -f "$kc" ]] || kc="$E2E_CLUSTER_DIR/admin.kubeconfig.tmp"
  # Pods first, through the kubelet, so their sandboxes and CNI interfaces are torn down properly.
  if pid_of kubelet >/dev/null && [[ -f "$kc" ]] && pid_of kube-apiserver >/dev/null; then
    "$KUBECTL" --kubeconfig "$kc" cordon real-0 >/dev/null 2>&1 || true
    "$KUBECTL" --kubeconfig "$kc" delete pods -A --field-selector spec.nodeName=real-0 \
      --grace-period=0 --force --wait=false >/dev/null 2>&1 || true
    local deadline=$((SECONDS + 20))
    while ((SECONDS < deadline)) && [[ -n "$(real_ctr tasks ls -q 2>/dev/null)" ]]; do sleep 0.5; done
  fi
  stop_component metrics-server
  stop_component kube-proxy
  [[ -x "$E2E_NODE_BIN/kube-proxy" ]] && "$E2E_NODE_BIN/kube-proxy" --cleanup >"$LOGS/kube-proxy-cleanup.log" 2>&1 || true
  stop_component kubelet
  if pid_of containerd >/dev/null; then
    local id
    for id in $(real_ctr tasks ls -q 2>/dev/null); do real_ctr tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true; done
    sleep 0.5
    for id in $(real_ctr tasks ls -q 2>/dev/null); do real_ctr tasks delete -f "$id" >/dev/null 2>&1 || true; done
    for id in $(real_ctr containers ls -q 2>/dev/null); do real_ctr containers delete "$id" >/dev/null 2>&1 || true; done
  fi
  stop_component containerd
  # Shims outlive containerd by design: stop those that served our socket.
  local pid
  for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $REAL_SOCK" 2>/dev/null); do
    kill -KILL "$pid" 2>/dev/null || true
  done
  stop_component coredns
  stop_component apiserver-relay
  local relay
  for relay in "${REAL_INFRA_RELAYS[@]}"; do stop_component "$relay"; done

  # Mounts (overlay rootfs, shm, projected volumes) under our directory, then the pods' netns.
  local m
  findmnt -rn -o TARGET | grep -F "$REAL_DIR" | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done || true
  for m in /run/netns/cni-*; do [[ -e $m ]] && { ip netns delete "${m##*/}" 2>/dev/null || umount -l "$m" 2>/dev/null; rm -f "$m"; }; done
  rm -f /var/lib/cni/results/tracardi-e2e-* 2>/dev/null || true
  find /var/log/containers -maxdepth 1 -type l -lname "$REAL_DIR/*" -delete 2>/dev/null || true

  # Network: chains of kube-proxy, kubelet, the CNI plugins and ours; bridge; node address.
  local t pass
  for pass in 1 2; do # a second pass removes chains another prefix's chain still referenced
    for t in filter nat mangle; do
      drop_chains "$t" KUBE-
      drop_chains "$t" CNI-
      drop_chains "$t" TRE2E-
    done
  done
  ip link del "$E2E_REAL_BRIDGE" 2>/dev/null || true
  ip addr del "$E2E_REAL_NODE_IP/32" dev lo 2>/dev/null || true

  # Kernel settings kubelet/kube-proxy/the bridge plugin changed, and the kubepods cgroups.
  local s
  for s in "${REAL_SYSCTLS[@]}"; do
    [[ -f "$REAL_DIR/orig/${s//\//.}" ]] && cat "$REAL_DIR/orig/${s//\//.}" >"/proc/sys/$s" 2>/dev/null || true
  done
  for m in /sys/fs/cgroup/*/kubepods; do
    [[ -d $m ]] && find "$m" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  if [[ -f "$REAL_DIR/orig/created-dirs" ]]; then
    while read -r m; do rm -rf "$m"; done <"$REAL_DIR/orig/created-dirs"
  fi
  [[ -f "$REAL_LOCK" && "$(<"$REAL_LOCK")" == "$E2E_CLUSTER_DIR" ]] && rm -f "$REAL_LOCK"
  log "real node real-0 removed"
}
