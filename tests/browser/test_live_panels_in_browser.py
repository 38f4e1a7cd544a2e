"""In a real browser: the Sigmoid & BCE live panel moves at every step of a drag without the server, shows lib's
numbers at the position it stops at, keeps its nodes through reruns, and fits a 1024×768 projector."""

import itertools
import re

import numpy as np
import pytest
from playwright.sync_api import expect
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from test_lessons_in_browser import TIMEOUT_MS, metric_value, wait_for_page

from lib.agreement.multiclass import multiclass_agreement
from lib.lessons.binary import logit_grid
from lib.lessons.grids import binary_grid
from lib.lessons.soft_targets import MIXES, PREDICTIONS, binary_split, categorical_split
from lib.lessons.softmax import SoftmaxScenario, softmax_lesson


def open_panel(page, url: str) -> None:
    wait_for_page(page, url)
    page.locator(".live-panel .lp-point").first.wait_for(state="attached", timeout=TIMEOUT_MS)
    page.wait_for_timeout(300)


def shown(value: float, digits: int = 6) -> str:
    return f"{value:.{digits}g}"


def expect_panel_at(page, z: float, y: float = 1.0, weight: float = 1.0, pos_weight: float = 1.0, bound=10.0) -> None:
    """Every number of the panel equals lib's grid at z: the metrics and each agreement row's value."""
    grid = binary_grid(logit_grid(bound), y, weight, pos_weight, "float32")
    at = grid.position(z)
    expect(page.locator(".live-panel")).to_have_attribute("data-position", str(at), timeout=TIMEOUT_MS)
    expect(metric_value(page, "p = σ(z)")).to_have_text(shown(grid.lesson.probabilities[at]))
    expect(metric_value(page, "loss ℓ")).to_have_text(shown(grid.lesson.per_row_loss[at]))
    expect(metric_value(page, "∂ℓ/∂z")).to_have_text(shown(grid.lesson.per_row_grad[at]))
    for index, row_id in enumerate(grid.agreement.ids):
        cell = page.locator(f'.lp-table tr[data-row="{row_id}"] td').nth(2)
        expect(cell).to_have_text(shown(grid.agreement.values[index, at]))


def drag(page, slider, start: float, step: float, moves: int, read) -> tuple[list, int]:
    """Press on ``slider`` at ``start`` (a fraction of its track), move ``moves`` times by ``step`` of the track
    reading ``read()`` after each move, and release: the readings, and the messages the page sent the server while
    the pointer moved."""
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(frame)))
    slider.scroll_into_view_if_needed()
    track = slider.bounding_box()
    y_mid = track["y"] + track["height"] / 2
    page.mouse.move(track["x"] + start * track["width"], y_mid)
    page.mouse.down()
    page.wait_for_timeout(100)
    before = len(sent)
    readings = [read()]
    for move in range(1, moves + 1):
        page.mouse.move(track["x"] + (start + move * step) * track["width"], y_mid)
        readings.append(read())
    page.wait_for_timeout(300)
    during = len(sent) - before
    page.mouse.up()
    return readings, during


_SNAPSHOT = """() => {
    const dot = document.querySelector('.lp-point');
    return [document.querySelector('.live-panel').dataset.value, Number(dot.getAttribute('cx')),
            document.querySelectorAll('.lp-metric-value')[1].textContent];
}"""


def test_a_drag_moves_the_marker_and_the_numbers_at_every_step_and_asks_the_server_nothing(app_url, page):
    open_panel(page, f"{app_url}/sigmoid-bce")
    steps, sent = drag(page, page.locator(".lp-range"), 0.25, 0.03, 15, lambda: page.evaluate(_SNAPSHOT))
    assert sent == 0, "the drag sent messages to the server"
    values, marker_x, losses = zip(*steps, strict=True)
    assert all(float(b) > float(a) for a, b in itertools.pairwise(values))
    assert all(b > a for a, b in itertools.pairwise(marker_x))
    assert len(set(losses)) == len(losses)
    final = float(values[-1])
    expect(page).to_have_url(re.compile(rf"[?&]z={re.escape(values[-1])}(&|$)"), timeout=TIMEOUT_MS)
    expect_panel_at(page, final)
    page.wait_for_timeout(1500)
    assert page.locator(".lp-range").input_value() == values[-1]
    expect(page).to_have_url(re.compile(rf"[?&]z={re.escape(values[-1])}(&|$)"))


