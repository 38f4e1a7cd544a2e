"""Numerical stability, shown with numbers: naive against stable forms in each dtype.

:func:`logsigmoid_sweep` evaluates, with torch in a chosen dtype over a grid of logits, the naive
log σ(z) and log(1 − σ(z)) against ``F.logsigmoid``, and the BCE of target 0 as ``BCELoss`` on σ(z)
(the −100 clamp), as ``BCEWithLogitsLoss``, and as Keras's 1e-7 clipping and scikit-learn's eps would
score σ(z). :func:`log_sum_exp_steps` writes out the log-sum-exp trick for the user's own logits, next
to the naive softmax that overflows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from lib.losses import frameworks
from lib.losses.torch_losses import DTYPES, tensor, to_numpy


@dataclass(frozen=True)
class LogSigmoidSweep:
    """Per-logit values in one dtype (as float64 arrays; ±inf and nan kept)."""

    logits: np.ndarray
    dtype: str
    probability: np.ndarray
    """torch.sigmoid(z) in this dtype."""
    naive_log_p: np.ndarray
    """torch.log(torch.sigmoid(z))"""
    naive_log_one_minus_p: np.ndarray
    """torch.log(1 − torch.sigmoid(z))"""
    stable_log_p: np.ndarray
    """F.logsigmoid(z)"""
    stable_log_one_minus_p: np.ndarray
    """F.logsigmoid(−z)"""
    bce_on_probability: np.ndarray
    """F.binary_cross_entropy(σ(z), 0): −log(1 − σ(z)) with the log clamped at −100."""
    bce_with_logits: np.ndarray
    """F.binary_cross_entropy_with_logits(z, 0) = softplus(z)."""
    keras_clipped: np.ndarray
    """Keras BinaryCrossentropy on σ(z) (rounded to this dtype), target 0: p clipped to [1e-7, 1 − 1e-7] in float32."""
    sklearn_clipped: np.ndarray
    """scikit-learn log_loss on σ(z), target 0: p clipped to [eps, 1 − eps], eps = float64's 2.2e-16."""

    def where_non_finite(self, values: np.ndarray) -> str:
        """Where on the sweep ``values`` is inf or nan, walking out from z = 0: "z ≥ 17 and z ≤ −104", or never."""
        bad = self.logits[~np.isfinite(values)]
        if not bad.size:
            return f"never in ±{np.abs(self.logits).max():g}"
        sides = [f"z ≥ {bad[bad > 0].min():g}"] if (bad > 0).any() else []
        sides += [f"z ≤ {bad[bad <= 0].max():g}"] if (bad <= 0).any() else []
        return " and ".join(sides)


def logsigmoid_sweep(logits: np.ndarray, dtype: str) -> LogSigmoidSweep:
    """Every form of log σ(z) and of the target-0 BCE, with torch in ``dtype``."""
    z = tensor(logits, dtype)
    p = torch.sigmoid(z)
    zero = torch.zeros_like(z)
    p_numpy = to_numpy(p)
    return LogSigmoidSweep(
        logits=np.asarray(logits, dtype=np.float64),
        dtype=dtype,
        probability=p_numpy,
        naive_log_p=to_numpy(torch.log(p)),
        naive_log_one_minus_p=to_numpy(torch.log(1 - p)),
        stable_log_p=to_numpy(F.logsigmoid(z)),
        stable_log_one_minus_p=to_numpy(F.logsigmoid(-z)),
        bce_on_probability=to_numpy(F.binary_cross_entropy(p, zero, reduction="none")),
        bce_with_logits=to_numpy(F.binary_cross_entropy_with_logits(z, zero, reduction="none")),
        keras_clipped=frameworks.binary_log_loss(0.0, frameworks.keras_clip(p_numpy)),
        sklearn_clipped=frameworks.binary_log_loss(0.0, frameworks.sklearn_clip(p_numpy)),
    )


def exp_overflow_logit(dtype: str) -> float:
    """The logit past which e^z overflows to inf in ``dtype``: log of its largest number, log(finfo.max).

    About 709.78 in float64, 88.72 in float32, 11.09 in float16 and 88.72 in bfloat16.
    """
    return math.log(torch.finfo(DTYPES[dtype]).max)


@dataclass(frozen=True)
class LogSumExpSteps:
    """The log-sum-exp trick written out, and the naive route, in one NumPy dtype."""

    dtype: str
    logits: np.ndarray
    naive_exp: np.ndarray
    naive_sum: float
    naive_log_sum: float
    naive_softmax: np.ndarray
    maximum: float
    shifted: np.ndarray
    """z − m: all ≤ 0, so every exp is ≤ 1."""
    shifted_exp: np.ndarray
    shifted_sum: float
    """Σ e^(z − m) ∈ [1, K]: never overflows, never underflows to 0."""
    log_sum_exp: float
    """m + log Σ e^(z − m)"""
    log_softmax: np.ndarray
    """(z − m) − log Σ e^(z − m): subtracting the rounded LSE from z instead would lose digits."""
    softmax: np.ndarray


def log_sum_exp_steps(logits: np.ndarray, dtype: str = "float64") -> LogSumExpSteps:
    """Each step of logsumexp(z) = m + log Σ_k e^(z_k − m), m = max z, in NumPy ``dtype`` (float32/64).

    The naive route, log Σ e^(z_k) and e^(z_k)/Σ e^(z_j), is computed alongside in the same dtype so the
    overflow (e^z = inf past :func:`exp_overflow_logit`) shows where it happens.
    """
    kind = np.dtype(dtype)
    z = np.asarray(logits, dtype=kind)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        naive_exp = np.exp(z)
        naive_sum = naive_exp.sum(dtype=kind)
        naive_softmax = naive_exp / naive_sum
        naive_log_sum = np.log(naive_sum)
    maximum = z.max()
    shifted = z - maximum
    shifted_exp = np.exp(shifted)
    shifted_sum = shifted_exp.sum(dtype=kind)
    log_sum_exp = maximum + np.log(shifted_sum)
    log_softmax = shifted - np.log(shifted_sum)
    return LogSumExpSteps(
        dtype=dtype,
        logits=z.astype(np.float64),
        naive_exp=naive_exp.astype(np.float64),
        naive_sum=float(naive_sum),
        naive_log_sum=float(naive_log_sum),
        naive_softmax=naive_softmax.astype(np.float64),
        maximum=float(maximum),
        shifted=shifted.astype(np.float64),
        shifted_exp=shifted_exp.astype(np.float64),
        shifted_sum=float(shifted_sum),
        log_sum_exp=float(log_sum_exp),
        log_softmax=log_softmax.astype(np.float64),
        softmax=np.exp(log_softmax).astype(np.float64),
    )
