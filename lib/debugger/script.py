"""*Copy as PyTorch* for the debugger: a runnable script that rebuilds the tensors and prints both calls' numbers."""

from __future__ import annotations

import numpy as np

from lib.debugger.calls import (
    BCE,
    BCE_WITH_LOGITS,
    BINARY_KL,
    CROSS_ENTROPY,
    EMULATED,
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
    SELECT_CHANNEL,
    SIGMOID,
    SKLEARN,
    SMOOTHED,
    SOFT,
    SOFTMAX,
    SOFTMAX_CHANNEL,
    ZERO_LOGIT,
    LossCall,
    SharedTensors,
)

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
