"""The batched engine: BCE implementations over large batches and grids, on any torch device.

One code path serves cpu, cuda and mps: the device is chosen once by :func:`lib.batched.device.pick_device`
and passed down. Work goes in chunks of at most ``chunk_size`` elements, so memory stays bounded for
any N (the batch is generated chunk by chunk from a seed, never held whole), and a progress callback
is told the fraction done after each chunk; a cancel callback can stop the run between chunks.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import torch
import torch.nn.functional as F

from lib.batched import fused
from lib.batched.limits import LANDSCAPE_MAX_SIDE, caps_for
from lib.losses import handwritten as hw
from lib.losses.torch_losses import DTYPES

DEFAULT_CHUNK = 1 << 20


EAGER_MEAN_CHUNK = 1 << 18
"""Chunk of :func:`bce_with_logits_mean` on torch's eager call: 256 Ki elements (1 MiB per float32 tensor) stay in
cache, about five times faster on a 2-core CPU than one call over 10^7 elements."""


FUSED_MEAN_CHUNK = 1 << 24
"""Chunk of :func:`bce_with_logits_mean` on the compiled pass, which holds nothing in memory: 16 Mi elements, one
call for the bench's 10^7 (per-call overhead showed at 4 Mi), progress steps for the largest batches."""


Progress = Callable[[float], None]


Cancelled = Callable[[], bool]


