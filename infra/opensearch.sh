#!/usr/bin/env bash
# An embedded single-node OpenSearch 2.19.6 for integration tests, built from Maven Central artifacts.
#
#   infra/opensearch.sh start   builds once, starts the node unless it runs, waits for yellow health;
#                               the last stdout line is {"startedNow": <bool>, "url": "http://127.0.0.1:19200"}
#   infra/opensearch.sh stop    stops the node started by `start` (no-op if none runs)
#
# Everything lives in $TRACARDI_INFRA_CACHE (default ~/.cache/tracardi-infra)/opensearch-2.19.6.
#
# TRACARDI_OPENSEARCH_PORT=<port> runs a second, independent node (HTTP <port>, transport <port>+100,
# its own dir opensearch-2.19.6-<port>/): a test that changes cluster settings (disk watermarks)
# changes them there, never on the shared node. Stop it with the same variable set.
set -euo pipefail

NAME=opensearch
VERSION=2.19.6
HTTP_PORT="${TRACARDI_OPENSEARCH_PORT:-19200}"
TRANSPORT_PORT=$((HTTP_PORT == 19200 ? 19300 : HTTP_PORT + 100))
MAIN_CLASS=tracardi.infra.EmbeddedOpenSearch
SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/opensearch"
CACHE="${TRACARDI_INFRA_CACHE:-$HOME/.cache/tracardi-infra}/opensearch-${VERSION}"
if [[ "$HTTP_PORT" != 19200 ]]; then CACHE="${CACHE}-${HTTP_PORT}"; fi
START_TIMEOUT=${OPENSEARCH_START_TIMEOUT:-300}
NODE_JAVA_OPTS=(
  -Xms256m -Xmx768m
  -XX:+UseSerialGC
  -Dopensearch.set.netty.runtime.available.processors=false
  -Djava.locale.providers=SPI,CLDR
  -Dlog4j2.disable.jmx=true
  --add-opens=java.base/java.nio=ALL-UNNAMED
)

# shellcheck source=infra/search-node.sh
source "$(dirname "${BASH_SOURCE[0]}")/search-node.sh"
search_node_main "$@"
