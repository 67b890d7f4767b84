#!/usr/bin/env bash
# An embedded single-node Elasticsearch 9.5.4 for integration tests, built from Maven Central artifacts
# (the server and transport-netty4 only: no painless, reindex, analysis-common or x-pack, so no security).
#
#   infra/elasticsearch.sh start   builds once, starts the node unless it runs, waits for yellow health;
#                                  the last stdout line is {"startedNow": <bool>, "url": "http://127.0.0.1:19201"}
#   infra/elasticsearch.sh stop    stops the node started by `start` (no-op if none runs)
#
# Everything lives in $TRACARDI_INFRA_CACHE (default ~/.cache/tracardi-infra)/elasticsearch-9.5.4.
# Elasticsearch 9 needs Java 21+, which Debian 12 does not package: Maven and the node run on
# $ELASTICSEARCH_JAVA_HOME, else on the newest JDK 21+ under /usr/lib/jvm (Temurin 25 on our machines).
set -euo pipefail

NAME=elasticsearch
VERSION=9.5.4
HTTP_PORT=19201
TRANSPORT_PORT=19301
MAIN_CLASS=tracardi.infra.EmbeddedElasticsearch
SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/elasticsearch"
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

# The major version of the JDK at $1 (from its `release` file), or nothing.
jdk_major() {
  [[ -x "$1/bin/javac" && -f "$1/release" ]] || return 0
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
}

# Sets JAVA_HOME to a JDK 21+ for Maven and the node.
use_jdk21() {
  local home major best="" best_major=0
  if [[ -n "${ELASTICSEARCH_JAVA_HOME:-}" ]]; then
    best=$ELASTICSEARCH_JAVA_HOME
    best_major=$(jdk_major "$best")
  else
    for home in /usr/lib/jvm/*; do
      major=$(jdk_major "$home")
      if [[ -n "$major" ]] && ((major > best_major)); then
        best=$home
        best_major=$major
      fi
    done
  fi
  if [[ -z "$best_major" ]] || ((best_major < 21)); then
    log "Elasticsearch 9 needs a JDK 21+; found ${best:-none} (set ELASTICSEARCH_JAVA_HOME)"
    exit 1
  fi
  export JAVA_HOME=$best
}

before_build() { use_jdk21; }

search_node_main "$@"
