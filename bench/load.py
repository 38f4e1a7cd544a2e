"""Loopback load test: many sessions moving sliders on the lesson pages, speaking Streamlit's own protocol.

Each session is a websocket client, as a browser tab would be: it loads a lesson page and asks
/_stcore/health over HTTP (keeping the cookies: a balancer's affinity cookie, Streamlit's XSRF cookie), opens
the websocket with those cookies and the XSRF token, runs the page (the sessions join over the first seconds,
a warm-up that is not timed), then moves that page's slider to a new value every 0.5–1.5 s and times each
rerun until the server says the script finished. Halfway through, one extra session starts the heaviest
request there is (the batched lab's largest batch, again and again), so the other sessions' latency is
measured with and without it (--no-heavy leaves it out). The servers' resident memory is sampled every 2 s.
Prints errors, the sessions served, p50/p95 latency before and during the heavy work, and the memory over time.

    python3 bench/load.py [--sessions 30] [--seconds 60] [--no-heavy]
    python3 bench/load.py --url http://127.0.0.1:8600 [--pid PID ...]

Without --url it starts its own server on 127.0.0.1 and samples its memory; with --url it drives a server or
balancer that is already running (deploy/classroom.py, say) and samples the memory of each --pid given.
Bounded: at most 200 sessions and 300 s, and each rerun is given up (counted as an error) after 60 s.
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import random
import statistics
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devtools.local_app import start_streamlit

PAGES = [("sigmoid-bce", "target y"), ("softmax-ce", "temperature T"), ("soft-targets", "target y")]
"""(page, slider label). The lessons' own sliders (the logits, the prediction, the mix) live in their live panels
(ui/live_panel.py), which the browser moves without the server; these are server sliders, and each of their moves
rebuilds a panel's table."""
MAX_SESSIONS, MAX_SECONDS = 200, 300
RERUN_TIMEOUT_S, HTTP_TIMEOUT_S = 60.0, 30.0
XSRF_COOKIE = "_streamlit_xsrf"


@dataclass
class Results:
    before: list[float] = field(default_factory=list)
    during: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    served: int = 0
    """Sessions that opened their page and had every slider move they sent answered."""
    heavy_runs: int = 0
    heavy_started: float = float("inf")
    memory: dict[str, list[tuple[float, int]]] = field(default_factory=dict)
    """Resident memory in KiB over time (seconds from the start), per sampled process."""

    @property
    def latencies(self) -> list[float]:
        return self.before + self.during


async def rerun(
    socket, page: str, widgets: list | None = None, query: str = "", fragment: str = ""
) -> tuple[dict, list[str]]:
    """Send one rerun (of one fragment, as a browser does for a slider inside it); read until the script
    finishes. Returns the widgets seen, by label, as (widget, id of the fragment holding it), and any errors."""
    message = BackMsg()
    message.rerun_script.page_name = page
    message.rerun_script.query_string = query
    message.rerun_script.fragment_id = fragment
    for widget in widgets or []:
        message.rerun_script.widget_states.widgets.append(widget)
    await socket.send(message.SerializeToString())
    seen, errors = {}, []
    while True:
        reply = ForwardMsg()
        reply.ParseFromString(await socket.recv())
        kind = reply.WhichOneof("type")
        if kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
            element = reply.delta.new_element
            name = element.WhichOneof("type")
            if name == "exception":
                errors.append(element.exception.message)
            elif name in ("slider", "button"):
                widget = getattr(element, name)
                seen[widget.label] = (widget, reply.delta.fragment_id)
        elif kind == "script_finished":
            if reply.script_finished not in (
                ForwardMsg.FINISHED_SUCCESSFULLY,
                ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
            ):
                errors.append(f"script finished with status {reply.script_finished}")
            return seen, errors


def _fetch(opener: urllib.request.OpenerDirector, url: str) -> None:
    with opener.open(url, timeout=HTTP_TIMEOUT_S) as response:
        response.read()


