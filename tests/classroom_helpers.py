"""Talking to a classroom (deploy/classroom.py) as its visitors do: which replica the balancer sends a browser
to, a first page run on each replica, and the status codes new visitors get."""

import asyncio
import concurrent.futures
import os
import threading
import time
import urllib.error
import urllib.request

import pytest

from bench.load import connect, rerun
from devtools.local_app import HAPROXY


def require_haproxy() -> None:
    """Skip where Debian's haproxy is missing, except under CI (CI=true), where .ci/run installs it first."""
    if not HAPROXY.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs Debian's haproxy at /usr/sbin/haproxy (.ci/run installs it)")
        pytest.skip("Debian's haproxy is not installed (apt-get install -y haproxy)")


def served_by(url: str, name: str) -> bool:
    """Whether the balancer sends a browser whose affinity cookie names replica ``name`` to that replica.

    HAProxy sets no new affinity cookie when the replica named by the browser's cookie served the request; when
    that replica is out, the request goes to another one, which hands the browser a cookie naming it."""
    request = urllib.request.Request(f"{url}/_stcore/health", headers={"Cookie": f"SERVERID={name}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            cookies = response.headers.get_all("Set-Cookie") or []
            return response.status == 200 and not any(cookie.startswith("SERVERID=") for cookie in cookies)
    except OSError:
        return False


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.2)


def open_home_page(replica_url: str) -> None:
    """Run the home page once on a replica, as a class under way has done: a replica's first run imports torch and
    fills its caches, which takes seconds here."""

    async def visit() -> None:
        async with await connect(replica_url, "") as socket:
            await asyncio.wait_for(rerun(socket, ""), 120)

    run_async(visit())


def run_async(coroutine):
    """Run ``coroutine`` to its end in a thread of its own: Playwright's sync API keeps an event loop running in
    this one once a browser test has started."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class NewVisitors:
    """A thread asking the balancer for the home page and its health, without cookies, every 100 ms: the status
    of each answer (0 for no answer at all), until stopped."""

    def __init__(self, url: str):
        self.url, self.statuses = url, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._visit, daemon=True)

    def __enter__(self) -> "NewVisitors":
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _visit(self) -> None:
        for path in ["/", "/_stcore/health"] * 1000:
            if self._stop.wait(0.1):
                return
            try:
                with urllib.request.urlopen(self.url + path, timeout=5) as response:
                    self.statuses.append(response.status)
            except urllib.error.HTTPError as error:
                self.statuses.append(error.code)
            except OSError:
                self.statuses.append(0)
