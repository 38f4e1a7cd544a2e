"""The numbers behind the Sigmoid & BCE page, each computed once from lib's own functions.

``binary_lesson`` gathers what the page shows for one or several (logit, target) rows; the curves give the loss
over the logit and over the probability. The page only lays these out; the tests check each field against torch
or a formula.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib.agreement.binary import BinaryScenario
from lib.losses import decomposition as dc
from lib.losses import handwritten as hw

CURVE_POINTS = 401
"""Points per curve: crisp as SVG, far below Plotly's 1,000-point switch to WebGL."""
GRID_STEPS = 2000
"""Steps of the logit slider over its range: 0.01 over ±10, 0.1 over ±100."""


def logit_grid(bound: float, steps: int = GRID_STEPS) -> np.ndarray:
    """The logits a slider can take, −bound … bound in ``steps`` equal steps, each the double nearest its decimal
    (k / 100 rather than −10 + k·0.01, so a link's ``z=2`` is the grid's 2.0 exactly)."""
    per_unit = steps / (2 * bound)
    return np.arange(-steps // 2, steps // 2 + 1) / per_unit


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


def binary_lesson(s: BinaryScenario) -> BinaryLesson:
    """Everything the BCE page shows for a scenario (logits and targets of the same shape); the same scenario
    feeds the agreement table and the snippet."""
    z = np.asarray(s.logits, dtype=np.float64)
    y = np.asarray(s.targets, dtype=np.float64)
    weight, pos_weight, reduction = s.weight, s.pos_weight, s.reduction
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
