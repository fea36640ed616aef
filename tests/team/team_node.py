"""Real OpenSearch nodes for the team-backend tests: build, start, wait, stop, kill.

Each node is one JVM (packaging/opensearch-node) on loopback with free ports and its data,
logs and ready file under its own work folder. Readiness is the node's own report: it prints
`OPENSEARCH_URL=...` on stdout once the cluster is yellow or green, so the wait blocks on that
pipe (or on the process ending); the guard only stops a hung start from hanging the suite.
"""

from __future__ import annotations

import base64
import json
import os
import selectors
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import urllib3

ROOT = Path(__file__).resolve().parents[2]
NODE_DIR = ROOT / "packaging" / "opensearch-node"
NODE_SH = NODE_DIR / "node.sh"
# A hang guard, not a pace: a cold JVM on a slow runner is ready in well under a minute.
START_GUARD_S = 180.0
# C1 only: the JIT's second tier costs more CPU at start than a test's few requests win back,
# and three JVMs share two cores (a 3-node cluster forms in 7 s instead of 16 s).
TEST_JAVA_OPTS = "-XX:TieredStopAtLevel=1"
STOP_GUARD_S = 60.0

_http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=10, read=120))


class NodeError(RuntimeError):
    """A node that would not build, start or stop; the message carries its log's tail."""


def build() -> None:
    """Compile the launcher unless it is up to date (Maven offline when its cache allows)."""
    if shutil.which("java") is None or shutil.which("mvn") is None:
        raise NodeError("the team-backend tests need Java 17+ and Maven: "
                        "`sh packaging/sysdeps.sh test` (as root) installs them")
    done = subprocess.run(["sh", str(NODE_SH), "build"], capture_output=True, text=True)
    if done.returncode != 0:
        raise NodeError(f"building the OpenSearch test node failed:\n{done.stdout}{done.stderr}")


@dataclass
class Node:
    name: str
    work: Path
    process: subprocess.Popen[bytes]
    url: str = ""
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 30) -> str:
        parts = []
        for path in (self.work / "stderr.log", self.work / "logs" / "opensearch.log"):
            if path.exists():
                text = path.read_text(encoding="utf-8", errors="replace").splitlines()
                parts.append(f"--- {path.name}\n" + "\n".join(text[-lines:]))
        return "\n".join(parts)

    def wait_ready(self, guard_s: float = START_GUARD_S) -> str:
        """Block until the node prints its URL; fail at once if it exits first."""
        assert self.process.stdout is not None
        deadline = time.monotonic() + guard_s
        buffered = b""
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            while b"OPENSEARCH_URL=" not in buffered or not buffered.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(timeout=left):
                    self.kill()
                    raise NodeError(f"{self.name}: not ready after {guard_s:.0f} s\n"
                                    f"{self.log_tail()}")
                chunk = os.read(self.process.stdout.fileno(), 4096)
                if not chunk:
                    self.process.wait()
                    raise NodeError(f"{self.name} exited with {self.process.returncode} "
                                    f"before it was ready\n{self.log_tail()}")
                buffered += chunk
        self.url = buffered.decode().rsplit("OPENSEARCH_URL=", 1)[1].strip()
        self.info = json.loads((self.work / "ready.json").read_text(encoding="utf-8"))
        return self.url

    def stop(self, guard_s: float = STOP_GUARD_S) -> None:
        """SIGTERM (the node closes its indices cleanly), then wait; SIGKILL if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=guard_s)
            except subprocess.TimeoutExpired:
                self.kill()
                raise NodeError(
                    f"{self.name} did not stop on SIGTERM\n{self.log_tail()}") from None
        self._close_pipe()

    def kill(self) -> None:
        """SIGKILL: the node dies as in a crash or a pulled plug (the cluster tests)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._close_pipe()

    def _close_pipe(self) -> None:
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_node(work: Path, *, name: str = "node-1", http_port: int = 0,
               users: Path | None = None, cluster: str | None = None,
               managers: Sequence[str] = (), seeds_dir: Path | None = None,
               settings: Mapping[str, str] | None = None, heap: str = "512m",
               java_opts: str = TEST_JAVA_OPTS) -> Node:
    """Start one node without waiting for it (call `wait_ready`); `build()` must have run."""
    work.mkdir(parents=True, exist_ok=True)
    args = ["sh", str(NODE_SH), "run", "--work", str(work), "--name", name,
            "--http-port", str(http_port), "--exit-with", str(os.getpid())]
    if cluster is not None:
        args += ["--cluster", cluster, "--cluster-managers", ",".join(managers or [name])]
        if seeds_dir is not None:
            seeds_dir.mkdir(parents=True, exist_ok=True)
            args += ["--seeds-dir", str(seeds_dir)]
    if users is not None:
        args += ["--users", str(users)]
    for key, value in (settings or {}).items():
        args += ["--set", f"{key}={value}"]
    env = {**os.environ, "CELLSIGHT_NODE_HEAP": heap, "CELLSIGHT_NODE_JAVA_OPTS": java_opts}
    with (work / "stderr.log").open("wb") as stderr:
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=stderr,
                                   stdin=subprocess.DEVNULL, env=env)
    return Node(name=name, work=work, process=process)


