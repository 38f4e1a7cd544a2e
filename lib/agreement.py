"""The agreement engine: one scenario, every implementation that should agree, and why some don't.

For a binary scenario (logits z, targets y, weight, pos_weight, reduction, dtype) and a multi-class
one (logits, class indices or probabilities, class weights, ignore_index, label smoothing, ...),
it computes the hand-written float64 reference (:mod:`lib.handwritten`) and each torch call that a
person might use for the same loss, and returns a table: each value, its difference from the
reference, whether it agrees within the dtype's tolerance and, when it does not, the reason in one
sentence computed from the scenario itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lib import decomposition
from lib import handwritten as hw
from lib.torch_losses import SIGNIFICAND_BITS, evaluate, rounded, sigmoid_saturation_logit, tensor, to_numpy

TOLERANCES = {"float64": 1e-9, "float32": 1e-4, "float16": 1e-2, "bfloat16": 4e-2}
"""An implementation agrees when |value − reference| ≤ tolerance·max(1, |reference|), element-wise."""

REFERENCE = "reference"


@dataclass(frozen=True)
class Row:
    """One implementation's result, compared with the float64 reference."""

    implementation: str
    dtype: str
    value: np.ndarray
    grad: np.ndarray | None
    difference: float
    agrees: bool
    reason: str
    """Why it disagrees (empty when it agrees); REFERENCE for the reference row itself."""


@dataclass(frozen=True)
class AgreementTable:
    """Every implementation of one scenario against the hand-written float64 reference."""

    reference: np.ndarray
    reference_grad: np.ndarray
    tolerance: float
    rows: list[Row]

    @property
    def disagreeing(self) -> list[Row]:
        return [row for row in self.rows if not row.agrees]

    @property
    def tolerance_rule(self) -> str:
        return f"|value − reference| ≤ {self.tolerance:g}·max(1, |reference|)"


@dataclass(frozen=True)
class BinaryScenario:
    """Logits and targets (same shape, 0-d or 1-D), scalar weight and pos_weight, and the call's options."""

    logits: np.ndarray
    targets: np.ndarray
    weight: float = 1.0
    pos_weight: float = 1.0
    reduction: str = "mean"
    dtype: str = "float32"


@dataclass(frozen=True)
class MulticlassScenario:
    """Logits (N, C) with class indices (N,) or probabilities (N, C), and the call's options."""

    logits: np.ndarray
    target: np.ndarray
    weight: np.ndarray | None = None
    ignore_index: int = -100
    label_smoothing: float = 0.0
    reduction: str = "mean"
    dtype: str = "float32"
    target_is_index: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "target_is_index", np.shape(self.target) != np.shape(self.logits))


@dataclass(frozen=True)
class _Candidate:
    implementation: str
    run: Callable[[], tuple[np.ndarray, np.ndarray | None]]
    explain: Callable[[np.ndarray], str]
    dtype: str | None = None
    """The dtype it computes in, when not the scenario's (the hand-written forms are always float64)."""


