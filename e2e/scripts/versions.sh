# Pinned versions of the local control plane (sourced by the other scripts).
# Every value can be overridden from the environment.
: "${E2E_K8S_VERSION:=v1.34.4}"
: "${E2E_ETCD_VERSION:=v3.6.15}"
: "${E2E_KWOK_VERSION:=v0.8.0}"
: "${E2E_CACHE_DIR:=${XDG_CACHE_HOME:-$HOME/.cache}/tracardi-e2e}"
export E2E_K8S_VERSION E2E_ETCD_VERSION E2E_KWOK_VERSION E2E_CACHE_DIR

# Binary locations inside the cache (one directory per component version).
E2E_K8S_BIN="$E2E_CACHE_DIR/k8s-$E2E_K8S_VERSION/bin"
E2E_ETCD_BIN="$E2E_CACHE_DIR/etcd-$E2E_ETCD_VERSION/bin"
E2E_KWOK_BIN="$E2E_CACHE_DIR/kwok-$E2E_KWOK_VERSION/bin"
export E2E_K8S_BIN E2E_ETCD_BIN E2E_KWOK_BIN

# The real node real-0 (on unless CLUSTER_REAL_NODE=0): kubelet/kube-proxy share E2E_K8S_VERSION.
: "${E2E_COREDNS_VERSION:=v1.12.4}"
: "${E2E_METRICS_SERVER_VERSION:=v0.8.0}"
export E2E_COREDNS_VERSION E2E_METRICS_SERVER_VERSION
E2E_NODE_BIN="$E2E_CACHE_DIR/node-$E2E_K8S_VERSION/bin"
E2E_COREDNS_BIN="$E2E_CACHE_DIR/coredns-$E2E_COREDNS_VERSION/bin"
E2E_METRICS_SERVER_BIN="$E2E_CACHE_DIR/metrics-server-$E2E_METRICS_SERVER_VERSION/bin"
export E2E_NODE_BIN E2E_COREDNS_BIN E2E_METRICS_SERVER_BIN