@dataclass(frozen=True)
class SecuredNode:
    """A node with basic auth: `admin` may write, `reader` only read (user, password)."""

    url: str
    admin: tuple[str, str]
    reader: tuple[str, str]


@dataclass
class Cluster:
    name: str
    root: Path
    nodes: list[Node]
    heap: str

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes if node.process.poll() is None]

    def restart(self, index: int) -> Node:
        """Start node `index` again on its old data (after `stop` or `kill`)."""
        old = self.nodes[index]
        node = start_node(old.work, name=old.name, cluster=self.name,
                          managers=[n.name for n in self.nodes],
                          seeds_dir=self.root / "seeds", heap=self.heap)
        self.nodes[index] = node
        node.wait_ready()
        return node

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def start_cluster(root: Path, size: int = 3, *, name: str = "cellsight-cluster",
                  heap: str = "384m") -> Cluster:
    """`size` JVMs on loopback that find each other through the shared seeds folder."""
    names = [f"node-{i + 1}" for i in range(size)]
    nodes = [start_node(root / n, name=n, cluster=name, managers=names,
                        seeds_dir=root / "seeds", heap=heap) for n in names]
    cluster = Cluster(name=name, root=root, nodes=nodes, heap=heap)
    try:
        for node in nodes:
            node.wait_ready()
        status, health = request("GET", f"{nodes[0].url}/_cluster/health",
                                 params={"wait_for_nodes": str(size), "timeout": "60s"})
        if status != 200 or health.get("number_of_nodes") != size:
            raise NodeError(f"cluster did not form: {health}")
    except BaseException:
        for node in nodes:
            node.kill()
        raise
    return cluster


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def request(method: str, url: str, body: Any = None, *, params: Mapping[str, str] | None = None,
            auth: tuple[str, str] | None = None, ndjson: bool = False) -> tuple[int, Any]:
    """One HTTP call: the status and the decoded JSON (or text) answer."""
    headers = {}
    data: bytes | None = None
    if ndjson:
        data = ("\n".join(json.dumps(line, ensure_ascii=False) for line in body) + "\n").encode()
        headers["Content-Type"] = "application/x-ndjson"
    elif body is not None:
        data = json.dumps(body, ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json"
    if auth is not None:
        headers["Authorization"] = basic_auth(*auth)
    if params:
        url += "?" + urlencode(params)
    response = _http.request(method, url, body=data, headers=headers)
    try:
        return response.status, json.loads(response.data)
    except ValueError:
        return response.status, response.data.decode("utf-8", errors="replace")
