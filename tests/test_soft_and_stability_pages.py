"""AppTest drives the Soft targets and Numerical stability pages: the numbers shown equal torch's."""

import math

import numpy as np
import torch
import torch.nn.functional as F
from pages_helpers import metric, open_page, shown

from lib.lessons.soft_targets import digit_image, reconstruction


def test_soft_targets_page_works_the_0_6_against_0_7_example():
    app = open_page("soft_targets")
    expected = -(0.4 * math.log(0.3) + 0.6 * math.log(0.7))
    assert metric(app, "BCE(p, y)") == shown(expected)
    assert metric(app, "entropy floor H(y)") == shown(-(0.6 * math.log(0.6) + 0.4 * math.log(0.4)))
    assert any(shown(expected) in c.value for c in app.caption)


def test_soft_targets_page_kl_is_zero_when_the_prediction_equals_the_target():
    app = open_page("soft_targets", y="0.3", p="0.3")
    assert float(metric(app, "KL(y ‖ p)")) == 0.0
    bce = F.binary_cross_entropy(torch.tensor([0.3], dtype=torch.float64), torch.tensor([0.3], dtype=torch.float64))
    assert metric(app, "BCE(p, y)") == shown(bce) == metric(app, "entropy floor")


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
    assert metric(app, "cross-entropy CE") == metric(app, "entropy H(t)") == shown(1.0397207708399179)
    assert float(metric(app, "KL(t ‖ q)")) == 0.0


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
