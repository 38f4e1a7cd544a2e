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

    def batch(self, logits: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The batch that the losses see: z / T of shape (P, K), and the target of each row as class indices of
        shape (P,) (int64) or probabilities of shape (P, K). Without ``logits`` it is the scenario's batch of one;
        with logits of shape (P, K) each row is a sample of its own with the scenario's target (a grid's positions).
        """
        z = np.atleast_2d(np.asarray(self.logits if logits is None else logits, dtype=np.float64))
        if np.ndim(self.target) == 0:
            return z / self.temperature, np.full(len(z), int(self.target), dtype=np.int64)
        return z / self.temperature, np.tile(np.asarray(self.target, dtype=np.float64), (len(z), 1))

    def agreement(self, logits: np.ndarray | None = None) -> MulticlassScenario:
        """The agreement engine's scenario: the batch of one (or the rows of ``logits``) against its target."""
        scaled, target = self.batch(logits)
        return MulticlassScenario(
            scaled, target, self.weight, self.ignore_index, self.label_smoothing, self.reduction, self.dtype
        )


@dataclass(frozen=True)
class SoftmaxLesson:
    """One sample of K logits at temperature T against a class index or a distribution.

    :func:`softmax_lesson_at_each` gives it for many samples at once: there every field but target_distribution and
    ignored has a leading axis of positions, and loss is each sample's reduced loss, shape (P,).
    """

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
    log_sum_exp: float | np.ndarray
    target_logit: float | np.ndarray
    """Σ_k t̃_k·(z/T)_k: the target's logit (z_y for a hard, unsmoothed target)."""
    ignored: bool


def softmax_lesson(s: SoftmaxScenario) -> SoftmaxLesson:
    """Everything the cross-entropy page shows for the scenario's one sample."""
    each = softmax_lesson_at_each(s, np.asarray(s.logits, dtype=np.float64)[None, :])
    return SoftmaxLesson(
        logits=each.logits[0],
        scaled_logits=each.scaled_logits[0],
        probabilities=each.probabilities[0],
        target_distribution=each.target_distribution,
        contributions=each.contributions[0],
        loss=each.loss if s.reduction == "none" else each.loss[0],
        grad=each.grad[0],
        log_sum_exp=float(each.log_sum_exp[0]),
        target_logit=float(each.target_logit[0]),
        ignored=each.ignored,
    )


def softmax_lesson_at_each(s: SoftmaxScenario, logits: np.ndarray) -> SoftmaxLesson:
    """The lesson of the scenario with each row of ``logits`` (P, K) as its one sample, in one vectorised pass.

    Each position's numbers equal those of :func:`softmax_lesson` for the scenario holding that row: the loss is
    each batch of one's reduced loss (:func:`hw.cross_entropy_per_sample`) and the gradient each one's ∂L/∂(z/T).
    """
    scaled, target = s.batch(logits)
    n_classes = scaled.shape[1]
    ignored = np.ndim(s.target) == 0 and s.target == s.ignore_index
    if ignored:
        hard = np.zeros(n_classes)
    elif np.ndim(s.target) == 0:
        hard = np.eye(n_classes)[s.target]
    else:
        hard = np.asarray(s.target, dtype=np.float64)
    options = {"weight": s.weight, "ignore_index": s.ignore_index, "label_smoothing": s.label_smoothing}
    epsilon = max(s.label_smoothing, 0.0)
    smoothed = hard * (1.0 - epsilon) + (0.0 if ignored else epsilon / n_classes)
    top = np.argmax(scaled, axis=1)[:, None]
    log_q_top = np.take_along_axis(hw.log_softmax(scaled, 1), top, axis=1)
    return SoftmaxLesson(
        logits=np.atleast_2d(np.asarray(logits, dtype=np.float64)),
        scaled_logits=scaled,
        probabilities=hw.softmax(scaled, 1),
        target_distribution=smoothed,
        contributions=dc.ce_contributions(scaled, target, **options),
        loss=hw.cross_entropy_per_sample(scaled, target, reduction=s.reduction, **options),
        grad=dc.cross_entropy_grad(scaled, target, reduction=s.reduction, each_sample=True, **options),
        log_sum_exp=(np.take_along_axis(scaled, top, axis=1) - log_q_top)[:, 0],
        target_logit=(scaled * smoothed).sum(axis=1),
        ignored=bool(ignored),
    )


def normalised_target(raw: np.ndarray) -> tuple[np.ndarray, bool]:
    """The soft target t = raw / Σ raw the page's sliders describe, and whether it fell back to the uniform 1/K
    (all sliders at 0, where no distribution is given)."""
    raw = np.asarray(raw, dtype=np.float64)
    total = raw.sum()
    if total > 0:
        return raw / total, False
    return np.full(raw.shape, 1.0 / raw.size), True
