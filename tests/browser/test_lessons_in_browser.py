"""In a real browser: each lesson page draws its charts, and a slider moved from the keyboard
changes the numbers, the chart and the link."""

import re

import pytest
from playwright.sync_api import expect

from devtools.local_app import start_streamlit

TIMEOUT_MS = 30_000


def metric_value(page, label: str):
    """A number by its label: a Streamlit metric, or one in a live panel (ui/live_panel.js)."""
    metric = page.locator('[data-testid="stMetric"], .lp-metric', has_text=label)
    return metric.locator('[data-testid="stMetricValue"], .lp-metric-value')


def wait_for_page(page, url: str) -> None:
    page.goto(url)
    page.get_by_role("heading", level=1).wait_for(timeout=TIMEOUT_MS)
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_load_state("networkidle")


def move_slider(page, label: str, target: float) -> None:
    """Move a slider to ``target`` with the arrow keys, the way a keyboard user would.

    Keys pressed while the page reruns can be superseded by the rerun's value, so it reads the slider
    after each press and keeps going until it shows the target.
    """
    slider = page.get_by_role("slider", name=label)
    slider.focus()
    for _ in range(400):
        value = float(slider.input_value())
        if abs(value - target) < 1e-9:
            return
        slider.press("ArrowRight" if value < target else "ArrowLeft")
        page.wait_for_timeout(20)
    raise AssertionError(f"slider {label!r} did not reach {target}")


def test_bce_page_slider_moves_numbers_chart_and_link(app_url, page, screenshot):
    wait_for_page(page, f"{app_url}/sigmoid-bce")
    loss = metric_value(page, "loss ℓ")
    expect(loss).to_have_text("0.126928", timeout=TIMEOUT_MS)
    marker_before = page.locator(".lp-point").first.get_attribute("cx")
    screenshot("bce-before")
    move_slider(page, "logit z", 2.5)
    expect(loss).not_to_have_text("0.126928", timeout=TIMEOUT_MS)
    expect(page).to_have_url(re.compile(r"[?&]z=2\.5\b"), timeout=TIMEOUT_MS)
    expect(loss).to_have_text("0.0788897", timeout=TIMEOUT_MS)
    assert page.locator(".lp-point").first.get_attribute("cx") != marker_before
    assert page.get_by_text("Traceback").count() == 0
    screenshot("bce-after")


def test_bce_page_link_reopens_the_float32_clamp_case(app_url, page, screenshot):
    wait_for_page(page, f"{app_url}/sigmoid-bce?wide=true&z=20&y=0")
    expect(metric_value(page, "loss ℓ")).to_have_text("20", timeout=TIMEOUT_MS)
    expect(page.get_by_text("clamps the log at −100").first).to_be_visible(timeout=TIMEOUT_MS)
    screenshot("bce-clamp")


def test_ce_page_slider_moves_numbers_and_link(app_url, page, screenshot):
    wait_for_page(page, f"{app_url}/softmax-ce")
    loss = metric_value(page, "loss ℓ")
    expect(loss).to_have_text("0.41703", timeout=TIMEOUT_MS)
    screenshot("ce-before")
    move_slider(page, "z0", 2.5)
    expect(page).to_have_url(re.compile(r"[?&]z0=2\.5\b"), timeout=TIMEOUT_MS)
    expect(loss).to_have_text("0.27296", timeout=TIMEOUT_MS)
    assert page.get_by_text("Traceback").count() == 0
    screenshot("ce-after")


def test_invalid_link_shows_a_note_not_a_traceback(app_url, page, screenshot):
    wait_for_page(page, f"{app_url}/sigmoid-bce?z=abc&dtype=float99")
    expect(page.get_by_text("fell back to defaults")).to_be_visible(timeout=TIMEOUT_MS)
    assert page.get_by_text("Traceback").count() == 0
    screenshot("bce-invalid-link")


def test_soft_targets_page_draws_the_digit_and_moves_with_the_target_slider(app_url, page, screenshot):
    wait_for_page(page, f"{app_url}/soft-targets")
    expect(page.locator(".js-plotly-plot")).to_have_count(6, timeout=TIMEOUT_MS)
    floor = metric_value(page, "entropy floor H(y)")
    expect(floor).to_have_text("0.673012", timeout=TIMEOUT_MS)
    screenshot("soft-targets")
    move_slider(page, "target y", 0.7)
    expect(page).to_have_url(re.compile(r"[?&]y=0\.7\b"), timeout=TIMEOUT_MS)
    expect(floor).to_have_text("0.610864", timeout=TIMEOUT_MS)
    assert page.get_by_text("Traceback").count() == 0


