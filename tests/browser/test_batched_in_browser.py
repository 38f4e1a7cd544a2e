"""In a real browser: the batched lab runs a batch with a progress bar and shows the statistics."""

from playwright.sync_api import expect
from test_lessons_in_browser import TIMEOUT_MS


def test_batched_lab_runs_a_batch_and_draws_the_histogram(app_url, page, screenshot):
    page.goto(f"{app_url}/batched?n=300000&scale=50")
    page.get_by_role("button", name="Run the batch").click()
    table = page.locator('[data-testid="stDataFrame"]').first
    expect(table).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("300,000 elements", exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator(".js-plotly-plot")).to_have_count(1, timeout=TIMEOUT_MS)
    expect(page.get_by_role("button", name="Stop")).to_have_count(0)
    assert page.get_by_text("Traceback").count() == 0
    screenshot("batched")
