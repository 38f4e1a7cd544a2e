"""The torch side of every comparison: dtypes, tensors, and losses evaluated with autograd.

A loss call is any function of the logits tensor (``F.binary_cross_entropy_with_logits``,
``nn.CrossEntropyLoss()``, a sigmoid followed by ``F.binary_cross_entropy``, ...). :func:`evaluate`
runs it in a chosen dtype and returns its value and the autograd gradient with respect to the
logits, both as float64 NumPy arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import NamedTuple

import numpy as np
import torch
from numpy.typing import ArrayLike

DTYPES: dict[str, torch.dtype] = {
    "float64": torch.float64,
    "float32": torch.float32,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
}
"""The dtypes a user may choose, by the name torch gives them."""

SIGNIFICAND_BITS = {"float64": 53, "float32": 24, "float16": 11, "bfloat16": 8}
"""Significant bits of each dtype (the implicit leading bit included)."""


class TorchResult(NamedTuple):
    """A loss computed by torch: its value and ∂(Σ loss)/∂logits, both as float64 arrays."""

    value: np.ndarray
    grad: np.ndarray


def tensor(values: ArrayLike, dtype: str = "float64", device: torch.device | None = None) -> torch.Tensor:
    """``values`` as a torch tensor of the named dtype (floating) on ``device`` (cpu by default)."""
    return torch.as_tensor(np.asarray(values, dtype=np.float64), device=device).to(DTYPES[dtype])


def to_numpy(values: torch.Tensor) -> np.ndarray:
    """A tensor of any dtype and device as a float64 NumPy array (bfloat16 has no NumPy twin)."""
    return values.detach().to("cpu", torch.float64).numpy()


def evaluate(loss_call: Callable[[torch.Tensor], torch.Tensor], logits: ArrayLike, dtype: str) -> TorchResult:
    """Run ``loss_call`` on the logits in ``dtype`` and backpropagate Σ loss to the logits."""
    z = tensor(logits, dtype).requires_grad_(True)
    loss = loss_call(z)
    loss.sum().backward()
    return TorchResult(to_numpy(loss), to_numpy(z.grad))


def rounded(values: ArrayLike, dtype: str) -> np.ndarray:
    """``values`` after a round trip through ``dtype``: what torch actually computes with."""
    return to_numpy(tensor(values, dtype))


@cache
def sigmoid_saturation_logit(dtype: str) -> float:
    """The smallest logit z for which ``torch.sigmoid(z)`` is exactly 1.0 in ``dtype``.

    About 36.74 in float64, 16.64 in float32, 8.32 in float16 and 6.25 in bfloat16.
    """
    return _boundary(lambda z: torch.sigmoid(z).item() == 1.0, 0.0, 800.0, dtype)


@cache
def sigmoid_underflow_logit(dtype: str) -> float:
    """The largest logit z for which ``torch.sigmoid(z)`` is exactly 0.0 in ``dtype`` (σ underflows).

    About −709.8 in float64, −88.7 in float32, −17.3 in float16 and −89 in bfloat16: torch computes
    1 / (1 + e^(−z)), and e^(−z) overflows to inf there.
    """
    return _boundary(lambda z: torch.sigmoid(z).item() > 0.0, -800.0, 0.0, dtype, keep_low=True)


def _boundary(
    predicate: Callable[[torch.Tensor], bool], low: float, high: float, dtype: str, keep_low: bool = False
) -> float:
    """Bisect [low, high] for where ``predicate`` turns true (false at low, true at high) in ``dtype``.

    Returns the first representable z where it is true, or with ``keep_low`` the last where it is false.
    """
    for _ in range(200):
        middle = float(rounded((low + high) / 2, dtype))
        if middle in (low, high):
            break
        if predicate(tensor(middle, dtype)):
            high = middle
        else:
            low = middle
    return low if keep_low else high
