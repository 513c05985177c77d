#!/usr/bin/env bash
# googleapis acceptance: all of googleapis (npm google-proto-files 6.0.1) validates with zero
# errors, and a real spoke-server accepts it pushed as one module and split into modules that
# depend on each other (google-type, google-rpc, google-api, google-longrunning with inferred
# dependencies, and googleapis-rest declaring the four in spoke.yaml).
#
# Usage: googleapis.sh BUILD_DIR
# Environment: SPOKE_CLI_BIN, SPOKE_SERVER_BIN (default: under BUILD_DIR), SPOKE_SHARED_DIR
# (default: <repo>/../shared). Exits 77 (skip) when the shared corpus scripts are absent.
set -euo pipefail

build_dir=$(cd "${1:?usage: googleapis.sh BUILD_DIR}" && pwd)
repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
shared_dir=${SPOKE_SHARED_DIR:-$repo_dir/../shared}
cli=${SPOKE_CLI_BIN:-$build_dir/tools/spoke}
server_bin=${SPOKE_SERVER_BIN:-$build_dir/server/spoke-server}
corpus_version=6.0.1
min_files=7000

fetch_script=$shared_dir/corpus/fetch-googleapis.sh
if [ ! -f "$fetch_script" ]; then
  echo "SKIP: ../shared/corpus is absent: googleapis acceptance needs it"
  exit 77
fi

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

proto_count() { find "$1" -name '*.proto' -type f | wc -l; }

# Seconds since the epoch with milliseconds, for the timings printed along the way.
now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}s')" "$1" "$(now)"; }

# ---- corpus (cached under the build dir) ------------------------------------------------------

corpus=$build_dir/corpus/googleapis-$corpus_version
if [ -d "$corpus" ] && [ "$(proto_count "$corpus")" -gt "$min_files" ]; then
  echo "corpus: reusing $corpus"
else
  echo "corpus: fetching google-proto-files@$corpus_version with npm"
  staging=$build_dir/corpus/.googleapis-$corpus_version.partial
  rm -rf "$staging"
  mkdir -p "$build_dir/corpus"
  if ! bash "$fetch_script" "$staging" "$corpus_version"; then
    rm -rf "$staging"
    fail "could not fetch google-proto-files@$corpus_version (npm pack through $fetch_script failed; see the output above)"
  fi
  fetched=$(proto_count "$staging")
  if [ "$fetched" -le "$min_files" ]; then
    rm -rf "$staging"
    fail "google-proto-files@$corpus_version gave $fetched .proto files; expected more than $min_files"
  fi
  rm -rf "$corpus"
  mv "$staging" "$corpus"
fi
corpus_files=$(proto_count "$corpus")
echo "corpus: $corpus_files .proto files"

work=$(mktemp -d "${TMPDIR:-/tmp}/spoke-googleapis-XXXXXX")
server_pids=()
cleanup() {
  local pid
  for pid in "${server_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# Starts a spoke-server on ephemeral ports with its data under $work/NAME; sets $url.
start_server() {
  local dir=$work/$1
  mkdir -p "$dir"
  "$server_bin" --host 127.0.0.1 --port 0 --health-port 0 --port-file "$dir/ports" \
    --storage-dir "$dir/data" --no-access-log >"$dir/server.log" 2>&1 &
  local pid=$!
  server_pids+=("$pid")
  until [ -s "$dir/ports" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$dir/server.log" >&2
      fail "spoke-server ($1) exited before listening"
    fi
    sleep 0.1
  done
  local port
  read -r port _ <"$dir/ports"
  url=http://127.0.0.1:$port
  echo "server $1: $url"
}

# GET a JSON document from the registry and print the result of a Python expression over it (j).
query() {
  python3 - "$1" "$2" <<'EOF'
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1]) as r:
    j = json.load(r)
print(eval(sys.argv[2]))
EOF
}

# Runs `spoke push ARGS...`, logging to $work/push-LABEL.log; fails on a non-zero exit.
push() {
  local label=$1
  shift
  local log=$work/push-$label.log start rc=0
  start=$(now)
  "$cli" push "$@" -no-git >"$log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    grep -v ': warning: ' "$log" | head -40 >&2
    fail "spoke push $label exited $rc"
  fi
  echo "push $label: $(grep -c ': warning: ' "$log" || true) warnings, $(elapsed "$start")"
  grep -v ': warning: ' "$log" | sed 's/^/  /' || true
}

