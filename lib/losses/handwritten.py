"""Activations and losses written by hand in NumPy, mirroring ``torch.nn.functional``.

Every function here has the signature and the semantics of its torch twin (torch 2.13): the same
reductions, the same weighting rules, the same -100 clamp, the same nan where torch gives nan.
Everything is computed in float64; array-likes go in, NumPy arrays come out (0-d for reduced
results). Zero-sized dimensions give what torch gives: empty results, nan for an empty mean,
0 for an empty sum. Whatever torch rejects raises :class:`LossInputError` (a ``ValueError``) with a
message a learner can act on. No torch is imported here: this is the independent side of every
comparison the app makes; tests/test_torch_replay.py replays torch's own test inputs against it.

One function goes beyond torch's API: :func:`cross_entropy_per_sample`, the loss of each sample of a batch as
if it were its own batch of one, for the pages that move one sample's logits over a grid of positions.

Reference: https://pytorch.org/docs/stable/nn.functional.html#loss-functions
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

REDUCTIONS = ("none", "mean", "sum")
LOG_CLAMP = -100.0
"""``binary_cross_entropy`` clamps each log term at -100, so one saturated term costs at most 100."""


_NO_INTEGER_KERNEL = "torch has no integer or boolean kernel for it, so it must be floating"


class LossInputError(ValueError):
    """An argument torch would reject, with the reason in a learner's words."""


def sigmoid(input: ArrayLike) -> np.ndarray:
    """σ(x) = 1 / (1 + e^(−x)), exactly as torch computes it (mirrors ``torch.sigmoid``).

    For x below about −709.8, e^(−x) overflows to inf and σ(x) is exactly 0, as in torch.
    """
    x = _real(input, "input")
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def logsigmoid(input: ArrayLike) -> np.ndarray:
    """log σ(x) = min(x, 0) − log(1 + e^(−|x|)), never forming σ(x) (mirrors ``F.logsigmoid``)."""
    x = _floating(input, "input", hint=_NO_INTEGER_KERNEL)
    return np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x)))


def softmax(input: ArrayLike, dim: int) -> np.ndarray:
    """softmax(x)_k = e^(x_k − m) / Σ_j e^(x_j − m) with m = max_j x_j (mirrors ``F.softmax``).

    A +inf in a slice, or a slice that is all −inf, gives nan for the whole slice, as in torch.
    """
    shifted = _shift_by_max(_floating(input, "input", hint=_NO_INTEGER_KERNEL), dim)
    with np.errstate(invalid="ignore"):
        e = np.exp(shifted)
        return e / e.sum(axis=dim, keepdims=True)


def log_softmax(input: ArrayLike, dim: int) -> np.ndarray:
    """log softmax(x)_k = (x_k − m) − log Σ_j e^(x_j − m), m = max_j x_j (mirrors ``F.log_softmax``)."""
    shifted = _shift_by_max(_floating(input, "input", hint=_NO_INTEGER_KERNEL), dim)
    with np.errstate(invalid="ignore", divide="ignore"):
        return shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))


def binary_cross_entropy(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
) -> np.ndarray:
    """ℓ = −w·[y·max(log p, −100) + (1 − y)·max(log(1 − p), −100)] (mirrors ``F.binary_cross_entropy``).

    ``input`` holds probabilities p in [0, 1]; ``target`` holds y in [0, 1] and has p's shape (and, for
    arrays, its dtype, as torch requires).
    'mean' is Σℓ / N: a weight scales terms but never normalises the mean.
    """
    check_reduction(reduction)
    p = _floating(input, "input")
    y = _floating(target, "target")
    _check_same_dtype(input, target, "target", "binary_cross_entropy")
    if y.shape != p.shape:
        raise LossInputError(
            f"target has shape {y.shape} but input has shape {p.shape}: "
            "binary_cross_entropy compares them element by element, so the shapes must be equal."
        )
    for name, values in (("input", p), ("target", y)):
        if not np.all((values >= 0.0) & (values <= 1.0)):
            raise LossInputError(
                f"all elements of {name} should be between 0 and 1: binary_cross_entropy reads "
                f"them as probabilities (pass logits to binary_cross_entropy_with_logits instead)."
            )
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p), LOG_CLAMP)
        log_one_minus_p = np.maximum(np.log1p(-p), LOG_CLAMP)
    loss = -(y * log_p + (1.0 - y) * log_one_minus_p)
    if weight is not None:
        loss = loss * _broadcast_into(weight, p.shape, "weight")
    return reduce_loss(loss, reduction)


