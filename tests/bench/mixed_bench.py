#!/usr/bin/env python3
"""A server under a mixed load: pushes, pulls, file reads, module reads, diffs and compile
requests from many clients at once, for a fixed time.

Usage: tests/bench/mixed_bench.py [BUILD_DIR]   (default: build)

Environment: DURATION=60 (seconds), CLIENTS=32, WARMUP=15 (seconds left out of the RSS
verdict), WRITE_DOC=1 (0: print only), DOC=docs/benchmarks.md, SPOKE_SHARED_DIR.

A fresh spoke-server (SQLite, its defaults) gets five versions of module `base`: google/api,
google/rpc, google/type and google/longrunning of googleapis 6.0.1 (58 files), each version
adding a message to one more file. Then CLIENTS threads, each with its own keep-alive
connection, pick operations at random (weights below) until DURATION has passed:

  push      a new version of the client's own module (the 58 files and a growing file)
  pull      GET /modules/base/versions/{v}?include=content (every file of a version)
  file      GET /modules/base/versions/{v}/files/google/api/http.proto
  module    GET /modules/base
  diff      GET /modules/base/diff?from={v}&to={w}
  compile   POST .../compile/{language} of a version the client pushed (a real job, or the
            cached artifact when it asks again)

Reported: requests per second in all, p50 and p99 per operation, errors, and the server's RSS
sampled every second (its peak before and after the warm-up, and its growth after it). Medians
are not taken: one run, the figures of that run. Not a test: nothing here asserts on time.
"""

import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import date

import benchlib

BUILD = benchlib.build_dir()
DURATION = float(os.environ.get("DURATION", "60"))
CLIENTS = int(os.environ.get("CLIENTS", "32"))
WARMUP = float(os.environ.get("WARMUP", "15"))
WRITE_DOC = os.environ.get("WRITE_DOC", "1") != "0"
DOC = os.environ.get("DOC", os.path.join(benchlib.REPO, "docs", "benchmarks.md"))
BASE_VERSIONS = 5
WEIGHTS = {"push": 5, "pull": 15, "file": 35, "module": 20, "diff": 10, "compile": 5}



def growing_file(package, n):
    messages = "".join(f"message Step{i} {{\n  string note = 1;\n  int64 at = 2;\n}}\n"
                       for i in range(1, n + 1))
    return {"path": f"{package}/v1/steps.proto",
            "content": f'syntax = "proto3";\npackage {package}.v1;\n\n{messages}'}


def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


class Client(threading.Thread):
    def __init__(self, index, host, port, base, languages, deadline, results, lock):
        super().__init__(daemon=True)
        self.index = index
        self.host, self.port = host, port
        self.base = base
        self.languages = languages
        self.deadline = deadline
        self.results = results
        self.lock = lock
        self.rng = random.Random(index)
        self.module = f"load{index}"
        self.pushed = []
        self.conn = None

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=600)
                headers = {"Content-Type": "application/json"} if data is not None else {}
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                payload = resp.read()
                return resp.status, payload
            except (http.client.HTTPException, OSError):
                self.conn = None
                if attempt == 1:
                    return 0, b""
        return 0, b""

    def run(self):
        ops = list(WEIGHTS)
        weights = [WEIGHTS[o] for o in ops]
        while time.monotonic() < self.deadline:
            op = self.rng.choices(ops, weights)[0]
            if op == "compile" and not self.pushed:
                op = "push"
            v = f"v1.0.{self.rng.randint(1, BASE_VERSIONS)}"
            if op == "push":
                n = len(self.pushed) + 1
                version = f"v1.0.{n}"
                body = {"version": version, "files": self.base + [growing_file(self.module, n)]}
                method, path = "POST", f"/modules/{self.module}/versions"
            elif op == "pull":
                method, path, body = "GET", f"/modules/base/versions/{v}?include=content", None
            elif op == "file":
                method, path, body = "GET", \
                    f"/modules/base/versions/{v}/files/google/api/http.proto", None
            elif op == "module":
                method, path, body = "GET", "/modules/base", None
            elif op == "diff":
                w = f"v1.0.{self.rng.randint(1, BASE_VERSIONS)}"
                method, path, body = "GET", f"/modules/base/diff?from={v}&to={w}", None
            else:
                version = self.rng.choice(self.pushed)
                language = self.rng.choice(self.languages)
                method, path, body = \
                    "POST", f"/modules/{self.module}/versions/{version}/compile/{language}", {}
            start = time.monotonic()
            status, _ = self.call(method, path, body)
            elapsed = time.monotonic() - start
            if op == "push" and status in (200, 201):
                self.pushed.append(version)
            ok = 200 <= status < 300
            with self.lock:
                self.results.setdefault(op, []).append((elapsed, ok, status))