def test_keys_and_the_number_box_move_the_panel_and_the_link(app_url, page):
    open_panel(page, f"{app_url}/sigmoid-bce")
    slider = page.get_by_role("slider", name="logit z")
    slider.focus()
    for _ in range(3):
        slider.press("ArrowRight")
    expect(slider).to_have_value("2.03")
    expect(slider).to_have_attribute("aria-valuetext", re.compile(r"z = 2\.03, p = 0\.88"))
    expect(page).to_have_url(re.compile(r"[?&]z=2\.03\b"), timeout=TIMEOUT_MS)
    expect_panel_at(page, 2.03)
    slider.press("End")
    expect(slider).to_have_value("10")
    slider.press("Home")
    expect(slider).to_have_value("-10")
    box = page.get_by_role("spinbutton", name="logit z, typed")
    box.fill("3.5")
    box.press("Enter")
    expect(slider).to_have_value("3.5")
    expect(page).to_have_url(re.compile(r"[?&]z=3\.5\b"), timeout=TIMEOUT_MS)
    expect_panel_at(page, 3.5)


def test_a_link_opens_the_panel_at_its_position(app_url, page):
    open_panel(page, f"{app_url}/sigmoid-bce?z=-3.25&y=0.6&pw=2")
    expect(page.get_by_role("slider", name="logit z")).to_have_value("-3.25")
    expect_panel_at(page, -3.25, y=0.6, pos_weight=2.0)


def test_commits_and_other_controls_rerun_without_replacing_the_panel_or_adding_history(app_url, page):
    open_panel(page, f"{app_url}/sigmoid-bce")
    page.evaluate(
        """() => {
        window.kept = [...document.querySelectorAll('.live-panel, .lp-range, .lp-plot, .lp-table, .lp-point')];
        window.historyBefore = history.length;
        window.plotChanges = 0;
        for (const svg of document.querySelectorAll('.lp-plot .main-svg')) {
            new MutationObserver((r) => { window.plotChanges += r.length; })
                .observe(svg, {subtree: true, childList: true, attributes: true});
        }
    }"""
    )
    slider = page.get_by_role("slider", name="logit z")
    slider.focus()
    slider.press("ArrowLeft")
    expect(page).to_have_url(re.compile(r"[?&]z=1\.99\b"), timeout=TIMEOUT_MS)
    page.wait_for_timeout(1500)
    assert page.evaluate("window.plotChanges") == 0
    page.get_by_role("combobox", name="dtype of the torch calls").click()
    page.get_by_role("option", name="float16", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]dtype=float16\b"), timeout=TIMEOUT_MS)
    expect(page.locator('.lp-table tr[data-row="bce_logits"] td').nth(1)).to_have_text("float16", timeout=TIMEOUT_MS)
    assert (
        page.evaluate("window.kept.filter((node) => !node.isConnected).map((n) => n.className.baseVal ?? n.className)")
        == []
    )
    assert page.evaluate("history.length === window.historyBefore")
    assert slider.input_value() == "1.99"


_MARKERS_AND_FRESH = """async () => {
    // Each moving point's centre, and where a fresh Plotly drawing of the same chart puts a marker at the same
    // data coordinates; both relative to their own chart's top-left corner.
    const pairs = [];
    for (const frame of document.querySelectorAll('.lp-frame')) {
        const dot = frame.querySelector('.lp-point');
        if (!dot || dot.style.display === 'none') continue;
        const plot = frame.querySelector('.lp-plot');
        const fresh = document.createElement('div');
        fresh.style.width = `${plot.getBoundingClientRect().width}px`;
        document.body.appendChild(fresh);
        const marker = {type: 'scatter', mode: 'markers', x: [Number(dot.dataset.x)], y: [Number(dot.dataset.y)]};
        await Plotly.newPlot(fresh, [...plot.data, marker], plot.layout, {displayModeBar: false});
        const drawn = [...fresh.querySelectorAll('.scatterlayer .trace')].pop().querySelector('path.point');
        const box = (e, origin) => {
            const b = e.getBoundingClientRect(), o = origin.getBoundingClientRect();
            return [b.left + b.width / 2 - o.left, b.top + b.height / 2 - o.top];
        };
        pairs.push([box(dot, frame), box(drawn, fresh)]);
        fresh.remove();
    }
    return pairs;
}"""