def binary_cross_entropy_with_logits(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    pos_weight: ArrayLike | None = None,
) -> np.ndarray:
    """ℓ = w·[(1 − t)·x − (1 + (pw − 1)·t)·log σ(x)] (mirrors ``F.binary_cross_entropy_with_logits``).

    For pw = 1 this is −w·[t·log σ(x) + (1 − t)·log σ(−x)]. ``pos_weight`` broadcasts against the
    last dimension, like any array; neither weight may enlarge the output. Targets are not
    range-checked (t = 2 is accepted and the loss can go negative); ±inf logits give nan, as in torch.
    """
    check_reduction(reduction)
    x = _floating(input, "input")
    t = _floating(target, "target")
    if t.shape != x.shape:
        raise LossInputError(
            f"target has shape {t.shape} but input has shape {x.shape}: "
            "binary_cross_entropy_with_logits needs one target per logit."
        )
    log_weight = 1.0
    if pos_weight is not None:
        pw = _broadcast_into(pos_weight, x.shape, "pos_weight")
        log_weight = 1.0 + (pw - 1.0) * t
    with np.errstate(invalid="ignore"):
        loss = (1.0 - t) * x - log_weight * logsigmoid(x)
        if weight is not None:
            loss = loss * _broadcast_into(weight, x.shape, "weight")
    return reduce_loss(loss, reduction)


