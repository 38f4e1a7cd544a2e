"""In a real browser: the debugger's code box, a catalogue script, and a hostile script that leaves another session
working."""

import re

from playwright.sync_api import expect
from test_lessons_in_browser import TIMEOUT_MS

SLOW = (
    "x = torch.randn(200000)\nfor i in range(64):\n    for j in range(64):\n        y = x.exp().sum()\na = y\nb = y\n"
)


def metric(page, label: str):
    label_box = page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(f"^{label}$"))
    return page.locator('[data-testid="stMetric"]').filter(has=label_box).locator('[data-testid="stMetricValue"]')


def test_the_code_box_opens_with_the_forum_case_and_a_preset_link_explains_m10(app_url, page, screenshot):
    page.goto(f"{app_url}/mismatch")
    expect(metric(page, "a")).to_have_text("0.8430", timeout=TIMEOUT_MS)
    expect(metric(page, "b")).to_have_text("0.9170", timeout=TIMEOUT_MS)
    expect(page.get_by_text("two independent sigmoids").first).to_be_visible(timeout=TIMEOUT_MS)
    screenshot("mismatch-opening")
    page.goto(f"{app_url}/mismatch?preset=M10")
    expect(metric(page, "a")).to_have_text("100.0000", timeout=TIMEOUT_MS)
    expect(page.get_by_text("never forms σ(z)").first).to_be_visible(timeout=TIMEOUT_MS)
    assert page.get_by_text("Traceback").count() == 0
    screenshot("mismatch-preset")


def test_a_hostile_script_is_refused_while_another_session_keeps_working(app_url, browser, page):
    page.goto(f"{app_url}/mismatch")
    expect(metric(page, "a")).to_have_text("0.8430", timeout=TIMEOUT_MS)
    box = page.locator("textarea").first
    box.fill(SLOW)
    box.press("Control+Enter")
    other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    other.goto(f"{app_url}/mismatch?preset=M01")
    expect(metric(other, "a")).to_have_text("0.7460", timeout=TIMEOUT_MS)
    expect(page.get_by_text(re.compile("cannot run this script: line"))).to_be_visible(timeout=TIMEOUT_MS)
    assert page.get_by_text("Traceback").count() == 0
    other.context.close()