def binary_agreement(s: BinaryScenario) -> AgreementTable:
    """Hand-written naive and stable BCE, torch's BCE on σ(z), BCE with logits and CE on [0, z]."""
    z = np.asarray(s.logits, dtype=np.float64)
    y = np.asarray(s.targets, dtype=np.float64)
    reference = hw.binary_cross_entropy_with_logits(z, y, s.weight, s.reduction, s.pos_weight)
    reference_grad = decomposition.bce_with_logits_grad(z, y, s.weight, s.reduction, s.pos_weight)
    t = tensor(y, s.dtype)
    w = tensor(s.weight, s.dtype)
    pw = tensor(s.pos_weight, s.dtype)
    two_class_weight = tensor([s.weight, s.weight * s.pos_weight], s.dtype)

    def on_torch(call: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
        return lambda: evaluate(call, z, s.dtype)

    def two_class_logits(logits: torch.Tensor) -> torch.Tensor:
        column = logits.reshape(-1, 1)
        return torch.cat([torch.zeros_like(column), column], dim=1)

    def as_input_shape(per_row: torch.Tensor) -> torch.Tensor:
        return per_row.reshape(z.shape) if s.reduction == "none" else per_row

    naive = _Candidate(
        "hand-written, naive: −w·[pw·y·log σ(z) + (1 − y)·log(1 − σ(z))]  (NumPy float64)",
        lambda: (_naive_bce(z, y, s), None),
        lambda value: _explain_naive(z, y, value),
        dtype="float64",
    )
    explain_bce_loss = _binary_probability_explainer(z, y, s)
    explain_rounding = _rounding_explainer(z, s.dtype, reference)
    candidates = [
        naive,
        _Candidate(
            "F.binary_cross_entropy(torch.sigmoid(z), y)",
            on_torch(lambda x: F.binary_cross_entropy(torch.sigmoid(x), t, weight=w, reduction=s.reduction)),
            explain_bce_loss,
        ),
        _Candidate(
            "nn.BCELoss()(torch.sigmoid(z), y)",
            on_torch(lambda x: nn.BCELoss(weight=w, reduction=s.reduction)(torch.sigmoid(x), t)),
            explain_bce_loss,
        ),
        _Candidate(
            "F.binary_cross_entropy_with_logits(z, y)",
            on_torch(
                lambda x: F.binary_cross_entropy_with_logits(x, t, weight=w, reduction=s.reduction, pos_weight=pw)
            ),
            explain_rounding,
        ),
        _Candidate(
            "nn.BCEWithLogitsLoss()(z, y)",
            on_torch(lambda x: nn.BCEWithLogitsLoss(weight=w, reduction=s.reduction, pos_weight=pw)(x, t)),
            explain_rounding,
        ),
        _Candidate(
            "F.cross_entropy([0, z], [1 − y, y], weight=[w, w·pw])",
            on_torch(
                lambda x: as_input_shape(
                    F.cross_entropy(
                        two_class_logits(x),
                        torch.stack([1 - t.reshape(-1), t.reshape(-1)], dim=1),
                        weight=two_class_weight,
                        reduction=s.reduction,
                    )
                )
            ),
            explain_rounding,
        ),
    ]
    reference_row = Row(
        "hand-written, stable: w·[(1 − y)·z − (1 + (pw − 1)·y)·log σ(z)]  (NumPy float64)",
        "float64",
        reference,
        reference_grad,
        0.0,
        True,
        REFERENCE,
    )
    return _table(reference, reference_grad, s.dtype, reference_row, candidates)


def multiclass_agreement(s: MulticlassScenario) -> AgreementTable:
    """Hand-written CE against F.cross_entropy, nn.CrossEntropyLoss, NLL on log_softmax and, for C = 2, BCE."""
    z = np.asarray(s.logits, dtype=np.float64)
    options = {"weight": s.weight, "label_smoothing": s.label_smoothing, "reduction": s.reduction}
    if s.target_is_index:
        target = np.asarray(s.target, dtype=np.int64)
        options["ignore_index"] = s.ignore_index
    else:
        target = np.asarray(s.target, dtype=np.float64)
    reference = hw.cross_entropy(z, target, **options)
    reference_grad = decomposition.cross_entropy_grad(z, target, **options)
    n_classes = z.shape[1]
    w = None if s.weight is None else tensor(s.weight, s.dtype)
    torch_options = {**options, "weight": w}
    probabilities = _probability_target(s, target)
    t = torch.as_tensor(target) if s.target_is_index else tensor(target, s.dtype)

    def on_torch(call: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
        return lambda: evaluate(call, z, s.dtype)

    explain_rounding = _rounding_explainer(z, s.dtype, reference)
    explain_denominator = _denominator_explainer(s, target, reference, explain_rounding)
    explain_one_hot = _denominator_explainer(s, target, reference, _smoothed_zero_rows_explainer(s, explain_rounding))
    candidates = [
        _Candidate(
            f"F.cross_entropy(z, {'class indices' if s.target_is_index else 'probabilities'})",
            on_torch(lambda x: F.cross_entropy(x, t, **torch_options)),
            explain_rounding,
        ),
        _Candidate(
            "nn.CrossEntropyLoss()(z, target)",
            on_torch(lambda x: nn.CrossEntropyLoss(**torch_options)(x, t)),
            explain_rounding,
        ),
    ]
    if s.target_is_index:
        candidates += [
            _Candidate(
                "F.nll_loss(F.log_softmax(z, dim=1), y)",
                on_torch(
                    lambda x: F.nll_loss(
                        F.log_softmax(x, dim=1), t, weight=w, ignore_index=s.ignore_index, reduction=s.reduction
                    )
                ),
                _smoothing_explainer("NLLLoss has no label_smoothing", s, explain_rounding),
            ),
            _Candidate(
                "F.cross_entropy(z, one-hot probabilities)",
                on_torch(
                    lambda x: F.cross_entropy(
                        x,
                        tensor(probabilities, s.dtype),
                        weight=w,
                        reduction=s.reduction,
                        label_smoothing=s.label_smoothing,
                    )
                ),
                explain_one_hot,
            ),
        ]
    else:
        candidates.append(
            _Candidate(
                "−(t · F.log_softmax(z, dim=1)).sum(dim=1), reduced by hand",
                on_torch(lambda x: _reduce_by_hand(-(t * F.log_softmax(x, dim=1)).sum(dim=1), s.reduction)),
                _manual_soft_explainer(s, explain_rounding),
            )
        )
    if n_classes == 2:
        candidates.append(_two_class_bridge(s, z, probabilities, explain_denominator))
    reference_row = Row(
        "hand-written cross_entropy (NumPy float64)", "float64", reference, reference_grad, 0.0, True, REFERENCE
    )
    return _table(reference, reference_grad, s.dtype, reference_row, candidates)


def difference(value: np.ndarray, reference: np.ndarray) -> float:
    """max |value − reference| over the elements, counting nan-or-inf against a finite number as inf."""
    v, r = np.broadcast_arrays(np.asarray(value, dtype=np.float64), np.asarray(reference, dtype=np.float64))
    same = (v == r) | (np.isnan(v) & np.isnan(r))
    with np.errstate(invalid="ignore"):
        gap = np.abs(v - r)
    gap = np.where(same, 0.0, np.where(np.isnan(gap), np.inf, gap))
    return float(gap.max()) if gap.size else 0.0


def agrees(value: np.ndarray, reference: np.ndarray, tolerance: float) -> bool:
    """Every element within tolerance·max(1, |reference|); nan matches only nan, inf only the same inf."""
    v, r = np.broadcast_arrays(np.asarray(value, dtype=np.float64), np.asarray(reference, dtype=np.float64))
    same = (v == r) | (np.isnan(v) & np.isnan(r))
    with np.errstate(invalid="ignore"):
        close = np.abs(v - r) <= tolerance * np.maximum(1.0, np.abs(r))
    return bool(np.all(same | close))


def _table(
    reference: np.ndarray, reference_grad: np.ndarray, dtype: str, reference_row: Row, candidates: list[_Candidate]
) -> AgreementTable:
    tolerance = TOLERANCES[dtype]
    rows = [reference_row]
    for candidate in candidates:
        value, grad = candidate.run()
        agreeing = agrees(value, reference, tolerance)
        rows.append(
            Row(
                candidate.implementation,
                candidate.dtype or dtype,
                value,
                grad,
                difference(value, reference),
                agreeing,
                "" if agreeing else candidate.explain(value),
            )
        )
    return AgreementTable(reference, reference_grad, tolerance, rows)


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


def _rounding_explainer(z: np.ndarray, dtype: str, reference: np.ndarray) -> Callable[[np.ndarray], str]:
    def explain(value: np.ndarray) -> str:
        if dtype == "float64":
            return "Both sides compute the same formula in float64; a gap this size means the formulas differ."
        flat = np.atleast_1d(z)
        stored = np.atleast_1d(rounded(flat, dtype))
        moved = np.flatnonzero(stored != flat)
        example = f" (z = {flat[moved[0]]:g} is stored as {stored[moved[0]]:g})" if moved.size else ""
        return (
            f"{dtype} keeps {SIGNIFICAND_BITS[dtype]} significant bits: the inputs are rounded{example} and so is "
            f"every step and the result, which moves it by {difference(value, reference):.3g}. Same formula, "
            "less precision: upcast with .float() or .double() before the loss."
        )

    return explain


def _smoothing_explainer(what: str, s: MulticlassScenario, otherwise: Callable[[np.ndarray], str]):
    def explain(value: np.ndarray) -> str:
        if s.label_smoothing > 0:
            return (
                f"{what}: it scores the raw target while CrossEntropyLoss(label_smoothing={s.label_smoothing:g}) "
                f"scores (1 − ε)·one-hot + ε/C = {1 - s.label_smoothing:.3g}·one-hot "
                f"+ {s.label_smoothing / s.logits.shape[1]:.3g}."
            )
        return otherwise(value)

    return explain


def _manual_soft_explainer(s: MulticlassScenario, otherwise: Callable[[np.ndarray], str]):
    def explain(value: np.ndarray) -> str:
        if s.weight is not None and not np.allclose(s.weight, 1.0):
            return (
                "The hand-reduced formula has no class weights: CrossEntropyLoss multiplies each −t_c·log q_c by w_c."
            )
        return _smoothing_explainer("The hand-reduced formula does no label smoothing", s, otherwise)(value)

    return explain


def _denominator_explainer(
    s: MulticlassScenario, target: np.ndarray, reference: np.ndarray, otherwise: Callable[[np.ndarray], str]
) -> Callable[[np.ndarray], str]:
    positions = int(np.prod(np.shape(target)[:1]))
    kept = target != s.ignore_index if s.target_is_index else np.ones(positions, dtype=bool)
    index_denominator = (
        float(hw.pick_targets(s.logits, target, s.weight, s.ignore_index, 1)[1].sum())
        if s.target_is_index
        else positions
    )

    def explain(value: np.ndarray) -> str:
        if s.reduction == "mean" and s.target_is_index and index_denominator == 0:
            return (
                "With class indices, 'mean' divides by Σ w[y_n] over the positions not ignored, which is 0 here, "
                f"so the reference is 0/0 = nan; this call divides by the N = {positions} positions instead."
            )
        if s.reduction == "mean" and s.target_is_index and index_denominator != positions:
            parts = []
            if s.weight is not None:
                parts.append("the class weights of the targets")
            if not kept.all():
                parts.append(f"{int((~kept).sum())} ignored position(s) left out")
            rescaled = float(value) * positions / index_denominator
            reason = (
                f"With class indices, 'mean' divides by Σ w[y_n] = {index_denominator:g} ({' and '.join(parts)}); "
                f"with probability targets (and in BCE) it divides by the N = {positions} positions, ignored ones "
                f"included: {float(value):.4f} × {positions}/{index_denominator:g} = {rescaled:.4f}."
            )
            if agrees(rescaled, reference, TOLERANCES[s.dtype]):
                return reason
            return reason + " The rest of the gap: " + otherwise(np.asarray(rescaled))
        return otherwise(value)

    return explain


def _smoothed_zero_rows_explainer(s: MulticlassScenario, otherwise: Callable[[np.ndarray], str]):
    """One-hot rows of ignored positions are all zero, but label smoothing still adds ε/C to each class."""

    def explain(value: np.ndarray) -> str:
        if s.label_smoothing > 0 and np.any(np.asarray(s.target) == s.ignore_index):
            return (
                "An ignored position becomes an all-zero probability row, but label smoothing still turns it into "
                f"ε/C = {s.label_smoothing / s.logits.shape[1]:.3g} per class, so it adds to the loss; "
                "with class indices it contributes nothing."
            )
        return otherwise(value)

    return explain


def _probability_target(s: MulticlassScenario, target: np.ndarray) -> np.ndarray:
    """The target as class probabilities: one-hot for indices (an all-zero row where ignored)."""
    if not s.target_is_index:
        return target
    kept = target != s.ignore_index
    return np.eye(s.logits.shape[1])[np.where(kept, target, 0)] * kept[:, None]


def _two_class_bridge(
    s: MulticlassScenario, z: np.ndarray, probabilities: np.ndarray, explain: Callable[[np.ndarray], str]
) -> _Candidate:
    """BCE with logits on z1 − z0 with target t1 (smoothed as CE would): softmax([z0, z1])[1] = σ(z1 − z0)."""
    t1 = probabilities[:, 1] * (1 - max(s.label_smoothing, 0.0)) + max(s.label_smoothing, 0.0) / 2
    w0, w1 = (1.0, 1.0) if s.weight is None else (float(s.weight[0]), float(s.weight[1]))
    kept = probabilities.sum(axis=1) > 0 if s.target_is_index else np.ones(len(t1), dtype=bool)
    element_weight = tensor(w0 * kept, s.dtype)
    pos_weight = tensor(w1 / w0, s.dtype)
    target = tensor(t1, s.dtype)
    return _Candidate(
        "F.binary_cross_entropy_with_logits(z[:, 1] − z[:, 0], t1, weight=w0, pos_weight=w1/w0)",
        lambda: evaluate(
            lambda x: F.binary_cross_entropy_with_logits(
                x[:, 1] - x[:, 0], target, weight=element_weight, pos_weight=pos_weight, reduction=s.reduction
            ),
            z,
            s.dtype,
        ),
        explain,
    )


def _reduce_by_hand(per_position: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "none":
        return per_position
    return per_position.sum() if reduction == "sum" else per_position.mean()
