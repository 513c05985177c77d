"""What the Python benchmarks share: the googleapis corpus, buf, a spoke-server on ephemeral
ports, timing a command, describing the machine, writing a section of docs/benchmarks.md."""

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def build_dir():
    return os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "build"))


def shared_dir():
    return os.environ.get("SPOKE_SHARED_DIR", os.path.join(REPO, "..", "shared"))


def corpus_dir(build, version):
    """googleapis `version` under BUILD/corpus, fetched through ../shared when missing (as the
    tests do)."""
    path = os.path.join(build, "corpus", f"googleapis-{version}")
    if os.path.isdir(path) and len(proto_files(path)) >= 1000:
        return path
    fetch = os.path.join(shared_dir(), "corpus", "fetch-googleapis.sh")
    if not os.path.isfile(fetch):
        sys.exit(f"bench: {fetch} is absent and {path} does not exist")
    staging = path + ".partial"
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    subprocess.run(["bash", fetch, staging, version], check=True, stdout=subprocess.DEVNULL)
    shutil.rmtree(path, ignore_errors=True)
    os.rename(staging, path)
    return path


def proto_files(root):
    out = []
    for d, dirs, names in os.walk(root):
        dirs[:] = [x for x in dirs if not x.startswith(".")]
        for n in names:
            if n.endswith(".proto"):
                out.append(os.path.relpath(os.path.join(d, n), root))
    return sorted(out)


# The googleapis subset a few benchmarks push many times: google/api, rpc, type and longrunning.
SUBSET = ("google/api", "google/rpc", "google/type", "google/longrunning")


def subset_files(build, version="6.0.1"):
    """The SUBSET files of googleapis `version` as push request files ({"path", "content"})."""
    corpus = corpus_dir(build, version)
    files = []
    for rel in proto_files(corpus):
        if os.path.dirname(rel) in SUBSET:
            with open(os.path.join(corpus, rel)) as f:
                files.append({"path": rel, "content": f.read()})
    return files


def buf_binary(build):
    """buf from npm @bufbuild/buf, installed once under BUILD/bench-cache/buf."""
    buf_dir = os.path.join(build, "bench-cache", "buf")
    buf = os.path.join(buf_dir, "node_modules", ".bin", "buf")
    if not os.access(buf, os.X_OK):
        os.makedirs(buf_dir, exist_ok=True)
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "@bufbuild/buf"],
                       cwd=buf_dir, check=True, stdout=subprocess.DEVNULL)
    return buf


def measure(argv, cwd=None, env=None, stdout=None):
    """(wall seconds, peak RSS in MiB, exit code) of one command; its output is discarded unless
    `stdout` is a file to write it to."""
    start = time.monotonic()
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL
    try:
        p = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
    finally:
        if stdout:
            out.close()
    wall = time.monotonic() - start
    return wall, usage.ru_maxrss / 1024.0, os.waitstatus_to_exitcode(status)


class Server:
    """A spoke-server on ephemeral ports with its data under `root` (kept across restarts)."""

    def __init__(self, build, root, extra_args=()):
        self.server = os.path.join(build, "server", "spoke-server")
        self.root = root
        self.extra_args = list(extra_args)
        self.start()

    def start(self):
        ports = os.path.join(self.root, "ports")
        if os.path.exists(ports):
            os.remove(ports)
        os.makedirs(self.root, exist_ok=True)
        self.proc = subprocess.Popen(
            [self.server, "--host", "127.0.0.1", "--port", "0", "--health-port", "0",
             "--port-file", ports, "--storage-dir", os.path.join(self.root, "data"),
             "--no-access-log"] + self.extra_args,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not (os.path.exists(ports) and os.path.getsize(ports) > 0):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                sys.exit("bench: spoke-server did not start")
            time.sleep(0.05)
        with open(ports) as f:
            self.url = "http://127.0.0.1:" + f.read().split()[0]

    def restart(self):
        self.stop()
        self.start()

    def rss_mib(self, field="VmRSS"):
        with open(f"/proc/{self.proc.pid}/status") as f:
            m = re.search(field + r":\s+(\d+) kB", f.read())
        return int(m.group(1)) / 1024.0 if m else 0.0

    def request(self, method, path, body=None, timeout=3600):
        """(wall seconds, status, response body) of one HTTP request; `body` is sent as JSON."""
        data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) \
            else body
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        start = time.monotonic()
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                payload, status = resp.read(), resp.status
        except urllib.error.HTTPError as e:
            payload, status = e.read(), e.code
        return time.monotonic() - start, status, payload

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=120)


def machine():
    """One line: CPU, CPUs, memory, kernel, and the load average now."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"model name\s*:\s*(.+)", f.read())
            cpu = m.group(1).strip() if m else cpu
        with open("/proc/meminfo") as f:
            mem = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1)) / 2**20
    except OSError:
        mem = 0
    return (f"{cpu}, {os.cpu_count()} CPUs, {mem:.0f} GiB, Linux {platform.release()}")


def load_average():
    return os.getloadavg()[0]


def write_section(doc, name, section):
    """Replaces the section between `<!-- BEGIN name` and `<!-- END name -->` in `doc` (appends
    it when absent)."""
    text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n"
    pattern = re.compile(r"<!-- BEGIN " + re.escape(name) + r".*?<!-- END " + re.escape(name) +
                         r" -->", re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else \
        text.rstrip("\n") + "\n\n" + section + "\n"
    with open(doc, "w") as f:
        f.write(text)
    print(f"wrote {doc}")