def main():
    base = benchlib.subset_files(BUILD, "6.0.1")
    work = tempfile.mkdtemp(prefix="spoke-mixed-bench.")
    server = benchlib.Server(BUILD, os.path.join(work, "server"))
    try:
        for i in range(1, BASE_VERSIONS + 1):
            _, status, body = server.request(
                "POST", "/modules/base/versions",
                {"version": f"v1.0.{i}", "files": base + [growing_file("base", i)]})
            if status not in (200, 201):
                sys.exit(f"mixed_bench: seeding base answered {status}: {body[:300]!r}")
        _, status, body = server.request("GET", "/languages")
        known = [entry["language"] if isinstance(entry, dict) else entry
                 for entry in json.loads(body).get("languages", [])] if status == 200 else []
        languages = [lang for lang in ("cpp", "python", "java") if lang in known] or ["cpp"]
        host_port = server.url.split("//", 1)[1]
        host, port = host_port.rsplit(":", 1)

        results, lock = {}, threading.Lock()
        start = time.monotonic()
        deadline = start + DURATION
        clients = [Client(i, host, int(port), base, languages, deadline, results, lock)
                   for i in range(CLIENTS)]
        for c in clients:
            c.start()
        rss = []  # (seconds since start, MiB)
        while any(c.is_alive() for c in clients):
            rss.append((time.monotonic() - start, server.rss_mib()))
            time.sleep(1)
        elapsed = time.monotonic() - start
        rss.append((elapsed, server.rss_mib()))
    finally:
        server.stop()

    total = sum(len(v) for v in results.values())
    errors = sum(1 for v in results.values() for _, ok, _ in v if not ok)
    after = [m for t, m in rss if t >= WARMUP]
    before = [m for t, m in rss if t < WARMUP]
    rows = []
    for op in WEIGHTS:
        samples = results.get(op, [])
        times = [t * 1000 for t, ok, _ in samples if ok]
        failed = [s for _, ok, s in samples if not ok]
        rows.append((op, len(samples), len(samples) / elapsed, statistics.median(times) if times
                     else 0.0, percentile(times, 99), len(failed),
                     sorted(set(failed))))
    timeline = ", ".join(f"{t:.0f} s {m:.0f}" for t, m in rss[::max(1, len(rss) // 12)])
    growth = (after[-1] - after[0]) if len(after) >= 2 else 0.0
    peak_after = max(after) if after else 0.0
    peak_before = max(before) if before else 0.0

    lines = [f"{op}: {n} requests, {rate:.1f}/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
             f"{bad} failed {codes}" for op, n, rate, p50, p99, bad, codes in rows]
    print("\n".join(lines))
    print(f"total {total} requests in {elapsed:.1f} s ({total / elapsed:.1f}/s), {errors} failed")
    print(f"server RSS (MiB): {timeline}")

    section = [
        "<!-- BEGIN mixed (written by tests/bench/mixed_bench.py) -->",
        "## Mixed load: a server under pushes, pulls, reads, diffs and compile requests",
        "",
        f"`python3 tests/bench/mixed_bench.py build` (DURATION={DURATION:.0f}, CLIENTS={CLIENTS}), "
        f"{date.today().isoformat()}, {benchlib.machine()}; load average "
        f"{benchlib.load_average():.2f} at the end. One release spoke-server on SQLite with its "
        "defaults; the clients (Python threads, one keep-alive connection each) run on the same "
        f"two CPUs. Module `base` holds {BASE_VERSIONS} versions of {len(base) + 1} files "
        "(google/api, rpc, type, longrunning of googleapis 6.0.1 and one growing file); each "
        "client pushes versions of its own module and asks for code of them "
        f"({', '.join(languages)}).",
        "",
        "| operation | share | requests | per second | p50 | p99 | failed |",
        "|---|---|---|---|---|---|---|",
    ]
    for op, n, rate, p50, p99, bad, codes in rows:
        share = 100.0 * WEIGHTS[op] / sum(WEIGHTS.values())
        section.append(f"| {op} | {share:.0f}% | {n} | {rate:.1f} | {p50:.1f} ms | "
                       f"{p99:.1f} ms | {bad}{' ' + str(codes) if codes else ''} |")
    section += [
        f"| all | | {total} | {total / elapsed:.1f} | | | {errors} |",
        "",
        f"Server RSS (MiB, seconds since the load started): {timeline}. Peak "
        f"{peak_before:.0f} MiB in the first {WARMUP:.0f} s, {peak_after:.0f} MiB after; from "
        f"{WARMUP:.0f} s to the end it moved by {growth:+.0f} MiB.",
        "<!-- END mixed -->",
    ]
    if WRITE_DOC:
        benchlib.write_section(DOC, "mixed", "\n".join(section))
    else:
        print("\n".join(section))


if __name__ == "__main__":
    main()
