"""Lesson: soft targets. BCE and CE bottom out at the target's entropy; KL is what reaches 0."""

import numpy as np
import streamlit as st

from lib.lessons.snippets import binary_soft_snippet, class_soft_snippet
from lib.lessons.soft_targets import (
    CURVE_PROBABILITIES,
    WORKED_EXAMPLE,
    binary_split,
    categorical_split,
    digit_image,
    reconstruction,
)
from lib.view import figures, palette
from lib.view.url_state import IntParam, NumberParam
from ui import widgets

TARGET = NumberParam("y", 0.6, 0.0, 1.0)
PREDICTION = NumberParam("p", 0.7, 0.001, 0.999)
BLUR = NumberParam("blur", 1.0, 0.0, 3.0)
SHARPNESS = NumberParam("sharp", 1.0, 0.2, 4.0)
NOISE = NumberParam("noise", 0.5, 0.0, 3.0)
SEED = IntParam("seed", 0, 0, 999)
MIX = NumberParam("mix", 0.5, 0.0, 1.0)
CLASS_TARGET = np.array([0.0, 0.25, 0.25, 0.5])
"""The r/MachineLearning example: CE at its optimum is H(t) = 1.0397, not 0."""

st.title("Soft targets: why the loss never reaches zero")
fallback_slot = st.container()
st.markdown(
    "When the target is not 0 or 1 (a grey MNIST pixel in a VAE, a smoothed label, a teacher's distribution), "
    "binary cross-entropy cannot reach 0: its minimum, at $p = y$, is the **entropy** $H(y)$. What does reach 0 "
    "is the KL divergence $\\mathrm{KL}(y\\,\\|\\,p) = \\mathrm{BCE}(p, y) - H(y)$. The gradient is the same, so "
    "training is unaffected, but the loss values of differently soft targets are not comparable."
)


@st.fragment
def one_target() -> None:
    st.subheader("One soft target")
    controls, view = st.columns([1, 2.2], gap="large")
    with controls:
        y = widgets.number_slider(TARGET, "target y", 0.01)
        p = widgets.number_slider(PREDICTION, "prediction p", 0.001)
    split = binary_split(y, p)
    with view:
        widgets.metrics(
            ("BCE(p, y)", f"{split.bce:.6g}"),
            ("entropy floor H(y)", f"{split.entropy:.6g}"),
            ("KL(y ‖ p) = BCE − H", f"{split.kl:.6g}"),
        )
        st.latex(
            r"\begin{aligned}\mathrm{BCE} &= -\big[(1-y)\log(1-p) + y\log p\big] \\"
            rf"&= -\big[{1 - y:.4g}\log {1 - p:.4g} + {y:.4g}\log {p:.4g}\big] = {split.bce:.6g}\end{{aligned}}"
        )
        worked_y, worked_p = WORKED_EXAMPLE
        worked = binary_split(worked_y, worked_p).bce
        widgets.explain(
            f"The worked example, target {worked_y:g} against prediction {worked_p:g}: "
            f"−({1 - worked_y:g}·log {1 - worked_p:g} + {worked_y:g}·log {worked_p:g}) = {worked:.6g}. "
            f"The least value of the curve, at p = y = {y:g}, is H(y) = {split.entropy:.6g}; the KL curve touches 0 "
            "there."
        )
        grid = CURVE_PROBABILITIES
        widgets.chart(
            figures.curves_with_point(
                [
                    figures.Curve(grid, split.curve_bce, "BCE(p, y)", palette.LOSS),
                    figures.Curve(grid, split.curve_kl, "KL(y ‖ p)", palette.SIGMOID),
                    figures.Curve(grid, np.full_like(grid, split.entropy), "floor H(y)", palette.TARGET, "dash"),
                ],
                (p, split.bce),
                "current p",
                "prediction p",
                "loss (nats)",
                (0.0, max(3.0, split.bce * 1.1)),
            ),
            "soft_bce",
        )
        widgets.pytorch_code(binary_soft_snippet(y, p))
        widgets.share_link()


@st.fragment
def pixel_view() -> None:
    st.subheader("A soft image: a VAE's reconstruction loss")
    controls, view = st.columns([1, 2.2], gap="large")
    with controls:
        blur = widgets.number_slider(BLUR, "blur (pixels)", 0.1)
        sharpness = widgets.number_slider(SHARPNESS, "sharpness (logit scale)", 0.1)
        noise = widgets.number_slider(NOISE, "noise (in logits)", 0.1)
        seed = widgets.int_slider(SEED, "noise seed")
    result = reconstruction(digit_image(), blur, sharpness, noise, seed)
    with view:
        widgets.metrics(
            ("BCE, reduction='sum'", f"{result.bce_sum:.5g}"),
            ("BCE, reduction='mean'", f"{result.bce_mean:.5g}"),
            ("entropy floor Σ H(x)", f"{result.entropy_sum:.5g}"),
            ("Σ KL = sum − floor", f"{result.bce_sum - result.entropy_sum:.5g}"),
        )
        widgets.explain(
            "The PyTorch VAE example sums the 784 pixel losses (reduction='sum'); 'mean' divides by 784. Even a "
            f"perfect reconstruction scores the floor {result.entropy_sum:.5g}, because the digit's grey edge pixels "
            "are soft targets."
        )
    left, middle, right = st.columns(3)
    with left:
        widgets.chart(
            figures.heatmap(result.target, "target x (grey = soft)", "gray", "x", 0.0, 1.0, colour_bar=False),
            "target_image",
        )
    with middle:
        widgets.chart(
            figures.heatmap(result.prediction, "reconstruction σ(z)", "gray", "p", 0.0, 1.0, colour_bar=False),
            "reconstruction",
        )
    with right:
        widgets.chart(
            figures.heatmap(result.bce, "per-pixel BCE (nats)", "viridis", "BCE", 0.0, float(result.bce.max())),
            "pixel_bce",
        )
    widgets.share_link()


@st.fragment
def many_classes() -> None:
    st.subheader("Many classes: CE = H(t) + KL(t ‖ q)")
    controls, view = st.columns([1, 2.2], gap="large")
    with controls:
        mix = widgets.number_slider(MIX, "prediction q = (1 − m)·uniform + m·t, m =", 0.01)
    split = categorical_split(CLASS_TARGET, mix)
    with view:
        widgets.metrics(
            ("cross-entropy CE(t, q)", f"{split.cross_entropy:.6g}"),
            ("entropy H(t)", f"{split.entropy:.6g}"),
            ("KL(t ‖ q)", f"{split.kl:.6g}"),
        )
        st.latex(
            rf"\mathrm{{CE}}(t, q) = H(t) + \mathrm{{KL}}(t\,\|\,q) = {split.entropy:.5g} + {split.kl:.5g}"
            rf" = {split.cross_entropy:.6g}"
        )
        widgets.chart(
            figures.grouped_bars(
                [f"k={k}" for k in range(split.target.size)],
                [("target t", split.target, palette.TARGET), ("prediction q", split.prediction, palette.SOFTMAX)],
                "probability",
                (0.0, 0.65),
            ),
            "class_split",
        )
        widgets.pytorch_code(class_soft_snippet(split.target, split.prediction))
        widgets.share_link()
        widgets.explain(
            "At m = 1 the prediction equals the target: KL is 0, and CE is the target's entropy 1.0397, its minimum."
        )


one_target()
pixel_view()
many_classes()
widgets.show_url_fallbacks(fallback_slot)
