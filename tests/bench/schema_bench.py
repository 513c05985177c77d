#!/usr/bin/env python3
"""Schema benchmark: `spoke validate` and `spoke push` on all of googleapis against protoc.

Usage: tests/bench/schema_bench.py [BUILD_DIR]   (default: build)

Environment: ROUNDS=3, WRITE_DOC=1 (0: print only), DOC=docs/benchmarks.md,
SPOKE_SHARED_DIR (default: <repo>/../shared), PROTOC (default: protoc on PATH).

In one run, interleaved round by round, on the same files:
  protoc      protoc --include_imports --include_source_info -o /dev/null <every file>
  validate    spoke validate --no-cache -dir <corpus>
  cached      spoke validate -dir <corpus>, answered from the result cache (primed once first)
  edited      spoke validate -dir <copy of the corpus> after one comment line is added to one file
              (google/cloud/vision/v1/product_search.proto) since the last validation of the copy:
              only what the edit reaches is parsed and linked again
  push        spoke push of the corpus as one module to a fresh spoke-server (SQLite + blobs)
Wall time and peak memory (max RSS from wait4) of each; for push, the server's peak memory too.
The medians go to the "Schemas" section of docs/benchmarks.md (between its marker comments).
Not a test: nothing here asserts on time.
"""

import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date

import benchlib

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "build"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
WRITE_DOC = os.environ.get("WRITE_DOC", "1") != "0"
DOC = os.environ.get("DOC", os.path.join(REPO, "docs", "benchmarks.md"))
PROTOC = os.environ.get("PROTOC") or shutil.which("protoc")
CLI = os.path.join(BUILD, "tools", "spoke")
SERVER = os.path.join(BUILD, "server", "spoke-server")
CORPUS_VERSION = "6.0.1"


def measure(argv, cwd=None, env=None):
    """(wall seconds, peak RSS in MiB, exit code) of one command; its output is discarded."""
    start = time.monotonic()
    p = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024.0, p.returncode


