"""AppTest drives the Soft targets and Numerical stability pages: the numbers shown equal torch's."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from pages_helpers import metric, open_page, panel, panel_bytes, panel_metric, shown

from lib.lessons.soft_targets import digit_image, reconstruction


def test_soft_targets_page_works_the_0_6_against_0_7_example():
    app = open_page("soft_targets")
    expected = -(0.4 * math.log(0.3) + 0.6 * math.log(0.7))
    assert panel_metric(app, "p", "BCE(p, y)", "soft_panel") == shown(expected)
    assert panel_metric(app, "p", "entropy floor H(y)", "soft_panel") == shown(
        -(0.6 * math.log(0.6) + 0.4 * math.log(0.4))
    )
    meta, _, _ = panel(app, "p", "soft_panel")
    assert f"= {shown(expected)}." in meta["body"]


def test_soft_targets_page_kl_is_zero_when_the_prediction_equals_the_target():
    app = open_page("soft_targets", y="0.3", p="0.3")
    assert float(panel_metric(app, "p", "KL(y ‖ p)", "soft_panel")) == 0.0
    bce = F.binary_cross_entropy(torch.tensor([0.3], dtype=torch.float64), torch.tensor([0.3], dtype=torch.float64))
    assert panel_metric(app, "p", "BCE(p, y)", "soft_panel") == shown(bce)
    assert shown(bce) == panel_metric(app, "p", "entropy floor", "soft_panel")


def test_soft_targets_page_prediction_commit_keeps_the_table_and_updates_snippet_and_link():
    app = open_page("soft_targets")
    before = panel_bytes(app, "soft_panel")
    app.session_state["soft_panel"] = {"p": 0.25}
    app.run()
    assert panel_bytes(app, "soft_panel") == before
    assert app.query_params["p"] == "0.25"
    assert any("torch.tensor([0.25], dtype=torch.float64)" in code.value for code in app.code)


def test_soft_targets_page_target_change_rebuilds_the_panel_at_the_committed_prediction():
    app = open_page("soft_targets", p="0.2")
    app.slider(key="y").set_value(0.9).run()
    meta, columns, position = panel(app, "p", "soft_panel")
    assert columns["grid"][position] == 0.2 and meta["sliders"][0]["start"] == 0.2
    bce = F.binary_cross_entropy(torch.tensor([0.2], dtype=torch.float64), torch.tensor([0.9], dtype=torch.float64))
    assert panel_metric(app, "p", "BCE(p, y)", "soft_panel") == shown(bce)


def test_soft_targets_page_pixel_totals_match_torch_sum_and_mean():
    app = open_page("soft_targets", blur="2", noise="1.5", seed="7", sharp="0.5")
    result = reconstruction(digit_image(), 2.0, 0.5, 1.5, 7)
    logits, target = torch.tensor(result.logits), torch.tensor(digit_image())
    assert metric(app, "BCE, reduction='sum'") == shown(
        F.binary_cross_entropy_with_logits(logits, target, reduction="sum"), 5
    )
    assert metric(app, "BCE, reduction='mean'") == shown(F.binary_cross_entropy_with_logits(logits, target), 5)


def test_soft_targets_page_many_classes_reaches_the_entropy_1_0397_at_mix_1():
    app = open_page("soft_targets", mix="1")
    ce = panel_metric(app, "mix", "cross-entropy CE(t, q)", "classes_panel")
    assert ce == panel_metric(app, "mix", "entropy H(t)", "classes_panel") == shown(1.0397207708399179)
    assert float(panel_metric(app, "mix", "KL(t ‖ q)", "classes_panel")) == 0.0


def test_soft_targets_page_many_classes_panel_shows_torchs_cross_entropy_at_the_linked_mix():
    app = open_page("soft_targets", mix="0.3")
    _, columns, position = panel(app, "mix", "classes_panel")
    q = torch.tensor([columns[f"q_{k}"][position] for k in range(4)], dtype=torch.float64)
    assert q.tolist() == pytest.approx([0.7 / 4 + 0.3 * t for t in (0.0, 0.25, 0.25, 0.5)], rel=1e-15)
    expected = F.cross_entropy(q.log()[None], torch.tensor([[0.0, 0.25, 0.25, 0.5]], dtype=torch.float64))
    assert panel_metric(app, "mix", "cross-entropy CE(t, q)", "classes_panel") == shown(expected)


def test_stability_page_reports_the_float32_clamp_at_z_20():
    app = open_page("stability")
    note = app.info[0].value
    assert "gives 100" in note and "BCEWithLogitsLoss gives 20" in note


def test_stability_page_table_gives_each_dtype_its_saturation_logit():
    table = open_page("stability").dataframe[0].value.set_index("dtype")
    for dtype, torch_dtype in (("float32", torch.float32), ("float16", torch.float16), ("bfloat16", torch.bfloat16)):
        z = float(table.loc[dtype, "σ(z) = 1 from z ≈"])
        assert torch.sigmoid(torch.tensor(z * 1.001, dtype=torch_dtype)).item() == 1.0
        assert torch.sigmoid(torch.tensor(z * 0.98, dtype=torch_dtype)).item() < 1.0
    assert table.loc["float32", "naive log(1 − σ(z)) is −inf for"] == "z ≥ 17"


def test_stability_page_switching_dtype_redraws_without_errors():
    app = open_page("stability")
    app.radio(key="dtype").set_value("float16").run()
    assert not app.exception and "in float16" in app.info[0].value


def test_stability_page_log_sum_exp_of_the_users_logits_matches_torch():
    app = open_page("stability", lse="3, 1000.5, -2", lse_dtype="float32")
    z = torch.tensor([3.0, 1000.5, -2.0])
    assert any(shown(torch.logsumexp(z, 0), 8) in latex.value for latex in app.latex)
    steps = app.dataframe[1].value
    np.testing.assert_allclose(steps["softmax"].astype(float), F.softmax(z, 0).numpy(), rtol=1e-6, atol=1e-30)
    assert steps["naive e^z_k"].iloc[1] == "inf"


def test_stability_page_rejects_unusable_logits_with_a_message():
    for text in ["abc", "[[1, 2], [3, 4]]", "1, nan", ",".join(["1"] * 20)]:
        app = open_page("stability", lse=text)
        assert any("cannot be used" in e.value for e in app.error), text


def test_stability_page_says_where_e_to_the_z_overflows_in_the_chosen_dtype():
    for dtype, overflow in (("float32", "88.72"), ("float64", "709.78")):
        app = open_page("stability", lse_dtype=dtype)
        assert any(f"(e^z overflows past z ≈ {overflow})" in c.value for c in app.caption), dtype
