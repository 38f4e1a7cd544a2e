"""Throughput and memory of the batched engine, measured side by side in one run.

Prints: the engine's BCE-with-logits formula against torch's own fused
``F.binary_cross_entropy_with_logits`` over 10^7 float32 elements on the chosen device (best of
several repeats, and their ratio), and the peak extra resident memory of a chunked disagreement run.
Figures only; nothing here asserts a time.

    python3 bench/bce_throughput.py [--n 10000000] [--device auto] [--chunked-n 20000000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.batched import BatchSpec, bce_with_logits_elementwise, disagreement_statistics
from lib.device import pick_device


def best_seconds(work, device: torch.device, repeats: int) -> float:
    """The fastest of ``repeats`` runs of ``work``, synchronising the device around each."""
    best = float("inf")
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        work()
        if device.type == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return best


def throughput_seconds(n: int, device: torch.device, repeats: int) -> tuple[float, float]:
    """Best seconds for the engine formula and for torch's fused kernel over the same n float32 elements."""
    generator = torch.Generator().manual_seed(0)
    logits = (torch.randn(n, generator=generator) * 5).to(device)
    targets = torch.rand(n, generator=generator).to(device)
    engine = best_seconds(lambda: bce_with_logits_elementwise(logits, targets).mean(), device, repeats)
    fused = best_seconds(lambda: F.binary_cross_entropy_with_logits(logits, targets), device, repeats)
    return engine, fused


def resident_kib(field: str) -> int:
    """A field of /proc/self/status in KiB (VmRSS now, VmHWM the peak so far); 0 where unavailable."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--chunked-n", type=int, default=20_000_000)
    args = parser.parse_args()
    device = pick_device(args.device)
    print(f"device: {device}  torch {torch.__version__}  threads {torch.get_num_threads()}")

    engine, fused = throughput_seconds(args.n, device, args.repeats)
    print(f"BCE-with-logits over {args.n:,} float32, best of {args.repeats}:")
    print(f"  engine formula   {engine * 1e3:9.2f} ms   {args.n / engine / 1e9:6.3f} G elements/s")
    print(f"  torch fused      {fused * 1e3:9.2f} ms   {args.n / fused / 1e9:6.3f} G elements/s")
    print(f"  ratio engine/torch throughput: {fused / engine:.2f}")

    before = resident_kib("VmRSS")
    start = time.perf_counter()
    disagreement_statistics(BatchSpec(n=args.chunked_n, logit_scale=10.0), "float32", device)
    elapsed = time.perf_counter() - start
    peak_extra_mib = max(resident_kib("VmHWM") - before, 0) / 1024
    print(
        f"chunked disagreement run over {args.chunked_n:,} elements (5 implementations): "
        f"{elapsed:.2f} s, peak extra resident memory {peak_extra_mib:.0f} MiB"
    )


if __name__ == "__main__":
    main()
