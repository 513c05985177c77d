#!/usr/bin/env bash
# HTTP read benchmark: spoke-server against a bare cpp-httplib server with the same tuning.
#
#   tests/bench/http_bench.sh [BUILD_DIR]        (default BUILD_DIR: build)
#
# Builds nothing: needs BUILD_DIR/server/spoke-server, BUILD_DIR/tools/spoke and
# BUILD_DIR/tests/bench/bench_bare_server (meson setup -Dtests=true), and wrk on PATH.
# Starts both servers on 127.0.0.1 with free ports, pushes tests/bench/testdata as
# acme-orders@v1.0.0 with the spoke CLI, then runs wrk against
#   spoke  GET /modules/acme-orders/versions/v1.0.0/files/acme/orders/v1/orders.proto
#   spoke  GET /modules/acme-orders
#   bare   GET /file   (a fixed body as large as orders.proto)
# in ROUNDS interleaved rounds, and reports the median of each figure. Prints a markdown table
# and rewrites the "HTTP reads" section of docs/benchmarks.md (between its marker comments).
# Nothing here asserts on time.
#
# Settings (environment):
#   DURATION=8s  CONNECTIONS=64  WRK_THREADS=2  ROUNDS=3  WARMUP=2s
#   THREADS=$CONNECTIONS   worker threads of both servers
#   KEEP_ALIVE_MAX=100000  requests per keep-alive connection, both servers
#   LISTEN_BACKLOG=1024    listen backlog of both servers
#   SPOKE_SERVER, SPOKE_CLI, BARE_SERVER   override the binaries
#   DOC=docs/benchmarks.md   WRITE_DOC=1 (0: print only)
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$script_dir/../.." && pwd)

build=${1:-build}
if [[ ! -d $build && -d $repo/$build ]]; then build=$repo/$build; fi
if [[ ! -d $build ]]; then
  echo "http_bench: build directory \"$build\" not found" >&2
  exit 2
fi
build=$(cd "$build" && pwd)

DURATION=${DURATION:-8s}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-2s}
THREADS=${THREADS:-$CONNECTIONS}
KEEP_ALIVE_MAX=${KEEP_ALIVE_MAX:-100000}
LISTEN_BACKLOG=${LISTEN_BACKLOG:-1024}
SPOKE_SERVER=${SPOKE_SERVER:-$build/server/spoke-server}
SPOKE_CLI=${SPOKE_CLI:-$build/tools/spoke}
BARE_SERVER=${BARE_SERVER:-$build/tests/bench/bench_bare_server}
DOC=${DOC:-$repo/docs/benchmarks.md}
WRITE_DOC=${WRITE_DOC:-1}

module=acme-orders
version=v1.0.0
proto_dir=$script_dir/testdata
proto_path=acme/orders/v1/orders.proto

for bin in "$SPOKE_SERVER" "$SPOKE_CLI" "$BARE_SERVER"; do
  if [[ ! -x $bin ]]; then
    echo "http_bench: $bin not found; build with: meson configure $build -Dtests=true && ninja -C $build" >&2
    exit 2
  fi
done
if ! command -v wrk >/dev/null; then
  echo "http_bench: wrk not found (Debian/Ubuntu: apt-get install wrk)" >&2
  exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/spoke-http-bench.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_for_ports FILE PID NAME: waits until FILE holds "<port> ..." and prints the port.
wait_for_ports() {
  local file=$1 pid=$2 name=$3 i
  for ((i = 0; i < 100; i++)); do
    if [[ -s $file ]]; then
      cut -d' ' -f1 "$file"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "http_bench: $name exited early; its log:" >&2
      cat "$tmp/$name.log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "http_bench: $name did not write its port file within 10 s" >&2
  return 1
}

# Both servers get the same tuning, listen backlog included.
backlog_args=(--listen-backlog "$LISTEN_BACKLOG")
backlog_source="--listen-backlog $LISTEN_BACKLOG"

"$SPOKE_SERVER" --host 127.0.0.1 --port 0 --health-port 0 --port-file "$tmp/spoke.ports" \
  --storage-dir "$tmp/data" --no-access-log --threads "$THREADS" \
  --keep-alive-max "$KEEP_ALIVE_MAX" "${backlog_args[@]}" >"$tmp/spoke.log" 2>&1 &
pids+=($!)
spoke_port=$(wait_for_ports "$tmp/spoke.ports" "${pids[-1]}" spoke)

"$BARE_SERVER" --host 127.0.0.1 --port 0 --port-file "$tmp/bare.ports" --threads "$THREADS" \
  --keep-alive-max "$KEEP_ALIVE_MAX" "${backlog_args[@]}" --body-file "$proto_dir/$proto_path" \
  >"$tmp/bare.log" 2>&1 &
pids+=($!)
bare_port=$(wait_for_ports "$tmp/bare.ports" "${pids[-1]}" bare)

