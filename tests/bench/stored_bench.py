#!/usr/bin/env python3
"""Stored descriptors: what reading a version's linked schema instead of parsing it buys.

Usage: tests/bench/stored_bench.py [BUILD_DIR]   (default: build)

Environment: ROUNDS=3, WRITE_DOC=1 (0: print only), DOC=docs/benchmarks.md, SPOKE_SHARED_DIR.

1. Diffs. googleapis 5.0.0 and 6.0.1 (npm google-proto-files) pushed to a fresh spoke-server as
   two versions of one module; then, round by round:
     buf    buf breaking NEW --against OLD --error-format json   (buf.yaml v2, FILE rules)
     cold   GET /modules/googleapis/diff?from=v5.0.0&to=v6.0.1 on a server started just before
            (nothing linked in memory: both versions are loaded from their stored descriptors)
     warm   the same request again (both versions linked in memory)
   The diff's breaking findings are checked against buf's (as sets).
2. Transitive policy checks. A module of 58 files (google/api, google/rpc, google/type,
   google/longrunning of 6.0.1 and one file that grows by a message each version) with 20
   versions, under FILE with `transitive: true`, and the same history in a module under FILE
   alone. Timed: the push of a 21st version to each (over HTTP, the body prepared beforehand),
   compared with 20 earlier versions and with one; on the running server (the earlier versions
   linked in memory since their pushes) and on a server started just before (each loaded from
   its stored descriptor).
Medians go to the "Stored descriptors" section of docs/benchmarks.md. Not a test: nothing here
asserts on time.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import date

import benchlib

BUILD = benchlib.build_dir()
ROUNDS = int(os.environ.get("ROUNDS", "3"))
WRITE_DOC = os.environ.get("WRITE_DOC", "1") != "0"
DOC = os.environ.get("DOC", os.path.join(benchlib.REPO, "docs", "benchmarks.md"))
CLI = os.path.join(BUILD, "tools", "spoke")
OLD, NEW = "5.0.0", "6.0.1"
HISTORY = 20


def finding_key(f, prefix=""):
    path = f.get("path", "")
    if path.startswith(prefix):
        path = path[len(prefix):]
    return (path, f["start_line"], f["start_column"], f["type"]) + (
        (f["message"],) if not path else ())


def check_push(status, body, what):
    if status not in (200, 201):
        sys.exit(f"stored_bench: {what} answered {status}: {body[:300]!r}")


def diff_part(work, buf):
    old, new = benchlib.corpus_dir(BUILD, OLD), benchlib.corpus_dir(BUILD, NEW)
    for side, src in (("old", old), ("new", new)):
        shutil.copytree(src, os.path.join(work, side))
        with open(os.path.join(work, side, "buf.yaml"), "w") as f:
            f.write("version: v2\nbreaking:\n  use:\n    - FILE\n")
    server = benchlib.Server(BUILD, os.path.join(work, "diff-server"))
    path = "/modules/googleapis/diff?from=v5.0.0&to=v6.0.1"
    rounds = []
    try:
        for version, src, extra in (("v5.0.0", old, []), ("v6.0.1", new, ["-force"])):
            wall, _, code = benchlib.measure(
                [CLI, "push", "--quiet", "-registry", server.url, "-module", "googleapis",
                 "-version", version, "-dir", src, "-no-git"] + extra)
            if code != 0:
                sys.exit(f"stored_bench: spoke push of {version} exited {code}")
        buf_out = os.path.join(work, "buf.json")
        for r in range(1, ROUNDS + 1):
            buf_wall, buf_rss, code = benchlib.measure(
                [buf, "breaking", "new", "--against", "old", "--error-format", "json"],
                cwd=work, stdout=buf_out)
            if code not in (0, 100):
                sys.exit(f"stored_bench: buf breaking exited {code}")
            server.restart()
            cold, status, body = server.request("GET", path)
            if status != 200:
                sys.exit(f"stored_bench: the diff answered {status}: {body[:300]!r}")
            cold_rss = server.rss_mib()
            warm, status, warm_body = server.request("GET", path)
            rounds.append({"buf": buf_wall, "buf_rss": buf_rss, "cold": cold, "warm": warm,
                           "rss": cold_rss})
            print(f"diff round {r}: buf {buf_wall:.2f}s, cold {cold:.2f}s, warm {warm:.2f}s, "
                  f"server RSS {cold_rss:.0f} MiB", flush=True)
        diff = json.loads(body)
        ours = {finding_key(f) for f in diff["breaking"]}
        theirs = {finding_key(json.loads(line), "new/") for line in open(buf_out) if line.strip()}
        if ours != theirs:
            sys.exit(f"stored_bench: the diff's findings differ from buf's: only spoke "
                     f"{len(ours - theirs)}, only buf {len(theirs - ours)}")
        same = len(ours)
        changes = len(diff["changes"])
    finally:
        server.stop()
    return rounds, same, changes



def history_file(n):
    messages = "".join(f"message Step{i} {{\n  string note = 1;\n  int64 at = 2;\n}}\n"
                       for i in range(1, n + 1))
    return {"path": "bench/v1/history.proto",
            "content": f'syntax = "proto3";\npackage bench.v1;\n\n{messages}'}


def policy_part(work):
    base = benchlib.subset_files(BUILD, NEW)
    server = benchlib.Server(BUILD, os.path.join(work, "policy-server"))
    rounds = []
    try:
        for r in range(1, ROUNDS + 1):
            modules = {"transitive": f"all{r}", "previous": f"one{r}"}
            for kind, module in modules.items():
                for i in range(1, HISTORY + 1):
                    _, status, body = server.request(
                        "POST", f"/modules/{module}/versions",
                        {"version": f"v1.0.{i}", "files": base + [history_file(i)]})
                    check_push(status, body, f"{module}@v1.0.{i}")
                _, status, body = server.request(
                    "PUT", f"/modules/{module}/config",
                    {"compatibility": "FILE", "transitive": kind == "transitive"})
                check_push(status, body, f"{module} config")
            times = {}
            for state, version in (("warm", HISTORY + 1), ("cold", HISTORY + 2)):
                if state == "cold":
                    server.restart()
                push = {"version": f"v1.0.{version}", "files": base + [history_file(version)]}
                body_bytes = json.dumps(push).encode()
                for kind in ("previous", "transitive"):
                    wall, status, body = server.request(
                        "POST", f"/modules/{modules[kind]}/versions", body_bytes)
                    check_push(status, body, f"{modules[kind]}@v1.0.{version}")
                    times[(state, kind)] = wall
            rounds.append(times)
            print(f"policy round {r}: " + ", ".join(
                f"{s} {k} {t * 1000:.0f} ms" for (s, k), t in times.items()), flush=True)
    finally:
        server.stop()
    return rounds, len(base) + 1


def main():
    for binary in (CLI, os.path.join(BUILD, "server", "spoke-server")):
        if not os.access(binary, os.X_OK):
            sys.exit(f"stored_bench: {binary} is missing; build first (ninja -C {BUILD})")
    buf = benchlib.buf_binary(BUILD)
    buf_version = subprocess.run([buf, "--version"], capture_output=True, text=True).stdout.strip()
    work = tempfile.mkdtemp(prefix="spoke-stored-bench-")
    load_before = benchlib.load_average()
    try:
        diff_rounds, findings, changes = diff_part(work, buf)
        policy_rounds, module_files = policy_part(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load_after = benchlib.load_average()

    med = {k: statistics.median(r[k] for r in diff_rounds) for k in ("buf", "cold", "warm", "rss")}
    pol = {key: statistics.median(r[key] for r in policy_rounds) for key in policy_rounds[0]}
    cold_ratio, warm_ratio = med["cold"] / med["buf"], med["warm"] / med["buf"]
    warm_policy = pol[("warm", "transitive")] / pol[("warm", "previous")]
    cold_policy = pol[("cold", "transitive")] / pol[("cold", "previous")]

    def met(ratio, goal):
        return "met" if ratio <= goal else "NOT met"

    diff_rows = "\n".join(
        f"| {i} | {r['buf']:.2f} | {r['cold']:.2f} | {r['warm']:.2f} | {r['rss']:.0f} |"
        for i, r in enumerate(diff_rounds, 1))
    policy_rows = "\n".join(
        f"| {i} | " + " | ".join(f"{r[(s, k)] * 1000:.0f}" for s in ("warm", "cold")
                                  for k in ("previous", "transitive")) + " |"
        for i, r in enumerate(policy_rounds, 1))
    section = f"""<!-- BEGIN stored-bench: generated by tests/bench/stored_bench.py; edits inside are overwritten -->
