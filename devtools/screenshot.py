"""The README's screenshot of a lesson page, made anew: python3 devtools/screenshot.py

Starts the app on loopback, opens the Sigmoid & BCE lesson from a prepared link in headless Chromium at 1280 × 800,
and writes docs/screenshot.png: the first screen of the page, as a visitor sees it. Needs Debian's chromium at
/usr/bin/chromium.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devtools.local_app import CHROMIUM, CHROMIUM_ARGS, ROOT, start_streamlit

LINK = "sigmoid-bce?z=1.5&y=1"
"""The view shown: logit 1.5, target 1."""
OUTPUT = ROOT / "docs" / "screenshot.png"
VIEWPORT = {"width": 1280, "height": 800}


def main() -> None:
    from playwright.sync_api import sync_playwright

    server, url = start_streamlit("app.py")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            tab = browser.new_page(viewport=VIEWPORT)
            tab.goto(f"{url}/{LINK}")
            tab.get_by_role("heading", level=1).first.wait_for(timeout=60_000)
            tab.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
            tab.wait_for_load_state("networkidle")
            tab.wait_for_timeout(1000)
            OUTPUT.parent.mkdir(exist_ok=True)
            tab.screenshot(path=str(OUTPUT))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({OUTPUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
