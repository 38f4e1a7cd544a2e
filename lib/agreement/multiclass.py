"""Agreement for one multi-class scenario: hand-written cross-entropy against F.cross_entropy,
nn.CrossEntropyLoss, NLL on log_softmax, one-hot probabilities and, for two classes, the bridge to BCE.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lib.agreement.table import (
    REFERENCE,
    TOLERANCES,
    AgreementTable,
    Candidate,
    Cells,
    Reasons,
    Row,
    agrees_elementwise,
    always,
    build_table,
    one_cell,
    rounding_reasons,
)
from lib.losses import decomposition
from lib.losses import handwritten as hw
from lib.losses.torch_losses import evaluate, tensor

CE_MODULE = "ce_module"
"""The id of the ``nn.CrossEntropyLoss`` row, whose autograd gradient the Softmax page shows."""
REFERENCE_IMPLEMENTATION = "hand-written cross_entropy (NumPy float64)"


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

    def reference_options(self) -> dict:
        """The keyword arguments of the hand-written cross_entropy (ignore_index only for class indices)."""
        options = {"weight": self.weight, "label_smoothing": self.label_smoothing, "reduction": self.reduction}
        return options | ({"ignore_index": self.ignore_index} if self.target_is_index else {})

    def typed_target(self) -> np.ndarray:
        """The target as int64 class indices or float64 probabilities."""
        return np.asarray(self.target, dtype=np.int64 if self.target_is_index else np.float64)


def multiclass_agreement(s: MulticlassScenario) -> AgreementTable:
    """Hand-written CE against F.cross_entropy, nn.CrossEntropyLoss, NLL on log_softmax and, for C = 2, BCE."""
    z, target = np.asarray(s.logits, dtype=np.float64), s.typed_target()
    reference = hw.cross_entropy(z, target, **s.reference_options())
    reference_grad = decomposition.cross_entropy_grad(z, target, **s.reference_options())
    reference_row = Row(REFERENCE_IMPLEMENTATION, "float64", reference, reference_grad, 0.0, True, REFERENCE, REFERENCE)
    return build_table(reference, reference_grad, s.dtype, reference_row, multiclass_candidates(s, reference))


def multiclass_candidates(s: MulticlassScenario, reference: np.ndarray, each_sample: bool = False) -> list[Candidate]:
    """Every implementation the table compares with the reference, each with its id and its reason-giver.

    With ``each_sample`` every sample (row of z) is its own batch of one: each call still runs once over the whole
    batch, and its value n equals, to the last bit, what torch gives for the scenario holding sample n alone. The
    reason-givers always describe the scenario's batch; a grid explains its positions with :func:`multiclass_reasons`
    of one position's scenario.
    """
    z = np.asarray(s.logits, dtype=np.float64)
    target = s.typed_target()
    reduction = "none" if each_sample else s.reduction

    @cache
    def torch_inputs() -> tuple[torch.Tensor, torch.Tensor | None]:
        """The target and the class weights as tensors, made when a call first runs (a grid builds the candidates
        of many one-position scenarios only for their reason-givers)."""
        t = torch.as_tensor(target) if s.target_is_index else tensor(target, s.dtype)
        return t, None if s.weight is None else tensor(s.weight, s.dtype)

    def on_torch(call: Callable[..., torch.Tensor]) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
        return lambda: evaluate(lambda x: call(x, *torch_inputs()), z, s.dtype)

    def by_index(call: Callable[..., torch.Tensor]) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
        """A class-index loss, called with ``reduction``; each sample's 'mean' divides its 'none' value by its
        share of the denominator, as torch's nll_loss does for a batch of one."""
        if each_sample and s.reduction == "mean":
            return on_torch(lambda x, t, w: call(x, t, w) / _index_shares(t, w, s.ignore_index, x.dtype))
        return on_torch(call)

    def cross_entropy(call: Callable[..., torch.Tensor]) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
        if not s.target_is_index:
            return on_torch(call)
        if each_sample and s.reduction == "mean" and s.label_smoothing > 0:
            return on_torch(lambda x, t, w: _smoothed_mean_of_each_sample(x, t, w, s))
        return by_index(call)

    reasons = multiclass_reasons(s)

    def candidate(implementation: str, run: Callable[[], tuple[np.ndarray, np.ndarray]], id: str) -> Candidate:
        explain = one_cell(reasons[id], z, reference, s.dtype)
        return Candidate(implementation, run, explain, id=id, reasons=reasons[id])

    options = {"label_smoothing": s.label_smoothing, "reduction": reduction}
    options |= {"ignore_index": s.ignore_index} if s.target_is_index else {}
    candidates = [
        candidate(
            f"F.cross_entropy(z, {'class indices' if s.target_is_index else 'probabilities'})",
            cross_entropy(lambda x, t, w: F.cross_entropy(x, t, weight=w, **options)),
            "ce",
        ),
        candidate(
            "nn.CrossEntropyLoss()(z, target)",
            cross_entropy(lambda x, t, w: nn.CrossEntropyLoss(weight=w, **options)(x, t)),
            CE_MODULE,
        ),
    ]
    if s.target_is_index:
        candidates += [
            candidate(
                "F.nll_loss(F.log_softmax(z, dim=1), y)",
                by_index(
                    lambda x, t, w: F.nll_loss(
                        F.log_softmax(x, dim=1), t, weight=w, ignore_index=s.ignore_index, reduction=reduction
                    )
                ),
                "nll_log_softmax",
            ),
            candidate(
                "F.cross_entropy(z, one-hot probabilities)",
                on_torch(
                    lambda x, t, w: F.cross_entropy(
                        x,
                        tensor(_probability_target(s, target), s.dtype),
                        weight=w,
                        reduction=reduction,
                        label_smoothing=s.label_smoothing,
                    )
                ),
                "ce_one_hot",
            ),
        ]
    else:
        candidates.append(
            candidate(
                "−(t · F.log_softmax(z, dim=1)).sum(dim=1), reduced by hand",
                on_torch(lambda x, t, w: _reduce_by_hand(-(t * F.log_softmax(x, dim=1)).sum(dim=1), reduction)),
                "ce_soft_by_hand",
            )
        )
    if z.shape[1] == 2:
        candidates.append(
            candidate(
                "F.binary_cross_entropy_with_logits(z[:, 1] − z[:, 0], t1, weight=w0, pos_weight=w1/w0)",
                lambda: evaluate(_two_class_bridge(s, target, reduction), z, s.dtype),
                "bce_two_class",
            )
        )
    return candidates


