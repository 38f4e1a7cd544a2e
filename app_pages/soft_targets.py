"""Lesson: soft targets. BCE and CE bottom out at the target's entropy; KL is what reaches 0. The prediction p and
the mix m move live while dragged (ui/live_panel.py); the target y and the VAE image rerun the server."""

import numpy as np
import streamlit as st

from lib.lessons.snippets import binary_soft_snippet, class_soft_snippet
from lib.lessons.soft_targets import (
    CURVE_PROBABILITIES,
    MIXES,
    PREDICTIONS,
    WORKED_EXAMPLE,
    binary_split,
    categorical_split,
    digit_image,
    reconstruction,
)
from lib.view import figures, palette
from lib.view.panel_data import axis_range
from lib.view.url_state import IntParam, NumberParam
from ui import live_panel as lp
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
ONE_TARGET_PANEL = "soft_panel"
CLASSES_PANEL = "classes_panel"

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
    with view:
        prediction_panel(y)


@st.fragment
def prediction_panel(y: float) -> None:
    """The live panel over p for the target y; a committed p reruns only this."""
    p = lp.value(ONE_TARGET_PANEL, PREDICTION, PREDICTIONS)
    opened_at = lp.start(ONE_TARGET_PANEL, y, p)
    payload = one_target_payload(y, opened_at, widgets.presenting())
    lp.show(ONE_TARGET_PANEL, [PREDICTION], payload, {PREDICTION.key: opened_at}, {PREDICTION.key: p})
    widgets.pytorch_code(binary_soft_snippet(y, p))
    widgets.share_link()


@st.cache_resource(max_entries=32, show_spinner=False)
def one_target_payload(y: float, opened_at: float, present: bool) -> bytes:
    """The one-target panel's bytes, once per target and start (a commit's rerun finds them here)."""
    return one_target_panel(y).payload({PREDICTION.key: opened_at}, present)


def one_target_panel(y: float) -> lp.Panel:
    split = binary_split(y, PREDICTIONS)
    worked_y, worked_p = WORKED_EXAMPLE
    worked = float(binary_split(worked_y, [worked_p]).bce[0])
    columns = {
        "grid": PREDICTIONS,
        "one_minus_p": 1.0 - PREDICTIONS,
        "bce": split.bce,
        "entropy": np.full_like(PREDICTIONS, split.entropy),
        "kl": split.kl,
        "curve_p": CURVE_PROBABILITIES,
        "curve_bce": split.curve_bce,
        "curve_kl": split.curve_kl,
        "curve_floor": np.full_like(CURVE_PROBABILITIES, split.entropy),
    }
    m = lp.slot
    body = (
        lp.metrics(
            lp.metric("BCE(p, y)", "bce"),
            lp.metric("entropy floor H(y)", "entropy"),
            lp.metric("KL(y ‖ p) = BCE − H", "kl"),
        )
        + lp.formula(
            "BCE = −[(1 − y)·log(1 − p) + y·log p]",
            f"= −[{1 - y:.4g}·log {{one_minus_p:4}} + {y:.4g}·log {{grid:4}}] = {{bce}}",
        )
        + lp.explanation(
            f"The worked example, target {worked_y:g} against prediction {worked_p:g}: "
            f"−({1 - worked_y:g}·log {1 - worked_p:g} + {worked_y:g}·log {worked_p:g}) = {worked:.6g}. "
            f"The least value of the curve, at p = y = {y:g}, is H(y) = {split.entropy:.6g}; the KL curve touches 0 "
            f"there. Here BCE − H = {m('bce')} − {split.entropy:.6g} = {m('kl')}."
        )
    )
    chart = split_chart(
        "BCE against p, its floor H(y) and the KL left above it",
        "prediction p",
        ("curve_p", "curve_bce", "curve_kl", "curve_floor"),
        ("BCE(p, y)", "KL(y ‖ p)", f"floor H(y) = {split.entropy:.4g}"),
        ("bce", "kl"),
        axis_range(split.bce, split.kl, include=(0.0,), pad=0.04),
        f"BCE(p, y) for y = {y:g} against the prediction p, with its floor H(y) = {split.entropy:.6g} and "
        "KL(y ‖ p) = BCE − H; the current point is at p = {grid}, BCE = {bce}, KL = {kl}.",
    )
    slider = lp.PanelSlider(PREDICTION, "prediction p", 0.001, "p = {grid}, BCE = {bce}", "grid")
    return lp.Panel([slider], body, [chart], columns=columns)


