"""The stability sweep and the soft-target views, checked against torch in every dtype."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lib.agreement.table import TOLERANCES
from lib.lessons.soft_targets import (
    CURVE_PROBABILITIES,
    MIXES,
    PREDICTIONS,
    binary_split,
    categorical_split,
    digit_image,
    gaussian_blur,
    reconstruction,
)
from lib.lessons.stability import exp_overflow_logit, log_sum_exp_steps, logsigmoid_sweep
from lib.losses import handwritten as hw
from lib.losses.torch_losses import DTYPES, sigmoid_saturation_logit, sigmoid_underflow_logit

SWEEP = np.linspace(-200.0, 200.0, 801)


@pytest.mark.parametrize("dtype", list(DTYPES))
def test_stable_forms_stay_finite_and_match_float64_within_the_dtype_tolerance(dtype):
    sweep = logsigmoid_sweep(SWEEP, dtype)
    stored = torch.tensor(SWEEP).to(DTYPES[dtype]).double().numpy()
    for values, expected in (
        (sweep.stable_log_p, hw.logsigmoid(stored)),
        (sweep.stable_log_one_minus_p, hw.logsigmoid(-stored)),
        (sweep.bce_with_logits, hw.binary_cross_entropy_with_logits(stored, np.zeros_like(stored), reduction="none")),
    ):
        assert np.all(np.isfinite(values))
        np.testing.assert_allclose(values, expected, rtol=TOLERANCES[dtype], atol=TOLERANCES[dtype])


@pytest.mark.parametrize("dtype", list(DTYPES))
def test_naive_log_one_minus_sigmoid_is_minus_inf_exactly_where_sigmoid_saturates(dtype):
    sweep = logsigmoid_sweep(SWEEP, dtype)
    saturated = sweep.probability == 1.0
    assert np.array_equal(np.isneginf(sweep.naive_log_one_minus_p), saturated)
    assert np.all(sweep.logits[saturated] >= sigmoid_saturation_logit(dtype) - 0.5)


@pytest.mark.parametrize("dtype", list(DTYPES))
def test_bce_on_probability_is_exactly_100_where_sigmoid_saturates(dtype):
    sweep = logsigmoid_sweep(SWEEP, dtype)
    assert np.all(sweep.bce_on_probability[sweep.probability == 1.0] == 100.0)


@pytest.mark.parametrize("dtype", list(DTYPES))
def test_naive_log_sigmoid_is_minus_inf_below_the_underflow_logit(dtype):
    sweep = logsigmoid_sweep(SWEEP, dtype)
    assert np.array_equal(np.isneginf(sweep.naive_log_p), sweep.logits <= sigmoid_underflow_logit(dtype))


def test_float32_z_20_target_0_reads_100_through_bce_loss_and_20_through_logits():
    sweep = logsigmoid_sweep(np.array([20.0]), "float32")
    assert sweep.bce_on_probability[0] == 100.0 and sweep.bce_with_logits[0] == pytest.approx(20.0)
    assert sweep.keras_clipped[0] == pytest.approx(15.9424, abs=1e-4)
    assert sweep.sklearn_clipped[0] == pytest.approx(36.0437, abs=1e-4)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("logits", [[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0], [100.0, 99.0], [-800.0, -801.0]])
def test_log_sum_exp_steps_match_torch_in_the_same_dtype(dtype, logits):
    steps = log_sum_exp_steps(np.array(logits), dtype)
    z = torch.tensor(logits, dtype=DTYPES[dtype])
    assert steps.log_sum_exp == pytest.approx(torch.logsumexp(z, 0).item(), rel=1e-6)
    np.testing.assert_allclose(steps.log_softmax, F.log_softmax(z, 0).double().numpy(), rtol=1e-6)
    np.testing.assert_allclose(steps.softmax, F.softmax(z, 0).double().numpy(), rtol=1e-6, atol=1e-30)
    assert 1.0 <= steps.shifted_sum <= len(logits)


@pytest.mark.parametrize(("dtype", "overflowing", "finite"), [("float64", 710.0, 709.0), ("float32", 89.0, 88.0)])
def test_naive_softmax_overflows_past_the_dtype_limit(dtype, overflowing, finite):
    assert np.isnan(log_sum_exp_steps(np.array([overflowing, 0.0]), dtype).naive_softmax[0])
    assert np.isfinite(log_sum_exp_steps(np.array([finite, 0.0]), dtype).naive_softmax[0])


@pytest.mark.parametrize("dtype", list(DTYPES))
def test_exp_overflows_in_each_dtype_just_past_the_overflow_logit(dtype):
    z = exp_overflow_logit(dtype)
    below, above = torch.tensor([z * 0.999, z * 1.001], dtype=DTYPES[dtype]).exp().tolist()
    assert math.isfinite(below) and math.isinf(above)


@pytest.mark.parametrize(
    ("dtype", "form", "where"),
    [
        ("float32", "naive_log_one_minus_p", "z ≥ 17"),
        ("float32", "naive_log_p", "z ≤ -89"),
        ("float16", "naive_log_p", "z ≤ -17.5"),
        ("float32", "stable_log_p", "never in ±200"),
    ],
)
def test_the_sweep_says_where_a_form_first_breaks_walking_out_from_zero(dtype, form, where):
    sweep = logsigmoid_sweep(SWEEP, dtype)
    assert sweep.where_non_finite(getattr(sweep, form)) == where


def test_digit_image_is_28_by_28_with_soft_grey_edges():
    image = digit_image()
    assert image.shape == (28, 28) and image.min() == 0.0 and image.max() == 1.0
    assert ((image > 0.05) & (image < 0.95)).sum() > 40


def test_gaussian_blur_with_sigma_0_is_the_identity_and_keeps_a_flat_image_flat():
    image = digit_image()
    assert np.array_equal(gaussian_blur(image, 0.0), image)
    np.testing.assert_allclose(gaussian_blur(np.full((10, 10), 0.3), 1.5), 0.3, rtol=1e-12)


def test_reconstruction_bce_matches_torch_per_pixel_and_splits_into_entropy_plus_kl():
    target = digit_image()
    result = reconstruction(target, blur=1.2, sharpness=1.5, noise=0.7, seed=3)
    expected = F.binary_cross_entropy_with_logits(torch.tensor(result.logits), torch.tensor(target), reduction="none")
    np.testing.assert_allclose(result.bce, expected.numpy(), rtol=1e-12)
    t = torch.tensor(target)
    entropy = -(torch.xlogy(t, t) + torch.xlogy(1 - t, 1 - t))
    np.testing.assert_allclose(result.entropy, entropy.numpy(), rtol=1e-12, atol=1e-15)
    assert result.bce_sum == pytest.approx(float(expected.sum())) and result.bce_mean == pytest.approx(
        float(expected.mean())
    )
    assert np.all(result.kl >= -1e-12)


def test_a_perfect_reconstruction_scores_the_entropy_floor_not_zero():
    result = reconstruction(digit_image(), blur=0.0, sharpness=1.0, noise=0.0, seed=0)
    assert result.bce_sum > 50 and result.bce_sum - result.entropy_sum < 1.0


def test_soft_binary_targets_predicted_exactly_score_their_entropy_0_5556():
    t = np.array([0.3, 0.8])
    assert hw.binary_cross_entropy_with_logits(np.log(t / (1 - t)), t) == pytest.approx(0.5556, abs=1e-4)


def test_categorical_split_matches_torch_at_every_mix_and_ce_is_entropy_plus_kl():
    split = categorical_split(np.array([0.0, 0.25, 0.25, 0.5]), MIXES)
    logits = torch.log(torch.tensor(split.prediction).clamp_min(1e-30))
    target = torch.tensor(split.target).expand_as(logits)
    expected = F.cross_entropy(logits, target, reduction="none").numpy()
    np.testing.assert_allclose(split.cross_entropy, expected, rtol=1e-12)
    np.testing.assert_allclose(split.cross_entropy, split.entropy + split.kl, rtol=1e-12)
    np.testing.assert_allclose(split.prediction.sum(axis=1), 1.0, rtol=1e-15)


def test_categorical_split_at_the_optimum_is_the_entropy_1_0397():
    split = categorical_split(np.array([0.0, 0.25, 0.25, 0.5]), [1.0])
    assert split.cross_entropy[0] == pytest.approx(1.0397, abs=1e-4) and split.kl[0] == pytest.approx(0.0, abs=1e-12)


def test_slider_grids_hold_the_decimals_a_link_names():
    assert PREDICTIONS.size == 999 and PREDICTIONS[0] == 0.001 and PREDICTIONS[-1] == 0.999 and 0.7 in PREDICTIONS
    assert MIXES.size == 101 and 0.5 in MIXES and 0.07 in MIXES


@pytest.mark.parametrize("target", [0.0, 0.3, 0.6, 1.0])
def test_binary_split_is_torchs_bce_at_every_prediction_and_splits_into_entropy_plus_kl(target):
    split = binary_split(target, PREDICTIONS)
    p = torch.tensor(PREDICTIONS)
    expected = F.binary_cross_entropy(p, torch.full_like(p, target), reduction="none").numpy()
    np.testing.assert_allclose(split.bce, expected, rtol=1e-12)
    np.testing.assert_allclose(split.kl, split.bce - split.entropy, rtol=1e-9, atol=1e-12)
    y = torch.tensor(target, dtype=torch.float64)
    entropy = -(torch.xlogy(y, y) + torch.xlogy(1 - y, 1 - y))
    assert split.entropy == pytest.approx(float(entropy), abs=1e-15)
    curve_p = torch.tensor(CURVE_PROBABILITIES)
    curve = F.binary_cross_entropy(curve_p, torch.full_like(curve_p, target), reduction="none").numpy()
    np.testing.assert_allclose(split.curve_bce, curve, rtol=1e-12)
    np.testing.assert_allclose(split.curve_kl, curve - split.entropy, rtol=1e-9, atol=1e-12)


def test_binary_split_at_p_equal_to_y_has_no_kl_left():
    assert binary_split(0.3, [0.3]).kl[0] == pytest.approx(0.0, abs=1e-15)


def test_softmax_soft_target_is_the_sliders_over_their_sum_or_uniform_when_all_are_zero():
    from lib.lessons.softmax import normalised_target

    target, uniform = normalised_target(np.array([0.6, 0.3, 0.3]))
    np.testing.assert_allclose(target, [0.5, 0.25, 0.25])
    assert not uniform
    target, uniform = normalised_target(np.zeros(4))
    np.testing.assert_allclose(target, np.full(4, 0.25))
    assert uniform
