"""Interaction latency in headless Chromium, and server CPU per rerun, for each lesson page.

For each page: press an arrow key on a slider and time, in the browser, from the key press to the first change
of the chart that depends on it; 30 moves after 3 warm-up moves; p50 and p95. A bare page with one slider and
one plotly curve (bench/bare_app.py) is measured the same way in the same run, and each page's p95 is reported
as a ratio to the bare page's (goal ≤ 1.5). All pages stay open and take turns, one move each per round, so a
change in the shared machine's speed during the run reaches every page alike. Server CPU per rerun is the
server process's user + system CPU time from a key press until the page is quiet again, averaged over the moves.

    python3 bench/latency.py [--moves 30]

Needs Debian's chromium at /usr/bin/chromium. Talks only to servers it starts on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devtools.local_app import CHROMIUM, CHROMIUM_ARGS, start_streamlit

PAGES = [
    ("bare one-slider page", "bare", "", "value", 0),
    ("Sigmoid & BCE", "app", "/sigmoid-bce", "logit z", 1),
    ("Softmax & cross-entropy", "app", "/softmax-ce", "z0", 0),
    ("Soft targets", "app", "/soft-targets", "prediction p", 0),
]
"""(name, server, path, slider label, index of the plotly chart that the slider moves)."""

_WATCH = """index => {
    window.__changed = null;
    const chart = document.querySelectorAll('.js-plotly-plot')[index];
    const observer = new MutationObserver(() => {
        if (window.__changed === null) { window.__changed = performance.now(); observer.disconnect(); }
    });
    observer.observe(chart, {subtree: true, childList: true, attributes: true, characterData: true});
    window.__pressed = performance.now();
}"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class OpenPage:
    """One page under test, open in its own tab, and what its moves measured."""

    name: str
    tab: object
    slider_label: str
    chart: int
    server_pid: int
    latencies: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def move(self, key: str, timed: bool) -> None:
        """One key press on the slider; times it from the press to the chart's first change when ``timed``."""
        self.tab.bring_to_front()
        self.tab.get_by_role("slider", name=self.slider_label).first.focus()
        self.tab.wait_for_timeout(100)
        cpu_before = cpu_seconds(self.server_pid)
        self.tab.evaluate(_WATCH, self.chart)
        self.tab.keyboard.press(key)
        self.tab.wait_for_function("window.__changed !== null", timeout=30_000)
        latency = self.tab.evaluate("window.__changed - window.__pressed")
        self.tab.wait_for_timeout(250)
        if timed:
            self.latencies.append(latency)
            self.cpu.append(cpu_seconds(self.server_pid) - cpu_before)


def open_page(browser, name: str, url: str, label: str, chart: int, server_pid: int) -> OpenPage:
    tab = browser.new_page(viewport={"width": 1400, "height": 1000})
    tab.goto(url)
    tab.locator(".js-plotly-plot .main-svg").nth(chart).wait_for(timeout=60_000)
    tab.wait_for_timeout(1500)
    return OpenPage(name, tab, label, chart, server_pid)


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
            pages = [
                open_page(browser, name, servers[server][1] + path, label, chart, servers[server][0].pid)
                for name, server, path, label, chart in PAGES
            ]
            for move in range(args.moves + 3):
                key = "ArrowRight" if move % 20 < 10 else "ArrowLeft"
                for page in pages:
                    page.move(key, timed=move >= 3)
            rows = [
                (page.name, percentile(page.latencies, 50), percentile(page.latencies, 95), statistics.mean(page.cpu))
                for page in pages
            ]
            browser.close()
    finally:
        for process, _ in servers.values():
            process.terminate()
    bare_p95 = rows[0][2]
    print(f"slider key press → updated chart in headless Chromium, {args.moves} moves each:")
    print(f"  {'page':26} {'p50 ms':>8} {'p95 ms':>8} {'p95 / bare':>11} {'server CPU ms/rerun':>20}")
    for name, p50, p95, cpu in rows:
        print(f"  {name:26} {p50:8.0f} {p95:8.0f} {p95 / bare_p95:11.2f} {cpu * 1e3:20.0f}")
    print("  goal: p95 at most 1.5 × the bare page's")


if __name__ == "__main__":
    main()