# ---- a. validate ------------------------------------------------------------------------------

start=$(now)
rc=0
"$cli" validate -dir "$corpus" >"$work/validate.log" 2>&1 || rc=$?
# Every line of output must be a warning; anything else (an error, a crash message) fails.
bad=$(grep -v ': warning: ' "$work/validate.log" | grep -c . || true)
errors=$(grep -c ': error' "$work/validate.log" || true)
warnings=$(grep -c ': warning: ' "$work/validate.log" || true)
unused=$(grep -c ': warning: Import .* is unused' "$work/validate.log" || true)
if [ "$rc" -ne 0 ] || [ "$bad" -ne 0 ] || [ "$errors" -ne 0 ]; then
  grep -v ': warning: ' "$work/validate.log" | head -40 >&2
  fail "spoke validate -dir $corpus exited $rc with $errors errors and $bad lines that are not warnings"
fi
echo "validate: 0 errors, $warnings warnings ($unused unused imports), $(elapsed "$start")"

# ---- b. one module ----------------------------------------------------------------------------

start_server whole
push googleapis -module googleapis -version v6.0.1 -dir "$corpus" -registry "$url"
listed=$(query "$url/modules/googleapis/versions/v6.0.1" 'len(j["files"])')
[ "$listed" -ge "$min_files" ] || fail "googleapis@v6.0.1 lists $listed files; expected more than $min_files"
[ "$listed" -eq "$corpus_files" ] || fail "googleapis@v6.0.1 lists $listed files; the corpus has $corpus_files"
"$cli" pull -module googleapis -version v6.0.1 -dir "$work/pull-whole" -registry "$url" >/dev/null
diff -r "$corpus" "$work/pull-whole" >"$work/diff-whole.log" ||
  { head -20 "$work/diff-whole.log" >&2; fail "googleapis@v6.0.1 pulled back differs from the corpus"; }
echo "googleapis@v6.0.1: $listed files listed, pulled back byte-identical"

# ---- c. split into modules --------------------------------------------------------------------
# Layers: a base module may import only the well-known types, itself and the layers before it.
# google/api's versioned service APIs (e.g. google/api/serviceusage) import google/longrunning,
# which imports google/api, so a directory of google/api whose files reach outside the layers
# before google-longrunning moves, whole, to googleapis-rest. The push order and each base
# module's expected dependencies come from the imports.

split=$work/split
python3 - "$corpus" "$split" <<'EOF'
import json, os, re, shutil, sys

corpus, split = sys.argv[1], sys.argv[2]
layers = [("google-type", "google/type/"), ("google-rpc", "google/rpc/"),
          ("google-api", "google/api/"), ("google-longrunning", "google/longrunning/")]
import_re = re.compile(r'^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;', re.M)

imports = {}
for root, _, names in os.walk(corpus):
    for name in names:
        if name.endswith(".proto"):
            full = os.path.join(root, name)
            with open(full, encoding="utf-8") as f:
                imports[os.path.relpath(full, corpus)] = import_re.findall(f.read())

def layer_of(path):
    for i, (_, prefix) in enumerate(layers):
        if path.startswith(prefix):
            return i
    return None

# A file stays in its base layer when everything it reaches is a well-known type or a file of
# that layer or an earlier one.
memo = {}
def stays(path, layer, seen):
    key = (path, layer)
    if key in memo:
        return memo[key]
    if path.startswith("google/protobuf/"):
        return True
    own = layer_of(path)
    if own is None or own > layer or path not in imports:
        return False
    if path in seen:
        return True
    ok = all(stays(i, layer, seen | {path}) for i in imports[path])
    memo[key] = ok
    return ok

module_of = {}
moved_dirs = set()
for path in imports:
    layer = layer_of(path)
    if layer is not None and not stays(path, layer, frozenset()):
        moved_dirs.add(os.path.dirname(path))
for path in imports:
    layer = layer_of(path)
    if layer is None or os.path.dirname(path) in moved_dirs:
        module_of[path] = "googleapis-rest"
    else:
        module_of[path] = layers[layer][0]

deps = {name: set() for name, _ in layers}
deps["googleapis-rest"] = set()
for path, imps in imports.items():
    for i in imps:
        if i in module_of and module_of[i] != module_of[path]:
            deps[module_of[path]].add(module_of[i])