spoke_url=http://127.0.0.1:$spoke_port
"$SPOKE_CLI" --registry "$spoke_url" push --module "$module" --version "$version" \
  --dir "$proto_dir" --no-git --description "HTTP benchmark sample" >"$tmp/push.log" 2>&1 || {
  echo "http_bench: push failed:" >&2
  cat "$tmp/push.log" >&2
  exit 1
}
body_bytes=$(wc -c <"$proto_dir/$proto_path")

# The backlog the kernel reports for a listening port (Send-Q of `ss -l`), or "?".
listen_backlog_of() {
  local b
  b=$(ss -Hltn "sport = :$1" 2>/dev/null | awk 'NR == 1 { print $3 }') || true
  echo "${b:-?}"
}
spoke_backlog=$(listen_backlog_of "$spoke_port")
bare_backlog=$(listen_backlog_of "$bare_port")
if [[ $spoke_backlog == "$bare_backlog" ]]; then
  backlog_note="$spoke_backlog ($backlog_source)"
else
  backlog_note="spoke $spoke_backlog, bare $bare_backlog ($backlog_source)"
fi

names=(file module bare)
declare -A url label
url[file]=$spoke_url/modules/$module/versions/$version/files/$proto_path
url[module]=$spoke_url/modules/$module
url[bare]=http://127.0.0.1:$bare_port/file
label[file]="spoke \`GET /modules/{name}/versions/{version}/files/{path}\`"
label[module]="spoke \`GET /modules/{name}\`"
label[bare]="bare cpp-httplib \`GET /file\` (fixed ${body_bytes}-byte body)"

# Both file endpoints must serve the whole file (wrk itself only checks the status).
if command -v curl >/dev/null; then
  for name in file bare; do
    got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "${url[$name]}")
    if [[ $got != "200 $body_bytes" ]]; then
      echo "http_bench: ${url[$name]} answered \"$got\", expected \"200 $body_bytes\"" >&2
      exit 1
    fi
  done
fi

wrk_args=(-t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency)

# System-wide count of connections dropped because a listen queue was full.
listen_overflows() {
  awk '/^TcpExt:/ { if (!n) { for (i = 1; i <= NF; i++) col[$i] = i; n = 1 } else v = $col["ListenOverflows"] }
       END { print v + 0 }' /proc/net/netstat 2>/dev/null || echo 0
}

# to_ms VALUE: wrk latency ("812.00us", "1.53ms", "1.09s", "2.00m") in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /m$/) n *= 60000;
    else if (v ~ /s$/) n *= 1000
    printf "%.3f", n }'
}

# run NAME ROUND: one wrk run; appends "rps p50_ms p99_ms overflows" to $tmp/NAME.results.
run() {
  local name=$1 round=$2 out before after rps p50 p99 non2xx errors
  before=$(listen_overflows)
  out=$(wrk "${wrk_args[@]}" "${url[$name]}")
  after=$(listen_overflows)
  echo "$out" >"$tmp/$name.$round.wrk"
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
  p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' <<<"$out")
  errors=$(awk '/Socket errors:/ { print }' <<<"$out")
  if [[ -z $rps || -z $p50 || -z $p99 ]]; then
    echo "http_bench: cannot parse wrk output for $name:" >&2
    echo "$out" >&2
    exit 1
  fi
  if [[ -n $non2xx ]]; then
    echo "http_bench: $name: $non2xx responses were not 2xx/3xx (${url[$name]})" >&2
    exit 1
  fi
  [[ -z $errors ]] || echo "  warning: $name round $round: $errors" >&2
  echo "$rps $(to_ms "$p50") $(to_ms "$p99") $((after - before))" >>"$tmp/$name.results"
  printf '  round %d %-6s %10s req/s  p50 %8s  p99 %8s  listen overflows %d\n' \
    "$round" "$name" "$rps" "$p50" "$p99" "$((after - before))" >&2
}

# median NAME COLUMN: median over the rounds of one column of $tmp/NAME.results.
median() {
  sort -g -k"$2,$2" "$tmp/$1.results" |
    awk -v c="$2" '{ v[NR] = $c } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

cmd_line="wrk ${wrk_args[*]} URL"
echo "http_bench: $cmd_line, $ROUNDS interleaved rounds after a ${WARMUP} warm-up per target" >&2
for name in "${names[@]}"; do
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$WARMUP" "${url[$name]}" >/dev/null
done
for ((round = 1; round <= ROUNDS; round++)); do
  for name in "${names[@]}"; do run "$name" "$round"; done
done

declare -A rps p50 p99 overflows
for name in "${names[@]}"; do
  rps[$name]=$(median "$name" 1)
  p50[$name]=$(median "$name" 2)
  p99[$name]=$(median "$name" 3)
  overflows[$name]=$(awk '{ s += $4 } END { print s + 0 }' "$tmp/$name.results")
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }
ratio_file=$(ratio "${rps[file]}" "${rps[bare]}")
ratio_module=$(ratio "${rps[module]}" "${rps[bare]}")
p99_ok_rounds=$(awk '$3 < 10 { n++ } END { print n + 0 }' "$tmp/file.results")
goal=$(awk -v r="$ratio_file" -v p="${p99[file]}" -v k="$p99_ok_rounds" -v n="$ROUNDS" 'BEGIN {
  printf "%s (file reads at %.2f× the bare server'"'"'s requests/s, goal ≥ 0.70×; median p99 %.1f ms, goal < 10 ms, under 10 ms in %d of %d rounds)",
    (r >= 0.7 && p < 10) ? "met" : "not met", r, p, k, n }')

