"""The hand-written NumPy functions equal torch.nn.functional in float64, value for value.

Random cases are drawn per seed; edge cases are spelled out. Every call torch rejects is rejected
here too, with LossInputError.
"""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from oracle import assert_matches, t64

from lib.losses import handwritten as hw

SEEDS = range(60)
REDUCTIONS = ["none", "mean", "sum"]
EXTREME_LOGITS = np.array(
    [-1e4, -800.0, -709.0, -710.0, -40.0, -36.8, -16.7, -1e-8, 0.0, 1e-8, 16.7, 36.8, 40.0, 800.0, 1e4]
)

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


def random_logits(rng, shape, scale=None):
    scale = rng.choice([0.5, 3.0, 30.0, 1e3]) if scale is None else scale
    return rng.normal(0.0, scale, size=shape)


def random_shape(rng, min_dims=1):
    return tuple(int(n) for n in rng.integers(1, 5, size=rng.integers(min_dims, 4)))


# --- activations -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_activations_match_torch_on_random_logits(seed):
    rng = np.random.default_rng(seed)
    x = random_logits(rng, random_shape(rng))
    dim = int(rng.integers(-x.ndim, x.ndim))
    assert_matches(hw.sigmoid(x), torch.sigmoid(t64(x)))
    assert_matches(hw.logsigmoid(x), F.logsigmoid(t64(x)))
    assert_matches(hw.softmax(x, dim), F.softmax(t64(x), dim))
    assert_matches(hw.log_softmax(x, dim), F.log_softmax(t64(x), dim))


def test_activations_match_torch_on_extreme_logits_without_warnings():
    x = EXTREME_LOGITS
    assert_matches(hw.sigmoid(x), torch.sigmoid(t64(x)), atol=0)
    assert_matches(hw.logsigmoid(x), F.logsigmoid(t64(x)))
    assert_matches(hw.softmax(x, 0), F.softmax(t64(x), 0), atol=0)
    assert_matches(hw.log_softmax(x, 0), F.log_softmax(t64(x), 0))


def test_sigmoid_is_exactly_zero_below_minus_709_8_like_torch():
    assert hw.sigmoid(-710.0) == 0.0
    assert hw.sigmoid(-709.0) > 0.0


def test_sigmoid_is_exactly_one_from_36_8_in_float64():
    assert hw.sigmoid(36.8) == 1.0 and hw.sigmoid(36.7) < 1.0


def test_logsigmoid_of_huge_negative_logit_is_the_logit():
    assert hw.logsigmoid(-1e20) == -1e20


def test_logsigmoid_of_40_is_tiny_but_not_zero():
    assert hw.logsigmoid(40.0) == pytest.approx(-4.248354255291589e-18, rel=1e-12)


def test_log_softmax_of_huge_logits_is_exact():
    np.testing.assert_array_equal(hw.log_softmax([1000.0, 0.0, -1000.0], 0), [0.0, -1000.0, -2000.0])


@pytest.mark.parametrize(
    "logits",
    [[1.0, np.inf, 0.0], [-np.inf, -np.inf], [np.nan, 1.0], [np.inf, np.inf], [-np.inf, 0.0]],
    ids=["plus-inf", "all-minus-inf", "nan", "two-plus-inf", "one-minus-inf"],
)
def test_softmax_of_non_finite_slices_matches_torch(logits):
    assert_matches(hw.softmax(logits, 0), F.softmax(t64(logits), 0))
    assert_matches(hw.log_softmax(logits, 0), F.log_softmax(t64(logits), 0))


def test_softmax_rejects_a_dim_out_of_range():
    with pytest.raises(hw.LossInputError, match="dim"):
        hw.softmax([[1.0, 2.0]], 2)


# --- binary_cross_entropy ----------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_matches_torch_on_random_probabilities(seed, reduction):
    rng = np.random.default_rng(seed)
    shape = random_shape(rng)
    p = rng.choice([rng.uniform(0, 1, shape), hw.sigmoid(random_logits(rng, shape))])
    y = rng.choice([rng.uniform(0, 1, shape), rng.integers(0, 2, shape).astype(float)])
    weight = rng.uniform(0, 3, shape[-1:]) if seed % 2 else None
    expected = F.binary_cross_entropy(t64(p), t64(y), None if weight is None else t64(weight), reduction=reduction)
    assert_matches(hw.binary_cross_entropy(p, y, weight, reduction), expected)


