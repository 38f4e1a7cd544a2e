"""In a real browser, as the very first visitor after a server start: a prepared deep link opens its page.

Each test starts its own server, so the link it opens is that server's first request (a teacher's prepared link
at the start of a class). With the pages in a folder named ``pages/``, Streamlit ran that first session in its
legacy multipage mode: a "Page not found" dialog over the page, and raw file names in the sidebar meanwhile.
"""

import re
from pathlib import Path

from playwright.sync_api import expect
from test_lessons_in_browser import TIMEOUT_MS

from devtools.local_app import start_streamlit
from ui import registry

FILE_NAMES = (
    {
        name
        for entry in (registry.HOME, *registry.PAGES)
        for stem in [Path(entry.script).stem]
        for name in (stem, stem.replace("_", " "), stem.replace("_", " ").title())
    }
    - {entry.title for entry in (registry.HOME, *registry.PAGES)}
    - {entry.icon.removeprefix(":material/").removesuffix(":") for entry in (registry.HOME, *registry.PAGES)}
)
"""How a page's file name reads in the sidebar of Streamlit's legacy multipage mode (the icons' names are text in
the DOM too, so names that are also a title or an icon are left out)."""
RECORD_SIDEBAR_TEXT = """
window.__sidebarTexts = [];
new MutationObserver(() => {
  const nav = document.querySelector('[data-testid="stSidebarNav"]');
  if (nav) window.__sidebarTexts.push(nav.innerText);
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def first_visit(browser, path: str):
    """Start a fresh server, open ``path`` as its very first request, and return the tab once the page is drawn."""
    server, url = start_streamlit("app.py")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(RECORD_SIDEBAR_TEXT)
    tab = context.new_page()
    tab.goto(f"{url}/{path}")
    return server, context, tab


def stop(server, context) -> None:
    context.close()
    server.terminate()
    server.wait(timeout=10)


def test_a_deep_link_as_the_first_request_after_a_start_opens_its_page_without_a_dialog(browser):
    server, context, tab = first_visit(browser, "softmax-ce?k=3")
    try:
        expect(tab.get_by_role("heading", name=re.compile("Softmax"), level=1)).to_be_visible(timeout=TIMEOUT_MS)
        tab.wait_for_load_state("networkidle")
        tab.wait_for_timeout(1000)
        assert tab.get_by_text("Page not found").count() == 0
        assert tab.get_by_role("dialog").count() == 0
    finally:
        stop(server, context)


def test_the_sidebar_never_shows_file_names_while_the_first_page_loads(browser):
    server, context, tab = first_visit(browser, "sigmoid-bce?z=1.5")
    try:
        expect(tab.get_by_role("heading", name=re.compile("Sigmoid"), level=1)).to_be_visible(timeout=TIMEOUT_MS)
        tab.wait_for_load_state("networkidle")
        texts = tab.evaluate("window.__sidebarTexts")
        assert texts, "the sidebar navigation was never drawn"
        lines = {line.strip() for text in texts for line in text.splitlines()}
        assert lines.isdisjoint(FILE_NAMES), lines & FILE_NAMES
        assert "Sigmoid & BCE" in texts[-1]
    finally:
        stop(server, context)
