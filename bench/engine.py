"""The batched engine, measured side by side in one run on this machine.

Prints: the peak extra resident memory of a chunked disagreement run over N = 10^8 (goal ≤ 1 GiB); the
engine's mean BCE-with-logits over 10^7 float32 against torch's own ``F.binary_cross_entropy_with_logits``
on the same device (goal: ratio ≥ 1.0) and against a memory-bandwidth floor measured here (goal ≥ 30 % on
CPU); and the time of a 1024 × 1024 loss landscape. Figures only; nothing here asserts a time.

    python3 bench/engine.py [--device auto] [--n 10000000] [--memory-n 100000000] [--rounds 15]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.batched.device import pick_device
from lib.batched.engine import (
    BatchSpec,
    Implementation,
    bce_with_logits_mean,
    disagreement_statistics,
    loss_landscape,
    mean_path,
)


def best_seconds_interleaved(
    works: dict[str, Callable[[], object]], device: torch.device, rounds: int
) -> dict[str, float]:
    """The fastest of ``rounds`` runs of each work, the works taking turns in every round, so that a change in the
    machine's speed during the run (other tenants, turbo) reaches every figure alike; the device is synchronised
    around each run."""
    best = dict.fromkeys(works, float("inf"))
    for _ in range(rounds):
        for name, work in works.items():
            if device.type == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            work()
            if device.type == "cuda":
                torch.cuda.synchronize()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def resident_kib(field: str) -> int:
    """A field of /proc/self/status in KiB (VmRSS now, VmHWM the peak so far); 0 where unavailable."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_memory(n: int, device: torch.device) -> None:
    """Run first, before any large tensor exists, so the process peak is this run's."""
    before = resident_kib("VmRSS")
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    disagreement_statistics(BatchSpec(n=n, logit_scale=10.0), "float32", device)
    elapsed = time.perf_counter() - start
    extra = max(resident_kib("VmHWM") - before, 0) / 1024
    gpu = f", GPU peak {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB" if device.type == "cuda" else ""
    print(
        f"chunked disagreement run, N = {n:,}, 5 implementations: {elapsed:.1f} s, "
        f"peak extra resident memory {extra:.0f} MiB{gpu} (goal ≤ 1024 MiB)"
    )


def throughput(n: int, device: torch.device, rounds: int) -> None:
    generator = torch.Generator().manual_seed(0)
    logits = (torch.randn(n, generator=generator) * 5).to(device)
    targets = torch.rand(n, generator=generator).to(device)
    start = time.perf_counter()
    path = mean_path(logits)
    print(f"engine path: {path} (deciding, and building where it can, took {time.perf_counter() - start:.1f} s)")
    best = best_seconds_interleaved(
        {
            "engine": lambda: bce_with_logits_mean(logits, targets),
            "torch": lambda: F.binary_cross_entropy_with_logits(logits, targets),
            "read": lambda: (logits.sum(), targets.sum()),
        },
        device,
        rounds,
    )
    engine, torch_call, read = best["engine"], best["torch"], best["read"]
    bytes_read = 2 * n * 4
    print(f"BCE-with-logits mean over {n:,} float32, best of {rounds} interleaved rounds:")
    print(f"  engine ({path}, float64 sum) {engine * 1e3:8.2f} ms  {n / engine / 1e9:6.3f} G elements/s")
    print(f"  torch F.bce_with_logits        {torch_call * 1e3:8.2f} ms  {n / torch_call / 1e9:6.3f} G elements/s")
    print(f"  ratio engine/torch throughput: {torch_call / engine:.2f} (goal ≥ 1.0)")
    print(
        f"  bandwidth floor: reading both inputs ({bytes_read / 2**20:.0f} MiB) by torch.sum takes {read * 1e3:.2f} ms "
        f"= {bytes_read / read / 1e9:.1f} GB/s; the engine reaches {read / engine:.0%} of it (goal ≥ 30 % on CPU)"
    )


def landscape(device: torch.device) -> None:
    start = time.perf_counter()
    loss_landscape(Implementation.WITH_LOGITS, (-30.0, 30.0), 1024, 1024, "float32", device)
    print(f"1024 × 1024 loss landscape (float32): {time.perf_counter() - start:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--memory-n", type=int, default=100_000_000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    device = pick_device(args.device)
    name = torch.cuda.get_device_name() if device.type == "cuda" else f"{torch.get_num_threads()} CPU threads"
    print(f"device: {device} ({name}), torch {torch.__version__}")
    peak_memory(args.memory_n, device)
    throughput(args.n, device, args.rounds)
    landscape(device)


if __name__ == "__main__":
    main()
