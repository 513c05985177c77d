#!/usr/bin/env bash
# Scale benchmark: the same workloads on SQLite and on PostgreSQL, in one run.
#
#   tests/bench/scale_bench.sh [BUILD_DIR]        (default BUILD_DIR: build)
#
# For each backend (a fresh store each time; PostgreSQL: a cluster started here in a temporary
# directory, as the `postgres` user when run as root, with its default durability: fsync on):
#   1. push of all googleapis through the CLI (GOOGLEAPIS=DIR, else fetched with
#      ../shared/corpus/fetch-googleapis.sh), wall time;
#   2. 1,000 small pushes from 8 concurrent clients (curl), wall time, pushes/s, p50/p99;
#   3. wrk on a file read and on GET /modules/{name} of a module with 100 versions, next to a
#      bare cpp-httplib server answering a body of the same size;
#   4. growth: a fresh store seeded to 1k, 10k and 100k stored versions (90% of them in one
#      module, "big"; straight through the store by bench_seed_store, 8 threads), and at each
#      size: the p50 of PUSHES pushes to "big" (one at a time, through HTTP), and the p99 of
#      GET /modules/big and GET /modules?limit=100 (wrk, 8 connections).
# Prints a markdown report on stdout (also written to $OUT). Nothing here asserts on time.
#
# Settings (environment): SIZES="1000 10000 100000" PUSHES=30 DURATION=5s CONNECTIONS=64
#   THREADS=64 SMALL_PUSHES=1000 CLIENTS=8 BACKENDS="sqlite postgres" OUT=/tmp/scale_bench.md
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$script_dir/../.." && pwd)
build=${1:-build}
[[ -d $build ]] || build=$repo/$build
build=$(cd "$build" && pwd)

SIZES=${SIZES:-"1000 10000 100000"}
PUSHES=${PUSHES:-30}
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-64}
SMALL_PUSHES=${SMALL_PUSHES:-1000}
CLIENTS=${CLIENTS:-8}
BACKENDS=${BACKENDS:-"sqlite postgres"}
OUT=${OUT:-/tmp/scale_bench.md}
server=$build/server/spoke-server
cli=$build/tools/spoke
bare=$build/tests/bench/bench_bare_server
seed=$build/tests/bench/bench_seed_store
for bin in "$server" "$cli" "$bare" "$seed"; do
  [[ -x $bin ]] || { echo "scale_bench: $bin not found; build first" >&2; exit 2; }
