"""The mismatch debugger's engine: two loss calls on the same tensors, and why they disagree.

A :class:`LossCall` says everything a person chooses when they write a loss line: the loss, the
transform applied to the shared model output, how the labels are encoded as a target, the
reduction, weights, pos_weight, ignore_index, label smoothing and dtype. :func:`run_call`
computes it with real torch (Keras and scikit-learn through :mod:`lib.frameworks`). :func:`diagnose`
compares two calls and, when they disagree, searches single changes to either call for one that
makes them agree, ranks the candidates, and says why in a sentence. :func:`pytorch_snippet` writes
a runnable script that reproduces both numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np
import torch
import torch.nn.functional as F

from lib import frameworks
from lib.agreement import TOLERANCES, agrees
from lib.torch_losses import DTYPES, tensor, to_numpy

CROSS_ENTROPY = "CrossEntropyLoss"
NLL = "NLLLoss"
BCE_WITH_LOGITS = "BCEWithLogitsLoss"
BCE = "BCELoss"
MANUAL_BCE = "hand-written −[t·log p + (1−t)·log(1−p)]"
BINARY_KL = "BCEWithLogitsLoss − H(t)  (binary KL)"
KERAS_BINARY = "Keras BinaryCrossentropy"
KERAS_CATEGORICAL = "Keras CategoricalCrossentropy"
SKLEARN = "scikit-learn log_loss"
LOSSES = (CROSS_ENTROPY, NLL, BCE_WITH_LOGITS, BCE, MANUAL_BCE, BINARY_KL, KERAS_BINARY, KERAS_CATEGORICAL, SKLEARN)
EMULATED = (KERAS_BINARY, KERAS_CATEGORICAL, SKLEARN)

NO_TRANSFORM = "none"
SIGMOID = "sigmoid"
SOFTMAX = "softmax"
LOG_SOFTMAX = "log_softmax"
LOGIT_DIFFERENCE = "logit difference z[:, 1] − z[:, 0]"
SELECT_CHANNEL = "select channel z[:, c]"
ZERO_LOGIT = "prepend a zero logit: [0, z]"
SOFTMAX_CHANNEL = "softmax over dim 1, then channel c"
TRANSFORMS = (
    NO_TRANSFORM,
    SIGMOID,
    SOFTMAX,
    LOG_SOFTMAX,
    LOGIT_DIFFERENCE,
    SELECT_CHANNEL,
    SOFTMAX_CHANNEL,
    ZERO_LOGIT,
)

INDICES = "class indices (int64)"
LABELS_FLOAT = "labels as float"
ONE_HOT = "one-hot (float)"
SMOOTHED = "one-hot smoothed: (1 − ε)·onehot + ε/C"
FAIRSEQ = "one-hot smoothed: 1 − ε, ε/(C − 1) elsewhere (fairseq)"
SOFT = "soft targets (as given)"
ENCODINGS = (INDICES, LABELS_FLOAT, ONE_HOT, SMOOTHED, FAIRSEQ, SOFT)

MANUAL_MEAN = "none, then .mean()"
PER_SAMPLE = "sum / batch size N"
REDUCTIONS = ("mean", "sum", "none", MANUAL_MEAN, PER_SAMPLE)


@dataclass(frozen=True)
class LossCall:
    """One loss line, as a person writes it."""

    loss: str = CROSS_ENTROPY
    transform: str = NO_TRANSFORM
    dim: int = 1
    """The dim of softmax / log_softmax."""
    channel: int = 1
    """The channel picked by 'select channel'."""
    target: str = INDICES
    reduction: str = "mean"
    weight: tuple[float, ...] | None = None
    pos_weight: tuple[float, ...] | None = None
    pos_weight_on_class_dim: bool = False
    """View pos_weight as (C, 1, …, 1) so it scales channels instead of the last dimension."""
    ignore_index: int = -100
    label_smoothing: float = 0.0
    """ε: passed to CrossEntropyLoss, or used by the smoothed one-hot encodings (then not passed)."""
    from_logits: bool = False
    """Keras only: read y_pred as logits."""
    dtype: str = "float32"


@dataclass(frozen=True)
class SharedTensors:
    """The model output both calls start from, and the labels and/or soft targets they may use."""

    outputs: np.ndarray
    labels: np.ndarray | None = None
    soft_targets: np.ndarray | None = None

    @property
    def n_classes(self) -> int:
        return int(self.outputs.shape[1]) if self.outputs.ndim >= 2 else 2


@dataclass(frozen=True)
class CallResult:
    """A call's value (float64; 0-d when reduced) or the error torch raised, in one line."""

    value: np.ndarray | None
    error: str | None = None

    @property
    def shown(self) -> str:
        if self.error:
            return self.error
        if self.value.ndim == 0:
            return f"{float(self.value):.4f}"
        return "[" + ", ".join(f"{v:.4f}" for v in self.value.ravel()[:8]) + (", …]" if self.value.size > 8 else "]")


