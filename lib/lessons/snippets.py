"""'Copy as PyTorch': runnable scripts that reproduce the numbers a lesson page shows.

Each script rebuilds the page's tensors, calls torch the way the page does and prints one line per
number, ``name = value`` with the value to 6 significant digits, as the page prints it. The tests run
every script and compare its lines with the page.
"""

from __future__ import annotations

import numpy as np

from lib.agreement.binary import BinaryScenario
from lib.lessons.softmax import SoftmaxScenario

_HEADER = [
    "import torch",
    "import torch.nn as nn",
    "import torch.nn.functional as F",
    "",
    "",
    "def show(name, value):",
    "    values = torch.as_tensor(value).detach().double().flatten().tolist()",
    "    print(name, '=', ', '.join(f'{v:.6g}' for v in values))",
    "",
]


def _tensor(values, dtype: str, grad: bool = False) -> str:
    literal = repr(np.asarray(values, dtype=np.float64).tolist())
    return f"torch.tensor({literal}, dtype=torch.{dtype}{', requires_grad=True' if grad else ''})"


def bce_snippet(s: BinaryScenario) -> str:
    """The BCE page's scenario: the float64 loss and gradient, then each torch implementation in its dtype."""
    dtype, reduction = s.dtype, s.reduction
    lines = [
        *_HEADER,
        f"z = {_tensor(s.logits, 'float64', grad=True)}",
        f"y = {_tensor(s.targets, 'float64')}",
        f"w, pw = torch.tensor({s.weight!r}, dtype=torch.float64), torch.tensor({s.pos_weight!r}, dtype=torch.float64)",
        f"loss = F.binary_cross_entropy_with_logits(z, y, weight=w, pos_weight=pw, reduction={reduction!r})",
        "loss.sum().backward()",
        "show('loss (float64)', loss)",
        "show('dL/dz (float64)', z.grad)",
        "",
        f"# the same inputs in {dtype}, as the agreement table computes them",
        f"z32, y32, w32, pw32 = (t.detach().to(torch.{dtype}) for t in (z, y, w, pw))",
        f"show('F.binary_cross_entropy(torch.sigmoid(z), y)', F.binary_cross_entropy("
        f"torch.sigmoid(z32), y32, weight=w32, reduction={reduction!r}))",
        f"show('F.binary_cross_entropy_with_logits(z, y)', F.binary_cross_entropy_with_logits("
        f"z32, y32, weight=w32, pos_weight=pw32, reduction={reduction!r}))",
        "two_class = torch.stack([torch.zeros_like(z32).reshape(-1), z32.reshape(-1)], dim=1)",
        "probabilities = torch.stack([1 - y32.reshape(-1), y32.reshape(-1)], dim=1)",
        "class_weight = torch.stack([w32, w32 * pw32])",
        f"ce = F.cross_entropy(two_class, probabilities, weight=class_weight, reduction={reduction!r})",
        "show('F.cross_entropy([0, z], [1 - y, y])', ce)",
    ]
    return "\n".join(lines) + "\n"


def ce_snippet(s: SoftmaxScenario) -> str:
    """The cross-entropy page: the float64 loss and gradient for z/T, then torch's calls in the scenario's dtype."""
    logits, temperature, target, label_smoothing = s.logits, s.temperature, s.target, s.label_smoothing
    weight, reduction, dtype = s.weight, s.reduction, s.dtype
    if np.ndim(target) == 0:
        target_line = f"target = torch.tensor([{int(target)}])"
    else:
        target_line = f"target = {_tensor(np.asarray(target)[None, :], 'float64')}"
    weight_line = "weight = None" if weight is None else f"weight = {_tensor(weight, 'float64')}"
    options = f"weight=weight, label_smoothing={label_smoothing!r}, reduction={reduction!r}"
    lines = [
        *_HEADER,
        f"z = {_tensor(np.asarray(logits)[None, :], 'float64')}",
        f"scaled = (z / {temperature!r}).requires_grad_(True)",
        target_line,
        weight_line,
        f"loss = F.cross_entropy(scaled, target, {options})",
        "loss.sum().backward()",
        "show('loss (float64)', loss)",
        "show('dL/d(z/T) (float64)', scaled.grad)",
        "",
        f"# the same inputs in {dtype}, as the agreement table computes them",
        f"low = scaled.detach().to(torch.{dtype})",
        f"low_target = target if target.dtype == torch.int64 else target.to(torch.{dtype})",
        f"low_weight = None if weight is None else weight.to(torch.{dtype})",
        f"show('F.cross_entropy', F.cross_entropy(low, low_target, weight=low_weight, "
        f"label_smoothing={label_smoothing!r}, reduction={reduction!r}))",
    ]
    return "\n".join(lines) + "\n"


def binary_soft_snippet(target: float, prediction: float) -> str:
    """One soft target: BCE(p, y), the entropy floor H(y) and KL(y ‖ p) = BCE − H."""
    lines = [
        *_HEADER,
        f"y, p = torch.tensor([{target!r}], dtype=torch.float64), torch.tensor([{prediction!r}], dtype=torch.float64)",
        "bce = F.binary_cross_entropy(p, y)",
        "entropy = -(torch.xlogy(y, y) + torch.xlogy(1 - y, 1 - y)).sum()",
        "show('BCE(p, y)', bce)",
        "show('entropy H(y)', entropy)",
        "show('KL(y || p)', bce - entropy)",
    ]
    return "\n".join(lines) + "\n"


def class_soft_snippet(target: np.ndarray, prediction: np.ndarray) -> str:
    """A soft class distribution: CE(t, q) = H(t) + KL(t ‖ q), with CE from F.cross_entropy on log q."""
    lines = [
        *_HEADER,
        f"t = {_tensor(np.asarray(target)[None, :], 'float64')}",
        f"q = {_tensor(np.asarray(prediction)[None, :], 'float64')}",
        "ce = F.cross_entropy(torch.log(q.clamp_min(1e-30)), t)",
        "entropy = -torch.xlogy(t, t).sum()",
        "show('CE(t, q)', ce)",
        "show('H(t)', entropy)",
        "show('KL(t || q)', ce - entropy)",
    ]
    return "\n".join(lines) + "\n"


def saturation_snippet(dtype: str) -> str:
    """Target 0 at z = 20 in ``dtype``: BCELoss on σ(z) (saturated, clamped) against BCEWithLogitsLoss."""
    lines = [
        *_HEADER,
        f"z, y = torch.tensor([20.0], dtype=torch.{dtype}), torch.tensor([0.0], dtype=torch.{dtype})",
        "show('sigmoid(20)', torch.sigmoid(z))",
        "show('BCELoss(sigmoid(z), 0)', F.binary_cross_entropy(torch.sigmoid(z), y))",
        "show('BCEWithLogitsLoss(z, 0)', F.binary_cross_entropy_with_logits(z, y))",
    ]
    return "\n".join(lines) + "\n"


def log_sum_exp_snippet(logits: np.ndarray, dtype: str) -> str:
    """The user's logits: naive log Σ e^z (overflows), torch.logsumexp and the softmax, in ``dtype``."""
    lines = [
        *_HEADER,
        f"logits = {_tensor(logits, dtype)}",
        "show('naive log(sum(exp(z)))', torch.log(torch.exp(logits).sum()))",
        "show('logsumexp(z)', torch.logsumexp(logits, 0))",
        "show('softmax(z)', F.softmax(logits, 0))",
    ]
    return "\n".join(lines) + "\n"
