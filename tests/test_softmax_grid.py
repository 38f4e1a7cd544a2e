"""The Softmax page's grid holds, at every position of its K sections, the numbers of the one-position page."""

from dataclasses import replace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from oracle import assert_matches, t64

from lib.agreement.multiclass import CE_MODULE, multiclass_agreement
from lib.lessons.softmax import SoftmaxScenario, softmax_lesson
from lib.lessons.softmax_grid import logit_values, softmax_grid
from lib.losses.torch_losses import DTYPES

ULPS = {"float64": 2**-52, "float32": 2**-23, "float16": 2**-10, "bfloat16": 2**-7}
WEIGHTS = np.array([0.5, 2.0, 3.0])
SCENARIOS = {
    "class index": SoftmaxScenario(np.array([2.0, 1.0, 0.1]), 1.0, 0),
    "weighted, smoothed mean": SoftmaxScenario(np.array([2.0, 1.0, 0.1]), 0.5, 2, 0.1, WEIGHTS, "mean"),
    "ignored, mean": SoftmaxScenario(np.array([2.0, 1.0, 0.1]), 1.0, -100, 0.1, WEIGHTS, "mean"),
    "ignored, sum": SoftmaxScenario(np.array([2.0, 1.0, 0.1]), 1.0, -100, 0.1, None, "sum"),
    "soft, none": SoftmaxScenario(np.array([1.0, -0.5, 0.3, 2.0]), 2.0, np.array([0.1, 0.6, 0.3, 0.0]), 0.1),
    "K = 2 bridge, weighted": SoftmaxScenario(np.array([0.5, -1.0]), 0.5, 1, 0.2, np.array([0.5, 3.0]), "mean"),
    "K = 2 bridge, soft, sum": SoftmaxScenario(np.array([0.5, -1.0]), 1.0, np.array([0.3, 0.7]), 0.0, None, "sum"),
    "K = 10 at T = 0.1": SoftmaxScenario(
        np.array([2.0, 1.0, 0.1, -0.5, 0.5, -1.0, 1.5, -2.0, 0.0, 0.8]), 0.1, 7, 0.1, np.linspace(0.5, 3, 10)
    ),
}
"""Class-index, soft and ignored targets, ε > 0, class weights, every reduction, the two-class bridge and K = 10."""


def sampled_positions(grid) -> list[int]:
    """The first, the last and one other position of every section."""
    rng = np.random.default_rng(3)
    size = grid.values.size
    return [
        p for k in range(grid.logits.shape[1]) for p in (k * size, k * size + rng.integers(size), (k + 1) * size - 1)
    ]


def test_logit_values_are_the_sliders_decimals_exactly():
    values = logit_values()
    assert values.size == 401 and values[0] == -10.0 and values[-1] == 10.0
    assert values[251] == 2.55 and 0.05 in values and -9.95 in values and 0.0 in values