def multiclass_reasons(s: MulticlassScenario) -> dict[str, Reasons]:
    """Why each row disagrees, by row id, for cells that are batches of this scenario's shape, target and options
    (only their logits and values differ). What depends on the scenario alone is worked out once."""
    target = s.typed_target()
    one_hot = _denominator_reasons(s, target, _smoothed_zero_rows_reasons(s, rounding_reasons))
    return {
        "ce": rounding_reasons,
        CE_MODULE: rounding_reasons,
        "nll_log_softmax": _smoothing_reasons("NLLLoss has no label_smoothing", s, rounding_reasons),
        "ce_one_hot": one_hot,
        "ce_soft_by_hand": _manual_soft_reasons(s, rounding_reasons),
        "bce_two_class": _denominator_reasons(s, target, rounding_reasons),
    }


def _index_shares(t: torch.Tensor, w: torch.Tensor | None, ignore_index: int, dtype: torch.dtype) -> torch.Tensor:
    """Each sample's share of the 'mean' denominator in the dtype: w[y] (1 without weights), 0 where ignored."""
    kept = t != ignore_index
    if w is None:
        return kept.to(dtype)
    return torch.where(kept, w[torch.where(kept, t, 0)], 0)


def _smoothed_mean_of_each_sample(
    x: torch.Tensor, t: torch.Tensor, w: torch.Tensor | None, s: MulticlassScenario
) -> torch.Tensor:
    """cross_entropy(..., label_smoothing=ε, reduction='mean') of each sample alone, for class indices.

    torch reduces the NLL term and the smoothing term Σ_c w_c·(−log q_c) before it adds them,
    (1 − ε)·NLL_mean + (ε/C)·smooth_mean (LossNLL.cpp, cross_entropy_loss_label_smoothing), so dividing its 'none'
    output by w_y would round differently; these are its own operations, with each sample's mean taken alone.
    """
    shares = _index_shares(t, w, s.ignore_index, x.dtype)
    log_q = F.log_softmax(x, dim=1)
    nll = F.nll_loss(log_q, t, weight=w, ignore_index=s.ignore_index, reduction="none") / shares
    smooth = -(log_q if w is None else log_q * w).sum(dim=1).masked_fill(t == s.ignore_index, 0.0)
    return (1 - s.label_smoothing) * nll + smooth / shares * (s.label_smoothing / x.shape[1])


def _smoothing_reasons(what: str, s: MulticlassScenario, otherwise: Reasons) -> Reasons:
    if s.label_smoothing <= 0:
        return otherwise

    def sentence() -> str:
        eps, classes = s.label_smoothing, s.logits.shape[1]
        raw = "one-hot" if s.target_is_index else "t"
        smoothed = (1 - eps) * _probability_target(s, np.asarray(s.target))[0] + eps / classes
        where = " for the first sample" if len(s.logits) > 1 else ""
        return (
            f"{what}: it scores the raw target while CrossEntropyLoss(label_smoothing={eps:g}) scores "
            f"(1 − ε)·{raw} + ε/C = {1 - eps:.3g}·{raw} + {eps / classes:.3g}, "
            f"here t̃ = ({', '.join(f'{v:.4g}' for v in smoothed)}){where}."
        )

    return always(sentence)


