"""The batched engine's BCE-with-logits sum as one fused pass, built by ``torch.compile`` where this machine can.

    Σ ℓ,  ℓ = max(z, 0) − z·y + log1p(e^(−|z|)),  accumulated in float64.

Eager torch makes one pass over memory per operation; compiled, the whole sum is one pass that reads each input
once. What is left is arithmetic, and log1p is its dearest part, so it is written as a short series that compiles
to multiply-adds:

    log1p(t) = 2·atanh(s) = 2·(s + s³/3 + s⁵/5 + … + s¹⁵/15),  s = t / (2 + t).

For t = e^(−|z|) ∈ [0, 1], s ≤ 1/3 and the first term left out, 2·s¹⁷/17, is below 2·10⁻⁹·s: exact to float32
rounding (not to float64's, so float64 stays on torch's call), with the relative accuracy of log1p kept for tiny t
(confident, correct predictions).

Building needs a C++ compiler on a CPU (Triton on CUDA) and takes a few seconds, once per process and device type.
Where it cannot be built, :func:`ready` says so and the engine keeps torch's own eager call.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable

import torch

COMPILED_DTYPES = (torch.float32,)
"""Dtypes the fused pass serves. The series is exact to float32 rounding only, so float64 (and the half precisions,
which torch computes its own way) stay on torch's own call."""

COMPILED_DEVICES = ("cpu", "cuda")
"""Device types inductor builds for (C++ on a CPU, Triton on CUDA); others (mps) stay on torch's own call."""

PROBE_SIZE = 1 << 20
"""Length of the first call, which builds the pass: inductor tunes the build to the first length it sees, so it must
be a batch-sized one (after a 64-element first call the pass ran half as fast, as slow as on one thread)."""
_built: dict[str, bool] = {}
_building = threading.Lock()
"""Held while a pass is built: Dynamo is not thread-safe, and two sessions may ask for the first build at once."""
_log = logging.getLogger(__name__)


def log1p_series(t: torch.Tensor) -> torch.Tensor:
    """log(1 + t) for t ∈ [0, 1] as 2s·(1 + s²/3 + s⁴/5 + … + s¹⁴/15) with s = t / (2 + t), by Horner's rule in s²."""
    s = t / (2 + t)
    s2 = s * s
    series = s2 / 15 + 1 / 13
    for odd in (11, 9, 7, 5, 3, 1):
        series = series * s2 + 1 / odd
    return 2 * s * series


def bce_with_logits_terms(
    logits: torch.Tensor, targets: torch.Tensor, log1p: Callable[[torch.Tensor], torch.Tensor]
) -> torch.Tensor:
    """ℓ = max(z, 0) − z·y + log1p(e^(−|z|)) per element: the log-sum-exp form, finite for every finite z."""
    return logits.clamp_min(0) - logits * targets + log1p(torch.exp(-logits.abs()))


def bce_with_logits_sum(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Σ ℓ in float64 with log1p as :func:`log1p_series`: the formula the compiled pass fuses."""
    return bce_with_logits_terms(logits, targets, log1p_series).sum(dtype=torch.float64)


@functools.cache
def compiled_sum() -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """:func:`bce_with_logits_sum` under ``torch.compile``, for any length (dynamic shapes: one build serves all)."""
    return torch.compile(bce_with_logits_sum, dynamic=True)


def ready(device: torch.device) -> bool:
    """Whether the compiled pass runs on ``device``'s type; the first call per type builds it (a few seconds)."""
    kind = device.type
    if kind in _built:
        return _built[kind]
    with _building:
        if kind not in _built:
            _built[kind] = _build(device)
    return _built[kind]


def _build(device: torch.device) -> bool:
    from torch._dynamo.exc import TorchDynamoException  # loads dynamo: only once the engine is first used

    probe = torch.linspace(-3.0, 3.0, PROBE_SIZE, device=device)
    try:
        compiled_sum()(probe, torch.full_like(probe, 0.5))
    except TorchDynamoException as error:
        _log.warning("no compiled BCE pass on %s, the engine uses torch's eager call: %s", device.type, error)
        return False
    return True


def serves(tensor: torch.Tensor) -> bool:
    """Whether the compiled pass takes ``tensor``: a dtype and a device type it serves, where it could be built."""
    return tensor.dtype in COMPILED_DTYPES and tensor.device.type in COMPILED_DEVICES and ready(tensor.device)
