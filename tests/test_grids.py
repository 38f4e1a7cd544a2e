"""A lesson panel's grid holds, at every position, the numbers of the one-position scenario: lib's and torch's."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from oracle import assert_matches, t64

from lib.agreement.binary import BinaryScenario, binary_agreement
from lib.lessons.binary import logit_grid
from lib.lessons.grids import binary_grid
from lib.losses.torch_losses import DTYPES

CASES = [(1.0, 1.0, 1.0), (0.0, 1.0, 1.0), (0.3, 2.0, 3.0), (0.75, 0.5, 1.0)]
"""(target y, weight w, pos_weight pw): hard and soft targets, with and without weights."""
ULPS = {"float64": 2**-52, "float32": 2**-23, "float16": 2**-10, "bfloat16": 2**-7}


def sampled_positions(size: int, count: int = 12) -> np.ndarray:
    positions = np.random.default_rng(19).integers(0, size, count)
    return np.concatenate([positions, [0, size - 1]])


def test_logit_grid_holds_the_decimal_values_a_link_names():
    narrow, wide = logit_grid(10.0), logit_grid(100.0)
    assert narrow.size == wide.size == 2001
    assert 2.0 in narrow and 3.5 in narrow and -10.0 in narrow and 10.0 in narrow
    assert narrow[1200] == 2.0 and wide[1400] == 40.0 and 0.07 in narrow


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("bound", [10.0, 100.0])
@pytest.mark.parametrize("target, weight, pos_weight", CASES)
def test_binary_grid_rows_equal_the_one_position_agreement_table(dtype, bound, target, weight, pos_weight):
    grid = binary_grid(logit_grid(bound), target, weight, pos_weight, dtype)
    for position in sampled_positions(grid.logits.size):
        z = grid.logits[position]
        table = binary_agreement(BinaryScenario(np.array(z), np.array(target), weight, pos_weight, "mean", dtype))
        for index, row in enumerate(table.rows):
            value = grid.agreement.values[index, position]
            assert grid.agreement.ids[index] == row.id and grid.agreement.implementations[index] == row.implementation
            np.testing.assert_allclose(value, float(row.value), rtol=2 * ULPS[row.dtype], atol=0, equal_nan=True)
            if value == float(row.value):
                assert grid.agreement.agrees[index, position] == row.agrees
                expected = "" if row.agrees or index == 0 else row.reason
                assert grid.agreement.reason(row.id, position) == expected


@pytest.mark.parametrize("target, weight, pos_weight", CASES)
def test_binary_grid_handwritten_numbers_match_torch_in_float64(target, weight, pos_weight):
    grid = binary_grid(logit_grid(100.0), target, weight, pos_weight, "float32")
    z = t64(grid.logits).requires_grad_(True)
    y = torch.full_like(z, target)
    loss = F.binary_cross_entropy_with_logits(z, y, weight=t64(weight), pos_weight=t64(pos_weight), reduction="none")
    loss.sum().backward()
    assert_matches(grid.lesson.per_row_loss, loss)
    assert_matches(grid.lesson.per_row_grad, z.grad)
    assert_matches(grid.lesson.probabilities, torch.sigmoid(z.detach()))
    assert_matches(grid.lesson.positive_term, y * F.logsigmoid(z.detach()))
    assert_matches(grid.lesson.negative_term, (1 - y) * F.logsigmoid(-z.detach()))


def test_binary_grid_autograd_column_is_torch_autograd_in_the_dtype():
    grid = binary_grid(logit_grid(10.0), 0.3, 1.0, 2.0, "float16")
    z = torch.tensor(grid.logits, dtype=torch.float16, requires_grad=True)
    y = torch.full_like(z, 0.3)
    pw = torch.tensor(2.0, dtype=torch.float16)
    F.binary_cross_entropy_with_logits(z, y, pos_weight=pw, reduction="none").sum().backward()
    row = grid.agreement.row("bce_logits")
    assert np.array_equal(grid.agreement.grads[row], z.grad.double().numpy())


def test_binary_grid_at_z_40_target_0_float32_rounds_p_to_1_and_bce_loss_clamps():
    grid = binary_grid(logit_grid(100.0), 0.0, 1.0, 1.0, "float32")
    at_40 = grid.position(40.0)
    assert grid.probability_in_dtype[at_40] == 1.0 and grid.lesson.per_row_loss[at_40] == 40.0
    assert grid.agreement.values[grid.agreement.row("bceloss"), at_40] == 100.0
    assert "clamps the log at −100" in grid.agreement.reason("bceloss", at_40)
    assert grid.agreement.reason("bce_logits", at_40) == ""


def test_binary_grid_position_snaps_to_the_nearest_grid_logit():
    grid = binary_grid(logit_grid(10.0), 1.0, 1.0, 1.0, "float64")
    assert grid.logits[grid.position(3.456)] == 3.46 and grid.logits[grid.position(-11)] == -10.0


def test_panel_payload_round_trips_meta_and_columns_with_nan_and_inf():
    from lib.view.panel_data import decode_panel, encode_panel

    columns = {"z": np.array([-1.0, 0.5, 2.0]), "odd": np.array([np.nan, np.inf, -np.inf, -0.0, 1e-300])}
    meta, back = decode_panel(encode_panel({"title": "σ(z) — ℓ", "n": 3}, columns))
    assert meta == {"title": "σ(z) — ℓ", "n": 3}
    assert np.array_equal(back["z"], columns["z"])
    assert np.array_equal(back["odd"], columns["odd"], equal_nan=True) and np.signbit(back["odd"][3])
