"""AppTest drives the batched lab: the numbers shown are the engine's, caps hold, and runs report progress."""

import pytest
import torch
from pages_helpers import charts, open_page

from lib.batched.engine import BatchSpec, disagreement_statistics
from lib.batched.limits import CAPS


def test_batch_run_shows_the_engine_statistics_for_the_chosen_batch():
    app = open_page("batched", n="200000", scale="50", dtype="float16", seed="3")
    app.button[0].click().run()
    assert not app.exception
    table = app.dataframe[0].value.set_index("implementation")
    report = disagreement_statistics(BatchSpec(200_000, 50.0, "normal", False, 3), "float16", torch.device("cpu"))
    for name, stats in report.stats.items():
        assert table.loc[name, "non-finite values"] == stats.non_finite
        assert table.loc[name, "max |Δ| vs float64"] == f"{stats.max_abs_difference:.3g}"
    assert f"{report.reference_mean:.6g}" in app.markdown[-1].value or any(
        f"{report.reference_mean:.6g}" in m.value for m in app.markdown
    )


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
