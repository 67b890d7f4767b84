# Local Kubernetes control plane targets (owned by e2e/). Placeholder until e2e/ lands.
.PHONY: cluster-up cluster-down cluster-status test-e2e
cluster-up cluster-down cluster-status:
	@echo "$@: the local control plane is not built yet" >&2; exit 1
test-e2e:
	@echo "e2e: no suites yet"
