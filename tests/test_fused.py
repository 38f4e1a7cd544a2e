"""The compiled fused pass: its log1p series, its sum against torch, and the engine's fallback without a compiler."""

import os
import shutil
import subprocess
import sys
import textwrap

import pytest
import torch
import torch.nn.functional as F

from devtools.local_app import ROOT
from lib.batched import fused
from lib.batched.engine import bce_with_logits_mean, mean_path

CPU = torch.device("cpu")
needs_compiler = pytest.mark.skipif(shutil.which("g++") is None, reason="torch.compile needs a C++ compiler on CPU")


def _relative_error(value: torch.Tensor, exact: torch.Tensor) -> torch.Tensor:
    positive = exact > 0
    return ((value.double() - exact).abs() / exact)[positive]


def test_log1p_series_truncation_stays_below_its_bound_on_the_unit_interval():
    t = torch.linspace(0.0, 1.0, 100_001, dtype=torch.float64)
    assert _relative_error(fused.log1p_series(t), torch.log1p(t)).max() < 2e-9


def test_log1p_series_is_within_four_float32_roundings_of_log1p():
    t = torch.cat([torch.linspace(0.0, 1.0, 100_001), torch.exp(-torch.linspace(0.0, 87.0, 10_001))])
    assert _relative_error(fused.log1p_series(t), torch.log1p(t.double())).max() < 4 * 2**-24


def test_log1p_series_keeps_the_relative_accuracy_of_tiny_arguments():
    t = torch.tensor([1e-30, 1e-12, 3e-8], dtype=torch.float64)
    torch.testing.assert_close(fused.log1p_series(t), torch.log1p(t), rtol=1e-14, atol=0)


@pytest.mark.parametrize("seed", range(6))
def test_fused_sum_equals_torch_on_random_batches(seed):
    generator = torch.Generator().manual_seed(seed)
    n = 10_000 + 997 * seed
    logits = torch.randn(n, generator=generator, dtype=torch.float64) * (0.1, 1.0, 5.0, 20.0, 80.0, 1e3)[seed]
    targets = torch.rand(n, generator=generator, dtype=torch.float64)
    if seed % 2:
        targets = (targets < 0.5).double()
    exact = F.binary_cross_entropy_with_logits(logits, targets, reduction="sum")
    ours = fused.bce_with_logits_sum(logits.float(), targets.float())
    theirs = F.binary_cross_entropy_with_logits(logits.float(), targets.float(), reduction="sum").double()
    assert abs(ours - exact) <= max(2 * abs(theirs - exact), 1e-6 * abs(exact))


def test_fused_sum_of_confident_correct_predictions_keeps_their_tiny_losses():
    logits = torch.tensor([30.0, 60.0, -45.0])
    targets = torch.tensor([1.0, 1.0, 0.0])
    exact = F.binary_cross_entropy_with_logits(logits.double(), targets.double(), reduction="sum")
    torch.testing.assert_close(fused.bce_with_logits_sum(logits, targets), exact, rtol=1e-6, atol=0)


def test_fused_sum_is_nan_wherever_torch_is():
    logits = torch.tensor([float("inf"), -float("inf"), float("nan"), 1.0])
    targets = torch.tensor([1.0, 0.0, 0.5, 0.5])
    for i in range(logits.numel()):
        ours = fused.bce_with_logits_sum(logits[i : i + 1], targets[i : i + 1])
        theirs = F.binary_cross_entropy_with_logits(logits[i : i + 1], targets[i : i + 1], reduction="sum")
        assert bool(ours.isnan()) == bool(theirs.isnan())


@needs_compiler
def test_the_engine_takes_the_compiled_pass_where_a_compiler_exists():
    assert fused.ready(CPU)
    assert mean_path(torch.zeros(3)) == "compiled fused pass"


@needs_compiler
@pytest.mark.parametrize("n", [1, 4097, 300_001])
def test_compiled_mean_equals_torch_mean_for_any_length(n):
    generator = torch.Generator().manual_seed(n)
    logits = torch.randn(n, generator=generator) * 8
    targets = torch.rand(n, generator=generator)
    exact = float(F.binary_cross_entropy_with_logits(logits.double(), targets.double()))
    assert bce_with_logits_mean(logits, targets, chunk_size=1 << 16) == pytest.approx(exact, rel=1e-6)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16])
def test_dtypes_other_than_float32_stay_on_torchs_own_call(dtype):
    assert mean_path(torch.zeros(3, dtype=dtype)) == "eager, cache-sized chunks"


def test_mean_rejects_targets_of_another_shape_as_torch_does():
    with pytest.raises(ValueError, match="shape"):
        bce_with_logits_mean(torch.zeros(4), torch.zeros(5))


def test_without_a_compiler_the_engine_falls_back_to_torchs_call_and_the_same_mean(tmp_path):
    script = textwrap.dedent(
        """
        import torch, torch.nn.functional as F
        from lib.batched.engine import bce_with_logits_mean, mean_path
        z, y = torch.linspace(-9, 9, 1001), torch.linspace(0, 1, 1001)
        print(mean_path(z))
        print(abs(bce_with_logits_mean(z, y) - float(F.binary_cross_entropy_with_logits(z.double(), y.double()))))
        """
    )
    environment = os.environ | {"CXX": "/bin/false", "TORCHINDUCTOR_CACHE_DIR": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    path, gap = run.stdout.splitlines()
    assert path == "eager, cache-sized chunks"
    assert float(gap) < 1e-6
