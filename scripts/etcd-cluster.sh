#!/usr/bin/env bash
# A local etcd cluster for strata's tests and benchmarks: N members (default 3) on 127.0.0.1,
# non-default ports, data under a temporary folder (/dev/shm when it exists), stopped by PID.
#
#   scripts/etcd-cluster.sh start            start, wait until every member is healthy, print
#                                            the endpoint list (also in $DIR/endpoints)
#   scripts/etcd-cluster.sh stop             stop every member by PID, remove the folder
#   scripts/etcd-cluster.sh status           endpoint status of every member
#   scripts/etcd-cluster.sh kill N           SIGKILL member N (1-based), as a fault
#   scripts/etcd-cluster.sh restart N        start member N again on its data (it catches up)
#   scripts/etcd-cluster.sh leader           print the 1-based number of the current leader
#
# Environment:
#   STRATA_ETCD_DIR      cluster folder (default: /dev/shm/strata-etcd-$USER, else $TMPDIR)
#   STRATA_ETCD_PORT     first client port (default 23790); member i uses PORT+10*(i-1) for
#                        clients and that + 1 for peers
#   STRATA_ETCD_MEMBERS  number of members (default 3)
#   STRATA_ETCD_LIMITS   "strata" (default): --max-txn-ops and --max-request-bytes large enough
#                        for FoundationDB's 10 MB commits; "default": etcd's own defaults
set -euo pipefail

base=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
DIR=${STRATA_ETCD_DIR:-$base/strata-etcd-${USER:-$(id -u)}}
PORT=${STRATA_ETCD_PORT:-23790}
MEMBERS=${STRATA_ETCD_MEMBERS:-3}
LIMITS=${STRATA_ETCD_LIMITS:-strata}
export ETCDCTL_API=3

client_port() { echo $((PORT + 10 * ($1 - 1))); }
peer_port() { echo $(($(client_port "$1") + 1)); }
endpoints() {
  local out="" i
  for ((i = 1; i <= MEMBERS; i++)); do out+="${out:+,}127.0.0.1:$(client_port "$i")"; done
  echo "$out"
}
initial_cluster() {
  local out="" i
  for ((i = 1; i <= MEMBERS; i++)); do out+="${out:+,}m$i=http://127.0.0.1:$(peer_port "$i")"; done
  echo "$out"
}

start_member() {  # start_member N new|existing
  local n=$1 state=$2 limits=()
  if [ "$LIMITS" = strata ]; then
    # A 10 MB FoundationDB commit becomes one Txn: its data, its conflict markers, its compares.
    limits=(--max-txn-ops=1048576 --max-request-bytes=33554432 --quota-backend-bytes=8589934592)
  fi
  mkdir -p "$DIR"
  setsid etcd --name "m$n" --data-dir "$DIR/m$n.etcd" \
    --listen-client-urls "http://127.0.0.1:$(client_port "$n")" \
    --advertise-client-urls "http://127.0.0.1:$(client_port "$n")" \
    --listen-peer-urls "http://127.0.0.1:$(peer_port "$n")" \
    --initial-advertise-peer-urls "http://127.0.0.1:$(peer_port "$n")" \
    --initial-cluster "$(initial_cluster)" --initial-cluster-token "strata-$PORT" \
    --initial-cluster-state "$state" --logger zap --log-outputs stderr \
    --listen-metrics-urls "" "${limits[@]}" >"$DIR/m$n.log" 2>&1 </dev/null &
  echo $! >"$DIR/m$n.pid"
}

healthy() {  # healthy ENDPOINTS
  etcdctl --endpoints="$1" --dial-timeout=300ms --command-timeout=1s endpoint health >/dev/null 2>&1
}

wait_healthy() {  # wait_healthy ENDPOINTS SECONDS
  local deadline=$((SECONDS + $2))
  until healthy "$1"; do
    if ((SECONDS >= deadline)); then
      echo "etcd-cluster: not healthy after $2 s; logs in $DIR" >&2
      return 1
    fi
    sleep 0.1
  done
}

stop_member() {
  local n=$1 pidfile="$DIR/m$1.pid" pid i
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

cmd=${1:-}
case "$cmd" in
  start)
    if [ -f "$DIR/endpoints" ]; then
      echo "etcd-cluster: $DIR already holds a cluster; stop it first" >&2
      exit 1
    fi
    rm -rf "$DIR"
    mkdir -p "$DIR"
    for ((i = 1; i <= MEMBERS; i++)); do start_member "$i" new; done
    if ! wait_healthy "$(endpoints)" 30; then
      for ((i = 1; i <= MEMBERS; i++)); do stop_member "$i"; done
      exit 1
    fi
    endpoints >"$DIR/endpoints"
    endpoints
    ;;
  stop)
    for ((i = 1; i <= MEMBERS; i++)); do stop_member "$i"; done
    rm -rf "$DIR"
    ;;
  status)
    etcdctl --endpoints="$(endpoints)" --dial-timeout=300ms endpoint status -w table
    ;;
  kill)
    n=${2:?member number}
    kill -KILL "$(cat "$DIR/m$n.pid")"
    rm -f "$DIR/m$n.pid"
    ;;
  restart)
    n=${2:?member number}
    start_member "$n" existing
    wait_healthy "127.0.0.1:$(client_port "$n")" 30
    ;;
  leader)
    for ((i = 1; i <= MEMBERS; i++)); do
      json=$(etcdctl --endpoints="127.0.0.1:$(client_port "$i")" --dial-timeout=300ms \
        --command-timeout=1s endpoint status -w json 2>/dev/null) || continue
      member=$(echo "$json" | sed -n 's/.*"member_id":\([0-9]*\).*/\1/p')
      leader=$(echo "$json" | sed -n 's/.*"leader":\([0-9]*\).*/\1/p')
      if [ -n "$member" ] && [ "$member" = "$leader" ]; then
        echo "$i"
        exit 0
      fi
    done
    exit 1
    ;;
  *)
    echo "usage: $0 start|stop|status|kill N|restart N|leader" >&2
    exit 2
    ;;
esac