# Push order: the base modules by their dependencies (each only after what it imports).
order, pending = [], [name for name, _ in layers]
while pending:
    ready = [m for m in pending if deps[m] <= set(order)]
    if not ready:
        sys.exit(f"the base modules import each other in a cycle: {pending}")
    order.append(ready[0])
    pending.remove(ready[0])
if deps["googleapis-rest"] != set(order):
    sys.exit(f"googleapis-rest imports {sorted(deps['googleapis-rest'])}; expected the four base modules")

for path, module in module_of.items():
    dest = os.path.join(split, module, path)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    shutil.copyfile(os.path.join(corpus, path), dest)

# Files of googleapis-rest that import three or more of the base modules: protoc checks these.
spanning = sorted(p for p, m in module_of.items() if m == "googleapis-rest"
                  and len({module_of.get(i) for i in imports[p]} - {None, m}) >= 3)
with open(os.path.join(split, "plan.json"), "w") as f:
    json.dump({"order": order, "deps": {m: sorted(d) for m, d in deps.items()},
               "moved": sorted(moved_dirs), "spanning": spanning[:12]}, f, indent=1)
counts = {m: sum(1 for v in module_of.values() if v == m) for m in order + ["googleapis-rest"]}
print("split:", ", ".join(f"{m} {n} files" for m, n in counts.items()))
print("split: google/api directories in googleapis-rest:", " ".join(sorted(moved_dirs)))
print("split: push order", " -> ".join(order), "-> googleapis-rest")
EOF

plan=$split/plan.json
plan_get() { python3 -c "import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$plan" "$1"; }

start_server split
read -r -a order <<<"$(plan_get '" ".join(j["order"])')"
for module in "${order[@]}"; do
  push "$module" -module "$module" -version v6.0.1 -dir "$split/$module" -registry "$url"
  expected=$(plan_get "\" \".join(j[\"deps\"][\"$module\"])")
  got=$(query "$url/modules/$module/versions/v6.0.1/dependencies" \
    '" ".join(sorted(d["module"] for d in j["direct"]))')
  [ "$got" = "$expected" ] ||
    fail "$module@v6.0.1 has inferred dependencies [$got]; its imports need [$expected]"
  echo "  inferred dependencies: [${got}]"
done

{
  echo "module: googleapis-rest"
  echo "deps:"
  for module in "${order[@]}"; do echo "  - $module@latest"; done
} >"$split/googleapis-rest/spoke.yaml"
push googleapis-rest -version v6.0.1 -dir "$split/googleapis-rest" -registry "$url"
got=$(query "$url/modules/googleapis-rest/versions/v6.0.1/dependencies" \
  '" ".join(sorted(d["module"] + "@" + d["version"] for d in j["direct"]))')
expected=$(printf '%s@v6.0.1\n' "${order[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
[ "$got" = "$expected" ] ||
  fail "googleapis-rest@v6.0.1 depends on [$got]; spoke.yaml declares [$expected]"
echo "  declared dependencies: [$got]"

pulled=$work/pull-split
"$cli" pull -module googleapis-rest -version v6.0.1 -recursive -dir "$pulled" -registry "$url" |
  sed 's/^/  /'
diff -r "$corpus" "$pulled" >"$work/diff-split.log" ||
  { head -20 "$work/diff-split.log" >&2; fail "googleapis-rest@v6.0.1 pulled with -recursive differs from the corpus"; }

read -r -a spanning <<<"$(plan_get '" ".join(j["spanning"])')"
[ "${#spanning[@]}" -ge 5 ] || fail "found only ${#spanning[@]} files importing across the split"
protoc -I "$pulled" --descriptor_set_out=/dev/null "${spanning[@]}" 2>"$work/protoc.log" ||
  { cat "$work/protoc.log" >&2; fail "protoc rejects files of the recursive pull: ${spanning[*]}"; }
echo "protoc: ${#spanning[@]} files importing across the split compile from the recursive pull"

echo "PASS: googleapis $corpus_version ($corpus_files files): validate 0 errors ($warnings warnings);" \
  "one module pushed and pulled back identical; split into ${#order[@]}+1 modules" \
  "(inferred and declared dependencies), recursive pull identical, protoc OK"
