#!/usr/bin/env bash
# Lint findings on all of googleapis (npm google-proto-files 6.0.1): `spoke lint` and `buf lint`
# (npm @bufbuild/buf) on the same tree, same machine, same run, under two configurations (a v2
# buf.yaml with `use: [STANDARD]`, then `use: [STANDARD, COMMENTS, UNARY_RPC]`). Compares the
# findings as sets of (path, start line, start column, end line, end column, rule, message),
# prints the differences, and in timing mode times both (wall time, peak RSS).
#
# Usage: lint_bench.sh [BUILD_DIR] [--compare-only]
#   --compare-only  one run of each per configuration, no timing (what the acceptance test runs)
# Environment: SPOKE_CLI_BIN (default BUILD_DIR/tools/spoke), SPOKE_SHARED_DIR (default
# <repo>/../shared), ROUNDS (timed rounds, default 3), BUF_VERSION (default 1.75.0, the version
# of the conformance corpus).
# Corpora and buf are cached under BUILD_DIR (corpus/, bench-cache/). Exit status: 0 when the
# sets are equal, 1 when they differ or a tool fails, 77 when ../shared is absent.
set -euo pipefail

repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build_dir=$(cd "${1:-$repo_dir/build}" && pwd)
compare_only=false
[ "${2:-}" = "--compare-only" ] && compare_only=true
shared_dir=${SPOKE_SHARED_DIR:-$repo_dir/../shared}
cli=${SPOKE_CLI_BIN:-$build_dir/tools/spoke}
rounds=${ROUNDS:-3}
buf_version=${BUF_VERSION:-1.75.0}
corpus_version=6.0.1

fetch_script=$shared_dir/corpus/fetch-googleapis.sh
if [ ! -f "$fetch_script" ]; then
  echo "SKIP: $shared_dir/corpus is absent: googleapis is fetched by its script"
  exit 77
fi
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
proto_count() { find "$1" -name '*.proto' -type f | wc -l; }

corpus=$build_dir/corpus/googleapis-$corpus_version
if [ ! -d "$corpus" ] || [ "$(proto_count "$corpus")" -lt 1000 ]; then
  staging=$build_dir/corpus/.googleapis-$corpus_version.partial
  rm -rf "$staging"
  mkdir -p "$build_dir/corpus"
  bash "$fetch_script" "$staging" "$corpus_version" >&2 ||
    fail "could not fetch google-proto-files@$corpus_version"
  rm -rf "$corpus"
  mv "$staging" "$corpus"
fi

buf_dir=$build_dir/bench-cache/buf-$buf_version
buf=$buf_dir/node_modules/.bin/buf
if [ ! -x "$buf" ]; then
  mkdir -p "$buf_dir"
  (cd "$buf_dir" && npm install --silent --no-audit --no-fund "@bufbuild/buf@$buf_version" \
    >/dev/null) || fail "npm install @bufbuild/buf@$buf_version failed"
fi
buf_reported=$("$buf" --version)

# One copy of the tree; its buf.yaml is rewritten for each configuration. Both tools read it:
# buf from the current directory, spoke from -dir.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tree"
cp -r "$corpus/." "$work/tree/"
echo "googleapis $corpus_version ($(proto_count "$work/tree") files); buf $buf_reported"

configure() {
  case $1 in
    standard) printf 'version: v2\nlint:\n  use:\n    - STANDARD\n' ;;
    full) printf 'version: v2\nlint:\n  use:\n    - STANDARD\n    - COMMENTS\n    - UNARY_RPC\n' ;;
  esac >"$work/tree/buf.yaml"
}

# run NAME OUT CMD...: runs CMD in the tree with stdout to OUT; prints "wall_seconds max_rss_kib".
run() {
  local name=$1 out=$2
  shift 2
  local tfile=$work/$name.time rc=0
  if [ -x /usr/bin/time ]; then
    (cd "$work/tree" && /usr/bin/time -v -o "$tfile" "$@" >"$out" 2>"$work/$name.err") || rc=$?
    if [ "$rc" != 0 ] && [ "$rc" != 100 ]; then
      cat "$work/$name.err" >&2
      fail "$name exited $rc"
    fi
    python3 - "$tfile" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1)
