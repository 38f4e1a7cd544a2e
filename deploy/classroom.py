"""One command for a class: N Streamlit replicas of the app on loopback, and HAProxy in front of them.

    python3 deploy/classroom.py --replicas 2 --port 8600 [--address 127.0.0.1] [--backend HOST:PORT ...]

Starts the replicas on free 127.0.0.1 ports and HAProxy (Debian's haproxy package) on ADDRESS:PORT, with the
configuration rendered from haproxy.cfg.template (beside this file) into a temporary folder, and prints the
address to open. The replicas and HAProxy are child processes: a replica that exits is started again on its
port after a back-off (1 s, doubling up to 30 s while it keeps dying), and HAProxy sends visitors to it again
once its /_stcore/health passes. Ctrl-C or SIGTERM stops everything this command started; the children also get
SIGTERM from the kernel if this command itself is killed.

Every replica gets the same cookie secret (STREAMLIT_SERVER_COOKIE_SECRET from the environment, else a new one
for this start), so cookies Streamlit signs on one replica are valid on the others. Each --backend adds a
replica running on another machine (started there with the same STREAMLIT_SERVER_COOKIE_SECRET) to HAProxy's
list; this command health-checks it through HAProxy but does not start or restart it.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("haproxy.cfg.template")
FIRST_BACKOFF_S, MAX_BACKOFF_S = 1.0, 30.0
STABLE_AFTER_S = 60.0
"""A replica that ran this long before exiting is started again after the first back-off, not a longer one."""
START_TIMEOUT_S, STOP_TIMEOUT_S = 120.0, 10.0
PR_SET_PDEATHSIG = 1


def render_config(bind: str, servers: list[tuple[str, str]]) -> str:
    """HAProxy's configuration for a frontend on ``bind`` and one backend server per (name, host:port)."""
    lines = [f"    server {name} {address} cookie {name}" for name, address in servers]
    return string.Template(TEMPLATE.read_text()).substitute(bind=bind, servers="\n".join(lines))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _die_with_parent() -> None:
    """Runs in each child just before it starts: the kernel sends it SIGTERM when this command dies."""
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(command: list[str], **options) -> subprocess.Popen:
    """A child in a process group of its own: a Ctrl-C in the terminal reaches only this command, which then stops
    its children itself, HAProxy and the replicas alike."""
    return subprocess.Popen(
        command, cwd=ROOT, process_group=0, preexec_fn=_die_with_parent if sys.platform == "linux" else None, **options
    )


def restart_delay(failures: int) -> float:
    """The back-off before starting a replica again after ``failures`` exits in a row (1 s, doubling, at most 30 s)."""
    return min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2 ** (failures - 1))


class Replica:
    """One Streamlit process of the app on a fixed loopback port, started again with a back-off when it exits."""

    def __init__(self, name: str, port: int, cookie_secret: str):
        self.name, self.port = name, port
        self.environment = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret}
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        self.failures = 0
        self.restart_at = 0.0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [sys.executable, "-m", "streamlit", "run", "app.py"]
        command += ["--server.port", str(self.port), "--server.address", "127.0.0.1"]
        self.process = spawn(command, env=self.environment, stdout=subprocess.DEVNULL)
        self.started_at = time.monotonic()

    def keep_running(self) -> None:
        """Notice an exit and schedule the restart, or restart once the back-off has passed."""
        now = time.monotonic()
        if self.process is not None:
            code = self.process.poll()
            if code is None:
                return
            self.failures = 1 if now - self.started_at >= STABLE_AFTER_S else self.failures + 1
            delay = restart_delay(self.failures)
            self.process, self.restart_at = None, now + delay
            say(f"replica {self.name} exited with code {code}; starting it again in {delay:.0f} s")
        elif now >= self.restart_at:
            self.start()
            say(f"replica {self.name} started again (pid {self.process.pid}); back in HAProxy once it is healthy")


def say(line: str) -> None:
    print(line, flush=True)


