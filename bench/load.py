"""Loopback load test: many sessions moving sliders on the lesson pages, speaking Streamlit's own protocol.

Each session is a websocket client, as a browser tab would be: it opens a lesson page (the sessions join
over the first seconds, a warm-up that is not timed), then moves that page's slider to a new value every
0.5–1.5 s and times each rerun until the server says the script
finished. Halfway through, one extra session starts the heaviest request there is (the batched lab's
largest batch, again and again), so the other sessions' latency is measured with and without it. The
server's resident memory is sampled every 2 s. Prints errors, p50/p95 latency before and during the
heavy work, and the memory over time.

    python3 bench/load.py [--sessions 30] [--seconds 60]

Bounded: at most 100 sessions and 300 s, and it only ever talks to the server it starts on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devtools.local_app import start_streamlit

PAGES = [("sigmoid-bce", "target y"), ("softmax-ce", "z0"), ("soft-targets", "prediction p")]
"""(page, slider label). Sigmoid & BCE's logit z lives in its live panel (ui/live_panel.py), which the browser
moves without the server; its target y is a server slider, and each of its moves rebuilds the panel's grid."""
MAX_SESSIONS, MAX_SECONDS = 100, 300


@dataclass
class Results:
    before: list[float] = field(default_factory=list)
    during: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    heavy_runs: int = 0
    heavy_started: float = float("inf")


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


async def slider_session(
    url: str, page: str, label: str, start_at: float, measure_from: float, deadline: float, results: Results
) -> None:
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    async with websockets.connect(
        url, subprotocols=["streamlit"], origin=url.replace("ws", "http"), max_size=None
    ) as socket:
        seen, errors = await rerun(socket, page)
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
            _, errors = await rerun(socket, page, [state], fragment=fragment)
            elapsed = time.monotonic() - start
            results.errors += errors
            if start >= measure_from:
                (results.during if start >= results.heavy_started else results.before).append(elapsed)


async def heavy_session(url: str, start_at: float, deadline: float, results: Results) -> None:
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    async with websockets.connect(
        url, subprotocols=["streamlit"], origin=url.replace("ws", "http"), max_size=None
    ) as socket:
        query = "n=10000000"
        seen, errors = await rerun(socket, "batched", query=query)
        results.heavy_started = time.monotonic()
        while time.monotonic() < deadline:
            press = BackMsg().rerun_script.widget_states.widgets.add()
            press.id = seen["Run the batch"][0].id
            press.trigger_value = True
            _, errors = await rerun(socket, "batched", [press], query)
            results.errors += errors
            results.heavy_runs += 1


async def sample_memory(pid: int, deadline: float, samples: list[tuple[float, int]]) -> None:
    start = time.monotonic()
    while time.monotonic() < deadline:
        status = Path(f"/proc/{pid}/status").read_text()
        rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
        samples.append((time.monotonic() - start, rss))
        await asyncio.sleep(2.0)


def summary(latencies: list[float]) -> str:
    if len(latencies) < 2:
        return "n/a"
    cut = statistics.quantiles(latencies, n=100, method="inclusive")
    return f"{len(latencies)} moves, p50 {cut[49] * 1e3:.0f} ms, p95 {cut[94] * 1e3:.0f} ms"


async def main(sessions: int, seconds: float) -> None:
    server, http_url = start_streamlit("app.py")
    url = http_url.replace("http", "ws") + "/_stcore/stream"
    try:
        results, memory = Results(), []
        start = time.monotonic()
        deadline = start + seconds
        warm_up = min(15.0, seconds / 4)
        tasks = [
            slider_session(
                url,
                *PAGES[index % len(PAGES)],
                start + warm_up * index / sessions / 2,
                start + warm_up,
                deadline,
                results,
            )
            for index in range(sessions)
        ]
        heavy_from = start + warm_up + (seconds - warm_up) / 2
        tasks += [heavy_session(url, heavy_from, deadline, results), sample_memory(server.pid, deadline, memory)]
        await asyncio.gather(*tasks)
    finally:
        server.terminate()
    print(
        f"{sessions} sessions moving sliders for {seconds:.0f} s on 127.0.0.1 (fragment reruns, 0.5–1.5 s apart; "
        f"sessions join over the first {warm_up / 2:.0f} s and the first {warm_up:.0f} s are not timed):"
    )
    print(f"  errors: {len(results.errors)}" + (f" (first: {results.errors[0][:120]})" if results.errors else ""))
    print(f"  before the heavy user: {summary(results.before)}")
    print(f"  while one user runs 10^7-element batches ({results.heavy_runs} runs): {summary(results.during)}")
    every_10_s = [f"{rss / 1024:.0f}" for elapsed, rss in memory if round(elapsed) % 10 == 0]
    print(f"  server RSS every 10 s (MiB): {', '.join(every_10_s)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    asyncio.run(main(min(args.sessions, MAX_SESSIONS), min(args.seconds, MAX_SECONDS)))