def bce_with_logits_elementwise(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The engine's per-element loss: :func:`lib.batched.fused.bce_with_logits_terms` with torch's own log1p."""
    return fused.bce_with_logits_terms(logits, targets, torch.log1p)


def _eager_sum(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits, targets, reduction="sum").double()


def mean_path(logits: torch.Tensor) -> str:
    """How :func:`bce_with_logits_mean` computes on ``logits``: the compiled fused pass, or torch's eager call."""
    return "compiled fused pass" if fused.serves(logits) else "eager, cache-sized chunks"


def bce_with_logits_mean(
    logits: torch.Tensor, targets: torch.Tensor, chunk_size: int | None = None, progress: Progress | None = None
) -> float:
    """mean over any N of ``F.binary_cross_entropy_with_logits``, chunk by chunk, summed in float64.

    Equal to torch's own 'mean' (to float32 rounding) but bounded in memory and faster: each chunk goes through
    :mod:`lib.batched.fused`'s compiled pass (one read of each input) where it can be built, else through torch's eager
    call on a cache-sized chunk; the float64 accumulator keeps the mean of 10^8 terms accurate.
    """
    if logits.shape != targets.shape:
        raise ValueError(f"targets of shape {tuple(targets.shape)} for logits of shape {tuple(logits.shape)}")
    compiled = fused.serves(logits)
    chunk_sum = fused.compiled_sum() if compiled else _eager_sum
    chunk_size = chunk_size or (FUSED_MEAN_CHUNK if compiled else EAGER_MEAN_CHUNK)
    total = torch.zeros((), dtype=torch.float64, device=logits.device)
    n = logits.numel()
    flat_logits, flat_targets = logits.reshape(-1), targets.reshape(-1)
    for start in range(0, n, chunk_size):
        stop = min(start + chunk_size, n)
        total += chunk_sum(flat_logits[start:stop], flat_targets[start:stop])
        if progress is not None:
            progress(stop / n)
    return float(total) / n if n else float("nan")


def _naive(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    p = torch.sigmoid(logits)
    return -(targets * torch.log(p) + (1 - targets) * torch.log(1 - p))


def _bce_on_sigmoid(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy(torch.sigmoid(logits), targets, reduction="none")


def _torch_with_logits(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits, targets, reduction="none")


def _two_class_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    two = torch.stack([torch.zeros_like(logits), logits], dim=-1).reshape(-1, 2)
    probabilities = torch.stack([1 - targets, targets], dim=-1).reshape(-1, 2)
    return F.cross_entropy(two, probabilities, reduction="none").reshape(logits.shape)


class Implementation(StrEnum):
    """The element-wise BCE implementations, by the short id a link stores (``?impl=bce_sigmoid``)."""

    ENGINE = "engine"
    WITH_LOGITS = "bce_logits"
    BCE_ON_SIGMOID = "bce_sigmoid"
    NAIVE = "naive"
    TWO_CLASS_CE = "ce_two_class"

    @property
    def label(self) -> str:
        """What people read: the formula or the torch call."""
        return _LABELS[self]


_LABELS = {
    Implementation.ENGINE: "engine: max(z,0) − z·y + log1p(e^−|z|)",
    Implementation.WITH_LOGITS: "F.binary_cross_entropy_with_logits",
    Implementation.BCE_ON_SIGMOID: "F.binary_cross_entropy(σ(z))",
    Implementation.NAIVE: "naive −[y·log σ + (1−y)·log(1−σ)]",
    Implementation.TWO_CLASS_CE: "F.cross_entropy([0, z], [1−y, y])",
}


IMPLEMENTATIONS: dict[Implementation, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    Implementation.ENGINE: bce_with_logits_elementwise,
    Implementation.WITH_LOGITS: _torch_with_logits,
    Implementation.BCE_ON_SIGMOID: _bce_on_sigmoid,
    Implementation.NAIVE: _naive,
    Implementation.TWO_CLASS_CE: _two_class_cross_entropy,
}
"""Element-wise BCE implementations, each mapping (logits, targets) of one dtype to per-element losses."""


@dataclass(frozen=True)
class BatchSpec:
    """How a batch is drawn: N logits from normal(0, scale) or uniform(−scale, scale), hard or soft targets."""

    n: int
    logit_scale: float = 10.0
    logit_distribution: str = "normal"
    soft_targets: bool = False
    seed: int = 0


@dataclass
class ImplementationStats:
    """Disagreement of one implementation with the float64 reference over a batch."""

    max_abs_difference: float = 0.0
    sum_abs_difference: float = 0.0
    finite_count: int = 0
    non_finite: int = 0
    loss_sum: float = 0.0

    @property
    def mean_abs_difference(self) -> float:
        return self.sum_abs_difference / self.finite_count if self.finite_count else float("nan")


@dataclass
class BatchReport:
    """Per-implementation statistics, a histogram of reference losses, and how far the run got."""

    dtype: str
    device: str
    stats: dict[Implementation, ImplementationStats]
    histogram_edges: np.ndarray
    histogram_counts: np.ndarray
    reference_sum: float = 0.0
    completed: int = 0
    requested: int = 0
    cancelled: bool = False
    chunk_size: int = DEFAULT_CHUNK
    overflow: int = field(default=0)
    """Reference losses above the histogram's last edge."""

    @property
    def reference_mean(self) -> float:
        return self.reference_sum / self.completed if self.completed else float("nan")


def draw_chunk(spec: BatchSpec, start: int, stop: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Elements start…stop−1 of the batch, in float64 on ``device``; the same for any chunking."""
    generator = torch.Generator(device="cpu").manual_seed(spec.seed * 1_000_003 + start)
    size = stop - start
    if spec.logit_distribution == "uniform":
        logits = (torch.rand(size, generator=generator, dtype=torch.float64) * 2 - 1) * spec.logit_scale
    else:
        logits = torch.randn(size, generator=generator, dtype=torch.float64) * spec.logit_scale
    uniform = torch.rand(size, generator=generator, dtype=torch.float64)
    targets = uniform if spec.soft_targets else (uniform < 0.5).to(torch.float64)
    return logits.to(device), targets.to(device)


def disagreement_statistics(
    spec: BatchSpec,
    dtype: str,
    device: torch.device,
    chunk_size: int = DEFAULT_CHUNK,
    histogram_bins: int = 60,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> BatchReport:
    """Every implementation in :data:`IMPLEMENTATIONS`, in ``dtype``, against the float64 reference.

    Chunks start at multiples of ``chunk_size``, so the drawn batch depends only on the spec's seed
    and the chunk size. Chunks are drawn on the cpu generator (reproducible on every device), then
    moved to ``device``.
    """
    upper = max(4.0 * spec.logit_scale, 1.0)
    edges = np.linspace(0.0, upper, histogram_bins + 1)
    report = BatchReport(
        dtype=dtype,
        device=str(device),
        stats={name: ImplementationStats() for name in IMPLEMENTATIONS},
        histogram_edges=edges,
        histogram_counts=np.zeros(histogram_bins, dtype=np.int64),
        requested=spec.n,
        chunk_size=chunk_size,
    )
    for start in range(0, spec.n, chunk_size):
        if cancelled is not None and cancelled():
            report.cancelled = True
            break
        stop = min(start + chunk_size, spec.n)
        logits, targets = draw_chunk(spec, start, stop, device)
        reference = bce_with_logits_elementwise(logits, targets)
        report.reference_sum += float(reference.sum())
        report.histogram_counts += (
            torch.histc(reference, bins=histogram_bins, min=0.0, max=upper).to("cpu").numpy().astype(np.int64)
        )
        report.overflow += int((reference > upper).sum())
        low_logits, low_targets = logits.to(DTYPES[dtype]), targets.to(DTYPES[dtype])
        for name, implementation in IMPLEMENTATIONS.items():
            _accumulate(report.stats[name], implementation(low_logits, low_targets).to(torch.float64), reference)
        report.completed = stop
        if progress is not None:
            progress(stop / spec.n)
    return report


def _accumulate(stats: ImplementationStats, values: torch.Tensor, reference: torch.Tensor) -> None:
    finite = torch.isfinite(values)
    gap = (values - reference).abs()[finite]
    stats.non_finite += int((~finite).sum())
    stats.finite_count += int(finite.sum())
    if gap.numel():
        stats.max_abs_difference = max(stats.max_abs_difference, float(gap.max()))
        stats.sum_abs_difference += float(gap.sum())
    stats.loss_sum += float(values[finite].sum())


@dataclass(frozen=True)
class Landscape:
    """Loss over a grid: ``loss[i, j]`` is the loss at target ``targets[i]`` and logit ``logits[j]``."""

    logits: np.ndarray
    targets: np.ndarray
    loss: np.ndarray
    completed_rows: int


def loss_landscape(
    implementation: Implementation,
    logit_range: tuple[float, float],
    logit_points: int,
    target_points: int,
    dtype: str,
    device: torch.device,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> Landscape:
    """One implementation of :data:`IMPLEMENTATIONS` over logit × target in [0, 1], row block by row block.

    Rows not reached before a cancel stay nan. Sides are capped at :data:`LANDSCAPE_MAX_SIDE`.
    """
    for side in (logit_points, target_points):
        if not 2 <= side <= LANDSCAPE_MAX_SIDE:
            raise ValueError(f"a landscape side must lie in 2…{LANDSCAPE_MAX_SIDE} points, got {side}.")
    loss_of = IMPLEMENTATIONS[Implementation(implementation)]
    logits = torch.linspace(*logit_range, logit_points, dtype=torch.float64)
    targets = torch.linspace(0.0, 1.0, target_points, dtype=torch.float64)
    grid = np.full((target_points, logit_points), np.nan)
    rows_per_chunk = max(1, chunk_size // logit_points)
    z_row = logits.to(device=device, dtype=DTYPES[dtype]).unsqueeze(0)
    completed = 0
    for first in range(0, target_points, rows_per_chunk):
        if cancelled is not None and cancelled():
            break
        last = min(first + rows_per_chunk, target_points)
        y_block = targets[first:last].to(device=device, dtype=DTYPES[dtype]).unsqueeze(1)
        z_block, y_block = torch.broadcast_tensors(z_row, y_block)
        grid[first:last] = loss_of(z_block.contiguous(), y_block.contiguous()).to("cpu", torch.float64).numpy()
        completed = last
        if progress is not None:
            progress(last / target_points)
    return Landscape(logits.numpy(), targets.numpy(), grid, completed)


def python_loop_bce_mean(logits: list[float], targets: list[float]) -> float:
    """The per-element loop a first implementation writes: max(z, 0) − z·y + log1p(e^−|z|), one float at a time."""
    total = 0.0
    for z, y in zip(logits, targets, strict=True):
        total += max(z, 0.0) - z * y + math.log1p(math.exp(-abs(z)))
    return total / len(logits) if logits else float("nan")  # the mean of no terms is nan, as in torch


@dataclass(frozen=True)
class Timing:
    """One way of computing the mean BCE-with-logits of a batch, and how long it took (best of the repeats)."""

    method: str
    elements: int
    seconds: float
    mean_loss: float

    @property
    def elements_per_second(self) -> float:
        return self.elements / self.seconds if self.seconds > 0 else float("inf")


def timing_comparison(
    spec: BatchSpec, devices: list[torch.device], repeats: int = 3, progress: Progress | None = None
) -> list[Timing]:
    """The notebook's comparison on the user's batch: a Python loop (first elements only), NumPy, torch per device.

    Sizes follow the caps of the slowest device asked for; each method reports the same mean loss.
    """
    caps = caps_for(torch.device("cpu"))
    n = min(spec.n, caps["timing"])
    logits, targets = draw_chunk(spec, 0, n, torch.device("cpu"))
    loop_n = min(n, caps["python_loop"])
    z_list, y_list = logits[:loop_n].tolist(), targets[:loop_n].tolist()
    z_numpy, y_numpy = logits.numpy(), targets.numpy()
    methods: list[tuple[str, int, Callable[[], float]]] = [
        ("Python loop, one element at a time", loop_n, lambda: python_loop_bce_mean(z_list, y_list)),
        ("NumPy, vectorised (float64)", n, lambda: float(hw.binary_cross_entropy_with_logits(z_numpy, y_numpy))),
    ]
    for device in devices:
        z32, y32 = logits.to(device, torch.float32), targets.to(device, torch.float32)
        methods.append(
            (f"torch on {device.type} (float32, {mean_path(z32)})", n, lambda z=z32, y=y32: bce_with_logits_mean(z, y))
        )
    results = []
    for position, (name, elements, run) in enumerate(methods, start=1):
        best, value = float("inf"), float("nan")
        for _ in range(repeats):
            _synchronize(devices)
            start = time.perf_counter()
            value = run()
            _synchronize(devices)
            best = min(best, time.perf_counter() - start)
        results.append(Timing(name, elements, best, value))
        if progress is not None:
            progress(position / len(methods))
    return results


def _synchronize(devices: list[torch.device]) -> None:
    """Wait for queued kernels on every asynchronous device (cuda, mps), so a timing covers the work itself."""
    kinds = {device.type for device in devices}
    if "cuda" in kinds:
        torch.cuda.synchronize()
    if "mps" in kinds:
        torch.mps.synchronize()
