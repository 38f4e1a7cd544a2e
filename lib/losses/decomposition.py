"""What the lessons take apart: per-term log contributions, analytic gradients, entropy and KL.

Built on :mod:`lib.losses.handwritten` (NumPy, float64, no torch). Each function states its formula; the
tests check every one against torch autograd or an independent formula.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from lib.losses import handwritten as hw


class BinaryTerms(NamedTuple):
    """The two signed log contributions of BCE; the loss is −(positive + negative)."""

    positive: np.ndarray
    """y·log p, the positive-class term."""
    negative: np.ndarray
    """(1 − y)·log(1 − p), the negative-class term."""


def bce_terms(logits: ArrayLike, target: ArrayLike) -> BinaryTerms:
    """Stable terms: y·log σ(z) and (1 − y)·log σ(−z), using log(1 − σ(z)) = log σ(−z)."""
    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(target, dtype=np.float64)
    return BinaryTerms(y * hw.logsigmoid(z), (1.0 - y) * hw.logsigmoid(-z))


def bce_terms_naive(logits: ArrayLike, target: ArrayLike) -> BinaryTerms:
    """Naive terms: p = σ(z) first, then y·log p and (1 − y)·log(1 − p).

    Once σ(z) rounds to exactly 0 or 1 (|z| > 36.7 in float64) a log is −inf, and a zero
    coefficient times −inf is nan: the failure the stable form avoids.
    """
    p = hw.sigmoid(logits)
    y = np.asarray(target, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return BinaryTerms(y * np.log(p), (1.0 - y) * np.log(1.0 - p))


def bce_with_logits_grad(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    pos_weight: ArrayLike | None = None,
) -> np.ndarray:
    """∂L/∂z for ``binary_cross_entropy_with_logits``: w·[(1 + (pw − 1)·t)·σ(z) − pw·t] / D.

    D = N for 'mean', 1 for 'sum' and 'none' (the gradient of Σℓ). For w = pw = 1 it is σ(z) − t.
    """
    hw.binary_cross_entropy_with_logits(input, target, weight, reduction, pos_weight)
    z = np.asarray(input, dtype=np.float64)
    t = np.asarray(target, dtype=np.float64)
    pw = 1.0 if pos_weight is None else np.asarray(pos_weight, dtype=np.float64)
    w = 1.0 if weight is None else np.asarray(weight, dtype=np.float64)
    grad = w * ((1.0 + (pw - 1.0) * t) * hw.sigmoid(z) - pw * t)
    return grad / z.size if reduction == "mean" else grad


def cross_entropy_coefficients(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """The coefficients a, and each position's share s_n of the 'mean' denominator D = Σ_n s_n, with
    CE = Σ_n ℓ_n / D, ℓ_n = −Σ_c a_nc·log q_nc.

    Probabilities: a_nc = w_c·t̃_nc, s_n = 1 (D = N·d1…dk). Indices: a_nc = (1 − ε)·w_y·[c = y] + (ε/C)·w_c,
    a = 0 where y = ignore_index, s_n = w[y_n] (0 where ignored). This one form gives every per-class
    contribution −a_nc·log q_nc and the gradient.
    """
    hw.cross_entropy(input, target, weight, ignore_index, "none", label_smoothing)
    x = np.asarray(input, dtype=np.float64)
    class_dim = hw.class_dim_of(x)
    n_classes = x.shape[class_dim]
    w = None if weight is None else np.asarray(weight, dtype=np.float64)
    w_along = hw.along_class_dim(np.ones(n_classes) if w is None else w, x.ndim, class_dim)
    smoothing = float(label_smoothing) if label_smoothing > 0.0 else 0.0
    share = smoothing / n_classes if n_classes else 0.0  # a class dim of size 0 has nothing to smooth
    if np.shape(target) == x.shape:
        t = np.asarray(target, dtype=np.float64) * (1.0 - smoothing) + share
        return w_along * t, np.ones(x.shape[:class_dim] + x.shape[class_dim + 1 :])
    y = np.asarray(target, dtype=np.int64)
    kept = y != ignore_index
    _, target_weight = hw.pick_targets(x, y, w, ignore_index, class_dim)
    one_hot = np.expand_dims(y, class_dim) == hw.along_class_dim(np.arange(n_classes), x.ndim, class_dim)
    a = (1.0 - smoothing) * np.expand_dims(target_weight, class_dim) * one_hot + share * w_along
    a = a * np.expand_dims(kept, class_dim)
    return a, target_weight


def ce_contributions(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> np.ndarray:
    """Per-class contributions −a_nc·log q_nc (before the reduction); they sum over c to ℓ_n."""
    a, _ = cross_entropy_coefficients(input, target, weight, ignore_index, label_smoothing)
    x = np.asarray(input, dtype=np.float64)
    log_q = hw.log_softmax(x, hw.class_dim_of(x))
    with np.errstate(invalid="ignore"):
        return np.where(a != 0.0, -a * log_q, 0.0)


def cross_entropy_grad(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
    each_sample: bool = False,
) -> np.ndarray:
    """∂L/∂z_nk = (q_nk·Σ_c a_nc − a_nk) / D; for one-hot or soft targets without weights, q − t.

    D is the 'mean' denominator Σ_n s_n of :func:`cross_entropy_coefficients`, 1 for 'sum' and 'none'; with
    ``each_sample`` every sample of an (N, C) batch is its own batch of one (as :func:`hw.cross_entropy_per_sample`),
    and its D is its own share s_n: w[y_n] for a class index, 1 for probabilities. As in torch, where D = 0 (every
    target ignored, or weighted 0) the loss is 0/0 = nan and so is the gradient of every position kept, while a
    position whose class index is ignore_index always gets exactly 0.
    """
    hw.check_reduction(reduction)
    a, shares = cross_entropy_coefficients(input, target, weight, ignore_index, label_smoothing)
    x = np.asarray(input, dtype=np.float64)
    class_dim = hw.class_dim_of(x)
    q = hw.softmax(x, class_dim)
    grad = q * a.sum(axis=class_dim, keepdims=True) - a
    if reduction != "mean":
        return grad
    denominator = np.expand_dims(shares, class_dim) if each_sample else shares.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        grad = np.where(denominator == 0, np.nan, grad / denominator)  # torch: 0/0 everywhere kept
    if np.shape(target) == x.shape:
        return grad
    ignored = np.expand_dims(np.asarray(target) == ignore_index, class_dim)
    return np.where(ignored, 0.0, grad)


def binary_entropy(target: ArrayLike) -> np.ndarray:
    """H(y) = −[y·log y + (1 − y)·log(1 − y)], with 0·log 0 = 0: the least BCE can be for target y."""
    y = np.asarray(target, dtype=np.float64)
    return -(_xlogy(y, y) + _xlogy(1.0 - y, 1.0 - y))


def binary_kl(target: ArrayLike, probability: ArrayLike) -> np.ndarray:
    """KL(y ‖ p) = y·log(y/p) + (1 − y)·log((1 − y)/(1 − p)) = BCE(p, y) − H(y); 0 exactly at p = y."""
    y = np.asarray(target, dtype=np.float64)
    p = np.asarray(probability, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return _xlogy(y, y) - _xlogy(y, p) + _xlogy(1.0 - y, 1.0 - y) - _xlogy(1.0 - y, 1.0 - p)


def entropy(target: ArrayLike, dim: int = -1) -> np.ndarray:
    """H(t) = −Σ_k t_k·log t_k over ``dim``, with 0·log 0 = 0."""
    t = np.asarray(target, dtype=np.float64)
    return -_xlogy(t, t).sum(axis=dim)


def kl_divergence(target: ArrayLike, probabilities: ArrayLike, dim: int = -1) -> np.ndarray:
    """KL(t ‖ q) = Σ_k t_k·log(t_k / q_k) = CE(t, q) − H(t) over ``dim``."""
    t = np.asarray(target, dtype=np.float64)
    q = np.asarray(probabilities, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return (_xlogy(t, t) - _xlogy(t, q)).sum(axis=dim)


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x·log y with 0·log y = 0 for every y, as in ``torch.xlogy``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0.0, 0.0, x * np.log(y))
