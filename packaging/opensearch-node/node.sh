#!/bin/sh
# The OpenSearch test node (see README.md beside this file).
#   node.sh build              compile the launcher; offline when ~/.m2 already has everything
#   node.sh run ARGS...        exec the node in this process (its pid is the JVM's: SIGTERM stops it)
#   node.sh start [WORK]       start a node in the background (`make team-node`); prints
#                              OPENSEARCH_URL=... as its last line. TEAM_NODE_PORT picks the port.
#   node.sh stop [WORK]        stop that node
# CELLSIGHT_NODE_HEAP sets the heap (default 512m); CELLSIGHT_NODE_JAVA_OPTS adds JVM options.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
stamp="$here/target/.built"

build() {
  if [ -f "$stamp" ] && [ -f "$here/target/classpath.txt" ] &&
     [ -z "$(find "$here/pom.xml" "$here/src" -newer "$stamp" -print -quit)" ]; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || { echo "node.sh: mvn not found (packaging/sysdeps.sh test installs it)" >&2; exit 1; }
  # Online only when the local repository lacks something: a clean machine fetches ~85 MB once.
  (cd "$here" && { mvn -q -B -o compile >/dev/null 2>&1 || mvn -q -B compile; })
  touch "$stamp"
}

run() {
  [ -f "$here/target/classpath.txt" ] || { echo "node.sh: not built: run 'node.sh build'" >&2; exit 1; }
  heap="${CELLSIGHT_NODE_HEAP:-512m}"
  # The distribution's jvm.options that matter for a small loopback node.
  # shellcheck disable=SC2086
  exec java -Xms"$heap" -Xmx"$heap" ${CELLSIGHT_NODE_JAVA_OPTS:-} -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow \
    -Dfile.encoding=UTF-8 -Djava.awt.headless=true \
    -Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true \
    -Dio.netty.recycler.maxCapacityPerThread=0 -Dlog4j2.formatMsgNoLookups=true \
    -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" \
    org.cellsight.node.CellsightNode "$@"
}

ready_url() {  # the URL in WORK/ready.json if its pid is alive
  [ -f "$1/ready.json" ] || return 1
  pid=$(sed -n 's/.*"pid": \([0-9]*\).*/\1/p' "$1/ready.json")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  sed -n 's/.*"url": "\([^"]*\)".*/\1/p' "$1/ready.json"
}

start() {
  work="$1"
  mkdir -p "$work"
  if url=$(ready_url "$work"); then
    echo "node.sh: already running (make team-node-stop stops it)" >&2
    echo "OPENSEARCH_URL=$url"
    return 0
  fi
  rm -f "$work/ready.json"
  nohup sh "$here/node.sh" run --work "$work" --http-port "${TEAM_NODE_PORT:-0}" \
    >"$work/stdout.log" 2>"$work/stderr.log" </dev/null &
  pid=$!
  echo "$pid" >"$work/node.pid"
  echo "node.sh: starting OpenSearch (pid $pid, data in $work)" >&2
  tries=0
  until url=$(ready_url "$work"); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "node.sh: the node exited; see $work/stderr.log and $work/logs/opensearch.log" >&2
      tail -5 "$work/stderr.log" >&2
      exit 1
    fi
    tries=$((tries + 1))
    [ "$tries" -lt 1500 ] || { echo "node.sh: not ready after 5 minutes" >&2; exit 1; }
    sleep 0.2
  done
  echo "OPENSEARCH_URL=$url"
}

stop() {
  work="$1"
  [ -f "$work/node.pid" ] || { echo "node.sh: no node started in $work" >&2; return 0; }
  pid=$(cat "$work/node.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    tries=0
    while kill -0 "$pid" 2>/dev/null; do
      tries=$((tries + 1))
      # A node that has not closed in a minute is hung: do not leave it behind.
      [ "$tries" -lt 300 ] || { kill -KILL "$pid"; echo "node.sh: killed hung pid $pid" >&2; }
      sleep 0.2
    done
    echo "node.sh: stopped pid $pid" >&2
  fi
  rm -f "$work/node.pid"
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  build) build ;;
  run) run "$@" ;;
  start) build; start "${1:-$here/target/team-node}" ;;
  stop) stop "${1:-$here/target/team-node}" ;;
  *) echo "usage: node.sh build | run ARGS... | start [WORK] | stop [WORK]" >&2; exit 2 ;;
esac
