"""Agreement for one binary scenario: hand-written naive and stable BCE, torch's BCE on σ(z), BCE with logits,
and cross-entropy on the two logits [0, z], each with the reason it disagrees when it does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lib.agreement.table import REFERENCE, AgreementTable, Candidate, Row, build_table, rounding_explainer
from lib.losses import decomposition
from lib.losses import handwritten as hw
from lib.losses.torch_losses import evaluate, sigmoid_saturation_logit, tensor, to_numpy


@dataclass(frozen=True)
class BinaryScenario:
    """Logits and targets (same shape, 0-d or 1-D), scalar weight and pos_weight, and the call's options."""

    logits: np.ndarray
    targets: np.ndarray
    weight: float = 1.0
    pos_weight: float = 1.0
    reduction: str = "mean"
    dtype: str = "float32"


REFERENCE_IMPLEMENTATION = "hand-written, stable: w·[(1 − y)·z − (1 + (pw − 1)·y)·log σ(z)]  (NumPy float64)"


def binary_agreement(s: BinaryScenario) -> AgreementTable:
    """Hand-written naive and stable BCE, torch's BCE on σ(z), BCE with logits and CE on [0, z]."""
    z = np.asarray(s.logits, dtype=np.float64)
    y = np.asarray(s.targets, dtype=np.float64)
    reference = hw.binary_cross_entropy_with_logits(z, y, s.weight, s.reduction, s.pos_weight)
    reference_grad = decomposition.bce_with_logits_grad(z, y, s.weight, s.reduction, s.pos_weight)
    reference_row = Row(REFERENCE_IMPLEMENTATION, "float64", reference, reference_grad, 0.0, True, REFERENCE, REFERENCE)
    return build_table(reference, reference_grad, s.dtype, reference_row, binary_candidates(s, reference))


def binary_candidates(s: BinaryScenario, reference: np.ndarray) -> list[Candidate]:
    """Every implementation the table compares with the reference, each with its id and its reason-giver."""
    z = np.asarray(s.logits, dtype=np.float64)
    y = np.asarray(s.targets, dtype=np.float64)

    @cache
    def torch_inputs() -> tuple[torch.Tensor, ...]:
        """y, w, pw and the two-class weight [w, w·pw] in the dtype, made when a call first runs (a grid builds
        the candidates of many one-position scenarios only for their reason-givers)."""
        weights = (s.weight, s.pos_weight, [s.weight, s.weight * s.pos_weight])
        return tensor(y, s.dtype), *(tensor(value, s.dtype) for value in weights)

    def on_torch(call: Callable[..., torch.Tensor]) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
        return lambda: evaluate(lambda x: call(x, *torch_inputs()), z, s.dtype)

    def two_class_logits(logits: torch.Tensor) -> torch.Tensor:
        column = logits.reshape(-1, 1)
        return torch.cat([torch.zeros_like(column), column], dim=1)

    def as_input_shape(per_row: torch.Tensor) -> torch.Tensor:
        return per_row.reshape(z.shape) if s.reduction == "none" else per_row

    naive = Candidate(
        "hand-written, naive: −w·[pw·y·log σ(z) + (1 − y)·log(1 − σ(z))]  (NumPy float64)",
        lambda: (_naive_bce(z, y, s), None),
        lambda value: _explain_naive(z, y, value),
        dtype="float64",
        id="naive",
    )
    explain_bce_loss = _binary_probability_explainer(z, y, s)
    explain_rounding = rounding_explainer(z, s.dtype, reference)
    candidates = [
        naive,
        Candidate(
            "F.binary_cross_entropy(torch.sigmoid(z), y)",
            on_torch(
                lambda x, t, w, pw, cw: F.binary_cross_entropy(torch.sigmoid(x), t, weight=w, reduction=s.reduction)
            ),
            explain_bce_loss,
            id="bce_sigmoid",
        ),
        Candidate(
            "nn.BCELoss()(torch.sigmoid(z), y)",
            on_torch(lambda x, t, w, pw, cw: nn.BCELoss(weight=w, reduction=s.reduction)(torch.sigmoid(x), t)),
            explain_bce_loss,
            id="bceloss",
        ),
        Candidate(
            "F.binary_cross_entropy_with_logits(z, y)",
            on_torch(
                lambda x, t, w, pw, cw: F.binary_cross_entropy_with_logits(
                    x, t, weight=w, reduction=s.reduction, pos_weight=pw
                )
            ),
            explain_rounding,
            id="bce_logits",
        ),
        Candidate(
            "nn.BCEWithLogitsLoss()(z, y)",
            on_torch(
                lambda x, t, w, pw, cw: nn.BCEWithLogitsLoss(weight=w, reduction=s.reduction, pos_weight=pw)(x, t)
            ),
            explain_rounding,
            id="bcewithlogitsloss",
        ),
        Candidate(
            "F.cross_entropy([0, z], [1 − y, y], weight=[w, w·pw])",
            on_torch(
                lambda x, t, w, pw, cw: as_input_shape(
                    F.cross_entropy(
                        two_class_logits(x),
                        torch.stack([1 - t.reshape(-1), t.reshape(-1)], dim=1),
                        weight=cw,
                        reduction=s.reduction,
                    )
                )
            ),
            explain_rounding,
            id="ce_two_class",
        ),
    ]
    return candidates


