"""Hostile input: fuzzed link parameters and pasted text on every page give messages, never tracebacks."""

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pages_helpers import open_page

from lib.view.parsing import parse_logit_target_rows

PAGE_KEYS = {
    "home": ["present"],
    "sigmoid_bce": ["mode", "wide", "z", "y", "pw", "w", "dtype", "reduction", "rows"],
    "softmax_ce": ["k", "z0", "z3", "temp", "target", "cls", "t1", "eps", "weighted", "w0", "dtype", "reduction"],
    "soft_targets": ["y", "p", "blur", "sharp", "noise", "seed", "mix"],
    "stability": ["dtype", "lse", "lse_dtype"],
    "mismatch": ["preset"],
    "exercises": ["confident", "q"],
    "batched": ["device", "dtype", "n", "dist", "scale", "soft", "seed", "impl", "side", "range"],
}

hostile_values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["nan", "inf", "-inf", "1e308", "-1e308", "1e400", "", "true", "TRUE", "0x10", "[]", "None"]),
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.recursive(st.integers(-5, 5), lambda children: st.lists(children, max_size=3), max_leaves=8).map(json.dumps),
    st.sampled_from(["<script>alert(1)</script>", "__import__('os').system('true')", "'; DROP TABLE x; --", "💥" * 50]),
)


@pytest.mark.parametrize("page", list(PAGE_KEYS))
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzzed_link_parameters_never_raise_and_the_session_keeps_working(page, data):
    keys = data.draw(st.lists(st.sampled_from(PAGE_KEYS[page]), min_size=1, max_size=4, unique=True))
    query = {key: data.draw(hostile_values, label=key) for key in keys}
    app = open_page(page, **query)
    app.run()
    assert not app.exception


@pytest.mark.parametrize(
    ("page", "key", "text"),
    [
        ("sigmoid_bce", "rows", "1:0," * 3000),
        ("stability", "lse", "9" * 500),
    ],
)
def test_large_or_malformed_pastes_get_a_message_on_the_page(page, key, text):
    query = {"mode": "batch"} if page == "sigmoid_bce" else {}
    app = open_page(page, **query, **{key: text})
    assert not app.exception
    assert any("cannot be used" in e.value for e in app.error)


def test_too_many_rows_are_refused_by_count_and_a_trailing_comma_is_fine():
    assert "at most 50 rows" in parse_logit_target_rows("1:0," * 3000, 50)[2]
    logits, targets, problem = parse_logit_target_rows("1:0, 2:1,", 50)
    assert problem is None and logits.tolist() == [1.0, 2.0] and targets.tolist() == [0.0, 1.0]


def test_raw_html_is_enabled_only_for_the_presentation_css_and_the_chart_script_never_writes_html():
    """What the source allows; tests/browser/test_classroom_in_browser.py shows hostile text arriving inert."""
    root = Path(__file__).resolve().parents[1]
    sources = [*root.glob("app_pages/*.py"), *root.glob("ui/*.py"), root / "app.py"]
    raw_html = {path.relative_to(root).as_posix(): path.read_text().count("unsafe_allow_html=True") for path in sources}
    assert {path: count for path, count in raw_html.items() if count} == {"ui/widgets.py": 1}
    assert "st.markdown(_PRESENTATION_CSS, unsafe_allow_html=True)" in (root / "ui/widgets.py").read_text()
    chart_script = (root / "ui/live_chart.js").read_text()
    html_sinks = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write")
    assert [sink for sink in html_sinks if sink in chart_script] == []