_CURVES_AND_FRESH = r"""async () => {
    // For three points of each drawn curve: the vertex of the overlay's path, and where a fresh Plotly drawing of
    // the chart's frame puts a marker at the same data coordinates; both relative to the plot's top-left corner.
    const pairs = [];
    for (const node of document.querySelectorAll('.live-panel')) {
        const panel = node.panel;
        for (const view of panel.charts) {
            for (const [index, curve] of view.spec.curves.entries()) {
                const xs = panel.columns[curve.x], ys = panel.columns[curve.y];
                const finite = [...xs.keys()].filter((i) => Number.isFinite(xs[i]) && Number.isFinite(ys[i]));
                const vertices = view.curveShapes[index].getAttribute('d').match(/-?[\d.]+,-?[\d.]+/g);
                for (const pick of [0.1, 0.5, 0.9]) {
                    const at = Math.floor(pick * (finite.length - 1));
                    const [low, high] = view.spec.y.range;
                    if (!(ys[finite[at]] > low && ys[finite[at]] < high)) continue;
                    const [px, py] = vertices[at].split(',').map(Number);
                    const fresh = document.createElement('div');
                    fresh.style.width = `${view.plot.getBoundingClientRect().width}px`;
                    document.body.appendChild(fresh);
                    const marker = {type: 'scatter', mode: 'markers', x: [xs[finite[at]]], y: [ys[finite[at]]]};
                    await Plotly.newPlot(fresh, [marker], view.plot.layout, {displayModeBar: false});
                    const drawn = fresh.querySelector('.scatterlayer path.point').getBoundingClientRect();
                    const origin = fresh.getBoundingClientRect();
                    const frame = view.frame.getBoundingClientRect(), plot = view.plot.getBoundingClientRect();
                    const freshX = drawn.left + drawn.width / 2 - origin.left;
                    const freshY = drawn.top + drawn.height / 2 - origin.top;
                    pairs.push([[px + frame.left - plot.left, py + frame.top - plot.top], [freshX, freshY]]);
                    fresh.remove();
                }
            }
        }
    }
    return pairs;
}"""


@pytest.mark.parametrize("path", ["sigmoid-bce?z=-2&y=0.3&pw=2", "sigmoid-bce?wide=true&y=0.8", "soft-targets?y=0.2"])
def test_each_curve_runs_through_the_pixels_a_fresh_plotly_drawing_puts_its_points(app_url, page, path):
    open_panel(page, f"{app_url}/{path}")
    pairs = page.evaluate(_CURVES_AND_FRESH)
    assert len(pairs) >= 9
    for (x, y), (fresh_x, fresh_y) in pairs:
        assert abs(x - fresh_x) <= 0.6 and abs(y - fresh_y) <= 0.6, pairs


def test_a_new_target_moves_the_curves_without_redrawing_any_chart_frame(app_url, page):
    open_panel(page, f"{app_url}/sigmoid-bce?y=0.5")
    page.evaluate(
        """() => {
        window.frameChanges = 0;
        for (const svg of document.querySelectorAll('.lp-plot .main-svg')) {
            new MutationObserver((r) => { window.frameChanges += r.length; })
                .observe(svg, {subtree: true, childList: true, attributes: true, characterData: true});
        }
        window.lossCurve = document.querySelectorAll('.lp-curve')[1].getAttribute('d');
    }"""
    )
    target = page.get_by_role("slider", name="target y")
    target.focus()
    target.press("ArrowRight")
    expect(page).to_have_url(re.compile(r"[?&]y=0\.51\b"), timeout=TIMEOUT_MS)
    expect_panel_at(page, 2.0, y=0.51)
    assert page.evaluate("document.querySelectorAll('.lp-curve')[1].getAttribute('d') !== window.lossCurve")
    assert page.evaluate("window.frameChanges") == 0


