"""In a real browser: home cards, the share link, presentation mode in the dark theme, and the exercises."""

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect
from test_lessons_in_browser import TIMEOUT_MS, metric_value, move_slider, wait_for_page

from devtools.local_app import start_streamlit
from ui.registry import PAGES

EVERY_PAGE = ("", *(entry.url_path for entry in PAGES))


def test_home_cards_lead_to_every_page(app_url, page, screenshot):
    page.goto(app_url)
    cards = page.locator('[data-testid="stMain"] [data-testid="stPageLink"]')
    expect(cards).to_have_text([entry.title for entry in PAGES], timeout=TIMEOUT_MS)
    screenshot("home")
    cards.filter(has_text="Mismatch debugger").click()
    expect(page).to_have_url(re.compile(r"/mismatch"), timeout=TIMEOUT_MS)
    expect(page.get_by_role("heading", name=re.compile("Mismatch debugger"))).to_be_visible(timeout=TIMEOUT_MS)


def test_no_page_asks_any_other_host_for_anything(app_url, page):
    elsewhere = []
    page.on("request", lambda request: elsewhere.append(request.url) if _leaves(request.url, app_url) else None)
    for path in EVERY_PAGE:
        page.goto(f"{app_url}/{path}")
        page.get_by_role("heading", level=1).first.wait_for(timeout=TIMEOUT_MS)
        page.wait_for_load_state("networkidle")
    assert elsewhere == []


def _leaves(url: str, app_url: str) -> bool:
    return not url.startswith((app_url, "blob:", "data:"))


def test_share_link_follows_the_slider_and_reopens_the_same_view(app_url, page, browser):
    wait_for_page(page, f"{app_url}/sigmoid-bce")
    move_slider(page, "logit z", 2.25)
    expect(page).to_have_url(re.compile(r"[?&]z=2\.25\b"), timeout=TIMEOUT_MS)
    page.get_by_role("button", name=re.compile("Copy a link to this view")).first.click()
    link = page.locator('[data-testid="stCode"] code').filter(has_text="sigmoid-bce").first
    expect(link).to_contain_text("z=2.25", timeout=TIMEOUT_MS)
    second = browser.new_page()
    second.goto(link.inner_text().strip())
    expect(metric_value(second, "loss ℓ")).to_have_text("0.100207", timeout=TIMEOUT_MS)
    second.close()


def test_presentation_mode_in_the_dark_theme_enlarges_numbers_and_folds_explanations(app_url, browser, screenshot):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, color_scheme="dark")
    tab = context.new_page()
    tab.goto(f"{app_url}/sigmoid-bce?present=true")
    value = metric_value(tab, "loss ℓ")
    expect(value).to_have_text("0.126928", timeout=TIMEOUT_MS)
    assert float(value.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) > 40
    expect(tab.get_by_text("Explanation").first).to_be_visible()
    background = tab.locator('[data-testid="stApp"]').evaluate("e => getComputedStyle(e).backgroundColor")
    assert sum(int(c) for c in re.findall(r"\d+", background)[:3]) < 150
    tick = tab.locator(".js-plotly-plot .xtick text").first
    tick.wait_for(timeout=TIMEOUT_MS)
    assert sum(int(c) for c in re.findall(r"\d+", tick.evaluate("e => getComputedStyle(e).fill"))[:3]) > 500
    screenshot("presentation-dark", tab)
    context.close()


def test_exercises_predict_then_reveal(app_url, page, screenshot):
    page.goto(f"{app_url}/exercises")
    card = (
        page.locator('[data-testid="stVerticalBlock"]', has_text="Sigmoid → BCEWithLogitsLoss")
        .filter(has_not_text="LogSigmoid")
        .last
    )
    card.get_by_text("wrong", exact=True).click()
    card.get_by_role("button", name="Reveal").click()
    expect(card.get_by_text("Yes:")).to_be_visible(timeout=TIMEOUT_MS)
    expect(card.get_by_text("double sigmoid")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("1 of 12 revealed, 1 predicted right")).to_be_visible(timeout=TIMEOUT_MS)
    screenshot("exercises")


_CRAMPED = """() => {
    // Metric values that overlap one another or do not show all their digits, and number boxes too narrow
    // for the number they hold.
    const problems = [];
    const values = [...document.querySelectorAll('[data-testid="stMetricValue"]')];
    const boxes = values.map((v) => v.getBoundingClientRect());
    const meets = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    values.forEach((v, i) => {
        const inner = v.querySelector('div') || v;
        if (inner.scrollWidth > inner.clientWidth + 1) problems.push(`metric ${v.textContent} is cut off`);
        boxes.forEach((b, j) => {
            if (j > i && meets(boxes[i], b)) problems.push(`${v.textContent} overlaps ${values[j].textContent}`);
        });
    });
    for (const input of document.querySelectorAll('[data-testid="stNumberInput"] input')) {
        if (input.scrollWidth > input.clientWidth + 1) problems.push(`number box ${input.value} is too narrow`);
    }
    return problems;
}"""


@pytest.mark.parametrize("present", ["false", "true"])
@pytest.mark.parametrize("path", ["sigmoid-bce", "softmax-ce", "soft-targets"])
def test_a_1024_by_768_projector_shows_every_number_whole(app_url, browser, path, present):
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    tab = context.new_page()
    wait_for_page(tab, f"{app_url}/{path}?present={present}")
    tab.wait_for_timeout(500)
    assert tab.evaluate(_CRAMPED) == []
    context.close()


def test_a_presentation_link_opens_with_the_sidebar_folded(app_url, page):
    wait_for_page(page, f"{app_url}/sigmoid-bce?present=true")
    expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true", timeout=TIMEOUT_MS)
    wait_for_page(page, f"{app_url}/sigmoid-bce")
    expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "false", timeout=TIMEOUT_MS)


HOSTILE = '"><img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
"""Closes an attribute, then tries an image whose error handler runs, then a script."""


def _nothing_ran(tab) -> bool:
    return tab.evaluate("window.pwned") is None and tab.locator('img[src="x"]').count() == 0


def test_a_hostile_link_value_echoed_in_the_fallback_note_arrives_as_text(app_url, page):
    page.goto(f"{app_url}/batched?impl={quote(HOSTILE)}")
    note = page.get_by_text("fell back to defaults")
    expect(note).to_be_visible(timeout=TIMEOUT_MS)
    assert '<img src=x onerror="window.pwned=1">' in note.inner_text()
    assert _nothing_ran(page)


def test_a_hostile_chart_summary_arrives_as_the_charts_label_and_as_text(browser):
    server, url = start_streamlit("tests/browser/hostile_text_app.py")
    try:
        tab = browser.new_page()
        tab.goto(f"{url}/?text={quote(HOSTILE)}")
        chart = tab.locator(".live-chart")
        expect(chart).to_have_attribute("aria-label", HOSTILE, timeout=TIMEOUT_MS)
        expect(tab.get_by_text("window.pwned=2")).to_be_visible(timeout=TIMEOUT_MS)
        assert _nothing_ran(tab)
        tab.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
