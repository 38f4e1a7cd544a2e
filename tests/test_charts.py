"""Every chart reaches the browser as a live chart: its plotly figure, its alt text, no theme of its own."""

import pytest
from pages_helpers import charts, open_page, panel

from lib.losses import handwritten as hw
from lib.view import figures
from ui import widgets
from ui.live_panel import SLIDER

LESSON_CHARTS = {
    "soft_targets": ["target_image", "reconstruction", "pixel_bce"],
    "stability": ["log_one_minus_sigmoid", "target_zero_loss"],
}


@pytest.mark.parametrize("page", LESSON_CHARTS)
def test_every_chart_carries_its_figure_and_a_words_only_summary(page):
    shown = charts(open_page(page))
    assert list(shown) == LESSON_CHARTS[page]
    for chart in shown.values():
        assert chart["figure"]["data"] and len(chart["alt"]) > 20


LIVE_PANELS = {
    ("sigmoid_bce", "z", None): 5,
    ("softmax_ce", "z0", None): 4,
    ("soft_targets", "p", "soft_panel"): 1,
    ("soft_targets", "mix", "classes_panel"): 2,
}
"""(page, slider key, panel name): the number of charts the panel draws."""


@pytest.mark.parametrize(("page", "key", "name"), list(LIVE_PANELS))
def test_every_live_panel_chart_has_a_summary_and_draws_from_columns_the_table_holds(page, key, name):
    meta, columns, _ = panel(open_page(page), key, name)
    assert len(meta["charts"]) == LIVE_PANELS[page, key, name]
    for chart in meta["charts"]:
        assert (chart["curves"] or chart["bars"]) and len(chart["alt"]) > 20
        drawn = [c[axis] for c in chart["curves"] + chart["points"] for axis in ("x", "y")]
        if chart["bars"]:
            drawn += [column for part in chart["bars"]["series"] + chart["bars"]["ticks"] for column in part["columns"]]
        assert all(column in columns for column in drawn if column != SLIDER)


def test_charts_leave_the_theme_to_the_browser():
    for chart in charts(open_page("stability")).values():
        assert "template" not in chart["figure"]["layout"]


def test_bce_loss_curve_marks_the_current_logit_at_the_loss_shown_beside_it():
    meta, columns, position = panel(open_page("sigmoid_bce", z="1.5", y="0.3"), "z")
    point = next(chart for chart in meta["charts"] if chart["title"] == "the loss against z")["points"][0]
    assert columns[point["x"]][position] == 1.5 and point["y"] == "loss"
    assert f"{columns[point['y']][position]:.6g}" == f"{float(hw.binary_cross_entropy_with_logits(1.5, 0.3)):.6g}"


def test_presentation_mode_enlarges_every_chart():
    normal, presented = charts(open_page("stability")), charts(open_page("stability", present="true"))
    for key, chart in presented.items():
        assert chart["figure"]["layout"]["height"] == int(normal[key]["figure"]["layout"]["height"] * 1.5)
        assert chart["figure"]["layout"]["font"]["size"] == 20


def test_plotly_js_is_copied_into_the_static_folder_once(tmp_path):
    widgets.serve_plotly_js(tmp_path)
    served = tmp_path / widgets.PLOTLY_JS.name
    assert served.read_bytes() == widgets.PLOTLY_JS.read_bytes()
    first_write = served.stat().st_mtime_ns
    widgets.serve_plotly_js(tmp_path)
    assert served.stat().st_mtime_ns == first_write
    assert [path.name for path in tmp_path.iterdir()] == [widgets.PLOTLY_JS.name]


def test_a_static_folder_that_cannot_be_written_is_logged_not_raised(tmp_path, caplog):
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    widgets.serve_plotly_js(not_a_folder / "static")
    assert "cannot put plotly.js" in caplog.text


@pytest.mark.parametrize(
    ("values", "expected_range"),
    [([-0.1269, 0.0, 0.1269], [-0.17766, 0.17766]), ([0.5, 2.0], [0.0, 2.4]), ([-2.0, -1.0], [-2.4, 0.0])],
)
def test_bar_charts_leave_a_fifth_of_their_span_past_the_longest_bar_for_its_label(values, expected_range):
    chart = figures.signed_bars([f"bar {i}" for i in range(len(values))], values, ["#000000"] * len(values), "v")
    assert list(chart.figure.layout.yaxis.range) == pytest.approx(expected_range)


def test_bar_charts_of_zeros_non_finite_or_overflowing_values_still_get_an_axis():
    assert list(figures.signed_bars(["a", "b"], [0.0, 0.0], ["#000000"] * 2, "v").figure.layout.yaxis.range) == [0, 0.2]
    assert figures.signed_bars(["a"], [float("nan")], ["#000000"], "v").figure.layout.yaxis.range is None
    assert figures.signed_bars(["a", "b"], [1e308, -1e308], ["#000000"] * 2, "v").figure.layout.yaxis.range is None
