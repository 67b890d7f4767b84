#!/usr/bin/env bash
# Install (once, idempotent) what the real node real-0 runs besides the binaries build.sh makes:
# containerd, runc, the CNI plugins (bridge, host-local, loopback, portmap), iptables, conntrack
# and socat, and what real-node.sh calls that a minimal Debian lacks (ip from iproute2, pgrep from
# procps), all from the machine's Debian archive. Installing never starts a service: this machine
# has no systemd, and cluster-up.sh runs containerd itself with a private root and socket.
# Prints the installed versions. Needs root.
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PACKAGES=(containerd runc containernetworking-plugins iptables conntrack socat iproute2 procps)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  [[ $(id -u) -eq 0 ]] || { log "the real node needs root to install ${missing[*]} (CLUSTER_REAL_NODE=0 skips it)"; exit 1; }
  log "installing ${missing[*]} with apt-get"
  # policy-rc.d 101: packages must not start their services (containerd would grab /run/containerd).
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
  fi
  trap '[[ $created_policy == 1 ]] && rm -f "$policy"' EXIT
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
fi
for bin in containerd ctr runc iptables conntrack socat ip pgrep /usr/lib/cni/bridge /usr/lib/cni/host-local \
  /usr/lib/cni/loopback /usr/lib/cni/portmap; do
  command -v "$bin" >/dev/null 2>&1 || { log "missing after install: $bin"; exit 1; }
done
for p in "${PACKAGES[@]}"; do dpkg-query -W -f='${Package} ${Version}\n' "$p"; done
