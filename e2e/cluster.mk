# Local Kubernetes control plane for the e2e suites (owned by e2e/, see e2e/README.md).
#   make cluster-build   build and cache the pinned binaries (~/.cache/tracardi-e2e), no-op when cached
#   make cluster-up      etcd + kube-apiserver + kube-controller-manager + kube-scheduler + kwok on
#                        loopback; kubeconfig in e2e/.cluster/kubeconfig, kubectl in e2e/.cluster/bin
#   make cluster-down    stop what cluster-up started (by pid) and remove e2e/.cluster
#   make cluster-status  what runs (pid, RSS) and whether the API answers
#   make test-e2e        vitest e2e suites; brings the cluster up (building on first run) and down,
#                        or uses the cluster of $KUBECONFIG when it is set
.PHONY: cluster-build cluster-up cluster-down cluster-status test-e2e

cluster-build:
	@e2e/scripts/build.sh

cluster-up:
	@e2e/scripts/cluster-up.sh

cluster-down:
	@e2e/scripts/cluster-down.sh

cluster-status:
	@e2e/scripts/cluster-status.sh || true

# build: the operator suites (e2e/operator) start the compiled operator from dist/.
test-e2e: build
	npx vitest run --config e2e/vitest.config.ts
