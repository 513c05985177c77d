#!/usr/bin/env bash
# `spoke format` against `buf format` (npm @bufbuild/buf) on every file of googleapis (npm
# google-proto-files 6.0.1), same machine, same run:
#   1. both format the whole tree; the outputs must be the same bytes, file by file (the files
#      that differ are listed);
#   2. every formatted file must describe the same schema as its original: both trees are linked
#      and compared file by file as FileDescriptorProtos without source info (format_meaning);
#   3. (unless --compare-only) timed rounds of both printing the whole tree to stdout, interleaved:
#      wall time and peak RSS, medians, and the ratio spoke/buf.
#
# Usage: format_bench.sh [BUILD_DIR] [--compare-only]
# Environment: SPOKE_CLI_BIN (default BUILD_DIR/tools/spoke), SPOKE_SHARED_DIR (default
# <repo>/../shared), ROUNDS (timed rounds, default 5).
# The corpus and buf are cached under BUILD_DIR (corpus/, bench-cache/). Exit status: 0 when the
# outputs are identical and keep their meaning, 1 when not or when a tool fails, 77 when ../shared
# is absent.
set -euo pipefail

repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build_dir=$(cd "${1:-$repo_dir/build}" && pwd)
compare_only=false
[ "${2:-}" = "--compare-only" ] && compare_only=true
shared_dir=${SPOKE_SHARED_DIR:-$repo_dir/../shared}
cli=${SPOKE_CLI_BIN:-$build_dir/tools/spoke}
meaning=$build_dir/tests/bench/format_meaning
rounds=${ROUNDS:-5}
version=6.0.1

fetch_script=$shared_dir/corpus/fetch-googleapis.sh
if [ ! -f "$fetch_script" ]; then
  echo "SKIP: $shared_dir/corpus is absent: googleapis is fetched by its script"
  exit 77
fi
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
[ -x "$cli" ] || fail "$cli is not built (ninja -C $build_dir tools/spoke)"
[ -x "$meaning" ] || fail "$meaning is not built (ninja -C $build_dir tests/bench/format_meaning)"
proto_count() { find "$1" -name '*.proto' -type f | wc -l; }

corpus=$build_dir/corpus/googleapis-$version
if [ ! -d "$corpus" ] || [ "$(proto_count "$corpus")" -lt 1000 ]; then
  staging=$build_dir/corpus/.googleapis-$version.partial
  rm -rf "$staging"
  mkdir -p "$build_dir/corpus"
  bash "$fetch_script" "$staging" "$version" >&2 || fail "could not fetch google-proto-files@$version"
  rm -rf "$corpus"
  mv "$staging" "$corpus"
fi

buf_dir=$build_dir/bench-cache/buf
buf=$buf_dir/node_modules/.bin/buf
if [ ! -x "$buf" ]; then
  mkdir -p "$buf_dir"
  (cd "$buf_dir" && npm install --silent --no-audit --no-fund @bufbuild/buf >/dev/null) ||
    fail "npm install @bufbuild/buf failed"
fi
buf_version=$("$buf" --version)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
files=$(proto_count "$corpus")
echo "googleapis $version: $files files; buf $buf_version"

# 1. The same bytes for every file: buf writes its output tree, spoke rewrites a copy in place.
"$buf" format "$corpus" -o "$work/buf" 2>"$work/buf.err" || {
  cat "$work/buf.err" >&2
  fail "buf format failed"
}
cp -r "$corpus" "$work/spoke"
"$cli" format -w "$work/spoke" 2>"$work/spoke.err" || {
  cat "$work/spoke.err" >&2
  fail "spoke format failed"
}
differing=$( (cd "$work/buf" && find . -name '*.proto' -type f) | sort | while read -r f; do
  cmp -s "$work/buf/$f" "$work/spoke/$f" || echo "${f#./}"
done)
count=$(printf '%s' "$differing" | grep -c . || true)
echo "identical: $((files - count)) of $files files"
if [ "$count" -gt 0 ]; then
  echo "files that differ from buf's output:"
  printf '%s\n' "$differing" | head -50 | sed 's/^/  /'
  for f in $(printf '%s\n' "$differing" | head -3); do
    diff -u "$work/buf/$f" "$work/spoke/$f" | head -20 || true
  done
  fail "spoke format and buf format disagree on $count files"
fi

# 2. The same meaning: both trees linked, every file compared as a descriptor.
"$meaning" "$corpus" "$work/spoke" | tail -20 || fail "formatting changed what a file means"

# Formatting is a fixed point.
"$cli" format --exit-code "$work/spoke" >/dev/null || fail "formatting the formatted tree changes it"
echo "formatted tree is a fixed point"
$compare_only && exit 0

# 3. Timed rounds, interleaved: both print the whole tree to stdout.
# run NAME CMD...: prints "wall_seconds max_rss_kib".
run() {
  local name=$1
  shift
  /usr/bin/time -v -o "$work/$name.time" "$@" >"$work/$name.out" 2>"$work/$name.err" || {
    cat "$work/$name.err" >&2
    fail "$name exited with an error"
  }
  python3 - "$work/$name.time" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1)
secs = sum(float(p) * 60 ** i for i, p in enumerate(reversed(wall.split(":"))))
rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)
print(f"{secs:.2f} {rss}")
EOF
}
declare -a buf_walls spoke_walls buf_rss spoke_rss
run buf "$buf" format "$corpus" >/dev/null  # warm the page cache
run spoke "$cli" format "$corpus" >/dev/null
cmp -s "$work/buf.out" "$work/spoke.out" || fail "the two print different output for the tree"
for ((i = 1; i <= rounds; i++)); do
  read -r w r < <(run buf "$buf" format "$corpus")
  buf_walls+=("$w")
  buf_rss+=("$r")
  read -r w r < <(run spoke "$cli" format "$corpus")
  spoke_walls+=("$w")
  spoke_rss+=("$r")
  echo "round $i: buf ${buf_walls[-1]}s ${buf_rss[-1]} KiB; spoke ${spoke_walls[-1]}s ${spoke_rss[-1]} KiB"
done
python3 - "${buf_walls[*]}" "${spoke_walls[*]}" "${buf_rss[*]}" "${spoke_rss[*]}" <<'EOF'
import statistics, sys
bw, sw, br, sr = ([float(x) for x in a.split()] for a in sys.argv[1:5])
mb, ms = statistics.median(bw), statistics.median(sw)
print(f"median wall: buf {mb:.2f} s, spoke {ms:.2f} s -> spoke/buf {ms / mb:.3f}x (goal <= 0.30x)")
print(f"median peak RSS: buf {statistics.median(br) / 1024:.0f} MiB, spoke {statistics.median(sr) / 1024:.0f} MiB")
EOF