def test_hovering_a_curve_reads_out_the_exact_values_under_the_pointer(app_url, page):
    open_panel(page, f"{app_url}/sigmoid-bce")
    frame = page.locator(".lp-chart", has_text="the sigmoid").locator(".lp-frame")
    box = frame.bounding_box()
    plot_left, plot_width = 62, box["width"] - 62 - 14
    page.mouse.move(box["x"] + plot_left + plot_width * 0.75, box["y"] + 60)
    tooltip = frame.locator(".lp-tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("logit z = 5")
    expect(tooltip).to_contain_text("σ(z): 0.993307")


@pytest.mark.parametrize("query", ["z=2", "z=-7.5&y=0.3&pw=3", "wide=true&z=40&y=0.5"])
def test_each_moving_point_lands_on_the_pixel_a_fresh_plotly_drawing_puts_it(app_url, page, query):
    open_panel(page, f"{app_url}/sigmoid-bce?{query}")
    pairs = page.evaluate(_MARKERS_AND_FRESH)
    assert len(pairs) == (3 if "z=40" in query else 4)  # at z = 40 the ℓ(p) point is an arrow at the top edge
    for (x, y), (fresh_x, fresh_y) in pairs:
        assert abs(x - fresh_x) <= 0.6 and abs(y - fresh_y) <= 0.6, pairs


def test_at_z_40_target_0_the_loss_point_says_it_left_the_curve_and_why(app_url, page):
    """Issue 18, item 7: p rounds to 1, the stable form still gives ℓ = 40, and the point does not float."""
    open_panel(page, f"{app_url}/sigmoid-bce?wide=true&z=40&y=0")
    expect(page.locator(".lp-note").first).to_contain_text("rounds to exactly 1 in float64")
    expect(page.locator(".lp-note").first).to_contain_text("ℓ = 40")
    chart = page.locator(".lp-chart", has_text="the loss against p")
    label = chart.locator(".lp-point-label")
    expect(label).to_have_text("ℓ = 40, off the curve ↑")
    inside = chart.locator(".lp-frame").evaluate(
        """(frame) => {
        const f = frame.getBoundingClientRect();
        return [...frame.querySelectorAll('.lp-point-label, .lp-off-chart')].every((e) => {
            const b = e.getBoundingClientRect();
            return b.left >= f.left - 1 && b.right <= f.right + 1 && b.top >= f.top - 1 && b.bottom <= f.bottom + 1;
        });
    }"""
    )
    assert inside


_LAYOUT_PROBLEMS = """() => {
    // What a projector would cut or pile up in the panel: numbers, formulas and table cells wider than their box,
    // bar labels missing, outside their chart or over each other or the axis labels.
    const problems = [];
    const meets = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const cut = (e) => e.scrollWidth > e.clientWidth + 1;
    for (const e of document.querySelectorAll('.lp-metric-value, .lp-formula, .lp-table td, .lp-box, .lp-legend')) {
        if (cut(e)) problems.push(`cut: ${e.className} ${e.textContent || e.value}`);
    }
    for (const frame of document.querySelectorAll('.lp-frame')) {
        const f = frame.getBoundingClientRect();
        const labels = [...frame.querySelectorAll('.lp-bar-label')];
        const axis = [...frame.querySelectorAll('.xtick text, .ytick text, .g-xtitle text, .g-ytitle text')];
        labels.forEach((label, i) => {
            const b = label.getBoundingClientRect();
            if (!label.textContent) problems.push('a bar without its value');
            if (b.left < f.left || b.right > f.right || b.top < f.top || b.bottom > f.bottom) {
                problems.push(`outside: ${label.textContent}`);
            }
            for (const other of [...labels.slice(i + 1), ...axis]) {
                const [mine, theirs] = [label.textContent, other.textContent];
                if (meets(b, other.getBoundingClientRect())) problems.push(`${mine} on ${theirs}`);
            }
        });
    }
    return problems;
}"""


PROJECTOR_VIEWS = {
    "sigmoid-bce?": 3,
    "sigmoid-bce?z=-4&y=0.3&pw=3": 3,
    "sigmoid-bce?wide=true&z=40&y=0": 3,
    "softmax-ce?k=4&target=soft&t0=0.6&t1=0.3&t2=0.1&t3=0&eps=0.1": 12,
    "softmax-ce?k=10&weighted=true&w3=4&cls=3&eps=0.2": 30,
    "softmax-ce?k=2&z0=0.5&z1=-1.25": 6,
    "soft-targets?y=0.05&p=0.999&mix=0": 4,
}
"""Views a projector must show whole, with the number of bar labels each draws."""


@pytest.mark.parametrize("present", ["false", "true"])
@pytest.mark.parametrize("view", list(PROJECTOR_VIEWS))
def test_every_panel_fits_a_1024_by_768_projector_in_the_dark_theme(app_url, browser, screenshot, view, present):
    """Issue 18, items 4 and 5: whole formulas and numbers, every bar labelled, no label over another."""
    context = browser.new_context(viewport={"width": 1024, "height": 768}, color_scheme="dark")
    tab = context.new_page()
    open_panel(tab, f"{app_url}/{view}&present={present}")
    assert tab.evaluate(_LAYOUT_PROBLEMS) == []
    assert tab.locator(".lp-bar-label").count() == PROJECTOR_VIEWS[view]
    assert tab.locator(".live-panel").first.evaluate("e => e.style.colorScheme") == "dark"
    screenshot(f"panel-1024-dark-present-{present}-{re.sub(r'[^a-z0-9]+', '-', view)[:60]}", tab)
    context.close()


def test_the_prediction_panel_moves_from_the_keyboard_and_the_box_and_shows_libs_numbers(app_url, page):
    open_panel(page, f"{app_url}/soft-targets?y=0.3")
    split = binary_split(0.3, PREDICTIONS)
    slider = page.get_by_role("slider", name="prediction p")
    slider.focus()
    for _ in range(5):
        slider.press("ArrowLeft")
    expect(slider).to_have_value("0.695")
    expect(page).to_have_url(re.compile(r"[?&]p=0\.695\b"), timeout=TIMEOUT_MS)
    at = int(np.argmin(abs(PREDICTIONS - 0.695)))
    expect(metric_value(page, "BCE(p, y)")).to_have_text(f"{split.bce[at]:.6g}")
    expect(metric_value(page, "KL(y ‖ p)")).to_have_text(f"{split.kl[at]:.6g}")
    box = page.get_by_role("spinbutton", name="prediction p, typed")
    box.fill("0.3")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]p=0\.3\b"), timeout=TIMEOUT_MS)
    expect(metric_value(page, "KL(y ‖ p)")).to_have_text("0")
    expect(metric_value(page, "BCE(p, y)")).to_have_text(f"{split.entropy:.6g}")