@pytest.mark.parametrize(
    ("p", "y", "loss"),
    [(0.0, 1.0, 100.0), (1e-50, 1.0, 100.0), (0.0, 0.5, 50.0), (0.0, 0.0, 0.0), (1.0, 1.0, 0.0), (1.0, 0.0, 100.0)],
)
def test_binary_cross_entropy_clamps_each_log_at_minus_100(p, y, loss):
    assert hw.binary_cross_entropy([p], [y]) == loss
    assert F.binary_cross_entropy(t64([p]), t64([y])).item() == loss


def test_binary_cross_entropy_weight_does_not_normalise_the_mean():
    p, y, w = [0.2, 0.9], [0.0, 1.0], [3.0, 1.0]
    expected = (3 * -np.log(0.8) + -np.log(0.9)) / 2
    assert hw.binary_cross_entropy(p, y, w) == pytest.approx(expected, rel=1e-14)


def test_binary_cross_entropy_of_empty_input_is_nan_for_mean_and_zero_for_sum():
    assert np.isnan(hw.binary_cross_entropy(np.zeros(0), np.zeros(0)))
    assert hw.binary_cross_entropy(np.zeros(0), np.zeros(0), reduction="sum") == 0.0


def test_binary_cross_entropy_returns_0_d_arrays_for_reduced_results():
    result = hw.binary_cross_entropy([0.3], [1.0])
    assert isinstance(result, np.ndarray) and result.shape == ()


# --- binary_cross_entropy_with_logits ----------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_matches_torch_on_random_cases(seed, reduction):
    rng = np.random.default_rng(seed)
    shape = random_shape(rng)
    z = random_logits(rng, shape)
    t = rng.choice([rng.uniform(0, 1, shape), rng.integers(0, 2, shape).astype(float)])
    weight = rng.uniform(0, 2, shape[-1:]) if seed % 3 == 1 else None
    pos_weight = rng.uniform(0.1, 5, shape[-1:]) if seed % 2 else None
    expected = F.binary_cross_entropy_with_logits(
        t64(z),
        t64(t),
        None if weight is None else t64(weight),
        reduction=reduction,
        pos_weight=None if pos_weight is None else t64(pos_weight),
    )
    assert_matches(hw.binary_cross_entropy_with_logits(z, t, weight, reduction, pos_weight), expected)


@pytest.mark.parametrize("target", [0.0, 0.3, 1.0])
def test_bce_with_logits_matches_torch_for_extreme_logits(target):
    t = np.full_like(EXTREME_LOGITS, target)
    expected = F.binary_cross_entropy_with_logits(t64(EXTREME_LOGITS), t64(t), reduction="none")
    assert_matches(hw.binary_cross_entropy_with_logits(EXTREME_LOGITS, t, reduction="none"), expected)


def test_bce_with_logits_broadcasts_pos_weight_along_the_last_dim():
    z = np.array([[[[0.5, -1.0], [2.0, 0.3]], [[-0.7, 1.2], [0.1, -2.0]]]])
    t = np.array([[[[1.0, 0.0], [1.0, 1.0]], [[0.0, 1.0], [0.0, 0.0]]]])
    along_w = hw.binary_cross_entropy_with_logits(z, t, pos_weight=[1.0, 5.0])
    per_channel = hw.binary_cross_entropy_with_logits(z, t, pos_weight=np.array([1.0, 5.0]).reshape(2, 1, 1))
    assert along_w == pytest.approx(0.7846, abs=1e-4)
    assert per_channel == pytest.approx(0.5074, abs=1e-4)


def test_bce_with_logits_accepts_targets_outside_0_1_and_can_go_negative():
    z, t = [3.0], [2.0]
    expected = F.binary_cross_entropy_with_logits(t64(z), t64(t)).item()
    assert hw.binary_cross_entropy_with_logits(z, t) == pytest.approx(expected) and expected < 0


