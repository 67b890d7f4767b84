# Operator targets (included by the top Makefile).
.PHONY: operator-build operator-run crd e2e-operator e2e-kind

KIND_CLUSTER ?= tracardi-e2e
IMAGE ?= tracardi/tracardi-ts:1.1.0
KIND_DIR := e2e/.kind

operator-build: deps
	npx tsc -p tsconfig.json

# Regenerate crds/ from operator/api/schema.ts.
crd: operator-build
	node dist/operator/api/generate-crd.js

# Runs the operator on this machine against the current KUBECONFIG (CRD applied first).
# Set TRACARDI_LICENSE_PUBLIC_KEY_FILE=path/to/license-public.pem to verify licences.
operator-run: operator-build
	kubectl apply --server-side -f crds/tracardi.io_tracardis.yaml
	node dist/operator/main.js --leader-elect false --http-port $${HTTP_PORT:-8080}

# The operator e2e suites on the local control plane (the e2e global setup starts it when it is down).
e2e-operator: operator-build
	npx vitest run --config e2e/vitest.config.ts e2e/operator

# The same suites on kind, with the operator deployed in-cluster from manifests/ (needs Docker and kind).
e2e-kind: operator-build
	mkdir -p $(KIND_DIR)
	kind get clusters | grep -qx $(KIND_CLUSTER) || kind create cluster --name $(KIND_CLUSTER) --wait 120s
	kind get kubeconfig --name $(KIND_CLUSTER) > $(KIND_DIR)/kubeconfig
	docker build -t $(IMAGE) .
	kind load docker-image $(IMAGE) --name $(KIND_CLUSTER)
	test -f $(KIND_DIR)/keys/license-public.pem || node dist/runtime/cli.js license keygen --out $(KIND_DIR)/keys
	KUBECONFIG=$(KIND_DIR)/kubeconfig kubectl apply -k manifests
	KUBECONFIG=$(KIND_DIR)/kubeconfig kubectl -n tracardi-system create configmap tracardi-license-public-key \
	  --from-file=license-public.pem=$(KIND_DIR)/keys/license-public.pem --dry-run=client -o yaml | \
	  KUBECONFIG=$(KIND_DIR)/kubeconfig kubectl apply -f -
	KUBECONFIG=$(KIND_DIR)/kubeconfig kubectl -n tracardi-system rollout restart deployment/tracardi-operator
	KUBECONFIG=$(KIND_DIR)/kubeconfig kubectl -n tracardi-system rollout status deployment/tracardi-operator --timeout=180s
	E2E_OPERATOR_IN_CLUSTER=1 E2E_LICENSE_KEYS=$(CURDIR)/$(KIND_DIR)/keys KUBECONFIG=$(CURDIR)/$(KIND_DIR)/kubeconfig \
	  npx vitest run --config e2e/vitest.config.ts e2e/operator
