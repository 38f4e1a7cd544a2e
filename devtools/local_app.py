"""Starting a Streamlit script, or a whole classroom (deploy/classroom.py), on 127.0.0.1, and the flags Debian's
Chromium needs here.

Shared by the tests and the benchmarks: every server listens on loopback only, on a free port, and a Streamlit
server is ready once ``/_stcore/health`` answers, a classroom once it has printed its address.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
"""Without the background-networking flags Chromium keeps trying hosts this machine cannot reach."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_streamlit(script: str, timeout: float = 60.0) -> tuple[subprocess.Popen, str]:
    """Run ``script`` (relative to the project root) on a free loopback port; return the process and its URL."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return server, url
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError(f"{script} did not answer /_stcore/health within {timeout:.0f} s")


HAPROXY = Path(shutil.which("haproxy") or "/usr/sbin/haproxy")


@dataclass
class Classroom:
    """A running ``deploy/classroom.py``: the balancer's URL and each replica's loopback port, by server name."""

    process: subprocess.Popen
    url: str
    ports: dict[str, int]
    output: Path

    def replica_pid(self, name: str) -> int | None:
        """The pid of the replica called ``name`` now (it changes when the replica is started again)."""
        flag = f"--server.port\0{self.ports[name]}\0"
        return next((pid for pid in child_pids(self.process.pid) if flag in command_line(pid)), None)

    def stop(self, timeout: float = 30.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout)
        self.output.unlink(missing_ok=True)


def start_classroom(replicas: int, environment: dict[str, str] | None = None, timeout: float = 120.0) -> Classroom:
    """Start ``deploy/classroom.py --replicas N`` on a free loopback port (with ``environment`` added to this
    process's); return once it has printed its address and its replicas."""
    output = Path(tempfile.mkstemp(prefix="logitlab-classroom-", suffix=".log")[1])
    port = free_port()
    command = [sys.executable, "deploy/classroom.py", "--replicas", str(replicas), "--port", str(port)]
    with output.open("w") as sink:
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, env={**os.environ, **(environment or {})}
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        listed = re.findall(r"replica (r\d+): http://127\.0\.0\.1:(\d+)", output.read_text())
        ports = {name: int(replica_port) for name, replica_port in listed}
        if len(ports) == replicas:
            return Classroom(process, f"http://127.0.0.1:{port}", ports, output)
        time.sleep(0.3)
    process.kill()
    process.wait()
    raise RuntimeError(f"deploy/classroom.py did not start within {timeout:.0f} s:\n{output.read_text()}")


def child_pids(pid: int) -> list[int]:
    """The processes whose parent is ``pid``, from /proc (Linux)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def descendant_pids(pid: int) -> list[int]:
    found, frontier = [], [pid]
    while frontier:
        children = child_pids(frontier.pop())
        found += children
        frontier += children
    return found


def command_line(pid: int) -> str:
    """The process's arguments joined by NUL bytes, and a final one; empty when it is gone."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def is_running(pid: int) -> bool:
    """Whether ``pid`` is a live process (not gone, not a zombie waiting for its parent)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False
