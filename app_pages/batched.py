"""Tool: the batched lab. Every BCE implementation over a large batch and a loss landscape, on CPU or GPU."""

import numpy as np
import pandas as pd
import streamlit as st

from lib.batched.device import available_devices, pick_device
from lib.batched.engine import (
    IMPLEMENTATIONS,
    BatchSpec,
    Implementation,
    disagreement_statistics,
    loss_landscape,
    timing_comparison,
)
from lib.batched.limits import caps_for
from lib.losses.torch_losses import DTYPES
from lib.view import figures, palette
from lib.view.url_state import ChoiceParam, FlagParam, IntParam, NumberParam
from ui import widgets
from ui.heavy_run import heavy_run_button, interrupted_note

DEVICE = ChoiceParam("device", "auto", tuple(available_devices()))
DTYPE = ChoiceParam("dtype", "float32", tuple(DTYPES))
DISTRIBUTION = ChoiceParam("dist", "normal", ("normal", "uniform"))
SCALE = NumberParam("scale", 10.0, 0.1, 100.0)
SOFT = FlagParam("soft", False)
SEED = IntParam("seed", 0, 0, 10_000)
IMPLEMENTATION = ChoiceParam("impl", Implementation.BCE_ON_SIGMOID, tuple(IMPLEMENTATIONS))
RANGE = NumberParam("range", 30.0, 1.0, 200.0)

st.title("Batched lab: every implementation over millions of logits")
fallback_slot = st.container()
widgets.explain(
    "The same BCE computed five ways over a whole batch, in your dtype, against a float64 reference; a loss "
    "landscape over logit × target; and the timing of a Python loop, NumPy and torch. The work runs in chunks, "
    "so memory stays bounded, with a progress bar; clicking *Stop* (or any control) interrupts it."
)
device_column, dtype_column = st.columns(2)
with device_column:
    device_name = widgets.dropdown(DEVICE, "device", help="auto picks cuda when present, else mps, else cpu.")
with dtype_column:
    dtype = widgets.dropdown(DTYPE, "dtype of the implementations")
device = pick_device(device_name)
caps = caps_for(device)
st.caption(
    f"Running on **{device}**. Caps on this device: batches up to {caps['batch']:,} elements, landscapes up to "
    f"{caps['landscape_side']}×{caps['landscape_side']}, timings over {caps['timing']:,} elements (the Python loop "
    f"over the first {caps['python_loop']:,}). They keep one request from holding the server for more than a few "
    "seconds while others use it; a GPU does the same work far faster, so its caps are larger."
)


st.subheader("Disagreement over a batch")
interrupted_note("batch")
left, middle, right = st.columns(3)
with left:
    n = widgets.number_box(IntParam("n", 1_000_000, 1, caps["batch"]), "batch size N", 100_000)
    distribution = widgets.choice(DISTRIBUTION, "logits drawn from")
with middle:
    scale = widgets.number_box(SCALE, "logit scale", 1.0, help="standard deviation (normal) or half-width (uniform)")
    soft = widgets.flag(SOFT, "soft targets in [0, 1] (else 0 or 1)")
with right:
    seed = widgets.number_box(SEED, "seed", 1)
spec = BatchSpec(int(n), float(scale), distribution, soft, int(seed))
heavy_run_button(
    "Run the batch",
    "batch",
    f"{spec.n:,} elements on {device}:",
    lambda progress: (spec, disagreement_statistics(spec, dtype, device, progress=progress)),
    primary=True,
)
if "batch" in st.session_state:
    ran, report = st.session_state["batch"]
    st.markdown(
        f"**{report.completed:,} elements** in {report.dtype} on {report.device} ({ran.logit_distribution} logits, "
        f"scale {ran.logit_scale:g}, {'soft' if ran.soft_targets else 'hard'} targets, seed {ran.seed}); "
        f"reference mean loss {report.reference_mean:.6g}."
    )
    st.dataframe(
        pd.DataFrame(
            {
                "implementation": [implementation.label for implementation in report.stats],
                "max |Δ| vs float64": [f"{s.max_abs_difference:.3g}" for s in report.stats.values()],
                "mean |Δ|": [f"{s.mean_abs_difference:.3g}" for s in report.stats.values()],
                "non-finite values": [s.non_finite for s in report.stats.values()],
                "mean loss (finite)": [
                    f"{s.loss_sum / s.finite_count:.6g}" if s.finite_count else "—" for s in report.stats.values()
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    widgets.explain(
        "The naive form's non-finite values are σ(z) rounded to exactly 0 or 1, then log 0; BCELoss on σ(z) "
        "replaces them with its −100 clamp, hence its large max |Δ|. The engine and torch's fused kernel stay "
        "within rounding of the reference."
    )
    widgets.chart(
        figures.histogram(
            report.histogram_edges, report.histogram_counts, "per-element loss (float64 reference)", palette.LOSS
        ),
        "histogram",
    )
    if report.overflow:
        st.caption(f"{report.overflow:,} losses lie beyond the last bin ({report.histogram_edges[-1]:g}).")

st.subheader("Loss landscape over logit × target")
interrupted_note("landscape")
left, middle, right = st.columns(3)
with left:
    implementation = Implementation(
        widgets.dropdown(IMPLEMENTATION, "implementation", format_func=lambda id: Implementation(id).label)
    )
with middle:
    side = widgets.number_box(IntParam("side", 256, 2, caps["landscape_side"]), "grid side", 64)
with right:
    bound = widgets.number_box(RANGE, "logits from −r to r, r =", 10.0)
heavy_run_button(
    "Draw the landscape",
    "landscape",
    f"{int(side)}×{int(side)} grid:",
    lambda progress: (
        implementation,
        dtype,
        loss_landscape(implementation, (-bound, bound), int(side), int(side), dtype, device, progress=progress),
    ),
)
if "landscape" in st.session_state:
    drawn, landscape_dtype, landscape = st.session_state["landscape"]
    finite = landscape.loss[np.isfinite(landscape.loss)]
    widgets.chart(
        figures.landscape_heatmap(
            landscape.logits,
            landscape.targets,
            landscape.loss,
            "logit z",
            "target y",
            "loss",
            f"{drawn.label} in {landscape_dtype}",
            float(min(finite.max(), 150.0)) if finite.size else 1.0,
        ),
        "landscape",
    )

st.subheader("Timing: a Python loop, NumPy and torch on your batch")
interrupted_note("timing")
timed_devices = [pick_device("cpu")] + ([device] if device.type != "cpu" else [])
heavy_run_button(
    "Time them", "timing", "timing:", lambda progress: timing_comparison(spec, timed_devices, progress=progress)
)
if "timing" in st.session_state:
    timings = st.session_state["timing"]
    st.dataframe(
        pd.DataFrame(
            {
                "method": [t.method for t in timings],
                "elements": [f"{t.elements:,}" for t in timings],
                "best of 3 (ms)": [f"{t.seconds * 1e3:.3g}" for t in timings],
                "elements per second": [f"{t.elements_per_second:.3g}" for t in timings],
                "mean loss": [f"{t.mean_loss:.6g}" for t in timings],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    widgets.explain(
        "The Python loop runs over the first elements only (its mean differs for that reason); NumPy and torch "
        "agree on the whole batch. The torch rows run the batched engine: where the server can build it, one "
        "compiled pass that reads each input once (the first timing after a server start builds it, a few "
        "seconds), else torch's own call on cache-sized chunks; both sum in float64, which keeps a batch of 10^8 "
        "within bounded memory and its mean accurate. The method column says which ran."
    )
widgets.share_link()
widgets.show_url_fallbacks(fallback_slot)