def test_stability_page_shows_the_sweep_and_the_log_sum_exp_steps(app_url, page, screenshot):
    wait_for_page(page, f"{app_url}/stability?lse=1000,0,-1000")
    expect(page.get_by_text("BCEWithLogitsLoss gives 20")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_text("float16", exact=True).first.click()
    expect(page.get_by_text("in float16: BCELoss on σ(z) gives 100")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page).to_have_url(re.compile(r"[?&]dtype=float16\b"), timeout=TIMEOUT_MS)
    assert page.get_by_text("Traceback").count() == 0
    screenshot("stability")


def test_bce_batch_table_edit_recomputes_and_goes_into_the_link(app_url, page, screenshot):
    """The edited cell goes into the link, and the rows not edited keep every digit they were given."""
    wait_for_page(page, f"{app_url}/sigmoid-bce?mode=batch&rows=1.1:1,2.2:1,0.5:0,-1.1:0,-2.123456789:0")
    expect(metric_value(page, "loss, reduction")).to_have_text("0.353364", timeout=TIMEOUT_MS)
    editor = page.locator('[data-testid="stDataFrame"]').first
    cell_input = page.locator("#portal .gdg-input")
    for _ in range(5):  # on a busy machine the grid's canvas may not take a double click into edit mode at once
        editor.scroll_into_view_if_needed()
        table = editor.bounding_box()
        page.mouse.dblclick(table["x"] + 60, table["y"] + 52)
        try:
            expect(cell_input).to_have_value("1.1", timeout=5_000)
            break
        except AssertionError:
            page.keyboard.press("Escape")
    cell_input.fill("5")
    cell_input.press("Enter")
    loss = metric_value(page, "loss, reduction")
    expect(loss).to_have_text("0.29724", timeout=TIMEOUT_MS)
    page.get_by_role("button", name=re.compile("Copy a link to this view")).first.click()
    link = page.locator('[data-testid="stCode"] code').filter(has_text="rows=5%3A1").first
    expect(link).to_contain_text("-2.123456789%3A0")
    screenshot("bce-batch-edited")


def test_panel_charts_are_labelled_for_screen_readers_and_the_label_follows_a_move(app_url, page):
    wait_for_page(page, f"{app_url}/sigmoid-bce")
    frames = page.locator(".lp-frame")
    expect(frames).to_have_count(5, timeout=TIMEOUT_MS)
    sigmoid = frames.first
    expect(sigmoid).to_have_attribute("role", "img")
    expect(sigmoid).to_have_attribute("aria-label", re.compile(r"current point is at logit z = 2, p = 0\.880797"))
    move_slider(page, "logit z", 2.5)
    expect(sigmoid).to_have_attribute("aria-label", re.compile(r"logit z = 2\.5, p = 0\.924142"), timeout=TIMEOUT_MS)


_BAR_LABEL_OVERLAPS = """() => {
    // Pairs (bar label, axis or legend text) whose boxes intersect, in every chart on the page.
    const overlaps = [];
    const meets = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    for (const chart of document.querySelectorAll('.js-plotly-plot')) {
        const others = [...chart.querySelectorAll('.xtick text, .ytick text, .legendtext, .g-xtitle text')];
        for (const label of chart.querySelectorAll('.bartext')) {
            for (const other of others) {
                if (meets(label.getBoundingClientRect(), other.getBoundingClientRect())) {
                    overlaps.push([label.textContent, other.textContent]);
                }
            }
        }
    }
    return overlaps;
}"""


@pytest.mark.parametrize("path", ["sigmoid-bce?mode=batch", "sigmoid-bce?mode=batch&rows=3:0,-4:1,0.2:1"])
def test_bar_labels_clear_the_axis_labels_and_the_legend(app_url, page, path):
    wait_for_page(page, f"{app_url}/{path}")
    page.locator(".bartext").first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(500)
    assert page.evaluate(_BAR_LABEL_OVERLAPS) == []


def test_a_chart_whose_plotly_cannot_load_says_so_in_words(browser, monkeypatch):
    monkeypatch.setenv("STREAMLIT_SERVER_ENABLE_STATIC_SERVING", "false")
    server, url = start_streamlit("app.py")
    try:
        tab = browser.new_page()
        tab.goto(f"{url}/sigmoid-bce")
        expect(tab.get_by_text("This chart could not be drawn").first).to_be_visible(timeout=TIMEOUT_MS)
        expect(metric_value(tab, "loss ℓ")).to_have_text("0.126928", timeout=TIMEOUT_MS)
        expect(tab.locator(".lp-overlay").first).to_be_hidden()
        assert tab.get_by_text("Traceback").count() == 0
        tab.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