def test_dragging_the_mix_moves_the_class_bars_and_asks_the_server_nothing(app_url, page):
    open_panel(page, f"{app_url}/soft-targets")
    slider = page.get_by_role("slider", name=re.compile("m =$"))
    bar = page.locator(".lp-bar").nth(3)
    heights, sent = drag(page, slider, 0.1, 0.1, 8, lambda: float(bar.get_attribute("height")))
    assert sent == 0, "the drag sent messages to the server"
    assert all(b > a for a, b in itertools.pairwise(heights))  # q of the likeliest class grows with m
    value = slider.input_value()
    expect(page).to_have_url(re.compile(rf"[?&]mix={re.escape(value)}(&|$)"), timeout=TIMEOUT_MS)
    split = categorical_split(np.array([0.0, 0.25, 0.25, 0.5]), MIXES)
    at = int(np.argmin(abs(MIXES - float(value))))
    expect(metric_value(page, "cross-entropy CE(t, q)")).to_have_text(f"{split.cross_entropy[at]:.6g}")


def expect_softmax_panel_at(page, logits: list[float], target: int = 0) -> None:
    """The softmax panel shows lib's numbers for ``logits``: its loss, each q and each agreement row."""
    scenario = SoftmaxScenario(np.array(logits), 1.0, target)
    table = multiclass_agreement(scenario.agreement())
    lesson = softmax_lesson(scenario)
    expect(metric_value(page, "loss ℓ")).to_have_text(f"{float(lesson.loss):.6g}", timeout=TIMEOUT_MS)
    for row in table.rows:
        cell = page.locator(f'.lp-table tr[data-row="{row.id}"] td').nth(2)
        expect(cell).to_have_text(f"{float(row.value):.6g}")


