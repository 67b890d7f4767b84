# Two entry points for a fresh machine:
#   make start   installs what is missing, builds, starts the standalone runtime
#   make test    installs what is missing, starts every service the tests need, runs all tests
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Every target runs on the Node.js of .nvmrc: scripts/node.sh installs it from the npm registry into
# ~/.cache/tracardi-node when the machine's node is older (and prints nothing when it will do).
NODE_HOME := $(shell scripts/node.sh)
ifneq ($(.SHELLSTATUS),0)
$(error scripts/node.sh could not provide the Node.js of .nvmrc (see above))
endif
ifneq ($(NODE_HOME),)
export PATH := $(NODE_HOME)/bin:$(PATH)
# node-gyp (better-sqlite3 when no prebuilt binary downloads) builds against these headers.
export npm_config_nodedir := $(NODE_HOME)
endif
# One stamp per Node.js version: a node_modules built for another version (native addons) is reinstalled.
NPM_STAMP := node_modules/.install-stamp-$(shell PATH='$(PATH)' node --version)

.PHONY: help deps build lint typecheck start test test-unit test-integration bench bench-distributed fuzz

help:
	@echo "make start          build and start the standalone runtime (public :8686, private :8687, console :8787)"
	@echo "make test           run every test suite (unit, integration, e2e on a local control plane)"
	@echo "make cluster-up     start the local Kubernetes control plane (e2e/.cluster/kubeconfig)"
	@echo "make cluster-down   stop it; make cluster-status says what runs"
	@echo "make bench          run the benchmarks in bench/"
	@echo "make bench-distributed  processing over Pulsar, MariaDB and OpenSearch (real servers)"
	@echo "make fuzz           long fuzz run of the running runtime (FUZZ_CASES=100000, FUZZ_SEED to replay)"

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: $(NPM_STAMP)

build: deps
	npx tsc -p tsconfig.json
	npx vite build -c console/vite.config.ts --logLevel warn
	npm run -s build:tracker

# The build leaves tests out; this checks the types of everything, tests and e2e included.
typecheck: deps
	npx tsc -p tsconfig.check.json
	npx tsc -p console/tsconfig.json
	npx tsc -p tracker/tsconfig.json

lint: deps
	npx biome check .

start: build
	node dist/runtime/cli.js standalone

test-unit: deps
	npx vitest run --project unit

test-integration: build
	npx vitest run --project integration

test: lint typecheck build
	npx vitest run --project unit --project integration --project browser
	$(MAKE) test-e2e

bench: build
	node dist/bench/run.js

# Starts Pulsar, MariaDB and OpenSearch (infra/*.sh) and runs the production topology on them.
bench-distributed: build
	node dist/bench/distributed.js

# The fuzz test of the integration suite, long: prints cases, 5xx, stalls, lost events and each
# failure's seed and smallest counterexample. FUZZ_SEED replays a run.
fuzz: build
	FUZZ_CASES=$${FUZZ_CASES:-100000} npx vitest run --project integration runtime/test/integration/fuzz.test.ts

include e2e/cluster.mk
-include operator/operator.mk
