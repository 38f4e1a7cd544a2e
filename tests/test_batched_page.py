"""AppTest drives the batched lab: the numbers shown are the engine's, caps hold, and runs report progress."""

import base64

import numpy as np
import pytest
import torch
from pages_helpers import charts, open_page

from lib.batched.engine import BatchSpec, Implementation, disagreement_statistics
from lib.batched.limits import CAPS


def test_batch_run_shows_the_engine_statistics_for_the_chosen_batch():
    app = open_page("batched", n="200000", scale="50", dtype="float16", seed="3")
    app.button[0].click().run()
    assert not app.exception
    table = app.dataframe[0].value.set_index("implementation")
    report = disagreement_statistics(BatchSpec(200_000, 50.0, "normal", False, 3), "float16", torch.device("cpu"))
    for name, stats in report.stats.items():
        assert table.loc[name.label, "non-finite values"] == stats.non_finite
        assert table.loc[name.label, "max |Δ| vs float64"] == f"{stats.max_abs_difference:.3g}"
    summary = next(m.value for m in app.markdown if m.value.startswith("**200,000 elements**"))
    assert f"reference mean loss {report.reference_mean:.6g}." in summary


def test_the_stop_button_is_gone_once_a_run_has_finished():
    app = open_page("batched", n="20000")
    app.button[0].click().run()
    assert [button.label for button in app.button] == ["Run the batch", "Draw the landscape", "Time them"]


def test_batch_size_beyond_the_cpu_cap_falls_back_with_a_note():
    app = open_page("batched", n=str(CAPS["cpu"]["batch"] * 10))
    assert any("fell back to defaults" in w.value for w in app.warning)
    assert app.number_input(key="n").value == 1_000_000


def test_landscape_and_timing_render_without_errors():
    app = open_page("batched", side="64")
    app.button[1].click().run()
    assert not app.exception and charts(app)["landscape"]["figure"]["data"][0]["type"] == "heatmap"
    app.button[-1].click().run()
    timing = app.dataframe[-1].value
    assert list(timing["method"])[:2] == ["Python loop, one element at a time", "NumPy, vectorised (float64)"]
    assert list(timing["method"])[2].startswith("torch on cpu (float32, ")


@pytest.mark.parametrize("device", ["cuda", "mps"])
def test_asking_for_an_absent_device_runs_on_cpu(device):
    if getattr(torch, device).is_available() if device == "cuda" else torch.backends.mps.is_available():
        pytest.skip(f"{device} is present here")
    app = open_page("batched", device=device)
    assert any("Running on **cpu**" in c.value for c in app.caption)


def typed_array(encoded: dict) -> np.ndarray:
    """An array as plotly's JSON sends it to the browser: base64 bytes of a typed array."""
    return np.frombuffer(base64.b64decode(encoded["bdata"]), dtype=encoded["dtype"])


@pytest.mark.parametrize(
    ("button", "query"), [("Run the batch", {"n": "20000"}), ("Draw the landscape", {"side": "16"})]
)
def test_a_finished_run_leaves_no_progress_bar(button, query):
    app = open_page("batched", **query)
    next(b for b in app.button if b.label == button).click().run()
    assert not app.exception and list(app.get("progress")) == []


def test_the_landscape_has_logit_and_target_axes_with_their_values():
    app = open_page("batched", side="16", range="30")
    next(b for b in app.button if b.label == "Draw the landscape").click().run()
    figure = charts(app)["landscape"]["figure"]
    trace, layout = figure["data"][0], figure["layout"]
    logits, targets = typed_array(trace["x"]), typed_array(trace["y"])
    assert logits[0] == -30 and logits[-1] == 30 and targets[0] == 0 and targets[-1] == 1
    assert layout["xaxis"]["title"]["text"] == "logit z" and layout["yaxis"]["title"]["text"] == "target y"
    assert layout["xaxis"].get("showticklabels", True) and layout["yaxis"].get("showticklabels", True)
    assert "scaleanchor" not in layout["yaxis"]


def test_the_landscape_summary_never_says_minus_zero():
    app = open_page("batched", side="16", range="30", impl="bce_sigmoid")
    next(b for b in app.button if b.label == "Draw the landscape").click().run()
    alt = charts(app)["landscape"]["alt"]
    assert "-0 " not in alt and "from 0 to 100" in alt


def test_the_implementation_link_stores_an_id_and_the_menu_shows_its_label():
    app = open_page("batched", impl="naive")
    menu = app.selectbox(key="impl")
    assert menu.value == Implementation.NAIVE
    assert menu.options == [implementation.label for implementation in Implementation]
    assert not app.warning


def test_an_implementation_link_holding_a_label_falls_back_with_a_note():
    app = open_page("batched", impl="F.binary_cross_entropy(σ(z))")
    assert app.selectbox(key="impl").value == Implementation.BCE_ON_SIGMOID
    assert any("impl = 'F.binary_cross_entropy(σ(z))' is not one of" in w.value for w in app.warning)


def test_choosing_an_implementation_writes_its_id_into_the_link():
    app = open_page("batched")
    app.selectbox(key="impl").select(Implementation.NAIVE).run()
    assert app.query_params["impl"] == "naive"
    assert any("impl=naive" in code.value for code in app.code)
    app.selectbox(key="impl").select(Implementation.BCE_ON_SIGMOID).run()
    assert "impl" not in app.query_params