parts = [float(p) for p in wall.split(":")]
secs = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)
print(f"{secs:.2f} {rss}")
EOF
  else
    local start end
    start=$(date +%s.%N)
    (cd "$work/tree" && "$@" >"$out" 2>"$work/$name.err") || rc=$?
    end=$(date +%s.%N)
    if [ "$rc" != 0 ] && [ "$rc" != 100 ]; then
      cat "$work/$name.err" >&2
      fail "$name exited $rc"
    fi
    python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f} 0')" "$start" "$end"
  fi
}

buf_cmd=("$buf" lint --error-format json)
spoke_cmd=("$cli" lint -dir . --error-format json)

compare() {
  python3 - "$work/buf.json" "$work/spoke.json" <<'EOF'
import json, sys
def load(path):
    out = {}
    for line in open(path):
        line = line.strip()
        if not line:
            continue
        j = json.loads(line)
        key = (j.get("path", ""), j["start_line"], j["start_column"], j["end_line"],
               j["end_column"], j["type"], j["message"])
        out[key] = line
    return out
buf, spoke = load(sys.argv[1]), load(sys.argv[2])
missing = sorted(set(buf) - set(spoke))
extra = sorted(set(spoke) - set(buf))
print(f"  findings: buf {len(buf)}, spoke {len(spoke)}; only buf {len(missing)}, only spoke {len(extra)}")
for k in missing[:40]:
    print("    only buf:  ", "%s:%d:%d-%d:%d %s %s" % k)
for k in extra[:40]:
    print("    only spoke:", "%s:%d:%d-%d:%d %s %s" % k)
same_bytes = open(sys.argv[1]).read() == open(sys.argv[2]).read()
print(f"  output byte for byte the same: {'yes' if same_bytes else 'no'}")
sys.exit(1 if missing or extra else 0)
EOF
}

status=0
declare -A stats
for config in standard full; do
  configure "$config"
  echo "use: $config"
  stats[$config-buf]=$(run buf "$work/buf.json" "${buf_cmd[@]}")
  stats[$config-spoke]=$(run spoke "$work/spoke.json" "${spoke_cmd[@]}")
  compare || status=1
done
if [ "$status" != 0 ]; then
  fail "spoke's findings differ from buf's"
fi
echo "sets equal"
$compare_only && exit 0

# Timed rounds per configuration, interleaved, after the comparison runs above (which warmed the
# page cache).
for config in standard full; do
  configure "$config"
  buf_walls=() spoke_walls=() buf_rss=() spoke_rss=()
  for ((i = 1; i <= rounds; i++)); do
    read -r w r < <(run buf "$work/buf.json" "${buf_cmd[@]}")
    buf_walls+=("$w")
    buf_rss+=("$r")
    read -r w r < <(run spoke "$work/spoke.json" "${spoke_cmd[@]}")
    spoke_walls+=("$w")
    spoke_rss+=("$r")
    echo "$config round $i: buf ${buf_walls[-1]}s ${buf_rss[-1]} KiB; spoke ${spoke_walls[-1]}s ${spoke_rss[-1]} KiB"
  done
  python3 - "$config" "${buf_walls[*]}" "${spoke_walls[*]}" "${buf_rss[*]}" "${spoke_rss[*]}" <<'EOF'
import statistics, sys
config = sys.argv[1]
bw, sw, br, sr = ([float(x) for x in a.split()] for a in sys.argv[2:6])
mb, ms = statistics.median(bw), statistics.median(sw)
print(f"{config}: median wall: buf {mb:.2f} s, spoke {ms:.2f} s -> spoke/buf {ms / mb:.2f}x (goal <= 0.30x)")
print(f"{config}: median peak RSS: buf {statistics.median(br) / 1024:.0f} MiB, spoke {statistics.median(sr) / 1024:.0f} MiB")
EOF
done
