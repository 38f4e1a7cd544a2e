"""Why two loss calls disagree: :func:`diagnose` runs both and, when they disagree, tries every single change to
either call, ranks the ones that make them agree, and says why in a sentence.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from lib.agreement.table import TOLERANCES, agrees
from lib.debugger.calls import (
    BCE,
    BCE_WITH_LOGITS,
    BINARY_KL,
    CROSS_ENTROPY,
    EMULATED,
    ENCODINGS,
    FAIRSEQ,
    INDICES,
    KERAS_BINARY,
    KERAS_CATEGORICAL,
    LABELS_FLOAT,
    LOG_SOFTMAX,
    LOGIT_DIFFERENCE,
    MANUAL_BCE,
    MANUAL_MEAN,
    NLL,
    NO_TRANSFORM,
    ONE_HOT,
    PER_SAMPLE,
    REDUCTIONS,
    SELECT_CHANNEL,
    SIGMOID,
    SKLEARN,
    SMOOTHED,
    SOFTMAX,
    SOFTMAX_CHANNEL,
    TRANSFORMS,
    ZERO_LOGIT,
    CallResult,
    LossCall,
    SharedTensors,
    run_call,
)
from lib.losses.torch_losses import DTYPES


@dataclass(frozen=True)
class Candidate:
    """One single change to one call, what it gives, and why it matters."""

    side: str
    change: str
    why: str
    call: LossCall
    result: CallResult
    gap: float
    reconciles: bool
    cost: int


@dataclass(frozen=True)
class Diagnosis:
    """Both results, whether they agree, the candidates ranked best first, and one sentence."""

    a: CallResult
    b: CallResult
    agree: bool
    tolerance: float
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates and self.candidates[0].reconciles else None

    @property
    def sentence(self) -> str:
        if self.agree:
            return f"The two calls agree: {self.a.shown} and {self.b.shown}."
        best = self.best
        if best is None:
            closest = (
                f" The closest single change: {self.candidates[0].change} in call {self.candidates[0].side}."
                if self.candidates
                else ""
            )
            return f"No single change to either call makes them agree.{closest}"
        other = self.b if best.side == "A" else self.a
        return (
            f"{best.why} Fix: {best.change} in call {best.side}, which then gives {best.result.shown}, in agreement "
            f"with call {'B' if best.side == 'A' else 'A'}'s {other.shown}."
        )


def diagnose(a: LossCall, b: LossCall, shared: SharedTensors, limit: int = 12) -> Diagnosis:
    """Compare two calls; when they disagree, rank the single changes that bring them together."""
    result_a, result_b = run_call(a, shared), run_call(b, shared)
    tolerance = max(TOLERANCES[a.dtype], TOLERANCES[b.dtype])
    if _same(result_a, result_b, tolerance):
        return Diagnosis(result_a, result_b, True, tolerance)
    candidates = []
    for side, call, fixed in (("A", a, result_b), ("B", b, result_a)):
        for change, why, changed, cost in single_changes(call, shared):
            result = run_call(changed, shared)
            if result.error:
                continue
            gap = _gap(result, fixed)
            reconciles = _same(result, fixed, max(TOLERANCES[changed.dtype], tolerance))
            candidates.append(Candidate(side, change, why, changed, result, gap, reconciles, cost))
    candidates.sort(key=lambda c: (not c.reconciles, c.cost, c.gap))
    return Diagnosis(result_a, result_b, False, tolerance, candidates[:limit])


def _same(first: CallResult, second: CallResult, tolerance: float) -> bool:
    if first.error or second.error or first.value.shape != second.value.shape:
        return False
    return agrees(first.value, second.value, tolerance)


def _gap(first: CallResult, second: CallResult) -> float:
    if second.error or first.value.shape != second.value.shape:
        return float("inf")
    with np.errstate(invalid="ignore"):
        gap = np.abs(first.value - second.value)
    return float(np.nanmax(gap)) if np.isfinite(gap).any() else float("inf")


def single_changes(call: LossCall, shared: SharedTensors) -> Iterator[tuple[str, str, LossCall, int]]:
    """Every single change worth trying on ``call``: (what changes, why it matters, the new call, cost)."""
    yield from _transform_changes(call, shared)
    yield from _loss_changes(call)
    for reduction in REDUCTIONS:
        if reduction != call.reduction and call.loss not in EMULATED:
            yield (
                f"use reduction '{reduction}' instead of '{call.reduction}'",
                _reduction_why(call, reduction),
                replace(call, reduction=reduction),
                2,
            )
    for encoding in ENCODINGS:
        if encoding != call.target:
            yield (
                f"encode the target as {encoding} instead of {call.target}",
                _encoding_why(call, encoding),
                replace(call, target=encoding),
                2,
            )
    if call.pos_weight is not None:
        yield (
            "view pos_weight as (C, 1, …, 1)"
            if not call.pos_weight_on_class_dim
            else "let pos_weight broadcast on the last dim",
            "pos_weight broadcasts like any tensor, against the last dimension: with (N, C, H, W) logits a per-class "
            "pos_weight of length C scales the columns W, not the channels, unless it is viewed as (C, 1, 1).",
            replace(call, pos_weight_on_class_dim=not call.pos_weight_on_class_dim),
            1,
        )
        yield (
            "drop pos_weight",
            "pos_weight multiplies only the positive term t·log σ(z).",
            replace(call, pos_weight=None),
            3,
        )
    if call.weight is not None:
        yield (
            "drop the class weights",
            "With class weights, CrossEntropyLoss's 'mean' divides by Σ w[y] of the targets, not by N.",
            replace(call, weight=None),
            3,
        )
    if call.label_smoothing:
        yield (
            "set label_smoothing to 0",
            "Label smoothing moves the target away from one-hot, so the loss cannot reach 0.",
            replace(call, label_smoothing=0.0),
            2,
        )
    for dtype in DTYPES:
        if DTYPES[dtype].itemsize > DTYPES[call.dtype].itemsize:
            yield (
                f"compute in {dtype} instead of {call.dtype}",
                f"In {call.dtype} σ(z) rounds to exactly 1 (or 0) for large |z|, and the log of 0 (or BCELoss's −100 "
                f"clamp) takes over; the fewer bits, the sooner. {dtype} keeps the digits.",
                replace(call, dtype=dtype),
                3,
            )


def _transform_changes(call: LossCall, shared: SharedTensors) -> Iterator[tuple[str, str, LossCall, int]]:
    for transform in TRANSFORMS:
        if transform == call.transform:
            continue
        if transform == NO_TRANSFORM:
            change = f"drop the {call.transform} before {call.loss}"
        else:
            change = _TRANSFORM_PHRASES[transform].format(c=call.channel, dim=call.dim) + f" before {call.loss}"
            if call.transform != NO_TRANSFORM:
                change += f" instead of the {call.transform}"
        binary_input = transform in (LOGIT_DIFFERENCE, SELECT_CHANNEL, SOFTMAX_CHANNEL)
        target = LABELS_FLOAT if binary_input and call.loss != CROSS_ENTROPY else call.target
        changed = replace(call, transform=transform, target=target)
        if target != call.target:
            change += ", with the labels as float targets"
        yield change, _transform_why(call, transform), changed, 1


_TRANSFORM_PHRASES = {
    SIGMOID: "apply a sigmoid",
    SOFTMAX: "apply softmax(dim={dim})",
    LOG_SOFTMAX: "apply log_softmax(dim={dim})",
    LOGIT_DIFFERENCE: "use the logit difference z[:, 1] − z[:, 0]",
    SELECT_CHANNEL: "use channel {c} alone, z[:, {c}],",
    SOFTMAX_CHANNEL: "use softmax(z, 1)[:, {c}]",
    ZERO_LOGIT: "prepend a zero logit, [0, z],",
}


_KERAS_FROM_LOGITS = (
    "Keras losses default to from_logits=False: the input is clipped to [1e-7, 1 − 1e-7] and read as a "
    "probability, so logits ≥ 1 count as certain and logits ≤ 0 as impossible."
)


def _transform_why(call: LossCall, transform: str) -> str:
    removed = call.transform
    if transform == NO_TRANSFORM and removed == SOFTMAX and call.loss == CROSS_ENTROPY:
        return (
            "CrossEntropyLoss applies log_softmax itself, so a softmax in front applies it twice: inputs squeezed into "
            "[0, 1] can never look confident, and the loss is floored at log(1 + (C − 1)/e)."
        )
    if transform == NO_TRANSFORM and removed == SIGMOID and call.loss == BCE_WITH_LOGITS:
        return (
            "BCEWithLogitsLoss applies the sigmoid itself, so a sigmoid in front applies it twice: every prediction "
            "lands in (0.5, 0.731) and the loss cannot go below 0.3133 per positive and log 2 per negative."
        )
    if transform == LOG_SOFTMAX and call.loss == NLL:
        return (
            "NLLLoss only picks −input[y]: the log must already be applied. Given probabilities it returns −p_true, "
            "given logits −z_true, neither a log-likelihood."
        )
    if transform == LOGIT_DIFFERENCE:
        return (
            "softmax([z0, z1])[1] = σ(z1 − z0): two-class cross-entropy is BCE with logits on the difference. Two "
            "channels through BCE are two independent sigmoids, and its mean divides by N·2."
        )
    if transform == ZERO_LOGIT:
        return (
            "Softmax over a single logit is identically 1, so its log-probability is 0 and class 0 costs nothing; "
            "logits [0, z] make it a real two-class problem whose class-1 probability is σ(z)."
        )
    if transform == SIGMOID and call.loss == KERAS_BINARY:
        return _KERAS_FROM_LOGITS
    if transform == SIGMOID and call.loss in (BCE, MANUAL_BCE, SKLEARN):
        return f"{call.loss} reads its input as probabilities, so raw logits need a sigmoid first."
    if transform == SELECT_CHANNEL:
        return "One output unit per sample is a binary logit: score it with BCE on that channel."
    if transform == SOFTMAX_CHANNEL:
        return (
            "softmax(z, 1)[:, 1] is the two-class probability of class 1, σ(z1 − z0): BCELoss on it equals the "
            "two-class cross-entropy, while independent sigmoids on each channel do not."
        )
    return f"{call.loss} sees a different input after {transform} than after {removed}."


def _loss_changes(call: LossCall) -> Iterator[tuple[str, str, LossCall, int]]:
    if call.loss in (BCE, MANUAL_BCE) and call.transform == SIGMOID:
        yield (
            f"work in logit space: drop the sigmoid and use {BCE_WITH_LOGITS}",
            "BCEWithLogitsLoss computes from z with log-sum-exp and never forms σ(z), so nothing saturates: no log 0, "
            "no −100 clamp, no nan from 0·log 0.",
            replace(call, loss=BCE_WITH_LOGITS, transform=NO_TRANSFORM),
            1,
        )
    if call.loss == NLL and call.transform in (NO_TRANSFORM, SOFTMAX, LOG_SOFTMAX):
        yield (
            f"use {CROSS_ENTROPY} on the raw logits",
            "CrossEntropyLoss = log_softmax + NLLLoss, applied to raw logits.",
            replace(call, loss=CROSS_ENTROPY, transform=NO_TRANSFORM),
            1,
        )
    alternatives = {
        CROSS_ENTROPY: [BCE_WITH_LOGITS, NLL],
        NLL: [CROSS_ENTROPY],
        BCE_WITH_LOGITS: [BCE, CROSS_ENTROPY, BINARY_KL],
        BCE: [BCE_WITH_LOGITS],
        MANUAL_BCE: [BCE],
        BINARY_KL: [BCE_WITH_LOGITS],
        KERAS_BINARY: [BCE_WITH_LOGITS],
        KERAS_CATEGORICAL: [CROSS_ENTROPY],
        SKLEARN: [BCE],
    }
    for loss in alternatives[call.loss]:
        yield f"use {loss} instead of {call.loss}", _loss_why(call.loss, loss), replace(call, loss=loss), 2
    if call.loss in (KERAS_BINARY, KERAS_CATEGORICAL):
        yield (
            f"set from_logits={not call.from_logits}",
            _KERAS_FROM_LOGITS,
            replace(call, from_logits=not call.from_logits),
            1,
        )


def _loss_why(old: str, new: str) -> str:
    if old == CROSS_ENTROPY and new == BCE_WITH_LOGITS:
        return (
            "Softmax makes the classes compete for one unit of probability: with k true labels per sample the best "
            "it can do is 1/k each, so CE is floored at k·log k. Multi-label targets need one sigmoid per label."
        )
    if new == BINARY_KL or old == BINARY_KL:
        return (
            "With soft targets BCE bottoms out at the target's entropy H(t), not 0; KL = BCE − H(t) is the part "
            "that reaches 0 when the prediction equals the target."
        )
    if old == MANUAL_BCE and new == BCE:
        return "BCELoss clamps each log at −100, so 0·log 0 stays 0 instead of becoming nan."
    if old == SKLEARN:
        return "scikit-learn clips probabilities to [eps, 1 − eps]; PyTorch's BCELoss clamps the log at −100 instead."
    if old in (KERAS_BINARY, KERAS_CATEGORICAL):
        return "Keras clips probabilities to [1e-7, 1 − 1e-7] before the log; PyTorch does not."
    return f"{new} reads its input and target differently from {old}."


def _reduction_why(call: LossCall, reduction: str) -> str:
    pair = {call.reduction, reduction}
    if pair == {MANUAL_MEAN, "mean"} and call.loss in (CROSS_ENTROPY, NLL):
        return (
            f"{call.loss}'s 'mean' divides by Σ w[y] over the targets kept: ignored targets (ignore_index) and class "
            "weights change the denominator, while averaging the unreduced losses divides by N."
        )
    if pair == {PER_SAMPLE, "mean"}:
        return (
            "An element-wise loss's 'mean' divides by every element (BCE: N·C·H·W), while cross-entropy sums the "
            "classes first and divides by N·H·W; summing the labels and averaging the batch divides by N."
        )
    return f"'{call.reduction}' and '{reduction}' divide the summed loss by different counts."


def _encoding_why(call: LossCall, encoding: str) -> str:
    if call.target == LABELS_FLOAT and encoding == INDICES:
        return (
            "CrossEntropyLoss reads a target of the input's shape as probabilities and any other shape as class "
            "indices, which must be int64 (Long): float labels of the wrong shape are rejected."
        )
    if call.target == INDICES and encoding == LABELS_FLOAT:
        return "BCE is element-wise with the target inside the arithmetic, so the target must be floating."
    if {call.target, encoding} == {FAIRSEQ, SMOOTHED} or (call.target == FAIRSEQ and encoding == INDICES):
        return (
            "PyTorch's label_smoothing gives every class ε/C, (1 − ε)·onehot + ε/C; fairseq-style smoothing gives the "
            "other classes ε/(C − 1). Same ε, different targets, different losses."
        )
    if {call.target, encoding} == {ONE_HOT, INDICES}:
        return (
            "With class weights or ignored targets, 'mean' divides by Σ w[y] for class indices but by N for "
            "probability targets such as one-hot rows."
        )
    return f"The target encoded as {encoding} is a different target from {call.target}."
