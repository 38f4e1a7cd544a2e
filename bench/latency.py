"""Interaction latency in headless Chromium, and server CPU, for each lesson page against a bare Streamlit page.

Each measured slider is one row; all rows stay open in their own tabs and take turns, one key press each per round,
so a change in the shared machine's speed reaches every row alike. For each key press:

- press → shown: from the key press (the keydown event's timestamp) to the frame in which the slider's view shows
  the new value. For a live panel (ui/live_panel.js) that is the animation frame after its input handler, which
  moves every number, marker and bar of the panel at once; for a server slider it is the first change of the
  chart that depends on it (a MutationObserver), as before.
- press → settled: until the page has been quiet (no DOM change) for 0.7 s, the quiet time not counted: the
  server answered and nothing runs any more.
- server CPU per press: the server process's user + system time over the same span.

Then, for each row, one scripted drag of 60 pointer moves in one second (over a third of the track, or more where
fewer steps or pixels would leave moves without a new value): redraws per second (the view's changes during the
drag, over its duration), server messages sent during the drag (a live panel sends none), and server
CPU from the release until settled. The bare page (bench/bare_app.py: one slider, one plotly curve) is measured
the same way; ratios are to its p95.

    python3 bench/latency.py [--moves 30]

Needs Debian's chromium at /usr/bin/chromium. Talks only to servers it starts on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devtools.local_app import CHROMIUM, CHROMIUM_ARGS, start_streamlit

ROWS = [
    ("bare one-slider page", "bare", "", "value", "chart"),
    ("Sigmoid & BCE, logit z (panel)", "app", "/sigmoid-bce", "logit z", "panel"),
    ("Sigmoid & BCE, target y", "app", "/sigmoid-bce?y=0.5", "target y", "settle"),
    ("Softmax & CE, z0 (panel)", "app", "/softmax-ce", "z0", "panel"),
    ("Softmax & CE, temperature T", "app", "/softmax-ce", "temperature T", "settle"),
    ("Soft targets, prediction p (panel)", "app", "/soft-targets", "prediction p", "panel"),
    ("Soft targets, target y", "app", "/soft-targets", "target y", "settle"),
    ("Soft targets, mix m (panel)", "app", "/soft-targets", "prediction q = (1 − m)·uniform + m·t, m =", "panel"),
    ("Soft targets, VAE blur", "app", "/soft-targets", "blur (pixels)", "settle"),
]
"""(name, server, path, slider label, what "shown" waits for: the live panel, the first plotly chart's change, or
only the settled page)."""
QUIET_MS = 700

_WATCH = """kind => {
    window.__shown = null;
    window.__pressed = null;
    window.__lastChange = performance.now();
    document.addEventListener('keydown', (e) => { window.__pressed = e.timeStamp; }, {capture: true, once: true});
    new MutationObserver(() => { window.__lastChange = performance.now(); })
        .observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
    if (kind === 'panel') {
        document.addEventListener('input', () => requestAnimationFrame(() => { window.__shown = performance.now(); }),
            {once: true});
    } else if (kind === 'chart') {
        const chart = document.querySelector('.js-plotly-plot');
        const observer = new MutationObserver(() => {
            if (window.__shown === null) { window.__shown = performance.now(); observer.disconnect(); }
        });
        observer.observe(chart, {subtree: true, childList: true, attributes: true, characterData: true});
    }
}"""

_SETTLED = f"() => window.__pressed !== null && performance.now() - window.__lastChange > {QUIET_MS}"

_COUNT_REDRAWS = """(slider, kind) => {
    window.__redraws = 0;
    const target = kind === 'panel' ? slider.closest('.live-panel') : document.querySelector('.js-plotly-plot');
    let pending = false;
    new MutationObserver(() => {
        if (!pending) { pending = true; requestAnimationFrame(() => { window.__redraws += 1; pending = false; }); }
    }).observe(target, {subtree: true, childList: true, attributes: true, characterData: true});
}"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class OpenRow:
    """One slider under test, in its own tab, and what its moves measured."""

    name: str
    tab: object
    label: str
    kind: str
    server_pid: int
    shown: list[float] = field(default_factory=list)
    settled: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    drag: dict = field(default_factory=dict)
    sent: list = field(default_factory=list)

    def slider(self):
        return self.tab.get_by_role("slider", name=self.label).first

    def move(self, key: str, timed: bool) -> None:
        self.tab.bring_to_front()
        self.slider().focus()
        self.tab.wait_for_timeout(100)
        self.tab.evaluate(_WATCH, self.kind)
        cpu_before = cpu_seconds(self.server_pid)
        self.tab.keyboard.press(key)
        self.tab.wait_for_function(_SETTLED, timeout=60_000, polling=50)
        cpu = cpu_seconds(self.server_pid) - cpu_before
        shown, settled = self.tab.evaluate(
            "[window.__shown - window.__pressed, window.__lastChange - window.__pressed]"
        )
        if timed:
            if self.kind != "settle":
                self.shown.append(shown)
            self.settled.append(settled)
            self.cpu.append(cpu)

    def drag_once(self) -> None:
        """60 pointer moves in one second, then release: over a third of the slider's track, or as much more as a
        slider of few steps needs for each move to reach a new step, and a narrow one for each to move 1.5 pixels
        (the pointer lands on whole pixels, so smaller moves can land on the same value)."""
        self.tab.bring_to_front()
        self.slider().scroll_into_view_if_needed()
        track = self.slider().bounding_box()
        steps = self.slider().evaluate("(el) => Math.round((Number(el.max) - Number(el.min)) / Number(el.step))")
        span = min(max(track["width"] / 3, 62 * track["width"] / steps, 90.0), 0.8 * track["width"])
        y, x0 = track["y"] + track["height"] / 2, track["x"] + 0.1 * track["width"]
        self.tab.mouse.move(x0, y)
        self.tab.mouse.down()
        self.tab.wait_for_timeout(200)
        self.slider().evaluate(_COUNT_REDRAWS, "panel" if self.kind == "panel" else "chart")
        sent_before = len(self.sent)
        start = time.perf_counter()
        for step in range(1, 61):
            self.tab.mouse.move(x0 + step * span / 60, y)
            left = start + step / 60 - time.perf_counter()
            if left > 0:
                time.sleep(left)
        elapsed = time.perf_counter() - start
        redraws = self.tab.evaluate("window.__redraws")
        sent = len(self.sent) - sent_before
        self.tab.evaluate(_WATCH, "settle")
        cpu_before = cpu_seconds(self.server_pid)
        self.tab.mouse.up()
        self.tab.evaluate("window.__pressed = performance.now()")
        self.tab.wait_for_function(_SETTLED, timeout=60_000, polling=50)
        self.drag = {
            "redraws_per_s": redraws / elapsed,
            "sent": sent,
            "cpu": cpu_seconds(self.server_pid) - cpu_before,
            "settled": self.tab.evaluate("window.__lastChange - window.__pressed"),
        }