async def connect(http_url: str, page: str):
    """Open a session as a browser tab does, so that a balancer keeps its HTTP requests and its websocket on one
    replica: load the page (a balancer sets its affinity cookie), ask /_stcore/health (Streamlit sets its XSRF
    cookie), then open the websocket sending both cookies, and the XSRF token as Streamlit's frontend does."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    await asyncio.to_thread(_fetch, opener, f"{http_url}/{page}")
    await asyncio.to_thread(_fetch, opener, f"{http_url}/_stcore/health")
    cookies = {cookie.name: cookie.value for cookie in jar}
    return websockets.connect(
        http_url.replace("http", "ws", 1) + "/_stcore/stream",
        subprotocols=["streamlit", cookies[XSRF_COOKIE]] if XSRF_COOKIE in cookies else ["streamlit"],
        origin=http_url,
        additional_headers={"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())},
        max_size=None,
    )


async def slider_session(
    url: str, page: str, label: str, start_at: float, measure_from: float, deadline: float, results: Results
) -> None:
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    try:
        async with await connect(url, page) as socket:
            seen, errors = await asyncio.wait_for(rerun(socket, page), RERUN_TIMEOUT_S)
            results.errors += errors
            slider, fragment = seen[label]
            low, high = slider.min, slider.max
            while time.monotonic() < deadline:
                await asyncio.sleep(random.uniform(0.5, 1.5))
                state = BackMsg().rerun_script.widget_states.widgets.add()
                state.id = slider.id
                state.double_array_value.data.append(
                    round(random.uniform(low + 0.1 * (high - low), high - 0.1 * (high - low)), 2)
                )
                start = time.monotonic()
                _, errors = await asyncio.wait_for(rerun(socket, page, [state], fragment=fragment), RERUN_TIMEOUT_S)
                elapsed = time.monotonic() - start
                results.errors += errors
                if start >= measure_from:
                    (results.during if start >= results.heavy_started else results.before).append(elapsed)
        results.served += 1
    except (OSError, TimeoutError, KeyError, websockets.exceptions.WebSocketException) as error:
        results.errors.append(f"{page} session: {type(error).__name__}: {error}")


async def heavy_session(url: str, start_at: float, deadline: float, results: Results) -> None:
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    query = "n=10000000"
    try:
        async with await connect(url, f"batched?{query}") as socket:
            seen, errors = await rerun(socket, "batched", query=query)
            results.heavy_started = time.monotonic()
            while time.monotonic() < deadline:
                press = BackMsg().rerun_script.widget_states.widgets.add()
                press.id = seen["Run the batch"][0].id
                press.trigger_value = True
                _, errors = await asyncio.wait_for(rerun(socket, "batched", [press], query), RERUN_TIMEOUT_S)
                results.errors += errors
                results.heavy_runs += 1
    except (OSError, TimeoutError, KeyError, websockets.exceptions.WebSocketException) as error:
        results.errors.append(f"heavy session: {type(error).__name__}: {error}")


def resident_kib(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), None)


async def sample_memory(pids: dict[str, int], deadline: float, memory: dict[str, list[tuple[float, int]]]) -> None:
    """Every 2 s, each process's resident memory; a process that is gone (a killed replica) is skipped."""
    start = time.monotonic()
    while time.monotonic() < deadline:
        for name, pid in pids.items():
            if (rss := resident_kib(pid)) is not None:
                memory.setdefault(name, []).append((time.monotonic() - start, rss))
        await asyncio.sleep(2.0)


def default_warm_up(seconds: float) -> float:
    return min(15.0, seconds / 4)


async def drive(
    url: str,
    sessions: int,
    seconds: float,
    heavy: bool = True,
    pids: dict[str, int] | None = None,
    warm_up: float | None = None,
) -> Results:
    """Run ``sessions`` slider sessions (and, if ``heavy``, the heavy user) against the server at ``url`` for
    ``seconds`` in all; the sessions join over the first half of the ``warm_up``, which is not timed."""
    sessions, seconds = min(sessions, MAX_SESSIONS), min(seconds, MAX_SECONDS)
    warm_up = default_warm_up(seconds) if warm_up is None else min(warm_up, seconds / 2)
    results = Results()
    start = time.monotonic()
    deadline = start + seconds
    tasks = [
        slider_session(
            url, *PAGES[index % len(PAGES)], start + warm_up * index / sessions / 2, start + warm_up, deadline, results
        )
        for index in range(sessions)
    ]
    if heavy:
        tasks.append(heavy_session(url, start + warm_up + (seconds - warm_up) / 2, deadline, results))
    tasks.append(sample_memory(pids or {}, deadline, results.memory))
    await asyncio.gather(*tasks)
    return results


def summary(latencies: list[float]) -> str:
    if len(latencies) < 2:
        return "n/a"
    cut = statistics.quantiles(latencies, n=100, method="inclusive")
    return f"{len(latencies)} moves, p50 {cut[49] * 1e3:.0f} ms, p95 {cut[94] * 1e3:.0f} ms"


def report(results: Results, sessions: int, seconds: float, where: str) -> None:
    warm_up = default_warm_up(seconds)
    print(
        f"{sessions} sessions moving sliders for {seconds:.0f} s on {where} (fragment reruns, 0.5–1.5 s apart; "
        f"sessions join over the first {warm_up / 2:.0f} s and the first {warm_up:.0f} s are not timed):"
    )
    print(f"  errors: {len(results.errors)}" + (f" (first: {results.errors[0][:120]})" if results.errors else ""))
    print(f"  sessions served: {results.served} of {sessions}")
    if results.heavy_started < float("inf"):
        print(f"  before the heavy user: {summary(results.before)}")
        print(f"  while one user runs 10^7-element batches ({results.heavy_runs} runs): {summary(results.during)}")
    else:
        print(f"  latency: {summary(results.latencies)}")
    for name, samples in results.memory.items():
        every_10_s = [f"{rss / 1024:.0f}" for elapsed, rss in samples if round(elapsed) % 10 == 0]
        print(f"  {name} RSS every 10 s (MiB): {', '.join(every_10_s)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--heavy", action=argparse.BooleanOptionalAction, default=True, help="add the heavy user")
    parser.add_argument("--url", help="a running server or balancer, e.g. http://127.0.0.1:8600 (else start one)")
    parser.add_argument("--pid", type=int, action="append", default=[], help="with --url: a process to sample")
    args = parser.parse_args()
    sessions, seconds = min(args.sessions, MAX_SESSIONS), min(args.seconds, MAX_SECONDS)
    if args.url:
        url, pids, server = args.url.rstrip("/"), {f"pid {pid}": pid for pid in args.pid}, None
    else:
        server, url = start_streamlit("app.py")
        pids = {"server": server.pid}
    try:
        results = asyncio.run(drive(url, sessions, seconds, args.heavy, pids))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    report(results, sessions, seconds, url)


if __name__ == "__main__":
    main()
