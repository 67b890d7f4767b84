#!/usr/bin/env bash
# An embedded single-node Elasticsearch 8.19.21 for integration tests, built from Maven Central artifacts
# (the server and transport-netty4 only, as infra/elasticsearch.sh does for 9.x: no painless, reindex,
# analysis-common or x-pack, so no security). Runs beside the 9.x node so the search store is tested on both.
#
#   infra/elasticsearch8.sh start   builds once, starts the node unless it runs, waits for yellow health;
#                                   the last stdout line is {"startedNow": <bool>, "url": "http://127.0.0.1:19202"}
#   infra/elasticsearch8.sh stop    stops the node started by `start` (no-op if none runs)
#
# Everything lives in $TRACARDI_INFRA_CACHE (default ~/.cache/tracardi-infra)/elasticsearch-8.19.21.
# Elasticsearch 8 runs on Java 17: Maven compiles the glue and the node runs on the Debian JDK 17.
set -euo pipefail

NAME=elasticsearch8
VERSION=8.19.21
HTTP_PORT=19202
TRANSPORT_PORT=19302
MAIN_CLASS=tracardi.infra.EmbeddedElasticsearch
SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/elasticsearch8"
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