table() {
  echo "| Target | Requests/s | p50 (ms) | p99 (ms) | vs bare | Listen-queue overflows (all rounds) |"
  echo "|---|---:|---:|---:|---:|---:|"
  local name
  for name in "${names[@]}"; do
    local vs
    vs=$(ratio "${rps[$name]}" "${rps[bare]}")
    printf '| %s | %.0f | %.2f | %.2f | %s× | %d |\n' "${label[$name]}" "${rps[$name]}" \
      "${p50[$name]}" "${p99[$name]}" "$vs" "${overflows[$name]}"
  done
}

# rounds_table: every round's requests/s and p99, to show the spread behind the medians.
rounds_table() {
  echo "| Round | file req/s | file p99 (ms) | module req/s | module p99 (ms) | bare req/s | bare p99 (ms) |"
  echo "|---:|---:|---:|---:|---:|---:|---:|"
  paste -d' ' "$tmp/file.results" "$tmp/module.results" "$tmp/bare.results" |
    awk '{ printf "| %d | %.0f | %.2f | %.0f | %.2f | %.0f | %.2f |\n", NR, $1, $3, $5, $7, $9, $11 }'
}

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
httplib_version=$(pkg-config --modversion cpp-httplib 2>/dev/null || echo unknown)
wrk_version=$({ wrk -v 2>&1 || true; } | awk 'NR == 1 { print $2 }')
today=$(date -u +%Y-%m-%d)

section() {
  cat <<EOF
<!-- BEGIN http-bench: generated by tests/bench/http_bench.sh; edits inside are overwritten -->
## HTTP reads (spoke-server vs bare cpp-httplib)

Requests per second and latency of spoke-server's two main read endpoints, measured next to
a bare cpp-httplib server with one route that returns a fixed body of the same size as the
file read (${body_bytes} bytes). The gap between the two is what Spoke adds on top of its HTTP
library: routing, the registry lookup (SQLite metadata, with file contents served from the
in-memory cache of immutable files), headers and JSON.

- Date: ${today}
- Machine: ${cpu:-unknown CPU}, $(nproc) CPUs (\`nproc\`), Linux $(uname -r)
- cpp-httplib ${httplib_version}, wrk ${wrk_version}
- Both servers: ${THREADS} worker threads, TCP_NODELAY, ${KEEP_ALIVE_MAX} requests per
  keep-alive connection, listen backlog ${backlog_note}
- spoke-server: SQLite storage, \`--no-access-log\`; the sample module is ${module}@${version},
  one ${body_bytes}-byte .proto file (tests/bench/testdata)
- Command: \`tests/bench/http_bench.sh\`, which runs \`${cmd_line}\` against each
  target, ${ROUNDS} rounds interleaved, after a ${WARMUP} warm-up per target; the table shows
  the median of each figure over the rounds. wrk (${WRK_THREADS} threads) and the servers share
  the machine's CPUs.

$(table)

Each round:

$(rounds_table)

Ratio of requests/s, spoke/bare: **file reads ${ratio_file}×**, **module reads ${ratio_module}×**.

Goal: file reads at least 0.7× the bare server's requests/s with p99 under 10 ms at
${CONNECTIONS} connections. This run: **${goal}**.

Reading the figures: wrk corrects its latency percentiles for coordinated omission, so a
single stall (for example a connection whose handshake was dropped because the server's listen
queue was full, shown in the last column as a machine-wide count) adds many samples to the tail
and can dominate p99 on its own.
<!-- END http-bench -->
EOF
}

echo
table
echo
rounds_table
echo
echo "spoke/bare requests/s: file reads ${ratio_file}×, module reads ${ratio_module}×"
echo "goal: $goal"

if [[ $WRITE_DOC == 1 ]]; then
  mkdir -p "$(dirname "$DOC")"
  section >"$tmp/section.md"
  if [[ -f $DOC ]] && grep -q '^<!-- BEGIN http-bench' "$DOC"; then
    awk -v f="$tmp/section.md" '
      /^<!-- BEGIN http-bench/ { while ((getline line < f) > 0) print line; skip = 1; next }
      skip && /^<!-- END http-bench -->/ { skip = 0; next }
      !skip { print }' "$DOC" >"$tmp/doc.md"
  elif [[ -f $DOC ]]; then
    { cat "$DOC"; echo; cat "$tmp/section.md"; } >"$tmp/doc.md"
  else
    { echo "# Benchmarks"; echo; cat "$tmp/section.md"; } >"$tmp/doc.md"
  fi
  cat "$tmp/doc.md" >"$DOC"
  echo "http_bench: updated $DOC" >&2
fi