def _naive_bce(z: np.ndarray, y: np.ndarray, s: BinaryScenario) -> np.ndarray:
    positive, negative = decomposition.bce_terms_naive(z, y)
    with np.errstate(invalid="ignore"):
        loss = -s.weight * (s.pos_weight * positive + negative)
    return hw.reduce_loss(np.asarray(loss), s.reduction)


def _explain_naive(z: np.ndarray, y: np.ndarray, value: np.ndarray) -> str:
    p = hw.sigmoid(z)
    if np.all(np.isfinite(value)):
        return (
            "Forming σ(z) first costs digits: when σ(z) is close to 1, 1 − σ(z) cancels, "
            "and the log of it inherits the rounding error. The stable form never forms σ(z)."
        )
    nan_terms = ((p == 1.0) & (y == 1.0)) | ((p == 0.0) & (y == 0.0))
    tail = " A zero coefficient times −inf is nan, so the sum is nan." if nan_terms.any() else ""
    return (
        f"In float64 σ(z) rounds to exactly 1.0 once z ≥ {sigmoid_saturation_logit('float64'):.2f} "
        "(and to 0 far below), so log(1 − σ(z)) or log σ(z) is log 0 = −inf." + tail + " The stable form uses "
        "log σ(z) = −softplus(−z) and never forms σ(z)."
    )


def _binary_probability_explainer(z: np.ndarray, y: np.ndarray, s: BinaryScenario) -> Callable[[np.ndarray], str]:
    def explain(value: np.ndarray) -> str:
        if s.pos_weight != 1.0:
            return (
                f"BCELoss has no pos_weight: it weighs the positive term y·log p by 1, not by {s.pos_weight:g}. "
                "Use BCEWithLogitsLoss(pos_weight=…), or pass weight = 1 + (pw − 1)·y for hard targets."
            )
        p = to_numpy(torch.sigmoid(tensor(z, s.dtype)))
        clamped = ((p == 1.0) & (y != 1.0)) | ((p == 0.0) & (y != 0.0))
        if clamped.any():
            where = np.flatnonzero(np.atleast_1d(clamped))[0]
            zi, yi = float(np.atleast_1d(z)[where]), float(np.atleast_1d(y)[where])
            side = "1 − p" if np.atleast_1d(p)[where] == 1.0 else "p"
            if side == "1 − p":
                coefficient, symbol, exact_term = 1 - yi, "(1 − y)", float(-(1 - yi) * hw.logsigmoid(-zi))
            else:
                coefficient, symbol, exact_term = yi, "y", float(-yi * hw.logsigmoid(zi))
            return (
                f"In {s.dtype}, σ(z) rounds to exactly {np.atleast_1d(p)[where]:g} (σ(z) = 1.0 from z ≈ "
                f"{sigmoid_saturation_logit(s.dtype):.2f}), so log({side}) = −inf and BCELoss clamps the log at "
                f"−100: at z = {zi:g}, y = {yi:g} that term costs 100·{symbol} = {100 * coefficient:g} "
                f"instead of {exact_term:.4f}. BCEWithLogitsLoss works from z and stays exact."
            )
        return (
            f"BCELoss starts from p = σ(z) rounded to {s.dtype}; when p is close to 1 (or 0), log(1 − p) "
            "(or log p) keeps only a few correct digits. BCEWithLogitsLoss never forms p."
        )

    return explain