## Stored descriptors: diffs and transitive policy checks

Each push stores the version linked with its closure (a `FileDescriptorSet` with source info);
diffs, policy checks, descriptors, ASTs and compile jobs load it instead of parsing the version.

- Date: {date.today().isoformat()}
- Machine: {benchlib.machine()}; load average {load_before:.1f} when the run started,
  {load_after:.1f} when it ended (the machine is shared: both tools ran under the same load,
  interleaved)
- spoke: release build in {os.path.basename(BUILD)}/; buf {buf_version} (npm `@bufbuild/buf`)
- Command: `tests/bench/stored_bench.py` ({ROUNDS} rounds); medians below

**Diff of two stored versions.** googleapis {OLD} and {NEW} (npm google-proto-files) pushed to
one module of a fresh spoke-server (SQLite); `buf breaking new --against old --error-format json`
on the same trees (each with a `buf.yaml` of version v2 using `FILE`) against
`GET /modules/googleapis/diff?from=v5.0.0&to=v6.0.1` (the module's policy: `FILE`), timed from
the client. *Cold*: the first request to a server started just before it, which loads both
versions from their stored descriptors; *warm*: the same request again. The diff's {findings}
breaking findings are buf's, as sets of (path, line, column, rule); it also lists {changes}
changes.

| | Wall time | vs buf | Goal | |
|---|---:|---:|---:|---|
| `buf breaking` | {med['buf']:.2f} s | 1.00× | | |
| diff, cold (server RSS after it: {med['rss']:.0f} MiB) | {med['cold']:.2f} s | {cold_ratio:.3f}× | ≤ 0.05× | {met(cold_ratio, 0.05)} |
| diff, warm | {med['warm']:.2f} s | {warm_ratio:.3f}× | ≤ 0.05× | {met(warm_ratio, 0.05)} |

| Round | buf (s) | cold (s) | warm (s) | server RSS (MiB) |
|---:|---:|---:|---:|---:|
{diff_rows}

**Transitive policy check.** A module of {module_files} files with {HISTORY} versions under `FILE`
with `transitive: true`, and one with the same history under `FILE`: the push of version
{HISTORY + 1} (`POST /modules/{{module}}/versions`, the body prepared beforehand) is compared with
{HISTORY} earlier versions in the first and with one in the second. *Running server*: the earlier
versions are linked in memory since their own pushes; *restarted server*: a push to a server
started just before, which loads each earlier version from its stored descriptor.

| | against 1 | against {HISTORY} | ratio | Goal | |
|---|---:|---:|---:|---:|---|
| running server | {pol[('warm', 'previous')] * 1000:.0f} ms | {pol[('warm', 'transitive')] * 1000:.0f} ms | {warm_policy:.2f}× | ≤ 1.5× | {met(warm_policy, 1.5)} |
| restarted server | {pol[('cold', 'previous')] * 1000:.0f} ms | {pol[('cold', 'transitive')] * 1000:.0f} ms | {cold_policy:.2f}× | | |

| Round | running: 1 (ms) | running: {HISTORY} (ms) | restarted: 1 (ms) | restarted: {HISTORY} (ms) |
|---:|---:|---:|---:|---:|
{policy_rows}
<!-- END stored-bench -->"""
    print(section)
    if WRITE_DOC:
        benchlib.write_section(DOC, "stored-bench", section)


if __name__ == "__main__":
    main()
