"""Zero-sized dimensions and dtype rules: the hand-written functions give exactly what torch gives.

Empty results, nan for an empty mean, 0 for an empty sum; the argument combinations torch refuses (a weight or
target of another dtype, ignore_index with probabilities, integer activations) raise LossInputError.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from oracle import assert_matches, t64

from lib.losses import handwritten as hw

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


INDEX_0, INDEX_2 = np.zeros(0, dtype=np.int64), np.zeros(2, dtype=np.int64)
EMPTY_CALLS = {
    "softmax over an empty dim": ("softmax", (np.zeros((3, 0)), 1), {}),
    "softmax of an empty vector": ("softmax", (np.zeros(0), 0), {}),
    "log_softmax over an empty batch dim": ("log_softmax", (np.zeros((0, 3)), 0), {}),
    "log_softmax over an empty dim": ("log_softmax", (np.zeros((2, 0, 4)), 1), {}),
    "ce no rows no classes": ("cross_entropy", (np.zeros((0, 0)), INDEX_0), {}),
    "ce no classes probabilities": ("cross_entropy", (np.zeros((2, 0)), np.zeros((2, 0))), {}),
    "ce no classes probabilities none": ("cross_entropy", (np.zeros((2, 0)), np.zeros((2, 0))), {"reduction": "none"}),
    "ce no classes probabilities smoothed": (
        "cross_entropy",
        (np.zeros((2, 0)), np.zeros((2, 0))),
        {"label_smoothing": 0.1},
    ),
    "ce no classes all ignored": ("cross_entropy", (np.zeros((2, 0)), np.full(2, -100)), {"reduction": "sum"}),
    "ce no classes all ignored smoothed": (
        "cross_entropy",
        (np.zeros((2, 0)), np.full(2, -100)),
        {"label_smoothing": 0.2},
    ),
    "ce no rows smoothed weighted": (
        "cross_entropy",
        (np.zeros((0, 3)), INDEX_0),
        {"label_smoothing": 0.2, "weight": np.ones(3)},
    ),
    "ce empty spatial dim": ("cross_entropy", (np.zeros((2, 3, 0)), np.zeros((2, 0), dtype=np.int64)), {}),
    "nll no rows sum": ("nll_loss", (np.zeros((0, 3)), INDEX_0), {"reduction": "sum"}),
    "bce no rows weighted": ("binary_cross_entropy", (np.zeros((0, 3)), np.zeros((0, 3))), {"weight": np.ones(3)}),
    "bcel no columns pos_weight": (
        "binary_cross_entropy_with_logits",
        (np.zeros((3, 0)), np.zeros((3, 0))),
        {"pos_weight": np.ones(1), "reduction": "none"},
    ),
}


def _same_dtype_tensor(value):
    return torch.as_tensor(value) if isinstance(value, np.ndarray) else value


@pytest.mark.parametrize("name", EMPTY_CALLS)
def test_zero_sized_dims_give_torchs_results(name):
    function, args, kwargs = EMPTY_CALLS[name]
    torch_kwargs = {key: _same_dtype_tensor(value) for key, value in kwargs.items()}
    expected = getattr(F, function)(*map(_same_dtype_tensor, args), **torch_kwargs)
    assert_matches(getattr(hw, function)(*args, **kwargs), expected)


REFUSED_COMBINATIONS = {
    "ce ignore_index with probabilities": (
        "cross_entropy",
        (np.zeros((2, 3)), np.full((2, 3), 1 / 3)),
        {"ignore_index": 1},
    ),
    "ce float32 weight for float64 logits": (
        "cross_entropy",
        (np.zeros((2, 3)), INDEX_2),
        {"weight": np.ones(3, dtype=np.float32)},
    ),
    "nll float16 weight for float64 input": (
        "nll_loss",
        (np.zeros((2, 3)), INDEX_2),
        {"weight": np.ones(3, dtype=np.float16)},
    ),
    "nll int64 weight": ("nll_loss", (np.zeros((2, 3)), INDEX_2), {"weight": np.ones(3, dtype=np.int64)}),
    "bce float32 target for float64 input": ("binary_cross_entropy", (np.zeros(2), np.zeros(2, dtype=np.float32)), {}),
    "ce target for a class dim of size 0": ("cross_entropy", (np.zeros((2, 0)), INDEX_2), {}),
    "ce unbatched with no classes": ("cross_entropy", (np.zeros(0), np.zeros((), dtype=np.int64)), {}),
    "softmax of integers": ("softmax", (np.array([1, 2]), 0), {}),
    "log_softmax of booleans": ("log_softmax", (np.array([True, False]), 0), {}),
    "logsigmoid of integers": ("logsigmoid", (np.array([1, 2]),), {}),
}


@pytest.mark.parametrize("name", REFUSED_COMBINATIONS)
def test_argument_combinations_torch_refuses_raise_loss_input_error(name):
    function, args, kwargs = REFUSED_COMBINATIONS[name]
    torch_kwargs = {key: _same_dtype_tensor(value) for key, value in kwargs.items()}
    with pytest.raises((RuntimeError, IndexError)):
        getattr(F, function)(*map(_same_dtype_tensor, args), **torch_kwargs)
    with pytest.raises(hw.LossInputError, match=r"\.$"):
        getattr(hw, function)(*args, **kwargs)


def test_sigmoid_of_integers_is_accepted_like_torch():
    assert_matches(hw.sigmoid(np.array([0, 3])), torch.sigmoid(t64([0.0, 3.0])))


@pytest.mark.parametrize("target", [np.array([0, 2]), np.full((2, 3), 1 / 3)], ids=["indices", "probabilities"])
def test_nan_label_smoothing_is_no_smoothing_like_torch(target):
    x = np.array([[0.5, 0.2, -1.0], [2.0, 0.0, 1.0]])
    expected = F.cross_entropy(t64(x), t64(target), label_smoothing=float("nan"))
    assert_matches(hw.cross_entropy(x, target, label_smoothing=float("nan")), expected)


def test_ignore_index_below_zero_is_accepted_with_probabilities_like_torch():
    x, t = np.array([[0.5, 0.2, 0.0]]), np.array([[0.2, 0.3, 0.5]])
    assert_matches(hw.cross_entropy(x, t, ignore_index=-1), F.cross_entropy(t64(x), t64(t), ignore_index=-1))


def test_cross_entropy_with_probabilities_accepts_a_weight_of_another_dtype_like_torch():
    x, t, w = np.array([[0.5, 0.2]]), np.array([[0.4, 0.6]]), np.array([2.0, 1.0], dtype=np.float32)
    assert_matches(hw.cross_entropy(x, t, w), F.cross_entropy(t64(x), t64(t), torch.as_tensor(w)))
