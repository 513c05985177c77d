#!/usr/bin/env bash
# Breaking changes between two googleapis releases (npm google-proto-files 5.0.0 -> 6.0.1):
# `spoke breaking` and `buf breaking` (npm @bufbuild/buf) on the same pair, same machine, same
# run. Compares the findings as sets of (path, line, column, rule; and message for findings
# without a file), prints the differences, and
# times both (wall time, peak RSS).
#
# Usage: breaking_bench.sh [BUILD_DIR] [--compare-only]
#   --compare-only  one run of each, no timing table (what the acceptance test runs)
# Environment: SPOKE_CLI_BIN (default BUILD_DIR/tools/spoke), SPOKE_SHARED_DIR (default
# <repo>/../shared), ROUNDS (timed rounds, default 3).
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
old_version=5.0.0
new_version=6.0.1

fetch_script=$shared_dir/corpus/fetch-googleapis.sh
if [ ! -f "$fetch_script" ]; then
  echo "SKIP: $shared_dir/corpus is absent: the googleapis releases are fetched by its script"
  exit 77
fi
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
proto_count() { find "$1" -name '*.proto' -type f | wc -l; }

corpus() {
  local version=$1 dir=$build_dir/corpus/googleapis-$1
  if [ ! -d "$dir" ] || [ "$(proto_count "$dir")" -lt 1000 ]; then
    local staging=$build_dir/corpus/.googleapis-$version.partial
    rm -rf "$staging"
    mkdir -p "$build_dir/corpus"
    bash "$fetch_script" "$staging" "$version" >&2 || fail "could not fetch google-proto-files@$version"
    rm -rf "$dir"
    mv "$staging" "$dir"
  fi
  echo "$dir"
}

old_corpus=$(corpus $old_version)
new_corpus=$(corpus $new_version)

buf_dir=$build_dir/bench-cache/buf
buf=$buf_dir/node_modules/.bin/buf
if [ ! -x "$buf" ]; then
  mkdir -p "$buf_dir"
  (cd "$buf_dir" && npm install --silent --no-audit --no-fund @bufbuild/buf >/dev/null) ||
    fail "npm install @bufbuild/buf failed"
fi
buf_version=$("$buf" --version)

# Copies with a buf.yaml (default breaking rules of a v2 config: FILE) for buf; spoke reads the
# same copies with its default (the FILE rules of v2).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for side in old new; do
  src=$old_corpus
  [ "$side" = new ] && src=$new_corpus
  mkdir -p "$work/$side"
  cp -r "$src/." "$work/$side/"
  printf 'version: v2\nbreaking:\n  use:\n    - FILE\n' >"$work/$side/buf.yaml"
done
echo "googleapis $old_version ($(proto_count "$work/old") files) -> $new_version ($(proto_count "$work/new") files); buf $buf_version"

# run NAME OUT CMD...: runs CMD with stdout to OUT; prints "wall_seconds max_rss_kib".
run() {
  local name=$1 out=$2
  shift 2
  local tfile=$work/$name.time rc=0
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v -o "$tfile" "$@" >"$out" 2>"$work/$name.err" || rc=$?
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
    "$@" >"$out" 2>"$work/$name.err" || rc=$?
    end=$(date +%s.%N)
    if [ "$rc" != 0 ] && [ "$rc" != 100 ]; then
      cat "$work/$name.err" >&2
      fail "$name exited $rc"
    fi
    python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f} 0')" "$start" "$end"
  fi
}

buf_cmd=("$buf" breaking "$work/new" --against "$work/old" --error-format json)
spoke_cmd=("$cli" breaking -dir "$work/new" -against "$work/old" --error-format json)

buf_stats=$(run buf "$work/buf.json" "${buf_cmd[@]}")
spoke_stats=$(run spoke "$work/spoke.json" "${spoke_cmd[@]}")

# buf prints paths relative to the current directory; both are made relative to the new tree.
python3 - "$work/buf.json" "$work/spoke.json" "$work/new/" <<'EOF' || fail "spoke's findings differ from buf's"
import json, sys
def load(path, prefix):
    out = {}
    for line in open(path):
        line = line.strip()
        if not line:
            continue
        j = json.loads(line)
        p = j.get("path", "")
        if p.startswith(prefix):
            p = p[len(prefix):]
        # Findings without a file (deleted files and packages) differ only by their message.
        key = (p, j["start_line"], j["start_column"], j["type"]) + ((j["message"],) if not p else ())
        out[key] = j["message"]
    return out
prefix = sys.argv[3]
buf, spoke = load(sys.argv[1], prefix), load(sys.argv[2], prefix)
missing = sorted(set(buf) - set(spoke))
extra = sorted(set(spoke) - set(buf))
print(f"findings: buf {len(buf)}, spoke {len(spoke)}; only buf {len(missing)}, only spoke {len(extra)}")
for k in missing[:40]:
    print("  only buf:  ", ":".join(map(str, k)), buf[k])
for k in extra[:40]:
    print("  only spoke:", ":".join(map(str, k)), spoke[k])
same_messages = sum(1 for k in set(buf) & set(spoke) if buf[k] == spoke[k])
print(f"same messages: {same_messages} of {len(set(buf) & set(spoke))}")
sys.exit(1 if missing or extra else 0)
EOF
echo "sets equal"
$compare_only && exit 0

# Timed rounds, interleaved, after the comparison run above (which warmed the page cache).
declare -a buf_walls spoke_walls buf_rss spoke_rss
for ((i = 1; i <= rounds; i++)); do
  read -r w r < <(run buf "$work/buf.json" "${buf_cmd[@]}")
  buf_walls+=("$w")
  buf_rss+=("$r")
  read -r w r < <(run spoke "$work/spoke.json" "${spoke_cmd[@]}")
  spoke_walls+=("$w")
  spoke_rss+=("$r")
  echo "round $i: buf ${buf_walls[-1]}s ${buf_rss[-1]} KiB; spoke ${spoke_walls[-1]}s ${spoke_rss[-1]} KiB"
done
python3 - "${buf_walls[*]}" "${spoke_walls[*]}" "${buf_rss[*]}" "${spoke_rss[*]}" <<'EOF'
import statistics, sys
bw, sw, br, sr = ([float(x) for x in a.split()] for a in sys.argv[1:5])
mb, ms = statistics.median(bw), statistics.median(sw)
print(f"median wall: buf {mb:.2f} s, spoke {ms:.2f} s -> spoke/buf {ms / mb:.2f}x (goal <= 0.20x)")
print(f"median peak RSS: buf {statistics.median(br) / 1024:.0f} MiB, spoke {statistics.median(sr) / 1024:.0f} MiB")
EOF