def answers_health(address: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://{address}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def accepts_connections(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


class Stopped(Exception):
    """Ctrl-C or SIGTERM arrived while the class was starting."""


def wait_until(ready, processes: list[subprocess.Popen], stopping: threading.Event, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not ready():
        if stopping.is_set():
            raise Stopped
        if any(process.poll() is not None for process in processes):
            raise RuntimeError(f"{what}: a process exited while starting")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not ready after {START_TIMEOUT_S:.0f} s")
        time.sleep(0.2)


def stop(processes: list[subprocess.Popen]) -> None:
    """SIGTERM to each, then SIGKILL to any still running after STOP_TIMEOUT_S."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for process in processes:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def host_and_port(text: str) -> str:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT")
    return text


def serve(arguments: argparse.Namespace, haproxy: str, stopping: threading.Event) -> int:
    secret = os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET") or secrets.token_hex(32)
    replicas = [Replica(f"r{index + 1}", free_port(), secret) for index in range(arguments.replicas)]
    remote = [(f"r{len(replicas) + index + 1}", address) for index, address in enumerate(arguments.backend)]
    everywhere = arguments.address in ("0.0.0.0", "")
    balancer = None
    with tempfile.TemporaryDirectory(prefix="logitlab-classroom-") as folder:
        config = Path(folder) / "haproxy.cfg"
        servers = [(replica.name, replica.address) for replica in replicas] + remote
        config.write_text(render_config(f"{arguments.address}:{arguments.port}", servers))
        check = subprocess.run([haproxy, "-c", "-q", "-f", str(config)], capture_output=True, text=True)
        if check.returncode != 0:
            say(f"HAProxy rejected the configuration:\n{check.stdout}{check.stderr}")
            return 1
        try:
            for replica in replicas:
                replica.start()
            started = [replica.process for replica in replicas]
            for replica in replicas:
                wait_until(lambda r=replica: answers_health(r.address), started, stopping, f"replica {replica.name}")
            balancer = spawn([haproxy, "-db", "-f", str(config)])
            local = "127.0.0.1" if everywhere else arguments.address
            wait_until(lambda: accepts_connections(local, arguments.port), [balancer], stopping, "HAProxy")
            shown = socket.gethostname() if everywhere else arguments.address
            say(f"Logit Lab for a class: http://{shown}:{arguments.port}  (Ctrl-C stops it)")
            for replica in replicas:
                say(f"  replica {replica.name}: http://{replica.address} (pid {replica.process.pid})")
            for name, address in remote:
                say(f"  replica {name}: http://{address} (on another machine, not started here)")
            while not stopping.wait(0.5):
                if balancer.poll() is not None:
                    say(f"HAProxy exited with code {balancer.returncode}; stopping the replicas")
                    return 1
                for replica in replicas:
                    replica.keep_running()
            return 0
        except Stopped:
            return 0
        except RuntimeError as error:
            say(f"Could not start the class: {error}")
            return 1
        finally:
            stop(([balancer] if balancer else []) + [replica.process for replica in replicas if replica.process])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", type=int, default=2, help="Streamlit processes on this machine (default 2)")
    parser.add_argument("--port", type=int, default=8600, help="the port students open (default 8600)")
    parser.add_argument("--address", default="127.0.0.1", help="where HAProxy listens (0.0.0.0: every address)")
    parser.add_argument(
        "--backend", action="append", default=[], type=host_and_port, metavar="HOST:PORT",
        help="a replica on another machine; repeat for each",
    )  # fmt: skip
    arguments = parser.parse_args()
    if arguments.replicas < 0 or arguments.replicas + len(arguments.backend) == 0:
        parser.error("give at least one replica (--replicas) or one --backend")
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(haproxy).exists():
        parser.error("HAProxy is not installed (apt-get install -y haproxy)")
    stopping = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stopping.set())
    return serve(arguments, haproxy, stopping)


if __name__ == "__main__":
    sys.exit(main())
