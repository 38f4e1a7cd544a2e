"""Every lesson page's 'Copy as PyTorch' script runs and prints the numbers the page shows."""

import numpy as np
import pytest
from pages_helpers import open_page, panel_shows
from script_runner import run_scripts

from lib.agreement.binary import BinaryScenario, binary_agreement
from lib.agreement.multiclass import MulticlassScenario, multiclass_agreement
from lib.lessons.snippets import (
    bce_snippet,
    binary_soft_snippet,
    ce_snippet,
    class_soft_snippet,
    log_sum_exp_snippet,
    saturation_snippet,
)
from lib.lessons.soft_targets import categorical_split
from lib.lessons.softmax import SoftmaxScenario
from lib.lessons.stability import log_sum_exp_steps, logsigmoid_sweep
from lib.losses import decomposition as dc
from lib.losses import handwritten as hw
from ui.widgets import format_value

BCE_CASES = {
    "bce-single": (np.array(2.0), np.array(1.0), 1.0, 1.0, "mean", "float32"),
    "bce-clamp": (np.array(20.0), np.array(0.0), 1.0, 1.0, "mean", "float32"),
    "bce-batch": (np.array([1.1, 2.2, 0.5, -1.1, -2.2]), np.array([1, 1, 0, 0, 0.0]), 0.5, 2.5, "sum", "bfloat16"),
}
CE_CASES = {
    "ce-index": (np.array([2.0, 1.0, 0.1]), 1.5, 0, 0.1, None, "mean", "float32"),
    "ce-soft-weighted": (
        np.array([2.0, -1.0, 0.5, 0.0]),
        0.7,
        np.array([0.1, 0.2, 0.3, 0.4]),
        0.0,
        np.array([1.0, 2, 3, 4]),
        "sum",
        "float16",
    ),
}


@pytest.fixture(scope="module")
def printed():
    scripts = {name: bce_snippet(BinaryScenario(*case)) for name, case in BCE_CASES.items()}
    scripts |= {name: ce_snippet(SoftmaxScenario(*case)) for name, case in CE_CASES.items()}
    scripts["soft"] = binary_soft_snippet(0.6, 0.7)
    split = categorical_split(np.array([0.0, 0.25, 0.25, 0.5]), [0.4])
    scripts["classes"] = class_soft_snippet(split.target, split.prediction[0])
    scripts["saturation"] = saturation_snippet("float16")
    scripts["lse"] = log_sum_exp_snippet(np.array([1000.0, 0.0, -1000.0]), "float32")
    return run_scripts(scripts)


def table_value(table, prefix):
    return format_value(next(row.value for row in table.rows if row.implementation.startswith(prefix)))


@pytest.mark.parametrize("name", list(BCE_CASES))
def test_bce_snippet_prints_the_page_loss_gradient_and_table_values(printed, name):
    z, y, w, pw, reduction, dtype = BCE_CASES[name]
    lines = printed[name]
    assert lines["loss (float64)"] == format_value(hw.binary_cross_entropy_with_logits(z, y, w, reduction, pw)).replace(
        "[", ""
    ).replace("]", "")
    np.testing.assert_allclose(
        np.array(lines["dL/dz (float64)"].split(", "), dtype=float),
        np.ravel(dc.bce_with_logits_grad(z, y, w, reduction, pw)),
        rtol=1e-5,
    )
    table = binary_agreement(BinaryScenario(z, y, w, pw, reduction, dtype))
    for label in ("F.binary_cross_entropy(torch.sigmoid(z), y)", "F.binary_cross_entropy_with_logits(z, y)"):
        assert lines[label] == table_value(table, label)


@pytest.mark.parametrize("name", list(CE_CASES))
def test_ce_snippet_prints_the_page_loss_and_table_value(printed, name):
    logits, temperature, target, smoothing, weight, reduction, dtype = CE_CASES[name]
    scaled = (logits / temperature)[None, :]
    target_array = np.array([target]) if np.ndim(target) == 0 else np.asarray(target)[None, :]
    loss = hw.cross_entropy(scaled, target_array, weight, label_smoothing=smoothing, reduction=reduction)
    assert printed[name]["loss (float64)"] == f"{float(loss):.6g}"
    table = multiclass_agreement(MulticlassScenario(scaled, target_array, weight, -100, smoothing, reduction, dtype))
    assert printed[name]["F.cross_entropy"] == table_value(table, "F.cross_entropy(z,")


def test_soft_target_snippets_print_bce_entropy_and_kl(printed):
    assert printed["soft"]["BCE(p, y)"] == f"{float(hw.binary_cross_entropy([0.7], [0.6])):.6g}"
    assert printed["soft"]["entropy H(y)"] == f"{float(dc.binary_entropy(0.6)):.6g}"
    split = categorical_split(np.array([0.0, 0.25, 0.25, 0.5]), [0.4])
    assert printed["classes"]["CE(t, q)"] == f"{split.cross_entropy[0]:.6g}"
    assert printed["classes"]["KL(t || q)"] == f"{split.kl[0]:.6g}"


def test_stability_snippets_print_the_clamp_and_the_log_sum_exp(printed):
    sweep = logsigmoid_sweep(np.array([20.0]), "float16")
    assert printed["saturation"]["BCELoss(sigmoid(z), 0)"] == f"{sweep.bce_on_probability[0]:.6g}" == "100"
    assert printed["saturation"]["BCEWithLogitsLoss(z, 0)"] == f"{sweep.bce_with_logits[0]:.6g}"
    steps = log_sum_exp_steps(np.array([1000.0, 0.0, -1000.0]), "float32")
    assert printed["lse"]["naive log(sum(exp(z)))"] == "inf"
    assert printed["lse"]["logsumexp(z)"] == f"{steps.log_sum_exp:.6g}"


def test_pages_show_the_snippet_for_their_current_state():
    app = open_page("sigmoid_bce", z="-1.5", y="0.25", dtype="float16")
    expected = bce_snippet(BinaryScenario(np.array(-1.5), np.array(0.25), 1.0, 1.0, "mean", "float16"))
    assert any(code.value == expected.rstrip("\n") for code in app.code)
    assert panel_shows(app, "z", "loss") == f"{float(hw.binary_cross_entropy_with_logits(-1.5, 0.25)):.6g}"
    app = open_page("softmax_ce", temp="2", cls="2")
    expected = ce_snippet(SoftmaxScenario(np.array([2.0, 1.0, 0.1]), 2.0, 2, 0.0, None, "mean", "float32"))
    assert any(code.value == expected.rstrip("\n") for code in app.code)
