#!/usr/bin/env bash
# Say which components of the local control plane run (pid, RSS) and whether the API answers.
# Exit status: 0 when every component runs, 3 when none runs, 1 when only some run.
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

up=0 total_kb=0
for c in "${COMPONENTS[@]}"; do
  if pid="$(pid_of "$c")"; then
    kb="$(rss_kb "$pid")"
    total_kb=$((total_kb + kb))
    up=$((up + 1))
    printf '%-24s running  pid %-8s rss %6d MiB\n' "$c" "$pid" $((kb / 1024))
  else
    printf '%-24s stopped\n' "$c"
  fi
done
if ((up > 0)); then
  printf '%-24s          %-12s %6d MiB\n' "total" "" $((total_kb / 1024))
fi
if ((up == ${#COMPONENTS[@]})) && [[ -f "$KUBECONFIG_ADMIN" ]]; then
  echo "kubeconfig: $KUBECONFIG_ADMIN"
  if "$KUBECTL" --kubeconfig "$KUBECONFIG_ADMIN" get --raw /readyz >/dev/null 2>&1; then
    echo "api: ready at https://$E2E_HOST:$E2E_APISERVER_PORT ($("$KUBECTL" --kubeconfig "$KUBECONFIG_ADMIN" get nodes --no-headers 2>/dev/null | wc -l) nodes)"
    if [[ " ${COMPONENTS[*]} " == *" kubelet "* ]]; then
      K=("$KUBECTL" --kubeconfig "$KUBECONFIG_ADMIN")
      echo "real node: $("${K[@]}" get node real-0 --no-headers \
        -o custom-columns='NAME:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].status,KUBELET:.status.nodeInfo.kubeletVersion,RUNTIME:.status.nodeInfo.containerRuntimeVersion,IP:.status.addresses[0].address' 2>&1)"
      echo "pods on real-0:"
      "${K[@]}" get pods -A --field-selector spec.nodeName=real-0 -o wide 2>&1 | sed 's/^/  /'
    fi
  else
    echo "api: not ready"
  fi
  exit 0
fi
((up == 0)) && exit 3
exit 1
