"""The softmax panel's table holds, at every position of every logit's section, the one-sample page's numbers:
lib's and torch's."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from oracle import assert_matches, t64

from lib.agreement.multiclass import CE_MODULE, multiclass_agreement
from lib.lessons.softmax import SoftmaxScenario, softmax_lesson
from lib.lessons.softmax_grid import SOFTMAX_LOGITS, section_logits, softmax_grid
from lib.losses.torch_losses import DTYPES

LOGITS = np.array([2.0, 1.0, 0.1, -0.5, 0.5, -1.0, 1.5, -2.0, 0.0, 0.8])
CASES = {
    "class index": {"target": 0},
    "soft target": {"target": np.array([0.2, 0.5, 0.3])},
    "ignored": {"target": -100},
    "smoothing": {"target": 1, "label_smoothing": 0.2},
    "weights": {"target": 2, "weight": np.array([3.0, 0.5, 2.0])},
    "soft, smoothed and weighted": {"target": np.array([0.6, 0.4, 0.0]), "label_smoothing": 0.1, "weight": np.ones(3)},
}
ULPS = {"float64": 2**-52, "float32": 2**-23, "float16": 2**-10, "bfloat16": 2**-7}


def sampled_positions(grid, count: int = 4) -> list[int]:
    """A few positions of every section, its first and last among them."""
    rng = np.random.default_rng(19)
    picked = []
    for k in range(grid.logits.shape[1]):
        section = grid.section(k)
        picked += [section.start, section.stop - 1, *rng.integers(section.start, section.stop, count)]
    return picked


def scenario(case: str, reduction: str = "mean", dtype: str = "float32", temperature: float = 1.5) -> SoftmaxScenario:
    return SoftmaxScenario(LOGITS[:3], temperature, reduction=reduction, dtype=dtype, **CASES[case])


def test_the_logit_values_hold_the_decimals_a_link_names():
    assert SOFTMAX_LOGITS.size == 401 and SOFTMAX_LOGITS[0] == -10.0 and SOFTMAX_LOGITS[-1] == 10.0
    assert 2.55 in SOFTMAX_LOGITS and -0.05 in SOFTMAX_LOGITS and 0.1 in SOFTMAX_LOGITS


def test_section_k_moves_logit_k_and_holds_the_others_at_the_scenario():
    grid = softmax_grid(scenario("class index"))
    for k in range(3):
        rows = grid.logits[grid.section(k)]
        assert np.array_equal(rows[:, k], SOFTMAX_LOGITS)
        others = np.delete(rows, k, axis=1)
        assert np.array_equal(others, np.broadcast_to(np.delete(LOGITS[:3], k), others.shape))
        assert grid.logits[grid.position(k, 2.55), k] == 2.55


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", list(CASES))
def test_every_position_shows_the_one_sample_lesson(case, reduction):
    grid = softmax_grid(scenario(case, reduction))
    for position in sampled_positions(grid):
        one = softmax_lesson(replace_logits(scenario(case, reduction), grid.logits[position]))
        np.testing.assert_allclose(grid.loss[position], np.ravel(one.loss)[0], rtol=4e-16, equal_nan=True)
        np.testing.assert_allclose(grid.grad[position], one.grad, rtol=4e-16, atol=1e-300, equal_nan=True)
        np.testing.assert_array_equal(grid.probabilities[position], one.probabilities)
        np.testing.assert_array_equal(grid.contributions[position], one.contributions)
        assert grid.log_sum_exp[position] == one.log_sum_exp
        assert grid.target_logit[position] == one.target_logit
        np.testing.assert_array_equal(grid.target_distribution, one.target_distribution)


def replace_logits(s: SoftmaxScenario, logits: np.ndarray) -> SoftmaxScenario:
    return SoftmaxScenario(logits, s.temperature, s.target, s.label_smoothing, s.weight, s.reduction, s.dtype)


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("case", list(CASES))
def test_every_agreement_row_equals_the_one_sample_table_with_its_reason(case, reduction, dtype):
    grid = softmax_grid(scenario(case, reduction, dtype))
    for position in sampled_positions(grid, 2):
        table = multiclass_agreement(
            replace_logits(scenario(case, reduction, dtype), grid.logits[position]).agreement()
        )
        assert grid.agreement.ids == tuple(row.id for row in table.rows)
        for index, row in enumerate(table.rows):
            value = grid.agreement.values[index, position]
            np.testing.assert_allclose(value, float(np.ravel(row.value)[0]), rtol=2 * ULPS[row.dtype], equal_nan=True)
            if value == float(np.ravel(row.value)[0]):
                assert grid.agreement.agrees[index, position] == row.agrees
                expected = "" if row.agrees or index == 0 else row.reason
                assert grid.agreement.reason(row.id, position) == expected


def test_two_classes_add_the_bce_bridge_row_and_it_agrees_everywhere_in_float64():
    grid = softmax_grid(SoftmaxScenario(np.array([0.5, -1.25]), 1.0, 1, dtype="float64"))
    assert grid.agreement.ids[-1] == "bce_two_class"
    assert grid.agreement.agrees.all()


def test_ten_classes_hold_ten_sections_of_401_positions():
    grid = softmax_grid(SoftmaxScenario(LOGITS, 1.0, 3, 0.1, np.linspace(0.5, 3, 10)))
    assert grid.logits.shape == (4010, 10) and grid.section(9) == slice(3609, 4010)


@pytest.mark.parametrize("case", ["class index", "soft target", "weights", "smoothing"])
def test_handwritten_columns_match_torch_in_float64_at_every_position(case):
    s = scenario(case, "sum")
    grid = softmax_grid(s)
    z = t64(grid.logits / s.temperature).requires_grad_(True)
    target = torch.as_tensor(s.target) if np.ndim(s.target) else torch.tensor(s.target)
    target = target.expand(z.shape[0], *target.shape) if target.ndim else target.expand(z.shape[0])
    weight = None if s.weight is None else t64(s.weight)
    loss = F.cross_entropy(z, target, weight=weight, label_smoothing=s.label_smoothing, reduction="none")
    loss.sum().backward()
    assert_matches(grid.loss, loss)
    assert_matches(grid.grad, z.grad)
    assert_matches(grid.probabilities, F.softmax(z.detach(), 1))
    assert_matches(grid.log_sum_exp, torch.logsumexp(z.detach(), 1))


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_the_autograd_column_is_torch_autograd_in_the_dtype_for_each_position(dtype):
    s = scenario("weights", "mean", dtype, temperature=1.0)
    grid = softmax_grid(s)
    autograd = grid.agreement.grads[grid.agreement.row(CE_MODULE)]
    for position in sampled_positions(grid, 1):
        z = torch.tensor(grid.logits[position][None], dtype=DTYPES[dtype], requires_grad=True)
        weight = torch.tensor(s.weight, dtype=DTYPES[dtype])
        torch.nn.CrossEntropyLoss(weight=weight)(z, torch.tensor([2])).backward()
        np.testing.assert_allclose(autograd[position], z.grad[0].double().numpy(), rtol=2 * ULPS[dtype], atol=1e-7)


def test_section_logits_builds_the_blocks_from_any_values():
    table = section_logits(np.array([1.0, 2.0]), np.array([-1.0, 0.0, 1.0]))
    assert table.tolist() == [[-1, 2], [0, 2], [1, 2], [1, -1], [1, 0], [1, 1]]
