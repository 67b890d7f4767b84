#!/usr/bin/env bash
# An embedded single-node Elasticsearch 7.17.29 for integration tests, built from Maven Central artifacts
# (the server and transport-netty4-client only, as the 8.x and 9.x scripts do: no painless, reindex,
# analysis-common or x-pack, so no security). Runs beside them, so the store is tested on all three majors.
#
#   infra/elasticsearch7.sh start   builds once, starts the node unless it runs, waits for yellow health;
#                                   the last stdout line is {"startedNow": <bool>, "url": "http://127.0.0.1:19203"}
#   infra/elasticsearch7.sh stop    stops the node started by `start` (no-op if none runs)
#
# Everything lives in $TRACARDI_INFRA_CACHE (default ~/.cache/tracardi-infra)/elasticsearch-7.17.29.
# Elasticsearch 7.17 runs on Java 17: Maven compiles the main class and the node runs on the Debian JDK 17.
set -euo pipefail

NAME=elasticsearch7
VERSION=7.17.29
HTTP_PORT=19203
TRANSPORT_PORT=19303
MAIN_CLASS=tracardi.infra.EmbeddedElasticsearch
SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/elasticsearch7"
CACHE="${TRACARDI_INFRA_CACHE:-$HOME/.cache/tracardi-infra}/elasticsearch-${VERSION}"
START_TIMEOUT=${ELASTICSEARCH_START_TIMEOUT:-300}
# shellcheck disable=SC2054 # SPI,CLDR is one value
NODE_JAVA_OPTS=(
  -Xms256m -Xmx768m
  -XX:+UseSerialGC
  -Des.set.netty.runtime.available.processors=false
  -Djava.locale.providers=SPI,CLDR
  -Dlog4j2.disable.jmx=true
  --enable-native-access=ALL-UNNAMED
)

# shellcheck source=infra/search-node.sh
source "$(dirname "${BASH_SOURCE[0]}")/search-node.sh"
search_node_main "$@"
