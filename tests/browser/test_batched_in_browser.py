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


_LANDSCAPE_LAYOUT = """(chart) => {
    const box = (selector) => chart.querySelector(selector).getBoundingClientRect();
    const texts = (selector) => [...chart.querySelectorAll(selector)].map((e) => e.textContent);
    const plot = box(".nsewdrag"), bar = box(".colorbar"), whole = chart.getBoundingClientRect();
    return {
        xTicks: texts(".xtick text"), yTicks: texts(".ytick text"),
        xTitle: texts(".g-xtitle text").join(""), yTitle: texts(".g-ytitle text").join(""),
        plotShare: plot.width / whole.width, barGap: bar.left - plot.right,
    };
}"""


def test_the_landscape_on_a_1024_projector_in_the_dark_has_numbered_axes_across_the_width(app_url, browser, screenshot):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, color_scheme="dark")
    tab = context.new_page()
    tab.goto(f"{app_url}/batched?present=true&side=64&range=30")
    tab.get_by_role("button", name="Draw the landscape").click()
    chart = tab.locator('.live-chart[aria-label^="Heat map"]')
    chart.locator(".colorbar").wait_for(timeout=TIMEOUT_MS)
    expect(tab.get_by_test_id("stProgress")).to_have_count(0, timeout=TIMEOUT_MS)
    layout = chart.evaluate(_LANDSCAPE_LAYOUT)
    assert len(layout["xTicks"]) >= 3 and len(layout["yTicks"]) >= 2, layout
    assert (layout["xTitle"], layout["yTitle"]) == ("logit z", "target y")
    assert layout["plotShare"] > 0.6 and 0 <= layout["barGap"] < 80, layout
    assert "from 0 to 100" in chart.get_attribute("aria-label")
    chart.scroll_into_view_if_needed()
    screenshot("batched-landscape-1024-present-dark", tab)
    context.close()
