"""The debugger's calls: a loss line as a person writes it, run with real torch on shared tensors.

A :class:`LossCall` says everything a person chooses when they write a loss line: the loss, the transform applied
to the shared model output, how the labels are encoded as a target, the reduction, weights, pos_weight,
ignore_index, label smoothing and dtype. :func:`run_call` computes it with real torch (Keras and scikit-learn
through :mod:`lib.losses.frameworks`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from lib.losses import frameworks
from lib.losses.torch_losses import DTYPES, tensor, to_numpy

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