def _manual_soft_reasons(s: MulticlassScenario, otherwise: Reasons) -> Reasons:
    if s.weight is not None and not np.allclose(s.weight, 1.0):
        return always(
            lambda: (
                "The hand-reduced formula has no class weights: CrossEntropyLoss multiplies each −t_c·log q_c by w_c."
            )
        )
    return _smoothing_reasons("The hand-reduced formula does no label smoothing", s, otherwise)


def _denominator_reasons(s: MulticlassScenario, target: np.ndarray, otherwise: Reasons) -> Reasons:
    """With class indices 'mean' divides by Σ w[y_n]; probability targets and BCE divide by N."""
    if s.reduction != "mean" or not s.target_is_index:
        return otherwise
    positions = len(target)
    kept = target != s.ignore_index
    index_denominator = float(hw.pick_targets(s.logits, target, s.weight, s.ignore_index, 1)[1].sum())
    if index_denominator == 0:
        return always(
            lambda: (
                "With class indices, 'mean' divides by Σ w[y_n] over the positions not ignored, which is 0 here, "
                f"so the reference is 0/0 = nan; this call divides by the N = {positions} positions instead."
            )
        )
    if index_denominator == positions:
        return otherwise
    parts = []
    if s.weight is not None:
        parts.append("the class weights of the targets")
    if not kept.all():
        parts.append(f"{int((~kept).sum())} ignored position(s) left out")

    def reasons(cells: Cells) -> list[str]:
        rescaled = cells.values * positions / index_denominator
        rest = ~agrees_elementwise(rescaled, cells.reference, TOLERANCES[cells.dtype]).all(axis=1)
        sentences = [
            f"With class indices, 'mean' divides by Σ w[y_n] = {index_denominator:g} ({' and '.join(parts)}); "
            f"with probability targets (and in BCE) it divides by the N = {positions} positions, ignored ones "
            f"included: {value:.4f} × {positions}/{index_denominator:g} = {value_rescaled:.4f}."
            for value, value_rescaled in zip(cells.values[:, 0], rescaled[:, 0], strict=True)
        ]
        gaps = iter(otherwise(cells.subset(rest, rescaled)))
        return [
            sentence + " The rest of the gap: " + next(gaps) if far else sentence
            for sentence, far in zip(sentences, rest, strict=True)
        ]

    return reasons


def _smoothed_zero_rows_reasons(s: MulticlassScenario, otherwise: Reasons) -> Reasons:
    """One-hot rows of ignored positions are all zero, but label smoothing still adds ε/C to each class."""
    if s.label_smoothing > 0 and np.any(np.asarray(s.target) == s.ignore_index):
        return always(
            lambda: (
                "An ignored position becomes an all-zero probability row, but label smoothing still turns it "
                f"into ε/C = {s.label_smoothing / s.logits.shape[1]:.3g} per class, so it adds to the loss; "
                "with class indices it contributes nothing."
            )
        )
    return otherwise


def _probability_target(s: MulticlassScenario, target: np.ndarray) -> np.ndarray:
    """The target as class probabilities: one-hot for indices (an all-zero row where ignored)."""
    if not s.target_is_index:
        return target
    kept = target != s.ignore_index
    return np.eye(s.logits.shape[1])[np.where(kept, target, 0)] * kept[:, None]


def _two_class_bridge(
    s: MulticlassScenario, target: np.ndarray, reduction: str
) -> Callable[[torch.Tensor], torch.Tensor]:
    """BCE with logits on z1 − z0 with target t1 (smoothed as CE would): softmax([z0, z1])[1] = σ(z1 − z0)."""

    def bce(x: torch.Tensor) -> torch.Tensor:
        probabilities = _probability_target(s, target)
        t1 = probabilities[:, 1] * (1 - max(s.label_smoothing, 0.0)) + max(s.label_smoothing, 0.0) / 2
        w0, w1 = (1.0, 1.0) if s.weight is None else (float(s.weight[0]), float(s.weight[1]))
        kept = probabilities.sum(axis=1) > 0 if s.target_is_index else np.ones(len(t1), dtype=bool)
        return F.binary_cross_entropy_with_logits(
            x[:, 1] - x[:, 0],
            tensor(t1, s.dtype),
            weight=tensor(w0 * kept, s.dtype),
            pos_weight=tensor(w1 / w0, s.dtype),
            reduction=reduction,
        )

    return bce


def _reduce_by_hand(per_position: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "none":
        return per_position
    return per_position.sum() if reduction == "sum" else per_position.mean()
