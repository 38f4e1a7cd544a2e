"""Terms, contributions, gradients, entropy and KL equal torch autograd or an independent formula."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from oracle import assert_matches, t64

from lib.losses import decomposition as dc
from lib.losses import handwritten as hw

SEEDS = range(40)
REDUCTIONS = ["none", "mean", "sum"]


def autograd(loss_of, logits):
    z = t64(logits).requires_grad_(True)
    loss_of(z).sum().backward()
    return z.grad


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_grad_matches_autograd_with_weight_and_pos_weight(seed, reduction):
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(1, 5)), int(rng.integers(1, 4)))
    z, t = rng.normal(0, 4, shape), rng.uniform(0, 1, shape)
    weight = rng.uniform(0, 2, shape[-1:]) if seed % 2 else None
    pos_weight = rng.uniform(0.2, 4, shape[-1:]) if seed % 3 else None
    expected = autograd(
        lambda x: F.binary_cross_entropy_with_logits(
            x,
            t64(t),
            None if weight is None else t64(weight),
            reduction=reduction,
            pos_weight=None if pos_weight is None else t64(pos_weight),
        ),
        z,
    )
    assert_matches(dc.bce_with_logits_grad(z, t, weight, reduction, pos_weight), expected)


def test_bce_with_logits_grad_is_sigmoid_minus_target_without_weights():
    z, y = np.array([-3.0, 0.0, 2.5]), np.array([1.0, 0.6, 0.0])
    np.testing.assert_allclose(dc.bce_with_logits_grad(z, y, reduction="sum"), hw.sigmoid(z) - y, rtol=1e-15)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_grad_matches_autograd_for_indices_with_weights_ignore_and_smoothing(seed, reduction):
    rng = np.random.default_rng(seed)
    n, c = int(rng.integers(1, 5)), int(rng.integers(2, 6))
    z = rng.normal(0, 3, (n, c))
    y = np.where(rng.uniform(size=n) < 0.2, -100, rng.integers(0, c, n))
    if np.all(y == -100):
        y[0] = 0
    weight = rng.uniform(0.1, 3, c) if seed % 2 else None
    smoothing = float(rng.choice([0.0, 0.1, 0.4]))
    expected = autograd(
        lambda x: F.cross_entropy(
            x, t64(y), None if weight is None else t64(weight), reduction=reduction, label_smoothing=smoothing
        ),
        z,
    )
    assert_matches(dc.cross_entropy_grad(z, y, weight, reduction=reduction, label_smoothing=smoothing), expected)


@pytest.mark.parametrize("seed", SEEDS)
def test_cross_entropy_grad_matches_autograd_for_probabilities_in_k_dimensions(seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 3, (2, 3, 2, 2))
    t = hw.softmax(rng.normal(0, 2, z.shape), 1)
    weight = rng.uniform(0.1, 3, 3)
    expected = autograd(lambda x: F.cross_entropy(x, t64(t), t64(weight), label_smoothing=0.2), z)
    assert_matches(dc.cross_entropy_grad(z, t, weight, label_smoothing=0.2), expected)


def test_cross_entropy_grad_is_q_minus_t_for_soft_targets():
    z, t = np.array([[1.0, -0.5, 2.0]]), np.array([[0.2, 0.3, 0.5]])
    np.testing.assert_allclose(dc.cross_entropy_grad(z, t, reduction="sum"), hw.softmax(z, 1) - t, rtol=1e-14)


@pytest.mark.parametrize("seed", SEEDS)
def test_ce_contributions_sum_to_the_unreduced_loss(seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 3, (3, 4))
    y = rng.integers(0, 4, 3)
    weight = rng.uniform(0.1, 2, 4)
    contributions = dc.ce_contributions(z, y, weight, label_smoothing=0.1)
    expected = F.cross_entropy(t64(z), t64(y), t64(weight), reduction="none", label_smoothing=0.1)
    assert_matches(contributions.sum(axis=1), expected)


def test_ce_contributions_are_minus_t_log_q_per_class():
    z, t = np.array([1.0, 0.0, -1.0]), np.array([0.0, 0.0, 1.0])
    q = hw.softmax(z, 0)
    np.testing.assert_allclose(dc.ce_contributions(z, t), [0.0, 0.0, -np.log(q[2])], rtol=1e-15)


def test_bce_terms_are_the_two_signed_logs():
    positive, negative = dc.bce_terms(0.8472978603872037, 0.6)
    assert positive == pytest.approx(0.6 * math.log(0.7)) and negative == pytest.approx(0.4 * math.log(0.3))


def test_bce_terms_naive_give_nan_where_sigmoid_saturates_in_float64():
    positive, negative = dc.bce_terms_naive(40.0, 1.0)
    assert positive == 0.0 and np.isnan(negative)


@pytest.mark.parametrize("seed", SEEDS)
def test_bce_terms_sum_to_minus_bce_with_logits(seed):
    rng = np.random.default_rng(seed)
    z, y = rng.normal(0, 20, 6), rng.uniform(0, 1, 6)
    positive, negative = dc.bce_terms(z, y)
    assert_matches(-(positive + negative), F.binary_cross_entropy_with_logits(t64(z), t64(y), reduction="none"))


@pytest.mark.parametrize("y", [0.0, 0.1, 0.5, 0.6, 1.0])
def test_bce_at_p_equal_y_is_the_binary_entropy_and_kl_is_zero(y):
    p = np.clip(y, 0, 1)
    assert hw.binary_cross_entropy([p], [y]) == pytest.approx(dc.binary_entropy(y), abs=1e-12)
    assert dc.binary_kl(y, p) == pytest.approx(0.0, abs=1e-12)


def test_binary_kl_is_bce_minus_entropy():
    y, p = 0.6, 0.7
    bce = F.binary_cross_entropy(t64([p]), t64([y])).item()
    assert dc.binary_kl(y, p) == pytest.approx(bce - dc.binary_entropy(y), rel=1e-12)


def test_categorical_cross_entropy_is_entropy_plus_kl():
    t, z = np.array([0.0, 0.25, 0.25, 0.5]), np.array([0.3, -1.0, 2.0, 0.5])
    q = hw.softmax(z, 0)
    ce = F.cross_entropy(t64(z), t64(t)).item()
    assert ce == pytest.approx(dc.entropy(t) + dc.kl_divergence(t, q), rel=1e-12)
    kl_torch = F.kl_div(t64(np.log(q)), t64(t), reduction="sum").item()
    assert dc.kl_divergence(t, q) == pytest.approx(kl_torch, rel=1e-12)


# --- published values -------------------------------------------------------------------------


def test_published_bce_of_five_samples_is_0_3518():
    z, y = [1.1, 2.2, 0.5, -1.1, -2.2], [1.0, 1.0, 0.0, 0.0, 0.0]
    assert hw.binary_cross_entropy_with_logits(z, y) == pytest.approx(0.3518, abs=5e-5)


def test_published_bce_of_logits_minus_1_0_1_against_0_0_1_is_0_4399_while_ce_is_0_4076():
    z, y = [-1.0, 0.0, 1.0], [0.0, 0.0, 1.0]
    assert hw.binary_cross_entropy_with_logits(z, y) == pytest.approx(0.4399, abs=5e-5)
    assert hw.cross_entropy([z], [y]) == pytest.approx(0.4076, abs=5e-5)


def test_published_soft_target_0_6_against_p_0_7():
    expected = -(0.4 * math.log(0.3) + 0.6 * math.log(0.7))
    assert hw.binary_cross_entropy([0.7], [0.6]) == pytest.approx(expected, rel=1e-14)


# --- two-class identities ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_two_class_cross_entropy_equals_bce_on_the_logit_difference_and_on_softmax(seed):
    rng = np.random.default_rng(seed)
    preds = rng.normal(0, 3, (int(rng.integers(1, 8)), 2))
    y = rng.integers(0, 2, len(preds))
    ce = hw.cross_entropy(preds, y)
    via_difference = hw.binary_cross_entropy_with_logits(preds[:, 1] - preds[:, 0], y.astype(float))
    via_softmax = hw.binary_cross_entropy(hw.softmax(preds, 1)[:, 1], y.astype(float))
    assert ce == pytest.approx(via_difference, rel=1e-12) and ce == pytest.approx(via_softmax, rel=1e-10)
    assert ce == pytest.approx(F.cross_entropy(t64(preds), t64(y)).item(), rel=1e-12)


EMPTY_SCENARIOS = {
    "no rows, indices": (np.zeros((0, 3)), np.zeros(0, dtype=np.int64), {}),
    "no rows, smoothed weighted indices": (
        np.zeros((0, 3)),
        np.zeros(0, dtype=np.int64),
        {"weight": np.ones(3), "label_smoothing": 0.2},
    ),
    "no rows, probabilities": (np.zeros((0, 3)), np.zeros((0, 3)), {}),
    "no classes, probabilities": (np.zeros((2, 0)), np.zeros((2, 0)), {}),
    "no classes, smoothed probabilities": (np.zeros((2, 0)), np.zeros((2, 0)), {"label_smoothing": 0.1}),
    "no classes, every index ignored and smoothed": (np.zeros((2, 0)), np.full(2, -100), {"label_smoothing": 0.1}),
    "empty spatial dim": (np.zeros((2, 3, 0)), np.zeros((2, 0), dtype=np.int64), {}),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", EMPTY_SCENARIOS)
def test_cross_entropy_grad_and_contributions_of_zero_sized_shapes_match_autograd(name, reduction):
    z, target, options = EMPTY_SCENARIOS[name]
    torch_options = {key: t64(value) if isinstance(value, np.ndarray) else value for key, value in options.items()}
    expected = autograd(lambda x: F.cross_entropy(x, t64(target), reduction=reduction, **torch_options), z)
    assert_matches(dc.cross_entropy_grad(z, target, reduction=reduction, **options), expected)
    assert dc.ce_contributions(z, target, **options).shape == z.shape


def test_bce_with_logits_grad_of_an_empty_batch_is_empty_like_autograd():
    z, y = np.zeros((3, 0)), np.zeros((3, 0))
    expected = autograd(lambda x: F.binary_cross_entropy_with_logits(x, t64(y)), z)
    assert_matches(dc.bce_with_logits_grad(z, y), expected)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_ignored_positions_get_a_zero_gradient_even_when_mean_is_zero_over_zero(label_smoothing):
    z = np.array([[2.0, 1.0, 0.1], [0.5, 0.2, 0.1]])
    weight = np.array([0.0, 1.0, 1.0])
    for target in (np.array([-100, -100]), np.array([0, -100])):
        x = t64(z).requires_grad_(True)
        F.cross_entropy(x, torch.as_tensor(target), weight=t64(weight), label_smoothing=label_smoothing).backward()
        ours = dc.cross_entropy_grad(z, target, weight, label_smoothing=label_smoothing)
        np.testing.assert_array_equal(ours, x.grad.numpy())