@pytest.mark.parametrize(("z", "t"), [(np.inf, 1.0), (-np.inf, 0.0), (np.inf, 0.0), (np.nan, 0.5)])
def test_bce_with_logits_of_infinite_logits_is_nan_like_torch(z, t):
    expected = F.binary_cross_entropy_with_logits(t64([z]), t64([t]))
    assert_matches(hw.binary_cross_entropy_with_logits([z], [t]), expected)


# --- nll_loss and cross_entropy ---------------------------------------------------------------


def random_classification(rng, n_classes, spatial=()):
    batch = int(rng.integers(1, 6))
    logits = random_logits(rng, (batch, n_classes, *spatial))
    indices = rng.integers(0, n_classes, (batch, *spatial))
    return logits, indices


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_matches_torch_on_random_cases(seed, reduction):
    rng = np.random.default_rng(seed)
    n_classes = int(rng.integers(1, 6))
    logits, y = random_classification(rng, n_classes, random_shape(rng, 0)[: seed % 3])
    y = np.where(rng.uniform(size=y.shape) < 0.2, -100, y)
    weight = rng.uniform(0, 2, n_classes) if seed % 2 else None
    log_probs = hw.log_softmax(logits, 1)
    expected = F.nll_loss(t64(log_probs), t64(y), None if weight is None else t64(weight), reduction=reduction)
    assert_matches(hw.nll_loss(log_probs, y, weight, reduction=reduction), expected)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_with_class_indices_matches_torch(seed, reduction):
    rng = np.random.default_rng(seed)
    n_classes = int(rng.integers(1, 6))
    logits, y = random_classification(rng, n_classes, random_shape(rng, 0)[: seed % 3])
    ignore_index = int(rng.choice([-100, 0, n_classes + 3]))
    y = np.where(rng.uniform(size=y.shape) < 0.25, ignore_index, y)
    weight = rng.uniform(0.1, 3, n_classes) if seed % 2 else None
    smoothing = float(rng.choice([0.0, 0.1, 0.5, 1.0]))
    expected = F.cross_entropy(
        t64(logits),
        t64(y),
        None if weight is None else t64(weight),
        ignore_index=ignore_index,
        reduction=reduction,
        label_smoothing=smoothing,
    )
    actual = hw.cross_entropy(logits, y, weight, ignore_index, reduction, smoothing)
    assert_matches(actual, expected, rtol=1e-11)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_with_class_probabilities_matches_torch(seed, reduction):
    rng = np.random.default_rng(seed)
    n_classes = int(rng.integers(1, 6))
    logits, _ = random_classification(rng, n_classes, random_shape(rng, 0)[: seed % 3])
    target = hw.softmax(rng.normal(0, 2, logits.shape), 1)
    weight = rng.uniform(0.1, 3, n_classes) if seed % 2 else None
    smoothing = float(rng.choice([0.0, 0.2, 1.0]))
    expected = F.cross_entropy(
        t64(logits),
        t64(target),
        None if weight is None else t64(weight),
        reduction=reduction,
        label_smoothing=smoothing,
    )
    assert_matches(
        hw.cross_entropy(logits, target, weight, reduction=reduction, label_smoothing=smoothing), expected, rtol=1e-11
    )


@pytest.mark.parametrize("target", [2, np.array([0.1, 0.2, 0.7])], ids=["index", "probabilities"])
def test_cross_entropy_accepts_an_unbatched_input_of_shape_c(target):
    logits = np.array([0.5, -1.0, 2.0])
    expected = F.cross_entropy(t64(logits), t64(target))
    assert_matches(hw.cross_entropy(logits, np.asarray(target)), expected)


def test_cross_entropy_with_every_target_ignored_is_nan_for_mean_and_zero_for_sum():
    logits, y = np.zeros((3, 4)), np.full(3, -100)
    assert np.isnan(hw.cross_entropy(logits, y))
    assert np.isnan(hw.cross_entropy(logits, y, label_smoothing=0.3))
    assert hw.cross_entropy(logits, y, reduction="sum") == 0.0


