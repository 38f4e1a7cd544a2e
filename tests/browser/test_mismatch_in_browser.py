"""In a real browser: the debugger's opening view, a preset chosen from the list, and its diagnosis."""

import re

from playwright.sync_api import expect
from test_lessons_in_browser import TIMEOUT_MS, metric_value


def test_opening_view_and_a_preset_in_the_browser(app_url, page, screenshot):
    page.goto(f"{app_url}/mismatch")
    expect(metric_value(page, "BCEWithLogitsLoss(preds, one_hot)")).to_have_text("0.8430", timeout=TIMEOUT_MS)
    expect(metric_value(page, "CrossEntropyLoss(preds, labels)")).to_have_text("0.9170", timeout=TIMEOUT_MS)
    screenshot("mismatch-opening")
    page.get_by_role("combobox", name=re.compile("start from a catalogue entry")).click()
    page.get_by_role("option", name="M10").click()
    expect(page).to_have_url(re.compile(r"[?&]preset=M10\b"), timeout=TIMEOUT_MS)
    expect(metric_value(page, "call A")).to_have_text("100.0000", timeout=TIMEOUT_MS)
    expect(metric_value(page, "call B")).to_have_text("17.0000", timeout=TIMEOUT_MS)
    expect(page.get_by_text("never forms σ(z)").first).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_text("Copy as PyTorch").scroll_into_view_if_needed()
    assert page.get_by_text("Traceback").count() == 0
    screenshot("mismatch-preset")