def open_row(browser, name: str, url: str, label: str, kind: str, server_pid: int) -> OpenRow:
    tab = browser.new_page(viewport={"width": 1400, "height": 1000})
    row = OpenRow(name, tab, label, kind, server_pid)
    tab.on("websocket", lambda socket: socket.on("framesent", lambda frame: row.sent.append(frame)))
    tab.goto(url)
    tab.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
    tab.wait_for_timeout(1500)
    return row


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--moves", type=int, default=30)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    servers = {"app": start_streamlit("app.py"), "bare": start_streamlit("bench/bare_app.py")}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            warm = browser.new_page()
            warm.goto(servers["app"][1])
            warm.get_by_role("heading", level=1).first.wait_for(timeout=60_000)
            warm.close()
            rows = [
                open_row(browser, name, servers[server][1] + path, label, kind, servers[server][0].pid)
                for name, server, path, label, kind in ROWS
            ]
            for move in range(args.moves + 3):
                key = "ArrowRight" if move % 20 < 10 else "ArrowLeft"
                for row in rows:
                    row.move(key, timed=move >= 3)
            for row in rows:
                row.drag_once()
            browser.close()
    finally:
        for process, _ in servers.values():
            process.terminate()
    report(rows, args.moves)


def report(rows: list[OpenRow], moves: int) -> None:
    bare = rows[0]
    bare_shown, bare_settled = percentile(bare.shown, 95), percentile(bare.settled, 95)
    print(f"headless Chromium, {moves} key presses per slider, interleaved; ratios to the bare page's p95")
    print(
        f"  {'slider':32} {'shown p50':>9} {'p95':>6} {'/bare':>6} {'settled p50':>11} {'p95':>6} {'/bare':>6}"
        f" {'CPU ms/press':>12} {'drag redraws/s':>14} {'sent':>5} {'CPU ms/drag':>11}"
    )
    for row in rows:
        shown = (
            f"{percentile(row.shown, 50):9.1f} {percentile(row.shown, 95):6.1f} "
            f"{percentile(row.shown, 95) / bare_shown:6.2f}"
            if row.shown
            else f"{'—':>9} {'—':>6} {'—':>6}"
        )
        print(
            f"  {row.name:32} {shown} {percentile(row.settled, 50):11.0f} {percentile(row.settled, 95):6.0f} "
            f"{percentile(row.settled, 95) / bare_settled:6.2f} {statistics.mean(row.cpu) * 1e3:12.0f} "
            f"{row.drag['redraws_per_s']:14.0f} {row.drag['sent']:5d} {row.drag['cpu'] * 1e3:11.0f}"
        )
    print(
        "  goals: panel sliders shown p95 ≤ 0.2 × bare, ≥ 50 redraws/s in the drag, 0 sent during it; other sliders "
        "settled p95 ≤ 1.5 × bare; CPU per committed move ≤ bare + 10 ms"
    )


if __name__ == "__main__":
    main()