def test_dragging_a_logit_moves_the_softmax_panel_and_its_commit_brings_the_other_sections_along(app_url, page):
    open_panel(page, f"{app_url}/softmax-ce")
    page.evaluate("window.kept = [...document.querySelectorAll('.live-panel, .lp-range, .lp-plot, .lp-table')]")
    slider = page.get_by_role("slider", name="z1", exact=True)
    bar = page.locator(".lp-bar").nth(1)
    bars, sent = drag(page, slider, 0.6, 0.04, 8, lambda: float(bar.get_attribute("height")))
    assert sent == 0, "the drag sent messages to the server"
    assert all(b > a for a, b in itertools.pairwise(bars)), bars  # q1 grows with z1
    z1 = float(slider.input_value())
    expect(page).to_have_url(re.compile(rf"[?&]z1={re.escape(slider.input_value())}(&|$)"), timeout=TIMEOUT_MS)
    expect_softmax_panel_at(page, [2.0, z1, 0.1])
    other = page.get_by_role("slider", name="z2", exact=True)
    other.focus()
    other.press("ArrowRight")
    expect(page).to_have_url(re.compile(r"[?&]z2=0\.15\b"), timeout=TIMEOUT_MS)
    expect_softmax_panel_at(page, [2.0, z1, 0.15])
    assert page.evaluate("window.kept.filter((node) => !node.isConnected).length") == 0


def test_a_key_pressed_while_a_commits_table_is_on_its_way_is_kept_and_committed_next(app_url, page):
    """The table a commit brings does not put back a slider that a key moved since: that move is committed next."""
    held, socket = [], {}

    def hold_while_asked(route):
        socket["route"] = route
        server = route.connect_to_server()
        server.on_message(lambda message: held.append(message) if socket.get("holding") else route.send(message))

    page.route_web_socket(re.compile(r"/_stcore/stream$"), hold_while_asked)
    open_panel(page, f"{app_url}/softmax-ce")
    slider = page.get_by_role("slider", name="z2", exact=True)
    slider.focus()
    socket["holding"] = True
    slider.press("ArrowLeft")
    expect(page).to_have_url(re.compile(r"[?&]z2=0\.05\b"), timeout=TIMEOUT_MS)
    for _ in range(200):  # the commit's rerun has finished on the server; its table is held
        if any(ForwardMsg.FromString(message).WhichOneof("type") == "script_finished" for message in held):
            break
        page.wait_for_timeout(50)
    slider.press("ArrowLeft")
    socket["holding"] = False
    for message in held:
        socket["route"].send(message)
    slider.press("ArrowLeft")
    expect(page).to_have_url(re.compile(r"[?&]z2=-0\.05\b"), timeout=TIMEOUT_MS)
    expect_softmax_panel_at(page, [2.0, 1.0, -0.05])
    expect(slider).to_have_value("-0.05")


def test_keys_on_one_logit_right_after_another_is_committed_end_on_libs_numbers_for_both(app_url, page):
    open_panel(page, f"{app_url}/softmax-ce")
    first = page.get_by_role("slider", name="z0", exact=True)
    first.focus()
    first.press("ArrowLeft")
    page.wait_for_timeout(160)  # the commit of z0 is on its way: z2's section of the table is stale
    second = page.get_by_role("slider", name="z2", exact=True)
    second.focus()
    for _ in range(3):
        second.press("ArrowLeft")
    expect(page).to_have_url(
        re.compile(r"[?&]z0=1\.95\b.*[?&]z2=-0\.05\b|[?&]z2=-0\.05\b.*[?&]z0=1\.95\b"), timeout=TIMEOUT_MS
    )
    expect_softmax_panel_at(page, [1.95, 1.0, -0.05])
    expect(second).to_have_value("-0.05")