def test_section_k_moves_logit_k_and_keeps_the_others_at_the_scenarios_values():
    scenario = SCENARIOS["K = 10 at T = 0.1"]
    grid = softmax_grid(scenario, logit_values())
    assert grid.logits.shape == (10 * 401, 10)
    for k in range(10):
        at = grid.position(k, 2.55)
        assert at in range(*grid.section(k).indices(grid.logits.shape[0]))
        assert grid.logits[at, k] == 2.55
        assert np.array_equal(np.delete(grid.logits[at], k), np.delete(scenario.logits, k))
        assert np.array_equal(grid.logits[grid.section(k), k], logit_values())
    assert grid.position(3, 11.0) == grid.section(3).stop - 1 and grid.position(3, 0.024) == grid.position(3, 0.0)


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_grid_equals_the_one_position_lesson_and_agreement_table(name, dtype):
    scenario = replace(SCENARIOS[name], dtype=dtype)
    grid = softmax_grid(scenario, logit_values())
    a = grid.agreement
    for position in sampled_positions(grid):
        one = replace(scenario, logits=grid.logits[position])
        lesson = softmax_lesson(one)
        for field in ("probabilities", "contributions", "grad", "loss", "log_sum_exp", "target_logit"):
            expected = np.ravel(getattr(lesson, field))
            assert_matches(np.ravel(getattr(grid.lesson, field)[position]), expected, rtol=2 * ULPS["float64"], atol=0)
        assert np.array_equal(grid.lesson.target_distribution, lesson.target_distribution)
        table = multiclass_agreement(one.agreement())
        assert a.ids == tuple(row.id for row in table.rows)
        assert a.implementations == tuple(row.implementation for row in table.rows)
        assert a.dtypes == tuple(row.dtype for row in table.rows)
        for index, row in enumerate(table.rows):
            value = a.values[index, position]
            np.testing.assert_allclose(value, float(row.value), rtol=2 * ULPS[row.dtype], atol=0, equal_nan=True)
            if np.array_equal(value, float(row.value), equal_nan=True):
                assert a.agrees[index, position] == row.agrees
                assert a.reason(row.id, position) == ("" if row.agrees or index == 0 else row.reason)
        autograd = next(row for row in table.rows if row.id == CE_MODULE).grad[0]
        np.testing.assert_allclose(grid.autograd_grad[position], autograd, rtol=2 * ULPS[dtype], atol=0, equal_nan=True)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("target", [1, np.array([0.2, 0.5, 0.3])])
def test_handwritten_columns_match_torch_in_float64_at_every_position(target, reduction):
    scenario = SoftmaxScenario(np.array([2.0, 1.0, 0.1]), 0.5, target, 0.1, WEIGHTS, reduction, "float64")
    grid = softmax_grid(scenario, logit_values())
    scaled, targets = scenario.batch(grid.logits)
    assert_matches(grid.lesson.probabilities, F.softmax(t64(scaled), dim=1))
    assert_matches(grid.lesson.log_sum_exp, torch.logsumexp(t64(scaled), dim=1))
    for position in range(len(scaled)):
        z = t64(scaled[position : position + 1]).requires_grad_(True)
        loss = F.cross_entropy(
            z, t64(targets[position : position + 1]), t64(WEIGHTS), reduction=reduction, label_smoothing=0.1
        )
        loss.sum().backward()
        assert_matches(grid.lesson.loss[position], loss.detach().reshape(()))
        assert_matches(grid.lesson.grad[position], z.grad[0])


def test_the_module_row_is_torchs_batch_of_one_in_the_dtype_at_every_position_value_and_autograd():
    scenario = replace(SCENARIOS["weighted, smoothed mean"], dtype="float16")
    grid = softmax_grid(scenario, logit_values())
    scaled, targets = scenario.batch(grid.logits)
    module = torch.nn.CrossEntropyLoss(weight=torch.tensor(WEIGHTS, dtype=torch.float16), label_smoothing=0.1)
    values = grid.agreement.values[grid.agreement.row(CE_MODULE)]
    for position in range(len(scaled)):
        z = torch.tensor(scaled[position : position + 1], dtype=torch.float16, requires_grad=True)
        loss = module(z, torch.as_tensor(targets[position : position + 1]))
        loss.backward()
        assert values[position] == loss.item()
        assert np.array_equal(grid.autograd_grad[position], z.grad[0].double().numpy())


def test_with_class_weights_the_one_hot_row_gives_each_positions_own_numbers():
    grid = softmax_grid(replace(SCENARIOS["weighted, smoothed mean"], label_smoothing=0.0), logit_values())
    row = grid.agreement.row("ce_one_hot")
    assert not grid.agreement.agrees[row, grid.section(0)].any()
    low, high = grid.position(0, -10.0), grid.position(0, 10.0)
    for position in (low, high):
        value = grid.agreement.values[row, position]
        assert f"{value:.4f} × 1/3 = {value / 3:.4f}" in grid.agreement.reason("ce_one_hot", position)
    assert grid.agreement.reason("ce_one_hot", low) != grid.agreement.reason("ce_one_hot", high)