def run_call(call: LossCall, shared: SharedTensors) -> CallResult:
    """Compute one call with real torch (emulated semantics for Keras and scikit-learn)."""
    try:
        x = _transform(tensor(shared.outputs, call.dtype), call)
        target = _encode_target(call, shared, x)
        value = _loss(call, x, target)
    except (RuntimeError, ValueError, IndexError, TypeError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return CallResult(None, f"{type(error).__name__}: {first_line[:160]}")
    return CallResult(np.asarray(value, dtype=np.float64))


def _transform(x: torch.Tensor, call: LossCall) -> torch.Tensor:
    if call.transform == SIGMOID:
        return torch.sigmoid(x)
    if call.transform == SOFTMAX:
        return F.softmax(x, dim=call.dim)
    if call.transform == LOG_SOFTMAX:
        return F.log_softmax(x, dim=call.dim)
    if call.transform == LOGIT_DIFFERENCE:
        return x[:, 1] - x[:, 0]
    if call.transform == SELECT_CHANNEL:
        return x[:, call.channel]
    if call.transform == SOFTMAX_CHANNEL:
        return F.softmax(x, dim=1)[:, call.channel]
    if call.transform == ZERO_LOGIT:
        column = x if x.ndim >= 2 else x.unsqueeze(1)
        return torch.cat([torch.zeros_like(column), column], dim=1)
    return x


def _encode_target(call: LossCall, shared: SharedTensors, x: torch.Tensor) -> torch.Tensor:
    dtype = DTYPES[call.dtype]
    if call.target == SOFT:
        if shared.soft_targets is None:
            raise ValueError("this scenario has no soft targets: choose an encoding of the labels")
        return tensor(shared.soft_targets, call.dtype)
    if shared.labels is None:
        raise ValueError("this scenario has no class labels: choose 'soft targets'")
    labels = torch.as_tensor(np.asarray(shared.labels, dtype=np.int64))
    if call.target == INDICES:
        return labels
    if call.target == LABELS_FLOAT:
        return labels.to(dtype)
    n_classes = shared.n_classes
    one_hot = F.one_hot(labels, n_classes).movedim(-1, 1).to(torch.float64)
    epsilon = call.label_smoothing
    if call.target == SMOOTHED:
        one_hot = one_hot * (1 - epsilon) + epsilon / n_classes
    elif call.target == FAIRSEQ:
        one_hot = one_hot * (1 - epsilon) + (1 - one_hot) * epsilon / (n_classes - 1)
    return one_hot.to(dtype)


def _loss(call: LossCall, x: torch.Tensor, target: torch.Tensor) -> np.ndarray:
    """The loss in float64; Keras and scikit-learn reduce the way they always do (mean over everything)."""
    if call.loss in EMULATED:
        return _emulated(call, x, target)
    weight = None if call.weight is None else tensor(call.weight, call.dtype)
    reduction = "none" if call.reduction in (MANUAL_MEAN, PER_SAMPLE) else call.reduction
    smoothing = 0.0 if call.target in (SMOOTHED, FAIRSEQ) else call.label_smoothing
    if call.loss == CROSS_ENTROPY:
        out = F.cross_entropy(
            x, target, weight, ignore_index=call.ignore_index, reduction=reduction, label_smoothing=smoothing
        )
    elif call.loss == NLL:
        out = F.nll_loss(x, target, weight, ignore_index=call.ignore_index, reduction=reduction)
    elif call.loss == BCE_WITH_LOGITS:
        out = F.binary_cross_entropy_with_logits(
            x, target, weight, reduction=reduction, pos_weight=_pos_weight(call, x)
        )
    elif call.loss == BCE:
        out = F.binary_cross_entropy(x, target, weight, reduction=reduction)
    else:
        out = _manual_reduce(_elementwise(call, x, target), reduction)
    if call.reduction == MANUAL_MEAN:
        out = out.mean()
    elif call.reduction == PER_SAMPLE:
        out = out.sum() / x.shape[0]
    return to_numpy(out)


def _pos_weight(call: LossCall, x: torch.Tensor) -> torch.Tensor | None:
    if call.pos_weight is None:
        return None
    pos_weight = tensor(call.pos_weight, call.dtype)
    if call.pos_weight_on_class_dim:
        pos_weight = pos_weight.view(-1, *([1] * (x.ndim - 2)))
    return pos_weight


def _elementwise(call: LossCall, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    if not target.is_floating_point():
        raise RuntimeError(f"the formula needs a floating target, got {target.dtype}")
    if call.loss == MANUAL_BCE:
        return -(target * torch.log(x) + (1 - target) * torch.log(1 - x))
    per_element = F.binary_cross_entropy_with_logits(x, target, reduction="none")
    return per_element - (-(torch.xlogy(target, target) + torch.xlogy(1 - target, 1 - target)))


def _manual_reduce(values: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "none":
        return values
    return values.sum() if reduction == "sum" else values.mean()


def _emulated(call: LossCall, x: torch.Tensor, target: torch.Tensor) -> np.ndarray:
    if not target.is_floating_point():
        target = target.to(torch.float64)
    y_pred, y_true = to_numpy(x), to_numpy(target)
    if y_pred.shape != y_true.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}")
    if call.loss == SKLEARN:
        return frameworks.sklearn_log_loss(y_true, y_pred)
    if call.loss == KERAS_BINARY:
        return frameworks.keras_binary_crossentropy(y_true, y_pred, call.from_logits, call.label_smoothing)
    class_last = (np.moveaxis(a, 1, -1) if a.ndim >= 2 else a for a in (y_true, y_pred))
    return frameworks.keras_categorical_crossentropy(*class_last, call.from_logits, call.label_smoothing)


# --- diagnosis --------------------------------------------------------------------------------


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


# --- the runnable snippet ---------------------------------------------------------------------

_KERAS_HELPERS = '''

def keras_binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0):
    """Keras 3 BinaryCrossentropy: clip to [1e-7, 1 - 1e-7] in float32 unless from_logits."""
    y_true = y_true.double() * (1 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        return F.binary_cross_entropy_with_logits(y_pred.double(), y_true, reduction="none").mean()
    eps = torch.tensor(1e-7, dtype=torch.float32)
    p = y_pred.float().clamp(eps, 1 - eps).double()
    return (-(y_true * torch.log(p) + (1 - y_true) * torch.log1p(-p))).mean()


def keras_categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0):
    """Keras 3 CategoricalCrossentropy, classes on dim 1: rows rescaled to sum 1, clipped to [1e-7, 1 - 1e-7]."""
    y_true = y_true.double().movedim(1, -1) if y_true.ndim > 1 else y_true.double()
    y_pred = y_pred.double().movedim(1, -1) if y_pred.ndim > 1 else y_pred.double()
    y_true = y_true * (1 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        log_p = F.log_softmax(y_pred, dim=-1)
    else:
        eps = torch.tensor(1e-7, dtype=torch.float32)
        log_p = torch.log((y_pred / y_pred.sum(-1, keepdim=True)).float().clamp(eps, 1 - eps).double())
    return (-(y_true * log_p).sum(-1)).mean()


def sklearn_log_loss(y_true, y_pred):
    """scikit-learn >= 1.5 log_loss on a float64 array: clip to [eps, 1 - eps], eps = 2.2e-16."""
    eps = torch.finfo(torch.float64).eps
    p = y_pred.double().clamp(eps, 1 - eps)
    y = y_true.double()
    return (-(y * torch.log(p) + (1 - y) * torch.log1p(-p))).mean()
'''


def pytorch_snippet(a: LossCall, b: LossCall, shared: SharedTensors) -> str:
    """A runnable script that rebuilds the tensors, runs both calls and prints A and B to 4 decimals."""
    lines = [
        "import torch",
        "import torch.nn.functional as F",
        "",
        f"outputs = torch.tensor({_literal(shared.outputs)}, dtype=torch.float64)",
    ]
    if shared.labels is not None:
        lines.append(f"labels = torch.tensor({_literal(shared.labels, integer=True)})")
    if shared.soft_targets is not None:
        lines.append(f"soft_targets = torch.tensor({_literal(shared.soft_targets)}, dtype=torch.float64)")
    if any(call.loss in EMULATED for call in (a, b)):
        lines[3:3] = [*_KERAS_HELPERS.strip("\n").splitlines(), "", ""]
    for name, call in (("A", a), ("B", b)):
        lines += ["", f"# call {name}: {call.loss}, transform {call.transform}, target {call.target}"]
        lines += ["try:"] + ["    " + line for line in _call_lines(call, name.lower(), shared)]
        lines += [
            f"    print('{name} =', f'{{{name.lower()}.item():.4f}}' if {name.lower()}.numel() == 1 "
            f"else [round(v, 4) for v in {name.lower()}.flatten().tolist()])",
            "except (RuntimeError, ValueError, IndexError) as error:",
            f"    print('{name} =', f'{{type(error).__name__}}: {{error}}'.splitlines()[0])",
        ]
    return "\n".join(lines) + "\n"


def _call_lines(call: LossCall, name: str, shared: SharedTensors) -> list[str]:
    torch_dtype = f"torch.{call.dtype}"
    x = f"x_{name}"
    rounded = f"{x} = outputs.to({torch_dtype})"
    transforms = {
        NO_TRANSFORM: [rounded],
        SIGMOID: [rounded, f"{x} = torch.sigmoid({x})"],
        SOFTMAX: [rounded, f"{x} = F.softmax({x}, dim={call.dim})"],
        LOG_SOFTMAX: [rounded, f"{x} = F.log_softmax({x}, dim={call.dim})"],
        LOGIT_DIFFERENCE: [rounded, f"{x} = {x}[:, 1] - {x}[:, 0]"],
        SELECT_CHANNEL: [rounded, f"{x} = {x}[:, {call.channel}]"],
        SOFTMAX_CHANNEL: [rounded, f"{x} = F.softmax({x}, dim=1)[:, {call.channel}]"],
        ZERO_LOGIT: [
            rounded,
            f"{x} = {x} if {x}.ndim >= 2 else {x}.unsqueeze(1)",
            f"{x} = torch.cat([torch.zeros_like({x}), {x}], dim=1)",
        ],
    }
    lines = list(transforms[call.transform])
    t = f"t_{name}"
    n_classes = shared.n_classes
    one_hot = f"F.one_hot(labels, {n_classes}).movedim(-1, 1).double()"
    encodings = {
        INDICES: f"{t} = labels",
        LABELS_FLOAT: f"{t} = labels.to({torch_dtype})",
        ONE_HOT: f"{t} = {one_hot}.to({torch_dtype})",
        SMOOTHED: f"{t} = ({one_hot} * (1 - {call.label_smoothing!r}) + {call.label_smoothing!r} / {n_classes})"
        f".to({torch_dtype})",
        FAIRSEQ: f"one_hot = {one_hot}\n{t} = (one_hot * (1 - {call.label_smoothing!r}) + (1 - one_hot) * "
        f"{call.label_smoothing!r} / {n_classes - 1}).to({torch_dtype})",
        SOFT: f"{t} = soft_targets.to({torch_dtype})",
    }
    lines += encodings[call.target].splitlines()
    weight = "None" if call.weight is None else f"torch.tensor({list(call.weight)!r}, dtype={torch_dtype})"
    pos_weight = "None" if call.pos_weight is None else f"torch.tensor({list(call.pos_weight)!r}, dtype={torch_dtype})"
    if call.pos_weight is not None and call.pos_weight_on_class_dim:
        pos_weight += f".view(-1, *([1] * ({x}.ndim - 2)))"
    reduction = "none" if call.reduction in (MANUAL_MEAN, PER_SAMPLE) else call.reduction
    smoothing = 0.0 if call.target in (SMOOTHED, FAIRSEQ) else call.label_smoothing
    calls = {
        CROSS_ENTROPY: f"F.cross_entropy({x}, {t}, weight={weight}, ignore_index={call.ignore_index}, "
        f"reduction={reduction!r}, label_smoothing={smoothing!r})",
        NLL: f"F.nll_loss({x}, {t}, weight={weight}, ignore_index={call.ignore_index}, reduction={reduction!r})",
        BCE_WITH_LOGITS: f"F.binary_cross_entropy_with_logits({x}, {t}, weight={weight}, reduction={reduction!r}, "
        f"pos_weight={pos_weight})",
        BCE: f"F.binary_cross_entropy({x}, {t}, weight={weight}, reduction={reduction!r})",
        MANUAL_BCE: f"-({t} * torch.log({x}) + (1 - {t}) * torch.log(1 - {x}))",
        BINARY_KL: f"F.binary_cross_entropy_with_logits({x}, {t}, reduction='none') + "
        f"(torch.xlogy({t}, {t}) + torch.xlogy(1 - {t}, 1 - {t}))",
        KERAS_BINARY: f"keras_binary_crossentropy({t}, {x}, from_logits={call.from_logits}, "
        f"label_smoothing={call.label_smoothing!r})",
        KERAS_CATEGORICAL: f"keras_categorical_crossentropy({t}, {x}, from_logits={call.from_logits}, "
        f"label_smoothing={call.label_smoothing!r})",
        SKLEARN: f"sklearn_log_loss({t}, {x})",
    }
    lines.append(f"{name} = {calls[call.loss]}")
    if call.loss in (MANUAL_BCE, BINARY_KL) and reduction != "none":
        lines.append(f"{name} = {name}.{reduction}()")
    if call.loss not in EMULATED and call.reduction == MANUAL_MEAN:
        lines.append(f"{name} = {name}.mean()")
    elif call.loss not in EMULATED and call.reduction == PER_SAMPLE:
        lines.append(f"{name} = {name}.sum() / {x}.shape[0]")
    return lines


def _literal(values: np.ndarray, integer: bool = False) -> str:
    array = np.asarray(values)
    return repr(array.astype(np.int64).tolist() if integer else array.astype(np.float64).tolist())