def test_cross_entropy_with_negative_label_smoothing_is_unsmoothed():
    logits, y = np.array([[0.5, 0.2]]), np.array([0])
    assert hw.cross_entropy(logits, y, label_smoothing=-0.5) == hw.cross_entropy(logits, y)


def test_cross_entropy_accepts_uint8_class_indices():
    logits, y = np.array([[0.5, 0.2]]), np.array([1], dtype=np.uint8)
    assert_matches(hw.cross_entropy(logits, y), F.cross_entropy(t64(logits), torch.tensor([1], dtype=torch.uint8)))


def test_cross_entropy_with_weights_divides_indices_by_weight_sum_and_probabilities_by_n():
    logits, y, w = np.array([[0.2, 0.3, 0.5], [0.5, 0.2, 0.3]]), np.array([2, 1]), np.array([2.0, 4.0, 6.0])
    assert hw.cross_entropy(logits, y, w) == pytest.approx(1.0598, abs=1e-4)
    assert hw.cross_entropy(logits, np.eye(3)[y], w) == pytest.approx(5.2992, abs=1e-4)


def test_nll_loss_with_zero_weight_total_is_nan():
    log_probs = hw.log_softmax(np.array([[0.5, 0.2, 3.0], [1.0, -1.0, 0.0]]), 1)
    assert np.isnan(hw.nll_loss(log_probs, np.array([0, 1]), weight=[0.0, 0.0, 1.0]))


def test_nll_loss_does_not_check_for_log_probabilities():
    assert hw.nll_loss(np.array([[0.9, 0.1]]), np.array([0])) == pytest.approx(-0.9)


# --- rejections: whatever torch rejects ---------------------------------------------------------

F32, I64 = np.float64, np.int64
REJECTED_CALLS = {
    "bce shape mismatch": ("binary_cross_entropy", (np.array([0.5, 0.2]), np.array([1.0, 0.0, 1.0])), {}),
    "bce input above 1": ("binary_cross_entropy", (np.array([0.5, 2.0]), np.array([1.0, 0.0])), {}),
    "bce target above 1": ("binary_cross_entropy", (np.array([0.5, 0.2]), np.array([1.0, 2.0])), {}),
    "bce nan input": ("binary_cross_entropy", (np.array([np.nan]), np.array([1.0])), {}),
    "bce weight enlarges": (
        "binary_cross_entropy",
        (np.array([0.5, 0.2]), np.array([1.0, 0.0])),
        {"weight": np.ones((3, 2))},
    ),
    "bce unknown reduction": ("binary_cross_entropy", (np.array([0.5]), np.array([1.0])), {"reduction": "avg"}),
    "bcel shape mismatch": ("binary_cross_entropy_with_logits", (np.array([1.0, 2.0]), np.array([1.0, 0.0, 1.0])), {}),
    "bcel integer target": ("binary_cross_entropy_with_logits", (np.array([1.0, 2.0]), np.array([1, 0])), {}),
    "bcel pos_weight enlarges": (
        "binary_cross_entropy_with_logits",
        (np.array([0.5, 0.2]), np.array([1.0, 0.0])),
        {"pos_weight": np.ones((3, 2))},
    ),
    "bcel pos_weight wrong length": (
        "binary_cross_entropy_with_logits",
        (np.array([0.5, 0.2]), np.array([1.0, 0.0])),
        {"pos_weight": np.ones(3)},
    ),
    "ce index out of range": ("cross_entropy", (np.array([[0.5, 0.2]]), np.array([2])), {}),
    "ce negative index": ("cross_entropy", (np.array([[0.5, 0.2]]), np.array([-3])), {}),
    "ce int32 indices": ("cross_entropy", (np.array([[0.5, 0.2]]), np.array([0], dtype=np.int32)), {}),
    "ce integer one-hot": ("cross_entropy", (np.array([[0.5, 0.2]]), np.array([[1, 0]])), {}),
    "ce float indices": ("cross_entropy", (np.array([[0.5, 0.2]]), np.array([0.0])), {}),
    "ce batch mismatch": ("cross_entropy", (np.array([[0.5, 0.2]]), np.array([0, 1])), {}),
    "ce label smoothing above 1": ("cross_entropy", (np.array([[0.5, 0.2]]), np.array([0])), {"label_smoothing": 1.5}),
    "ce weight wrong length": ("cross_entropy", (np.array([[0.5, 0.2]]), np.array([0])), {"weight": np.ones(3)}),
    "ce probabilities wrong weight": (
        "cross_entropy",
        (np.array([[0.5, 0.2]]), np.array([[0.3, 0.7]])),
        {"weight": np.ones(3)},
    ),
    "ce unknown reduction": ("cross_entropy", (np.array([[0.5, 0.2]]), np.array([0])), {"reduction": "avg"}),
    "nll weight 2-d": ("nll_loss", (np.array([[0.5, 0.2]]), np.array([0])), {"weight": np.ones((2, 1))}),
}


