"""A real Milvus standalone server for the tests: PyPI's `milvus` package (2.3.x) ships one
(`milvus-server --data DIR`, its own etcd and local storage inside). Started once per session on
free ports in a temporary directory; the tests that take it skip, naming why, when the package is
not installed or the server is not up in time."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT_S = 90.0
# every port the server's config template takes (its REST port it finds free by itself)
PORT_OPTIONS = ("etcd", "root-coord", "proxy", "proxy-internal", "query-coord", "query-node",
                "index-coord", "index-node", "data-coord", "data-node")


@dataclass
class MilvusServer:
    """A running server: `uri` is what YANBAO_MILVUS_URI takes."""

    proc: subprocess.Popen
    uri: str
    data_dir: Path
    start_s: float  # seconds from launch until a client could list collections

    def log_tail(self, chars: int = 2000) -> str:
        logs = self.data_dir / "logs"
        text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(logs.glob("milvus-*.log"))) \
            if logs.is_dir() else ""
        return text[-chars:]

    def stop(self) -> None:
        """SIGINT makes the wrapper stop the server it started; its process group is killed after
        10 s if anything of it is still there (the group is the server's own: start_new_session)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.proc.poll() is None:
            self.proc.wait(timeout=10)


def missing() -> str | None:
    """Why no server can be started here, or None."""
    if importlib.util.find_spec("milvus") is None:
        return "PyPI package `milvus` (2.3.5, ships milvus-server) is not installed: pip install milvus==2.3.5"
    if importlib.util.find_spec("pymilvus") is None:
        return "pymilvus is not installed"
    return None


def _free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def start(data_dir: Path, timeout_s: float = START_TIMEOUT_S) -> MilvusServer:
    """Start a server in `data_dir` and wait until it answers; RuntimeError (with the end of its
    log) when it exits or is not up within `timeout_s`."""
    from pymilvus import MilvusClient

    ports = dict(zip(PORT_OPTIONS, _free_ports(len(PORT_OPTIONS))))
    args = [sys.executable, "-c", "from milvus import main; main()", "--data", str(data_dir)]
    for name, port in ports.items():
        args += [f"--{name}-port", str(port)]
    began = time.monotonic()
    with open(data_dir.parent / f"{data_dir.name}-wrapper.log", "w", encoding="utf-8") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = MilvusServer(proc, f"http://127.0.0.1:{ports['proxy']}", data_dir, 0.0)
    while time.monotonic() - began < timeout_s:
        if proc.poll() is not None:
            raise RuntimeError(f"milvus-server exited with {proc.returncode}: {server.log_tail()}")
        try:
            client = MilvusClient(uri=server.uri, timeout=2)
            client.list_collections()
            client.close()
            server.start_s = time.monotonic() - began
            return server
        except Exception:  # not listening yet
            time.sleep(1)
    server.stop()
    raise RuntimeError(f"milvus-server not up after {timeout_s:.0f} s: {server.log_tail()}")
