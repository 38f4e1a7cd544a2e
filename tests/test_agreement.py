"""The agreement engine computes every implementation, marks disagreements and says why."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from oracle import t64

from lib.agreement.binary import BinaryScenario, binary_agreement
from lib.agreement.multiclass import CE_MODULE, MulticlassScenario, multiclass_agreement, multiclass_reasons
from lib.agreement.table import REFERENCE, Cells, agrees, difference
from lib.losses import handwritten as hw
from lib.losses.torch_losses import DTYPES, evaluate, sigmoid_saturation_logit


def row(table, prefix):
    return next(r for r in table.rows if r.implementation.startswith(prefix))


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_binary_rows_all_agree_for_moderate_logits(dtype, reduction):
    scenario = BinaryScenario(
        np.array([1.1, 2.2, 0.5, -1.1, -2.2]), np.array([1, 1, 0, 0, 0.0]), 1.5, 1.0, reduction, dtype
    )
    table = binary_agreement(scenario)
    assert len(table.rows) == 7
    assert table.disagreeing == []


def test_binary_reference_is_the_handwritten_stable_value():
    table = binary_agreement(BinaryScenario(np.array(0.3), np.array(0.6), 2.0, 3.0, "mean", "float64"))
    expected = F.binary_cross_entropy_with_logits(t64([0.3]), t64([0.6]), weight=t64(2.0), pos_weight=t64(3.0)).item()
    assert table.reference == pytest.approx(expected, rel=1e-14)
    assert table.rows[0].reason == REFERENCE


def test_binary_torch_rows_report_values_equal_to_direct_torch_calls():
    z, y = np.array([0.7, -2.0]), np.array([1.0, 0.25])
    table = binary_agreement(BinaryScenario(z, y, 1.0, 2.0, "sum", "float32"))
    direct = F.binary_cross_entropy_with_logits(
        torch.tensor(z, dtype=torch.float32),
        torch.tensor(y, dtype=torch.float32),
        reduction="sum",
        pos_weight=torch.tensor(2.0),
    )
    assert row(table, "F.binary_cross_entropy_with_logits").value == direct.item()


def test_bce_on_sigmoid_in_float32_disagrees_at_z_20_with_target_0_and_names_the_clamp():
    table = binary_agreement(BinaryScenario(np.array(20.0), np.array(0.0), dtype="float32"))
    bce_loss = row(table, "F.binary_cross_entropy(")
    assert bce_loss.value == 100.0 and not bce_loss.agrees
    assert "clamps the log at −100" in bce_loss.reason and "16.64" in bce_loss.reason
    assert row(table, "F.binary_cross_entropy_with_logits").value == pytest.approx(20.0)
    assert row(table, "nn.BCEWithLogitsLoss").agrees


def test_naive_form_overflows_to_nan_beyond_36_7_in_float64_and_says_so():
    table = binary_agreement(BinaryScenario(np.array(40.0), np.array(1.0), dtype="float64"))
    naive = row(table, "hand-written, naive")
    assert np.isnan(naive.value) and not naive.agrees
    assert "nan" in naive.reason and "36.74" in naive.reason


def test_bce_loss_rows_explain_that_bce_has_no_pos_weight():
    table = binary_agreement(BinaryScenario(np.array(0.5), np.array(1.0), 1.0, 3.0, "mean", "float32"))
    assert "no pos_weight" in row(table, "nn.BCELoss").reason
    assert row(table, "F.cross_entropy([0, z]").agrees


def test_low_precision_rows_outside_tolerance_are_explained_as_rounding():
    table = binary_agreement(BinaryScenario(np.array([100.0]), np.array([0.999]), dtype="bfloat16"))
    with_logits = row(table, "F.binary_cross_entropy_with_logits")
    assert not with_logits.agrees and "8 significant bits" in with_logits.reason


def test_multiclass_weighted_mean_one_hot_row_explains_the_denominator():
    scenario = MulticlassScenario(
        np.array([[0.2, 0.3, 0.5], [0.5, 0.2, 0.3]]), np.array([2, 1]), weight=np.array([2.0, 4.0, 6.0])
    )
    table = multiclass_agreement(scenario)
    assert table.reference == pytest.approx(1.0598, abs=1e-4)
    one_hot = row(table, "F.cross_entropy(z, one-hot")
    assert one_hot.value == pytest.approx(5.2992, abs=1e-4) and not one_hot.agrees
    assert "Σ w[y_n] = 10" in one_hot.reason and "= 1.0598" in one_hot.reason
    assert row(table, "F.nll_loss").agrees and row(table, "nn.CrossEntropyLoss").agrees


def test_multiclass_nll_row_explains_missing_label_smoothing():
    table = multiclass_agreement(MulticlassScenario(np.array([[2.0, 0.5, -1.0]]), np.array([0]), label_smoothing=0.1))
    assert table.reference == pytest.approx(0.3913, abs=1e-4)
    assert "no label_smoothing" in row(table, "F.nll_loss").reason


def test_multiclass_all_ignored_is_nan_everywhere_the_semantics_match():
    table = multiclass_agreement(MulticlassScenario(np.array([[2.0, 0.5]]), np.array([-100])))
    assert np.isnan(table.reference)
    assert row(table, "F.cross_entropy(z, class").agrees and row(table, "F.nll_loss").agrees
    assert "0/0 = nan" in row(table, "F.cross_entropy(z, one-hot").reason


def test_two_class_bridge_agrees_with_class_weights_for_soft_targets():
    scenario = MulticlassScenario(
        np.array([[0.3, -1.2], [1.5, 0.2]]),
        np.array([[0.1, 0.9], [0.7, 0.3]]),
        weight=np.array([0.5, 2.0]),
        label_smoothing=0.2,
        dtype="float64",
    )
    table = multiclass_agreement(scenario)
    assert row(table, "F.binary_cross_entropy_with_logits(z[:, 1]").agrees
    assert "no class weights" in row(table, "−(t · F.log_softmax").reason


def test_rows_carry_autograd_gradients_equal_to_the_analytic_reference():
    z = np.array([[0.3, -1.2, 2.0]])
    table = multiclass_agreement(MulticlassScenario(z, np.array([2]), dtype="float64"))
    np.testing.assert_allclose(row(table, "nn.CrossEntropyLoss").grad, table.reference_grad, rtol=1e-12)


def test_difference_counts_nan_against_a_number_as_infinite_and_nan_against_nan_as_zero():
    assert difference(np.array([np.nan]), np.array([1.0])) == np.inf
    assert difference(np.array([np.nan, 2.0]), np.array([np.nan, 2.5])) == 0.5
    assert not agrees(np.array(np.inf), np.array(1.0), 1e-4)
    assert agrees(np.array(100.0), np.array(100.009), 1e-4)


@pytest.mark.parametrize(
    ("dtype", "threshold"), [("float64", 36.74), ("float32", 16.64), ("float16", 8.32), ("bfloat16", 6.25)]
)
def test_sigmoid_saturation_logit_is_where_torch_sigmoid_first_equals_one(dtype, threshold):
    z = sigmoid_saturation_logit(dtype)
    assert z == pytest.approx(threshold, abs=0.01)
    assert torch.sigmoid(torch.tensor(z, dtype=DTYPES[dtype])).item() == 1.0


def test_evaluate_returns_value_and_autograd_gradient_as_float64():
    result = evaluate(lambda x: F.binary_cross_entropy_with_logits(x, torch.zeros_like(x)), [0.0, 2.0], "bfloat16")
    assert result.value.dtype == np.float64 and result.grad.shape == (2,)
    assert result.value == pytest.approx(hw.binary_cross_entropy_with_logits([0.0, 2.0], [0.0, 0.0]), rel=1e-2)


def test_every_multiclass_row_has_its_own_id():
    for target in (np.array([1, 0]), np.array([[0.2, 0.8], [0.5, 0.5]])):
        table = multiclass_agreement(MulticlassScenario(np.array([[1.0, -1.0], [0.5, 0.2]]), target))
        ids = [row.id for row in table.rows]
        assert all(ids) and len(set(ids)) == len(ids), ids
        assert CE_MODULE in ids


def test_the_smoothing_reason_for_a_soft_target_smooths_t_itself_with_the_live_values():
    scenario = MulticlassScenario(
        np.array([[1.0, 0.5, -0.2, 0.3]]), np.array([[0.6, 0.3, 0.1, 0.0]]), label_smoothing=0.1
    )
    reason = next(row.reason for row in multiclass_agreement(scenario).rows if row.id == "ce_soft_by_hand")
    assert "(1 − ε)·t + ε/C = 0.9·t + 0.025" in reason
    assert "t̃ = (0.565, 0.295, 0.115, 0.025)" in reason
    assert "one-hot" not in reason


def test_the_smoothing_reason_for_class_indices_smooths_the_one_hot():
    scenario = MulticlassScenario(np.array([[1.0, 0.5, -0.2]]), np.array([2]), label_smoothing=0.3)
    reason = next(row.reason for row in multiclass_agreement(scenario).rows if row.id == "nll_log_softmax")
    assert "(1 − ε)·one-hot + ε/C = 0.7·one-hot + 0.1" in reason and "t̃ = (0.1, 0.1, 0.8)" in reason


def test_the_multiclass_rounding_reason_names_the_first_logit_the_dtype_moves():
    table = multiclass_agreement(MulticlassScenario(np.array([[100.3, 99.1]]), np.array([0]), dtype="bfloat16"))
    ce = row(table, "F.cross_entropy(z, class")
    assert not ce.agrees and "8 significant bits" in ce.reason
    assert "(z = 100.3 is stored as 100.5)" in ce.reason


def test_a_reason_giver_in_cells_form_gives_each_cell_the_sentence_of_its_own_table():
    logits = np.array([[100.3, 99.1], [0.5, 0.2], [2.0, -1.0]])
    scenarios = [MulticlassScenario(z[None], np.array([0]), np.array([2.0, 4.0]), dtype="bfloat16") for z in logits]
    tables = [multiclass_agreement(scenario) for scenario in scenarios]
    rows = [next(r for r in table.rows if r.id == "ce_one_hot") for table in tables]
    cells = Cells(
        np.array([[float(r.value)] for r in rows]),
        np.array([[float(table.reference)] for table in tables]),
        logits,
        "bfloat16",
    )
    assert multiclass_reasons(scenarios[0])["ce_one_hot"](cells) == [r.reason for r in rows]
    assert "The rest of the gap: bfloat16 keeps 8 significant bits" in rows[0].reason
    assert "Σ w[y_n] = 2" in rows[1].reason and "The rest of the gap" not in rows[1].reason