class Server:
    """A spoke-server on ephemeral ports with its data in a fresh directory."""

    def __init__(self, root):
        self.root = root
        ports = os.path.join(root, "ports")
        self.proc = subprocess.Popen(
            [SERVER, "--host", "127.0.0.1", "--port", "0", "--health-port", "0", "--port-file",
             ports, "--storage-dir", os.path.join(root, "data"), "--no-access-log"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not (os.path.exists(ports) and os.path.getsize(ports) > 0):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                sys.exit("schema_bench: spoke-server did not start")
            time.sleep(0.05)
        with open(ports) as f:
            self.url = "http://127.0.0.1:" + f.read().split()[0]

    def peak_rss_mib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            m = re.search(r"VmHWM:\s+(\d+) kB", f.read())
        return int(m.group(1)) / 1024.0 if m else 0.0

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)


def main():
    for binary in (CLI, SERVER):
        if not os.access(binary, os.X_OK):
            sys.exit(f"schema_bench: {binary} is missing; build first (ninja -C {BUILD})")
    if not PROTOC:
        sys.exit("schema_bench: protoc is not on PATH (Debian: protobuf-compiler)")
    corpus = benchlib.corpus_dir(BUILD, CORPUS_VERSION)
    files = benchlib.proto_files(corpus)
    size_mb = sum(os.path.getsize(os.path.join(corpus, f)) for f in files) / 1e6
    work = tempfile.mkdtemp(prefix="spoke-schema-bench-")
    env = dict(os.environ, SPOKE_CACHE_DIR=os.path.join(work, "cache"))
    env.pop("SPOKE_TIMING", None)
    results = {k: [] for k in ("protoc", "validate", "cached", "edited", "push")}
    edit_copy = os.path.join(work, "edited")
    shutil.copytree(corpus, edit_copy)
    edited_file = os.path.join(edit_copy, "google", "cloud", "vision", "v1", "product_search.proto")
    server_rss = []
    try:
        # Warm the page cache and prime the result cache.
        # The copy is edited once before its first validation: an unchanged copy would be
        # answered from the result cache (the same tree as the corpus) without keeping the
        # per-file facts an edit is rechecked against.
        with open(edited_file, "a") as f:
            f.write("// edit 0\n")
        for argv in ([CLI, "validate", "-dir", corpus], [CLI, "validate", "-dir", corpus],
                     [CLI, "validate", "-dir", edit_copy]):
            wall, _, code = measure(argv, env=env)
            if code != 0:
                sys.exit(f"schema_bench: {' '.join(argv)} exited {code}")
        for r in range(1, ROUNDS + 1):
            wall, rss, code = measure(
                [PROTOC, "-I", corpus, "--include_imports", "--include_source_info", "-o",
                 os.devnull] + files, cwd=corpus)
            if code != 0:
                sys.exit(f"schema_bench: protoc exited {code}")
            results["protoc"].append((wall, rss))
            wall, rss, code = measure([CLI, "validate", "--no-cache", "-dir", corpus], env=env)
            if code != 0:
                sys.exit(f"schema_bench: spoke validate exited {code}")
            results["validate"].append((wall, rss))
            wall, rss, code = measure([CLI, "validate", "-dir", corpus], env=env)
            if code != 0:
                sys.exit(f"schema_bench: cached spoke validate exited {code}")
            results["cached"].append((wall, rss))
            with open(edited_file, "a") as f:
                f.write(f"// edit {r}\n")
            wall, rss, code = measure([CLI, "validate", "-dir", edit_copy], env=env)
            if code != 0:
                sys.exit(f"schema_bench: spoke validate after an edit exited {code}")
            results["edited"].append((wall, rss))
            server = Server(os.path.join(work, f"server{r}"))
            try:
                wall, rss, code = measure(
                    [CLI, "push", "-module", "googleapis", "-version", "v" + CORPUS_VERSION,
                     "-dir", corpus, "-registry", server.url, "-no-git"], env=env)
                if code != 0:
                    sys.exit(f"schema_bench: spoke push exited {code}")
                with urllib.request.urlopen(
                        f"{server.url}/modules/googleapis/versions/v{CORPUS_VERSION}") as resp:
                    listed = resp.read().count(b'"path"')
                if listed != len(files):
                    sys.exit(f"schema_bench: the pushed version lists {listed} files, not {len(files)}")
                results["push"].append((wall, rss))
                server_rss.append(server.peak_rss_mib())
            finally:
                server.stop()
            shutil.rmtree(os.path.join(work, f"server{r}"), ignore_errors=True)
            print(f"round {r}: " + ", ".join(
                f"{k} {v[-1][0]:.2f}s {v[-1][1]:.0f}MiB" for k, v in results.items()), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    med = {k: (statistics.median(w for w, _ in v), statistics.median(m for _, m in v))
           for k, v in results.items()}
    srv = statistics.median(server_rss)
    p = med["protoc"][0]
    goals = [
        ("validate", med["validate"][0] / p, 0.6),
        ("cached", med["cached"][0] / p, 0.05),
        ("edited", med["edited"][0] / p, 0.05),
        ("push", med["push"][0] / p, 0.45),
        ("memory", med["validate"][1] / med["protoc"][1], 0.5),
    ]
    status = {k: ("met" if r <= g else "NOT met") for k, r, g in goals}
    protoc_version = subprocess.run([PROTOC, "--version"], capture_output=True,
                                    text=True).stdout.strip()
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"model name\s*:\s*(.+)", f.read())
            cpu = m.group(1).strip() if m else cpu
    except OSError:
        pass
    load = os.getloadavg()[0]
    rows = "\n".join(
        f"| {r} | " + " | ".join(f"{w:.2f} s / {m:.0f} MiB" for w, m in
                                  (results[k][r - 1] for k in ("protoc", "validate", "cached", "edited", "push")))
        + f" | {server_rss[r - 1]:.0f} MiB |" for r in range(1, ROUNDS + 1))
    section = f"""<!-- BEGIN schema-bench: generated by tests/bench/schema_bench.py; edits inside are overwritten -->
## Schemas: validating and pushing all of googleapis (spoke vs protoc)

All of googleapis ({len(files)} .proto files, {size_mb:.0f} MB, npm google-proto-files
{CORPUS_VERSION}), parsed and linked with source info, against protoc on the same files.

- Date: {date.today().isoformat()}
- Machine: {cpu}, {os.cpu_count()} CPUs, Linux {platform.release()}; load average {load:.1f} when the run ended
- {protoc_version}; spoke built in {os.path.basename(BUILD)}/ (release{', tcmalloc' if 'tcmalloc' in subprocess.run(['ldd', CLI], capture_output=True, text=True).stdout else ''})
- Command: `tests/bench/schema_bench.py`, {ROUNDS} rounds interleaved; the table shows the median
  wall time and peak memory (max RSS) of each.
  - protoc: `protoc -I <corpus> --include_imports --include_source_info -o /dev/null <every file>`
  - spoke validate: `spoke validate --no-cache -dir <corpus>` (parse on every CPU, link in
    dependency order, diagnostics as protoc prints them)
  - cached: `spoke validate -dir <corpus>` on the unchanged tree, answered from the result cache
    keyed by content digest
  - edited: `spoke validate -dir <copy>` after a comment line was added to one file
    (google/cloud/vision/v1/product_search.proto) since the copy's last validation: that file
    and what it imports are parsed and linked again, every other file keeps what it was found
    to be (see [the result cache](cli.md#the-result-cache))
  - push: `spoke push` of the corpus as one module to a fresh spoke-server on loopback (gzip
    upload, validation on the server, blobs and SQLite metadata made durable); wall time of the
    CLI command, which includes all of the server's work

| | Wall time | Peak memory | vs protoc (time) | Goal | |
|---|---:|---:|---:|---:|---|
| protoc | {med['protoc'][0]:.2f} s | {med['protoc'][1]:.0f} MiB | 1.00× | | |
| spoke validate | {med['validate'][0]:.2f} s | {med['validate'][1]:.0f} MiB | {goals[0][1]:.2f}× | ≤ 0.60× | {status['validate']} |
| spoke validate, cached | {med['cached'][0]:.3f} s | {med['cached'][1]:.0f} MiB | {goals[1][1]:.3f}× | < 0.05× | {status['cached']} |
| spoke validate, one file edited | {med['edited'][0]:.3f} s | {med['edited'][1]:.0f} MiB | {goals[2][1]:.3f}× | ≤ 0.05× | {status['edited']} |
| spoke push (CLI; server peak {srv:.0f} MiB) | {med['push'][0]:.2f} s | {med['push'][1]:.0f} MiB | {goals[3][1]:.2f}× | ≤ 0.45× | {status['push']} |

Peak memory of `spoke validate` against protoc's: {goals[4][1]:.2f}× (goal ≤ 0.50×: {status['memory']})

Each round (wall time / peak memory):

| Round | protoc | spoke validate | cached | one file edited | push (CLI) | push (server peak) |
|---:|---:|---:|---:|---:|---:|---:|
{rows}

How: files are parsed on every CPU into FileDescriptorProtos whose SourceCodeInfo is set aside,
then linked into one DescriptorPool in import order without source info (linking with it costs
several times more); each file's SourceCodeInfo stays beside the pool for diagnostics, the AST
and descriptor sets. The executables use tcmalloc. A push writes its blobs with two filesystem
flushes in all rather than one fsync per file.
<!-- END schema-bench -->"""
    print(section)
    if WRITE_DOC:
        text = open(DOC).read() if os.path.exists(DOC) else "# Benchmarks\n"
        pattern = re.compile(r"<!-- BEGIN schema-bench.*?<!-- END schema-bench -->", re.S)
        text = pattern.sub(lambda _: section, text) if pattern.search(text) else \
            text.rstrip("\n") + "\n\n" + section + "\n"
        with open(DOC, "w") as f:
            f.write(text)
        print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