done
for tool in wrk curl python3; do
  command -v $tool >/dev/null || { echo "scale_bench: $tool not found" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/spoke-scale-bench.XXXXXX")
chmod 755 "$tmp"
pids=()
pg_data=""
pg_bin=""
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [[ -z $pg_data ]] || as_pg "$pg_bin/pg_ctl" stop -D "$pg_data" -m fast >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

as_pg() {
  if [[ $EUID -eq 0 ]]; then
    setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
  else
    "$@"
  fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

googleapis=${GOOGLEAPIS:-}
if [[ -z $googleapis ]]; then
  googleapis=$tmp/googleapis
  bash "$repo/../shared/corpus/fetch-googleapis.sh" "$googleapis" >&2
fi

start_postgres() {
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  mkdir -p "$tmp/pg"
  [[ $EUID -ne 0 ]] || chown postgres:postgres "$tmp/pg"
  pg_data=$tmp/pg/data
  as_pg "$pg_bin/initdb" -D "$pg_data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
  pg_port=$(free_port)
  as_pg sh -c "cat >> '$pg_data/postgresql.conf'" <<CONF
port = $pg_port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$tmp/pg'
max_connections = 300
shared_buffers = 256MB
CONF
  as_pg "$pg_bin/pg_ctl" start -w -D "$pg_data" -l "$tmp/pg/log" >/dev/null
}

# new_store BACKEND: prints the storage URL of a fresh, empty store. Called in a command
# substitution (a subshell), so the counter lives in a file.
new_store() {
  local db_counter
  db_counter=$(($(cat "$tmp/db_counter" 2>/dev/null || echo 0) + 1))
  echo "$db_counter" >"$tmp/db_counter"
  if [[ $1 == sqlite ]]; then
    echo "sqlite:$tmp/sqlite-$db_counter"
  else
    as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres "spoke_$db_counter"
    echo "postgresql://postgres@127.0.0.1:$pg_port/spoke_$db_counter"
  fi
}

# start_server URL: starts spoke-server on the store, sets $url and $server_pid.
start_server() {
  rm -f "$tmp/ports"
  local storage=(--storage-dir "${1#sqlite:}")
  [[ $1 == sqlite:* ]] || storage=(--storage-type postgres --postgres-url "$1" --postgres-pool-size 16)
  "$server" --host 127.0.0.1 --port 0 --health-port 0 --port-file "$tmp/ports" \
    "${storage[@]}" --no-access-log --threads "$THREADS" --listen-backlog 1024 \
    >>"$tmp/server.log" 2>&1 &
  server_pid=$!
  pids+=("$server_pid")
  for _ in $(seq 100); do [[ -s $tmp/ports ]] && break; sleep 0.1; done
  url=http://127.0.0.1:$(cut -d' ' -f1 "$tmp/ports")
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; }

# A small push body: module-independent, version $1, one file that keeps its schema.
push_body() {
  printf '{"version":"%s","files":[{"path":"load/v1/item.proto","content":"syntax = \\"proto3\\";\\n\\npackage load.v1;\\n\\n// %s\\nmessage Item {\\n  string id = 1;\\n}\\n"}]}' "$1" "$1"
}

# percentile P FILE: the P-th percentile (nearest rank) of the numbers in FILE, in ms.
percentile() { sort -n "$2" | awk -v p="$1" '{ a[NR] = $1 } END { i = int((p / 100) * NR + 0.999); if (i < 1) i = 1; printf "%.2f", a[i] * 1000 }'; }

to_ms() {
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0;
    else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}
# wrk_run URL CONNECTIONS: prints "req/s p50_ms p99_ms".
wrk_run() {
  local out
  out=$(wrk -t2 -c"$2" -d"$DURATION" --latency "$1")
  if grep -q "Non-2xx" <<<"$out"; then echo "scale_bench: non-2xx answers from $1" >&2; exit 1; fi
  echo "$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out") $(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")") $(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")"
}

declare -A result
for backend in $BACKENDS; do
  [[ $backend != postgres || -n $pg_data ]] || start_postgres
  echo "== $backend" >&2
  start_server "$(new_store "$backend")"

  # 1. googleapis through the CLI.
  t0=$(date +%s.%N)
  "$cli" --registry "$url" --quiet push --module googleapis --version v6.0.1 --dir "$googleapis" \
    --no-git >"$tmp/push-googleapis.log" 2>&1 || { cat "$tmp/push-googleapis.log" >&2; exit 1; }
  result[$backend.googleapis]=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
  echo "  googleapis push ${result[$backend.googleapis]} s" >&2

  # 2. Small pushes from concurrent clients (each body prepared beforehand).
  mkdir -p "$tmp/bodies"
  for ((i = 0; i < SMALL_PUSHES; i++)); do push_body "v1.$i.0" >"$tmp/bodies/$i.json"; done
  : >"$tmp/small.times"
  t0=$(date +%s.%N)
  seq 0 $((SMALL_PUSHES - 1)) | xargs -P "$CLIENTS" -I{} curl -s -o /dev/null \
    -w '%{http_code} %{time_total}\n' -H 'Content-Type: application/json' \
    --data-binary "@$tmp/bodies/{}.json" "$url/modules/load-{}/versions" >>"$tmp/small.times" || true
  wall=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
  bad=$(awk '$1 != 201' "$tmp/small.times" | wc -l)
  [[ $bad -eq 0 ]] || { echo "scale_bench: $bad small pushes failed" >&2; exit 1; }
  awk '{ print $2 }' "$tmp/small.times" >"$tmp/small.lat"
  result[$backend.small]="$wall $(awk -v n="$SMALL_PUSHES" -v w="$wall" 'BEGIN { printf "%.0f", n / w }') $(percentile 50 "$tmp/small.lat") $(percentile 99 "$tmp/small.lat")"
  echo "  small pushes: ${result[$backend.small]}" >&2

  # 3. Reads: a file, and a module with 100 versions, next to the bare server.
  for ((i = 0; i < 100; i++)); do
    push_body "v2.$i.0" | curl -s -o /dev/null -H 'Content-Type: application/json' \
      --data-binary @- "$url/modules/hundred/versions"
  done
  file_url=$url/modules/googleapis/versions/v6.0.1/files/google/api/http.proto
  module_url=$url/modules/hundred
  curl -s "$module_url" >"$tmp/module.body"
  curl -s "$file_url" >"$tmp/file.body"
  for what in file module; do
    rm -f "$tmp/bare.ports"
    "$bare" --host 127.0.0.1 --port 0 --port-file "$tmp/bare.ports" --threads "$THREADS" \
      --listen-backlog 1024 --body-file "$tmp/$what.body" >/dev/null 2>&1 &
    bare_pid=$!
    pids+=("$bare_pid")
    for _ in $(seq 100); do [[ -s $tmp/bare.ports ]] && break; sleep 0.1; done
    bare_url=http://127.0.0.1:$(cut -d' ' -f1 "$tmp/bare.ports")/file
    target=$file_url
    [[ $what == module ]] && target=$module_url
    wrk_run "$target" 8 >/dev/null  # warm-up
    result[$backend.$what]=$(wrk_run "$target" "$CONNECTIONS")
    result[$backend.$what.bare]=$(wrk_run "$bare_url" "$CONNECTIONS")
    result[$backend.$what.bytes]=$(wc -c <"$tmp/$what.body")
    kill "$bare_pid"; wait "$bare_pid" 2>/dev/null || true
    echo "  $what: ${result[$backend.$what]} (bare ${result[$backend.$what.bare]})" >&2
  done
  stop_server

  # 4. Growth with the store.
  store=$(new_store "$backend")
  seeded=0
  for size in $SIZES; do
    t0=$(date +%s.%N)
    "$seed" --url "$store" --from "$seeded" --to "$size" --threads 8
    seeded=$size
    seed_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
    start_server "$store"
    : >"$tmp/push.lat"
    for ((i = 0; i < PUSHES; i++)); do
      push_body "v3.$size.$i" | sed 's/load/big/g' | curl -s -o /dev/null -w '%{time_total}\n' \
        -H 'Content-Type: application/json' --data-binary @- "$url/modules/big/versions" >>"$tmp/push.lat"
    done
    wrk_run "$url/modules/big" 8 >/dev/null  # warm-up
    result[$backend.grow.$size]="$seed_s $(percentile 50 "$tmp/push.lat") $(wrk_run "$url/modules/big" 8 | cut -d' ' -f3) $(wrk_run "$url/modules?limit=100" 8 | cut -d' ' -f3) $(curl -s "$url/modules/big" | wc -c)"
    echo "  $size versions: ${result[$backend.grow.$size]}" >&2
    stop_server
  done
done

{
  echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| Workload | $(for b in $BACKENDS; do printf '%s | ' "$b"; done)"
  echo "|---|$(for b in $BACKENDS; do printf -- '---:|'; done)"
  echo "| push of all googleapis (CLI, s) | $(for b in $BACKENDS; do printf '%s | ' "${result[$b.googleapis]}"; done)"
  echo "| $SMALL_PUSHES small pushes, $CLIENTS clients: wall s / pushes/s / p50 ms / p99 ms | $(for b in $BACKENDS; do printf '%s | ' "${result[$b.small]// / \/ }"; done)"
  for what in file module; do
    echo "| wrk $what read ($CONNECTIONS conn): req/s, p50, p99 ms [bare: req/s, p50, p99] (${result[${BACKENDS%% *}.$what.bytes]} bytes) | $(for b in $BACKENDS; do printf '%s [%s] | ' "${result[$b.$what]}" "${result[$b.$what.bare]}"; done)"
  done
  echo
  echo "| Stored versions | Backend | seed s | push p50 ms | GET /modules/big p99 ms | GET /modules?limit=100 p99 ms | GET /modules/big bytes |"
  echo "|---:|---|---:|---:|---:|---:|---:|"
  for size in $SIZES; do
    for b in $BACKENDS; do
      read -r s p m l bytes <<<"${result[$b.grow.$size]}"
      echo "| $size | $b | $s | $p | $m | $l | $bytes |"
    done
  done
} | tee "$OUT"