def nll_loss(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> np.ndarray:
    """ℓ_n = −w[y_n]·x[n, y_n], 0 where y_n = ignore_index (mirrors ``F.nll_loss``).

    'mean' is Σ ℓ_n / Σ w[y_n] over the positions not ignored; an empty or zero total gives nan.
    ``input`` is expected to hold log-probabilities but, as in torch, nothing checks that.
    An array ``weight`` must have the dtype of an array ``input``, as torch requires.
    """
    check_reduction(reduction)
    return _nll_loss(input, target, weight, ignore_index, _reduce_batch(reduction))


def _nll_loss(
    input: ArrayLike, target: ArrayLike, weight: ArrayLike | None, ignore_index: int, reduce: Reduce
) -> np.ndarray:
    x = _floating(input, "input")
    _check_same_dtype(input, weight, "weight", "nll_loss")
    class_dim = class_dim_of(x)
    w = _class_weight(weight, x.shape[class_dim])
    y = _class_indices(target, x, class_dim)
    picked, target_weight = pick_targets(x, y, w, ignore_index, class_dim)
    loss = np.where(target_weight != 0.0, -target_weight * picked, 0.0)
    return reduce(loss, target_weight)


def cross_entropy(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> np.ndarray:
    """Cross-entropy between logits and a target (mirrors ``F.cross_entropy``).

    The class dimension is 1 (0 for an unbatched input of shape (C,)); log q = log_softmax(input).

    * target of the input's shape: class probabilities t (floating), smoothed to
      t̃ = (1 − ε)·t + ε/C; ℓ_n = −Σ_c w_c·t̃_c·log q_c; 'mean' divides by N·d1…dk.
      An ignore_index ≥ 0 is refused here, as torch refuses it.
    * any other shape: class indices y (int64 or uint8);
      ℓ_n = (1 − ε)·w_y·(−log q_y) + (ε/C)·Σ_c w_c·(−log q_c), 0 where y = ignore_index;
      'mean' divides both terms by Σ w[y_n] over the positions not ignored (nan when all are).
      As in torch, an array ``weight`` must have the input's dtype.
    """
    check_reduction(reduction)
    return _cross_entropy(input, target, weight, ignore_index, label_smoothing, _reduce_batch(reduction))


def cross_entropy_per_sample(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> np.ndarray:
    """Each sample of an (N, C) batch as its own batch of one: ``out[n]`` is the one value of
    ``cross_entropy(input[n:n+1], target[n:n+1], ...)``, for all n in one vectorised pass.

    'sum' and 'none' give ℓ_n; 'mean' gives ℓ_n / w[y_n] for a class index (nan where y_n is ignored) and ℓ_n for
    probabilities. With label smoothing a batch of one divides its NLL term and its smoothing term by w[y_n] before
    adding them, and so does this, so each value equals the batch of one's to the last bit (ℓ_n / w[y_n] would not).
    """
    check_reduction(reduction)
    if np.ndim(input) != 2:
        raise LossInputError(f"cross_entropy_per_sample takes a batch of shape (N, C), got {np.shape(input)}.")
    return _cross_entropy(input, target, weight, ignore_index, label_smoothing, _reduce_each_sample(reduction))


def _cross_entropy(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None,
    ignore_index: int,
    label_smoothing: float,
    reduce: Reduce,
) -> np.ndarray:
    x = _floating(input, "input")
    if label_smoothing > 1.0:
        raise LossInputError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}.")
    smoothing = float(label_smoothing) if label_smoothing > 0.0 else 0.0  # torch reads ε < 0 and nan as 0
    class_dim = class_dim_of(x)
    n_classes = x.shape[class_dim]
    w = _class_weight(weight, n_classes)
    log_q = log_softmax(x, class_dim)
    w_along_classes = along_class_dim(np.ones(n_classes) if w is None else w, x.ndim, class_dim)
    if np.shape(target) == x.shape:
        t = _floating(
            target,
            "target",
            hint="a target of the input's shape is read as class probabilities, so it must be floating",
        )
        if ignore_index >= 0:
            raise LossInputError(
                f"ignore_index={ignore_index} needs class indices: with a target of class probabilities torch "
                "refuses it (leave ignore_index at its default, or give a row of zeros to ignore a position)."
            )
        if smoothing > 0.0 and n_classes:
            t = t * (1.0 - smoothing) + smoothing / n_classes
        with np.errstate(invalid="ignore"):
            loss = -(log_q * t * w_along_classes).sum(axis=class_dim)
        # Every position counts 1 in the 'mean' denominator N·d1…dk; with no classes the input is empty and
        # torch's mean of it is nan.
        return reduce(loss, np.full(loss.shape, float(n_classes > 0)))

    _check_same_dtype(input, weight, "weight", "cross_entropy with class indices")
    nll = _nll_loss(log_q, target, w, ignore_index, reduce)
    if smoothing == 0.0 or not n_classes:
        return nll
    y = _class_indices(target, x, class_dim)
    _, target_weight = pick_targets(log_q, y, w, ignore_index, class_dim)
    smooth = np.where(y != ignore_index, -(log_q * w_along_classes).sum(axis=class_dim), 0.0)
    return np.asarray((1.0 - smoothing) * nll + reduce(smooth, target_weight) * (smoothing / n_classes))


def _real(values: ArrayLike, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype.kind not in "biuf":
        raise LossInputError(f"{name} must hold real numbers, got {array.dtype} values.")
    return array.astype(np.float64)


def _floating(values: ArrayLike, name: str, hint: str = "") -> np.ndarray:
    array = np.asarray(values)
    if array.dtype.kind != "f":
        reason = hint or "this loss does arithmetic with it, as torch does, so it must be floating"
        raise LossInputError(f"{name} has dtype {array.dtype} but {reason} (convert it with .float() in torch).")
    return array.astype(np.float64)


def _check_same_dtype(input: ArrayLike, other: ArrayLike | None, name: str, function: str) -> None:
    """torch refuses these operands unless their dtype is the input's; lists carry no dtype to compare."""
    if isinstance(input, np.ndarray) and isinstance(other, np.ndarray) and other.dtype != input.dtype:
        raise LossInputError(
            f"{name} has dtype {other.dtype} but input has dtype {input.dtype}: {function} needs both in the same "
            f"dtype (convert {name} with .to(input.dtype) in torch)."
        )


def _shift_by_max(x: np.ndarray, dim: int) -> np.ndarray:
    if not -max(x.ndim, 1) <= dim < max(x.ndim, 1):
        raise LossInputError(f"dim {dim} is out of range for an input with {x.ndim} dimensions.")
    if x.ndim == 0:
        return x - x
    # initial=-inf leaves every non-empty slice's max alone and lets a zero-sized dim give an empty result.
    with np.errstate(invalid="ignore"):
        return x - x.max(axis=dim, keepdims=True, initial=-np.inf)


def check_reduction(reduction: str) -> None:
    """Raise :class:`LossInputError` unless ``reduction`` is 'none', 'mean' or 'sum'."""
    if reduction not in REDUCTIONS:
        raise LossInputError(f"{reduction!r} is not a valid value for reduction: use 'none', 'mean' or 'sum'.")


Reduce = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""How a loss reduces its per-position ℓ, given each position's share of the 'mean' denominator (w[y_n] for a
class index, 1 for a probability target)."""


def _reduce_batch(reduction: str) -> Reduce:
    """torch's reduction of the whole batch: 'mean' divides Σℓ by the sum of the shares."""
    return lambda loss, shares: reduce_loss(loss, reduction, mean_denominator=shares.sum())


def _reduce_each_sample(reduction: str) -> Reduce:
    """Each position reduced as a batch of one: ℓ_n for 'sum' and 'none', ℓ_n / share_n for 'mean'."""

    def reduce(loss: np.ndarray, shares: np.ndarray) -> np.ndarray:
        if reduction != "mean":
            return loss
        with np.errstate(invalid="ignore", divide="ignore"):
            return loss / shares

    return reduce


def reduce_loss(loss: np.ndarray, reduction: str, mean_denominator: float | None = None) -> np.ndarray:
    """'none' keeps ℓ; 'sum' is Σℓ; 'mean' is Σℓ / D with D = N unless the loss says otherwise."""
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return np.asarray(total)
    denominator = loss.size if mean_denominator is None else mean_denominator
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.float64(total) / np.float64(denominator))


def _broadcast_into(values: ArrayLike, shape: tuple[int, ...], name: str) -> np.ndarray:
    array = _real(values, name)
    try:
        combined = np.broadcast_shapes(array.shape, shape)
    except ValueError:
        combined = None
    if combined != shape:
        raise LossInputError(
            f"{name} has shape {array.shape}, which does not broadcast to the input's shape {shape} "
            f"(it broadcasts against the last dimensions first and may not enlarge the output)."
        )
    return np.broadcast_to(array, shape)


def class_dim_of(x: np.ndarray) -> int:
    """The class dimension of a cross-entropy input: 0 for shape (C,), else 1."""
    if x.ndim == 0:
        raise LossInputError("the input needs a class dimension: shape (C,), (N, C) or (N, C, d1, ...).")
    return 0 if x.ndim == 1 else 1


def along_class_dim(per_class: np.ndarray, ndim: int, class_dim: int) -> np.ndarray:
    """A per-class vector shaped to broadcast along the class dimension of an ``ndim``-dimensional input."""
    shape = [1] * ndim
    shape[class_dim] = per_class.size
    return per_class.reshape(shape)


def _class_weight(weight: ArrayLike | None, n_classes: int) -> np.ndarray | None:
    if weight is None:
        return None
    w = _real(weight, "weight")
    if w.shape != (n_classes,):
        raise LossInputError(f"weight must hold one value per class ({n_classes} values), got shape {w.shape}.")
    return w


def _class_indices(target: ArrayLike, x: np.ndarray, class_dim: int) -> np.ndarray:
    y = np.asarray(target)
    if y.dtype not in (np.int64, np.uint8):
        raise LossInputError(
            f"class-index targets must be int64 or uint8, got {y.dtype} "
            "(use .long() in torch; a float target is read as probabilities only if it has the input's shape)."
        )
    expected = x.shape[:class_dim] + x.shape[class_dim + 1 :]
    if y.shape != expected:
        raise LossInputError(
            f"the input of shape {x.shape} needs class indices of shape {expected} "
            f"(or probabilities of shape {x.shape}), got target of shape {y.shape}."
        )
    return y.astype(np.int64)


def pick_targets(
    x: np.ndarray, y: np.ndarray, weight: np.ndarray | None, ignore_index: int, class_dim: int
) -> tuple[np.ndarray, np.ndarray]:
    """x[n, y_n] and w[y_n] for each position; the weight is 0 where y_n = ignore_index."""
    n_classes = x.shape[class_dim]
    kept = y != ignore_index
    out_of_range = kept & ((y < 0) | (y >= n_classes))
    if out_of_range.any() and not n_classes:
        raise LossInputError(
            f"the class dimension has size 0, so there is no class a target could name: every target "
            f"must equal ignore_index ({ignore_index})."
        )
    if out_of_range.any():
        bad = int(y[out_of_range].flat[0])
        raise LossInputError(
            f"target {bad} is out of bounds: with {n_classes} classes a target must lie in "
            f"0…{n_classes - 1} or equal ignore_index ({ignore_index})."
        )
    if not n_classes:  # every target is ignored (checked above): nothing to pick
        return np.zeros(y.shape), np.zeros(y.shape)
    safe = np.where(kept, y, 0)
    picked = np.take_along_axis(x, np.expand_dims(safe, class_dim), axis=class_dim).squeeze(class_dim)
    target_weight = np.ones(safe.shape) if weight is None else weight[safe]
    return picked, np.where(kept, target_weight, 0.0)
