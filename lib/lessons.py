"""The numbers behind the two lesson pages, each computed once from lib's own functions.

``binary_lesson`` gathers what the Sigmoid & BCE page shows for one or several (logit, target)
rows; ``softmax_lesson`` what the Softmax & cross-entropy page shows for one sample of K logits.
The pages only lay these out; the tests check each field against torch or a formula.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib import decomposition as dc
from lib import handwritten as hw

CURVE_POINTS = 401
"""Points per curve: crisp as SVG, far below Plotly's 1,000-point switch to WebGL."""


@dataclass(frozen=True)
class BinaryLesson:
    """σ, both signed log terms, the per-row loss and gradient, and the reduced loss."""

    logits: np.ndarray
    targets: np.ndarray
    probabilities: np.ndarray
    positive_term: np.ndarray
    """y·log σ(z), stable (a zero coefficient gives +0, never −0)."""
    negative_term: np.ndarray
    """(1 − y)·log(1 − σ(z)) = (1 − y)·log σ(−z), stable."""
    per_row_loss: np.ndarray
    per_row_grad: np.ndarray
    """∂ℓ_i/∂z_i = w·[(1 + (pw − 1)·y)·σ(z) − pw·y]."""
    loss: np.ndarray
    grad: np.ndarray
    """∂L/∂z of the reduced loss."""


def binary_lesson(
    logits: np.ndarray, targets: np.ndarray, weight: float, pos_weight: float, reduction: str
) -> BinaryLesson:
    """Everything the BCE page shows, for logits and targets of the same shape."""
    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(targets, dtype=np.float64)
    terms = dc.bce_terms(z, y)
    return BinaryLesson(
        logits=z,
        targets=y,
        probabilities=hw.sigmoid(z),
        positive_term=terms.positive + 0.0,
        negative_term=terms.negative + 0.0,
        per_row_loss=hw.binary_cross_entropy_with_logits(z, y, weight, "none", pos_weight),
        per_row_grad=dc.bce_with_logits_grad(z, y, weight, "none", pos_weight),
        loss=hw.binary_cross_entropy_with_logits(z, y, weight, reduction, pos_weight),
        grad=dc.bce_with_logits_grad(z, y, weight, reduction, pos_weight),
    )


def bce_curve_over_logits(
    target: float, weight: float, pos_weight: float, low: float, high: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """z on [low, high], the per-element loss ℓ(z) and its gradient ∂ℓ/∂z for one target."""
    z = np.linspace(low, high, CURVE_POINTS)
    y = np.full_like(z, target)
    loss = hw.binary_cross_entropy_with_logits(z, y, weight, "none", pos_weight)
    return z, loss, dc.bce_with_logits_grad(z, y, weight, "none", pos_weight)


def bce_curve_over_probability(target: float, weight: float, pos_weight: float) -> tuple[np.ndarray, np.ndarray]:
    """p on (0, 1) and ℓ(p) = −w·[pw·y·log p + (1 − y)·log(1 − p)], the loss as BCELoss sees it."""
    p = np.linspace(0.0005, 0.9995, CURVE_POINTS)
    y = np.full_like(p, target)
    positive = y * np.log(p)
    negative = (1.0 - y) * np.log1p(-p)
    return p, -weight * (pos_weight * positive + negative)


@dataclass(frozen=True)
class SoftmaxLesson:
    """One sample of K logits at temperature T against a class index or a distribution."""

    logits: np.ndarray
    scaled_logits: np.ndarray
    """z / T: what softmax and the loss see."""
    probabilities: np.ndarray
    target_distribution: np.ndarray
    """The target as probabilities after label smoothing: (1 − ε)·t + ε/K."""
    contributions: np.ndarray
    """−a_k·log q_k per class (weights and smoothing included); they sum to the loss of the sample."""
    loss: np.ndarray
    grad: np.ndarray
    """∂L/∂(z/T) of the reduced loss: (q·Σa − a) / D."""
    log_sum_exp: float
    target_logit: float
    """Σ_k t̃_k·(z/T)_k: the target's logit (z_y for a hard, unsmoothed target)."""
    ignored: bool


def softmax_lesson(
    logits: np.ndarray,
    temperature: float,
    target: int | np.ndarray,
    label_smoothing: float,
    weight: np.ndarray | None,
    reduction: str,
    ignore_index: int = -100,
) -> SoftmaxLesson:
    """Everything the cross-entropy page shows; ``target`` is a class index (or ignore_index) or K probabilities."""
    z = np.asarray(logits, dtype=np.float64)
    scaled = (z / temperature)[None, :]
    n_classes = z.size
    if np.ndim(target) == 0:
        target_array = np.array([int(target)], dtype=np.int64)
        ignored = int(target) == ignore_index
        hard = np.zeros(n_classes) if ignored else np.eye(n_classes)[int(target)]
    else:
        target_array = np.asarray(target, dtype=np.float64)[None, :]
        ignored = False
        hard = target_array[0]
    options = {"weight": weight, "ignore_index": ignore_index, "label_smoothing": label_smoothing}
    smoothed = hard * (1.0 - max(label_smoothing, 0.0)) + (0.0 if ignored else max(label_smoothing, 0.0) / n_classes)
    log_q = hw.log_softmax(scaled[0], 0)
    return SoftmaxLesson(
        logits=z,
        scaled_logits=scaled[0],
        probabilities=hw.softmax(scaled[0], 0),
        target_distribution=smoothed,
        contributions=dc.ce_contributions(scaled, target_array, **options)[0],
        loss=hw.cross_entropy(scaled, target_array, reduction=reduction, **options),
        grad=dc.cross_entropy_grad(scaled, target_array, reduction=reduction, **options)[0],
        log_sum_exp=float(scaled[0].max() - log_q[np.argmax(scaled[0])]),
        target_logit=float(smoothed @ scaled[0]),
        ignored=ignored,
    )
