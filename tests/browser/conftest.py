"""A real app server on loopback and headless Debian Chromium driven by Playwright.

The browser tests skip where /usr/bin/chromium is missing, except under CI (CI=true), where a missing
browser is a failure: .ci/run installs it first. Screenshots go to the git-ignored screenshots/ folder.
"""

import os
from pathlib import Path

import pytest

from devtools.local_app import CHROMIUM, CHROMIUM_ARGS, ROOT, start_streamlit

SCREENSHOTS = ROOT / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def app_url():
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs Debian's chromium at /usr/bin/chromium (.ci/run installs it)")
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    server, url = start_streamlit("app.py")
    yield url
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="session")
def browser(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(name: str, tab=None) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        (tab or page).screenshot(path=str(path), full_page=True)
        return path

    return take
