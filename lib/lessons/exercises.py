"""Predict, then reveal: the twelve wirings of activations and losses, and loss-estimate questions.

A wiring is an activation put in front of a loss, applied to raw model outputs: {none, Sigmoid,
LogSigmoid} × {BCELoss, BCEWithLogitsLoss} for binary targets and {none, Softmax, LogSoftmax} ×
{NLLLoss, CrossEntropyLoss} for class targets. Each has a verdict (right, works but worse, wrong),
the failure mode, and the reason; :func:`run_wiring` runs it with real torch on the current tensors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lib.losses import handwritten as hw

RIGHT = "right"
WORSE = "works, but worse"
WRONG = "wrong"
VERDICTS = (RIGHT, WORSE, WRONG)


@dataclass(frozen=True)
class Wiring:
    activation: str
    loss: str
    verdict: str
    failure: str
    why: str

    @property
    def name(self) -> str:
        return f"{self.activation} → {self.loss}" if self.activation != "none" else f"raw logits → {self.loss}"

    @property
    def binary(self) -> bool:
        return self.loss.startswith("BCE")


WIRINGS = (
    Wiring(
        "none",
        "BCELoss",
        WRONG,
        "RuntimeError",
        "BCELoss reads its input as probabilities; logits outside [0, 1] are rejected.",
    ),
    Wiring(
        "Sigmoid",
        "BCELoss",
        WORSE,
        "saturates",
        "The value is right for moderate logits, but σ(z) rounds to 1 in float32 from z ≈ 16.6: "
        "then log(1 − p) = −inf, BCELoss clamps it at −100, and the gradient vanishes. BCEWithLogitsLoss "
        "computes the same loss stably.",
    ),
    Wiring(
        "LogSigmoid",
        "BCELoss",
        WRONG,
        "RuntimeError",
        "log σ(z) is ≤ 0, not a probability: BCELoss rejects every negative input.",
    ),
    Wiring(
        "none",
        "BCEWithLogitsLoss",
        RIGHT,
        "—",
        "BCEWithLogitsLoss applies the sigmoid itself, in the stable log-sum-exp form.",
    ),
    Wiring(
        "Sigmoid",
        "BCEWithLogitsLoss",
        WRONG,
        "silent: double sigmoid",
        "It runs, but the sigmoid is applied twice: every prediction lands in (0.5, 0.731), so positives can't "
        "score below 0.3133 and negatives not below log 2; training stalls.",
    ),
    Wiring(
        "LogSigmoid",
        "BCEWithLogitsLoss",
        WRONG,
        "silent: nonsense",
        "It runs, but log σ(z) ≤ 0 is read as a logit: every prediction is at most σ(0) = 0.5.",
    ),
    Wiring(
        "none",
        "NLLLoss",
        WRONG,
        "silent: −z_y",
        "NLLLoss only picks −input[y]; on raw logits that is −z_y, which can be any sign and is not a likelihood.",
    ),
    Wiring(
        "Softmax",
        "NLLLoss",
        WRONG,
        "silent: −p_y",
        "NLLLoss on probabilities returns −p_y ∈ [−1, 0]: negative, and its gradient is not the cross-entropy's.",
    ),
    Wiring("LogSoftmax", "NLLLoss", RIGHT, "—", "log_softmax then NLLLoss is exactly CrossEntropyLoss."),
    Wiring("none", "CrossEntropyLoss", RIGHT, "—", "CrossEntropyLoss applies log_softmax itself, stably."),
    Wiring(
        "Softmax",
        "CrossEntropyLoss",
        WRONG,
        "silent: double softmax",
        "It runs, but softmax is applied twice: probabilities in [0, 1] can never look confident, so the loss is "
        "floored at log(1 + (C − 1)/e) and gradients shrink.",
    ),
    Wiring(
        "LogSoftmax",
        "CrossEntropyLoss",
        WORSE,
        "redundant",
        "log_softmax is idempotent (its outputs' log-sum-exp is 0), so the value and gradient are right, but the extra "
        "pass is wasted work and hides the intent.",
    ),
)

_ACTIVATIONS = {
    "none": lambda x: x,
    "Sigmoid": nn.Sigmoid(),
    "LogSigmoid": nn.LogSigmoid(),
    "Softmax": nn.Softmax(dim=1),
    "LogSoftmax": nn.LogSoftmax(dim=1),
}
_LOSSES = {
    "BCELoss": nn.BCELoss(),
    "BCEWithLogitsLoss": nn.BCEWithLogitsLoss(),
    "NLLLoss": nn.NLLLoss(),
    "CrossEntropyLoss": nn.CrossEntropyLoss(),
}


def predicted_right(revealed: dict[int, str]) -> int:
    """How many revealed cards (index into :data:`WIRINGS` -> the prediction they were revealed with) were right."""
    return sum(guess == WIRINGS[index].verdict for index, guess in revealed.items())


@dataclass(frozen=True)
class WiringRun:
    """What torch printed for a wiring, next to the correct loss on the same tensors."""

    value: float | None
    error: str | None
    correct: float


def run_wiring(wiring: Wiring, logits: np.ndarray, targets: np.ndarray) -> WiringRun:
    """The wiring on float32 tensors: binary logits (N,) with float targets, or (N, C) with class indices."""
    x = torch.tensor(logits, dtype=torch.float32)
    if wiring.binary:
        t = torch.tensor(targets, dtype=torch.float32)
        correct = float(F.binary_cross_entropy_with_logits(x, t))
    else:
        t = torch.tensor(targets, dtype=torch.int64)
        correct = float(F.cross_entropy(x, t))
    try:
        value = float(_LOSSES[wiring.loss](_ACTIVATIONS[wiring.activation](x), t))
    except (RuntimeError, ValueError) as error:
        return WiringRun(None, f"{type(error).__name__}: {str(error).splitlines()[0]}", correct)
    return WiringRun(value, None, correct)


@dataclass(frozen=True)
class EstimateQuestion:
    """Estimate −[y·log σ(z) + (1 − y)·log(1 − σ(z))] for one (z, y)."""

    logit: float
    target: float

    @property
    def answer(self) -> float:
        return float(hw.binary_cross_entropy_with_logits([self.logit], [self.target]))

    def is_close(self, guess: float) -> bool:
        """Within 10 % of the answer, or 0.05 absolute for small losses."""
        return abs(guess - self.answer) <= max(0.1 * self.answer, 0.05)


def estimate_question(number: int) -> EstimateQuestion:
    """The ``number``-th question: a logit in [−6, 6] to one decimal and a target of 0, 1 or a soft 0.2…0.8."""
    rng = np.random.default_rng(number)
    logit = round(float(rng.uniform(-6, 6)), 1)
    target = float(rng.choice([0.0, 1.0, round(float(rng.uniform(0.2, 0.8)), 1)]))
    return EstimateQuestion(logit, target)