@pytest.mark.parametrize("name", REJECTED_CALLS)
def test_calls_torch_rejects_raise_loss_input_error(name):
    function, args, kwargs = REJECTED_CALLS[name]
    torch_kwargs = {key: t64(value) if isinstance(value, np.ndarray) else value for key, value in kwargs.items()}
    torch_args = [torch.as_tensor(a) if a.dtype.kind != "f" else t64(a) for a in args]
    with pytest.raises((RuntimeError, ValueError, IndexError)):
        getattr(F, function)(*torch_args, **torch_kwargs)
    with pytest.raises(hw.LossInputError) as error:
        getattr(hw, function)(*args, **kwargs)
    assert len(str(error.value)) > 20


# --- properties --------------------------------------------------------------------------------

finite_logits = hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=5), elements=st.floats(-1e4, 1e4))


@settings(max_examples=150, deadline=None)
@given(finite_logits, st.data())
def test_bce_with_logits_is_finite_non_negative_and_matches_torch_for_targets_in_0_1(z, data):
    t = data.draw(hnp.arrays(np.float64, z.shape, elements=st.floats(0, 1)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = hw.binary_cross_entropy_with_logits(z, t, reduction="none")
    assert np.all(np.isfinite(loss)) and np.all(loss >= -1e-12)
    assert_matches(loss, F.binary_cross_entropy_with_logits(t64(z), t64(t), reduction="none"), rtol=1e-12, atol=1e-9)


@settings(max_examples=150, deadline=None)
@given(finite_logits.filter(lambda a: a.ndim == 2))
def test_softmax_rows_sum_to_one_and_log_softmax_is_its_log(z):
    q = hw.softmax(z, 1)
    np.testing.assert_allclose(q.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.exp(hw.log_softmax(z, 1)), q, rtol=1e-12, atol=1e-300)


@settings(max_examples=150, deadline=None)
@given(finite_logits.filter(lambda a: a.ndim == 2 and a.shape[1] >= 1), st.data())
def test_cross_entropy_with_indices_equals_cross_entropy_with_one_hot_probabilities(z, data):
    y = data.draw(hnp.arrays(np.int64, z.shape[:1], elements=st.integers(0, z.shape[1] - 1)))
    np.testing.assert_allclose(
        hw.cross_entropy(z, y), hw.cross_entropy(z, np.eye(z.shape[1])[y]), rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kind", ["indices", "probabilities"])
def test_cross_entropy_per_sample_equals_each_batch_of_one_to_the_last_bit(reduction, kind):
    rng = np.random.default_rng(7)
    z = random_logits(rng, (60, 4), scale=5.0)
    if kind == "indices":
        target = rng.integers(0, 4, 60)
        target[::7] = -100
    else:
        target = rng.dirichlet(np.ones(4), 60)
    options = {"weight": np.array([0.3, 2.0, 1.7, 4.9]), "reduction": reduction, "label_smoothing": 0.1}
    each = hw.cross_entropy_per_sample(z, target, **options)
    one_by_one = [hw.cross_entropy(z[n : n + 1], target[n : n + 1], **options) for n in range(60)]
    assert np.array_equal(each, np.ravel(one_by_one), equal_nan=True)