def split_chart(
    title: str,
    x_title: str,
    curve_columns: tuple[str, str, str, str],
    names: tuple[str, str, str],
    point_columns: tuple[str, str],
    y_range: tuple[float, float],
    alt: str,
) -> lp.PanelChart:
    """A cross-entropy, the KL above its floor and the floor (the entropy) against a variable on [0, 1], the
    current point marked on the cross-entropy and on the KL. ``curve_columns``: x, cross-entropy, KL, floor;
    ``point_columns``: the cross-entropy and the KL at each position of the slider (whose values are ``grid``)."""
    x, loss, kl, floor = curve_columns
    loss_name, kl_name, floor_name = names
    return lp.PanelChart(
        title,
        x_title,
        "nats",
        (0.0, 1.0),
        y_range,
        alt,
        curves=(
            lp.Curve(x, loss, loss_name, palette.LOSS, width=3),
            lp.Curve(x, kl, kl_name, palette.SIGMOID),
            lp.Curve(x, floor, floor_name, palette.TARGET, "dash", 2),
        ),
        points=tuple(lp.Point("grid", column, "current value", palette.PREDICTION) for column in point_columns),
        height=300,
    )


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
        widgets.chart(target_image_chart(), "target_image")
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


@st.cache_resource(show_spinner=False)
def target_image_chart() -> figures.Chart:
    """The digit itself: the same for every blur, sharpness, noise and seed, so built once."""
    return figures.heatmap(digit_image(), "target x (grey = soft)", "gray", "x", 0.0, 1.0, colour_bar=False)


@st.fragment
def many_classes() -> None:
    """The live panel over the mix m; a committed m reruns only this."""
    st.subheader("Many classes: CE = H(t) + KL(t ‖ q)")
    mix = lp.value(CLASSES_PANEL, MIX, MIXES)
    opened_at = lp.start(CLASSES_PANEL, "classes", mix)
    payload = classes_payload(opened_at, widgets.presenting())
    lp.show(CLASSES_PANEL, [MIX], payload, {MIX.key: opened_at}, {MIX.key: mix})
    q = categorical_split(CLASS_TARGET, [mix]).prediction[0]
    widgets.pytorch_code(class_soft_snippet(CLASS_TARGET, q))
    widgets.share_link()


@st.cache_resource(max_entries=4, show_spinner=False)
def classes_payload(opened_at: float, present: bool) -> bytes:
    return classes_panel().payload({MIX.key: opened_at}, present)


def classes_panel() -> lp.Panel:
    split = categorical_split(CLASS_TARGET, MIXES)
    classes = range(CLASS_TARGET.size)
    columns = {
        "grid": MIXES,
        "ce": split.cross_entropy,
        "entropy": np.full_like(MIXES, split.entropy),
        "kl": split.kl,
        **{f"q_{k}": split.prediction[:, k] for k in classes},
        **{f"t_{k}": np.full_like(MIXES, CLASS_TARGET[k]) for k in classes},
    }
    target = ", ".join(f"{value:g}" for value in CLASS_TARGET)
    body = (
        lp.metrics(
            lp.metric("cross-entropy CE(t, q)", "ce"),
            lp.metric("entropy H(t)", "entropy"),
            lp.metric("KL(t ‖ q)", "kl"),
        )
        + lp.formula(
            "q = (1 − m)·uniform + m·t = (" + ", ".join(f"{{q_{k}:4}}" for k in classes) + ")",
            "CE(t, q) = H(t) + KL(t ‖ q) = {entropy:5} + {kl:5} = {ce}",
        )
        + lp.explanation(
            f"The target is t = ({target}). At m = 1 the prediction equals the target: KL is 0, and CE is the "
            f"target's entropy {split.entropy:.5g}, its minimum. At m = 0 the prediction is uniform and CE = log "
            f"{CLASS_TARGET.size} = {np.log(CLASS_TARGET.size):.5g}."
        )
    )
    bars = lp.PanelChart(
        "target t and prediction q per class",
        "class k",
        "probability",
        (0.0, 1.0),
        axis_range(split.prediction, CLASS_TARGET, include=(0.0,), pad=0.2),
        f"Bars of the prediction q per class, with the target t = ({target}) marked; now q = "
        + "("
        + ", ".join(f"{{q_{k}:4}}" for k in classes)
        + ") at m = {grid}.",
        bars=lp.Bars(
            tuple(f"k={k}" for k in classes),
            (lp.BarSeries("prediction q", tuple(f"q_{k}" for k in classes), (palette.SOFTMAX,)),),
            (lp.Ticks("target t", tuple(f"t_{k}" for k in classes), palette.TARGET),),
        ),
    )
    curves = split_chart(
        "CE and KL against the mix m",
        "mix m",
        ("grid", "ce", "kl", "entropy"),
        ("CE(t, q)", "KL(t ‖ q)", f"floor H(t) = {split.entropy:.4g}"),
        ("ce", "kl"),
        axis_range(split.cross_entropy, include=(0.0,), pad=0.05),
        f"CE(t, q) and KL(t ‖ q) as the mix m goes from 0 to 1, with the floor H(t) = {split.entropy:.5g}; the "
        "current point is at m = {grid}, CE = {ce}, KL = {kl}.",
    )
    slider = lp.PanelSlider(MIX, "prediction q = (1 − m)·uniform + m·t, m =", 0.01, "m = {grid}, CE = {ce}", "grid")
    return lp.Panel([slider], body, [bars, curves], columns=columns)


one_target()
pixel_view()
many_classes()
widgets.show_url_fallbacks(fallback_slot)
