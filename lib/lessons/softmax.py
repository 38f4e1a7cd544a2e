"""The numbers behind the Softmax & cross-entropy page for one sample of K logits, each computed from lib's own
functions; the tests check each field against torch or a formula.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib.agreement.multiclass import MulticlassScenario
from lib.losses import decomposition as dc
from lib.losses import handwritten as hw


@dataclass(frozen=True)
class SoftmaxScenario:
    """One sample as the Softmax page sets it: K logits at temperature T, a class index (or ignore_index) or K
    probabilities, label smoothing ε, class weights, the reduction and the dtype of the torch calls. It feeds the
    lesson's numbers, its agreement table and its *Copy as PyTorch* script."""

    logits: np.ndarray
    temperature: float
    target: int | np.ndarray
    label_smoothing: float = 0.0
    weight: np.ndarray | None = None
    reduction: str = "mean"
    dtype: str = "float32"
    ignore_index: int = -100

    def batch(self) -> tuple[np.ndarray, np.ndarray]:
        """The batch of one that the losses see: z / T of shape (1, K), and the target as a class index of shape
        (1,) (int64) or probabilities of shape (1, K)."""
        scaled = (np.asarray(self.logits, dtype=np.float64) / self.temperature)[None, :]
        if np.ndim(self.target) == 0:
            return scaled, np.array([int(self.target)], dtype=np.int64)
        return scaled, np.asarray(self.target, dtype=np.float64)[None, :]

    @property
    def ignored(self) -> bool:
        """A class-index target equal to ignore_index: the sample contributes nothing."""
        return np.ndim(self.target) == 0 and int(self.target) == self.ignore_index

    def agreement(self) -> MulticlassScenario:
        """The agreement engine's scenario: the batch of one against its target."""
        scaled, target = self.batch()
        return MulticlassScenario(
            scaled, target, self.weight, self.ignore_index, self.label_smoothing, self.reduction, self.dtype
        )


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


def softmax_lesson(s: SoftmaxScenario) -> SoftmaxLesson:
    """Everything the cross-entropy page shows for the scenario's one sample."""
    scaled, target = s.batch()
    options = {"weight": s.weight, "ignore_index": s.ignore_index, "label_smoothing": s.label_smoothing}
    smoothed = target_distribution(s)
    return SoftmaxLesson(
        logits=np.asarray(s.logits, dtype=np.float64),
        scaled_logits=scaled[0],
        probabilities=hw.softmax(scaled[0], 0),
        target_distribution=smoothed,
        contributions=dc.ce_contributions(scaled, target, **options)[0],
        loss=hw.cross_entropy(scaled, target, reduction=s.reduction, **options),
        grad=dc.cross_entropy_grad(scaled, target, reduction=s.reduction, **options)[0],
        log_sum_exp=float(log_sum_exp(scaled)[0]),
        target_logit=float(target_logit(scaled, smoothed)[0]),
        ignored=s.ignored,
    )


def target_distribution(s: SoftmaxScenario) -> np.ndarray:
    """The target as K probabilities after label smoothing, t̃ = (1 − ε)·t + ε/K: one-hot for a class index, all
    zero for an ignored one (it contributes nothing)."""
    _, target = s.batch()
    n_classes = np.size(s.logits)
    if s.ignored:
        return np.zeros(n_classes)
    hard = np.eye(n_classes)[target[0]] if target.ndim == 1 else target[0]
    epsilon = max(s.label_smoothing, 0.0)
    return hard * (1.0 - epsilon) + epsilon / n_classes


def target_logit(scaled: np.ndarray, smoothed: np.ndarray) -> np.ndarray:
    """Σ_k t̃_k·x_k of each row: the target's own logit (x_y for an unsmoothed class index)."""
    return (scaled * smoothed).sum(axis=1)


def log_sum_exp(scaled: np.ndarray) -> np.ndarray:
    """log Σ_k e^(x_k) of each row, read off log-softmax: max_k x_k − log q at the largest x (exact where e^x
    would overflow)."""
    log_q = hw.log_softmax(scaled, 1)
    hot = np.argmax(scaled, axis=1)
    return scaled.max(axis=1) - log_q[np.arange(scaled.shape[0]), hot]


def normalised_target(raw: np.ndarray) -> tuple[np.ndarray, bool]:
    """The soft target t = raw / Σ raw the page's sliders describe, and whether it fell back to the uniform 1/K
    (all sliders at 0, where no distribution is given)."""
    raw = np.asarray(raw, dtype=np.float64)
    total = raw.sum()
    if total > 0:
        return raw / total, False
    return np.full(raw.shape, 1.0 / raw.size), True
