"""Starting a Streamlit script on 127.0.0.1, and the flags Debian's Chromium needs here.

Shared by the browser tests and the benchmarks: the server listens on loopback only, on a free port,
and is ready once ``/_stcore/health`` answers.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
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


def start_streamlit(script: str, timeout: float = 60.0) -> tuple[subprocess.Popen, str]:
    """Run ``script`` (relative to the project root) on a free loopback port; return the process and its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
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
