"""The batched engine: chunked, reproducible, bounded, cancellable, and right on every device."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lib.batched.device import available_devices, pick_device, share_cores_between_sessions
from lib.batched.engine import (
    IMPLEMENTATIONS,
    BatchSpec,
    Implementation,
    bce_with_logits_elementwise,
    bce_with_logits_mean,
    disagreement_statistics,
    draw_chunk,
    loss_landscape,
    python_loop_bce_mean,
    timing_comparison,
)
from lib.batched.limits import ServerBusy, caps_for, heavy_work_slot
from lib.losses import handwritten as hw

CPU = torch.device("cpu")
needs_gpu = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")


def test_pick_device_falls_back_to_cpu_without_an_accelerator():
    expected = "cuda" if torch.cuda.is_available() else ("mps" if torch.backends.mps.is_available() else "cpu")
    assert pick_device().type == expected
    assert pick_device("cpu").type == "cpu"
    assert {"auto", "cpu"} <= set(available_devices())


def test_engine_formula_matches_torch_and_handwritten_in_float64():
    z = torch.tensor([-1e4, -40.0, -1.0, 0.0, 2.5, 40.0, 1e4], dtype=torch.float64)
    y = torch.tensor([1.0, 0.0, 0.3, 1.0, 0.0, 0.5, 0.0], dtype=torch.float64)
    engine = bce_with_logits_elementwise(z, y)
    torch.testing.assert_close(
        engine, F.binary_cross_entropy_with_logits(z, y, reduction="none"), rtol=1e-14, atol=1e-14
    )
    np.testing.assert_allclose(
        engine.numpy(),
        hw.binary_cross_entropy_with_logits(z.numpy(), y.numpy(), reduction="none"),
        rtol=1e-14,
        atol=1e-14,
    )


def test_every_implementation_agrees_in_float64_for_moderate_logits():
    logits, targets = draw_chunk(BatchSpec(n=1000, logit_scale=3.0, soft_targets=True), 0, 1000, CPU)
    reference = bce_with_logits_elementwise(logits, targets)
    for implementation in IMPLEMENTATIONS.values():
        torch.testing.assert_close(implementation(logits, targets), reference, rtol=1e-9, atol=1e-9)


def test_draw_chunk_is_reproducible_from_the_seed():
    spec = BatchSpec(n=100, seed=7)
    first, again = draw_chunk(spec, 0, 50, CPU), draw_chunk(spec, 0, 50, CPU)
    assert torch.equal(first[0], again[0]) and torch.equal(first[1], again[1])
    assert not torch.equal(first[0], draw_chunk(BatchSpec(n=100, seed=8), 0, 50, CPU)[0])


def test_statistics_mean_equals_the_handwritten_mean_over_the_same_batch():
    spec = BatchSpec(n=5000, logit_scale=5.0, soft_targets=True, seed=3)
    report = disagreement_statistics(spec, "float64", CPU, chunk_size=1024)
    chunks = [draw_chunk(spec, start, min(start + 1024, spec.n), CPU) for start in range(0, spec.n, 1024)]
    z = torch.cat([c[0] for c in chunks]).numpy()
    y = torch.cat([c[1] for c in chunks]).numpy()
    assert report.reference_mean == pytest.approx(float(hw.binary_cross_entropy_with_logits(z, y)), rel=1e-12)
    assert report.completed == 5000 and report.histogram_counts.sum() + report.overflow == 5000


def test_statistics_count_naive_non_finite_values_and_bce_clamp_in_float32():
    report = disagreement_statistics(BatchSpec(n=20000, logit_scale=50.0, seed=1), "float32", CPU, chunk_size=4096)
    assert report.stats[Implementation.NAIVE].non_finite > 0
    assert report.stats[Implementation.BCE_ON_SIGMOID].max_abs_difference > 50
    assert report.stats[Implementation.ENGINE].non_finite == 0
    assert report.stats[Implementation.ENGINE].max_abs_difference < 1e-3


def test_progress_reports_each_chunk_and_cancel_stops_between_chunks():
    seen = []
    report = disagreement_statistics(
        BatchSpec(n=10_000), "float32", CPU, chunk_size=2500, progress=seen.append, cancelled=lambda: len(seen) >= 2
    )
    assert seen == [0.25, 0.5]
    assert report.cancelled and report.completed == 5000


def test_landscape_matches_handwritten_bce_on_the_grid():
    landscape = loss_landscape(Implementation.WITH_LOGITS, (-10.0, 10.0), 41, 11, "float64", CPU, chunk_size=100)
    z, y = np.meshgrid(landscape.logits, landscape.targets)
    expected = hw.binary_cross_entropy_with_logits(z, y, reduction="none")
    np.testing.assert_allclose(landscape.loss, expected, rtol=1e-12)
    assert landscape.completed_rows == 11


def test_landscape_rejects_sides_above_the_cap():
    with pytest.raises(ValueError, match="2…2048"):
        loss_landscape(Implementation.WITH_LOGITS, (-1, 1), 4096, 10, "float32", CPU)


def test_landscape_keeps_memory_bounded_by_processing_row_blocks():
    calls = []
    loss_landscape(
        Implementation.BCE_ON_SIGMOID, (-5, 5), 1024, 64, "float32", CPU, chunk_size=1024 * 16, progress=calls.append
    )
    assert len(calls) == 4 and calls[-1] == 1.0


@needs_gpu
def test_engine_on_cuda_equals_engine_on_cpu():
    spec = BatchSpec(n=100_000, logit_scale=20.0, seed=5)
    on_cpu = disagreement_statistics(spec, "float32", CPU, chunk_size=1 << 15)
    on_gpu = disagreement_statistics(spec, "float32", torch.device("cuda"), chunk_size=1 << 15)
    assert on_gpu.reference_mean == pytest.approx(on_cpu.reference_mean, rel=1e-12)
    for name in IMPLEMENTATIONS:
        assert on_gpu.stats[name].non_finite == on_cpu.stats[name].non_finite


@needs_gpu
def test_landscape_on_cuda_equals_landscape_on_cpu():
    args = (Implementation.WITH_LOGITS, (-20.0, 20.0), 256, 64, "float64")
    np.testing.assert_allclose(
        loss_landscape(*args, torch.device("cuda")).loss, loss_landscape(*args, CPU).loss, rtol=1e-12
    )


def test_chunked_mean_equals_torch_mean_and_the_float64_reference():
    logits, targets = draw_chunk(BatchSpec(n=300_001, logit_scale=8.0, soft_targets=True, seed=2), 0, 300_001, CPU)
    chunked = bce_with_logits_mean(logits.float(), targets.float(), chunk_size=1 << 12)
    assert chunked == pytest.approx(float(F.binary_cross_entropy_with_logits(logits, targets)), rel=1e-6)


def test_chunked_mean_reports_progress_per_chunk():
    seen = []
    bce_with_logits_mean(torch.zeros(10), torch.zeros(10), chunk_size=4, progress=seen.append)
    assert seen == [0.4, 0.8, 1.0]


def test_python_loop_equals_the_handwritten_mean():
    z, y = [-3.0, 0.5, 40.0], [1.0, 0.2, 0.0]
    assert python_loop_bce_mean(z, y) == pytest.approx(float(hw.binary_cross_entropy_with_logits(z, y)), rel=1e-12)


def test_timing_comparison_methods_agree_on_the_mean_loss():
    timings = timing_comparison(BatchSpec(n=50_000, seed=4), [CPU], repeats=1)
    assert [t.elements for t in timings] == [20_000, 50_000, 50_000]
    assert timings[1].mean_loss == pytest.approx(timings[2].mean_loss, rel=1e-6)
    assert all(t.seconds > 0 for t in timings)


def test_caps_are_larger_on_a_gpu_than_on_the_cpu():
    assert caps_for(torch.device("cuda"))["batch"] > caps_for(CPU)["batch"] >= 10_000_000
    assert caps_for(CPU)["landscape_side"] >= 1024


def test_heavy_work_slot_admits_one_run_at_a_time_and_releases_on_error():
    with heavy_work_slot(), pytest.raises(ServerBusy), heavy_work_slot(wait_seconds=0.01):
        pass
    with pytest.raises(RuntimeError, match="run failed"), heavy_work_slot():
        raise RuntimeError("run failed")
    with heavy_work_slot(wait_seconds=0.01):
        pass


def test_sharing_cores_leaves_one_intra_op_thread():
    before = torch.get_num_threads()
    try:
        share_cores_between_sessions()
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
