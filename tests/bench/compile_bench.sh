#!/usr/bin/env bash
# compile_bench.sh BUILD_DIR [RUNS] — C++ generation for the googleapis subset (google/api,
# google/rpc, google/type, google/longrunning): `spoke compile -lang cpp` (in-process libprotoc
# generators, files generated in parallel) against `protoc --cpp_out` on the same files, in the
# same run, alternating. Prints the median wall time and peak RSS of each, and checks that both
# wrote the same bytes.
# Environment: SPOKE_CLI_BIN (default BUILD_DIR/tools/spoke), SPOKE_SHARED_DIR (default
# <repo>/../shared; the corpus is fetched with its fetch-googleapis.sh into BUILD_DIR/corpus).
set -euo pipefail
build_dir=$(cd "${1:?usage: compile_bench.sh BUILD_DIR [RUNS]}" && pwd)
runs=${2:-11}
repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
shared_dir=${SPOKE_SHARED_DIR:-$repo_dir/../shared}
cli=${SPOKE_CLI_BIN:-$build_dir/tools/spoke}
corpus=$build_dir/corpus/googleapis-6.0.1

if [ ! -f "$corpus/google/api/annotations.proto" ]; then
  [ -f "$shared_dir/corpus/fetch-googleapis.sh" ] || { echo "../shared/corpus is absent" >&2; exit 1; }
  rm -rf "$corpus.partial"
  bash "$shared_dir/corpus/fetch-googleapis.sh" "$corpus.partial" 6.0.1
  mv "$corpus.partial" "$corpus"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/proto"
(cd "$corpus" && for f in google/api/*.proto google/rpc/*.proto google/rpc/context/*.proto \
    google/type/*.proto google/longrunning/*.proto; do
  mkdir -p "$work/proto/$(dirname "$f")" && cp "$f" "$work/proto/$f"
done)

python3 - "$cli" "$work" "$runs" <<'PY'
import os, subprocess, sys, time, statistics, filecmp
cli, work, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
proto = os.path.join(work, "proto")
files = sorted(os.path.relpath(os.path.join(d, f), proto)
               for d, _, fs in os.walk(proto) for f in fs if f.endswith(".proto"))

def measure(argv, out):
    subprocess.run(["rm", "-rf", out], check=True)
    os.makedirs(out)
    start = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    err = p.stderr.read().decode()
    p.stderr.close()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"{argv[0]} failed: {err}")
    return wall, usage.ru_maxrss / 1024.0, usage.ru_utime + usage.ru_stime

spoke_argv = [cli, "compile", "-dir", proto, "-out", os.path.join(work, "spoke-out"), "-lang", "cpp"]
protoc_argv = ["protoc", "-I" + proto, "--cpp_out=" + os.path.join(work, "protoc-out")] + files
results = {"spoke": [], "protoc": []}
measure(spoke_argv, os.path.join(work, "spoke-out"))    # warm the page cache
measure(protoc_argv, os.path.join(work, "protoc-out"))
for _ in range(runs):
    results["spoke"].append(measure(spoke_argv, os.path.join(work, "spoke-out")))
    results["protoc"].append(measure(protoc_argv, os.path.join(work, "protoc-out")))

def tree(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)
a, b = os.path.join(work, "spoke-out"), os.path.join(work, "protoc-out")
same = tree(a) == tree(b) and all(filecmp.cmp(os.path.join(a, f), os.path.join(b, f), shallow=False) for f in tree(a))
print(f"{len(files)} .proto files -> {len(tree(b))} generated files; identical output: {'yes' if same else 'NO'}")
print(f"{runs} runs each, alternating; medians")
print("| tool | wall time | CPU time (user+sys) | peak RSS |")
print("|---|---|---|---|")
med = {}
for tool in ("spoke", "protoc"):
    w = statistics.median(r[0] for r in results[tool])
    m = statistics.median(r[1] for r in results[tool])
    c = statistics.median(r[2] for r in results[tool])
    med[tool] = w
    print(f"| {'spoke compile -lang cpp' if tool == 'spoke' else 'protoc --cpp_out'} | {w*1000:.0f} ms | {c*1000:.0f} ms | {m:.1f} MiB |")
print(f"spoke / protoc wall time: {med['spoke']/med['protoc']:.2f}x")
sys.exit(0 if same else 1)
PY
