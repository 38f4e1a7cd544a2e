"""Lesson: softmax and cross-entropy. The K logits move live while dragged (ui/live_panel.py), each over a section
of a table lib computes for the other logits held; temperature, target, smoothing, weights, reduction and dtype
rerun the server."""

import numpy as np
import streamlit as st

from lib.lessons.snippets import ce_snippet
from lib.lessons.softmax import SoftmaxScenario, normalised_target
from lib.lessons.softmax_grid import LOGIT_STEP, SoftmaxGrid, logit_values, softmax_grid
from lib.losses import handwritten as hw
from lib.losses.torch_losses import DTYPES
from lib.view import palette
from lib.view.panel_data import axis_range
from lib.view.url_state import ChoiceParam, FlagParam, IntParam, NumberParam
from ui import live_panel as lp
from ui import widgets

MAX_CLASSES = 10
DEFAULT_LOGITS = (2.0, 1.0, 0.1, -0.5, 0.5, -1.0, 1.5, -2.0, 0.0, 0.8)
CLASSES = IntParam("k", 3, 2, MAX_CLASSES)
LOGITS = [NumberParam(f"z{k}", DEFAULT_LOGITS[k], -10.0, 10.0) for k in range(MAX_CLASSES)]
LOGIT_VALUES = logit_values()
TEMPERATURE = NumberParam("temp", 1.0, 0.1, 5.0)
TARGET_KIND = ChoiceParam("target", "index", ("index", "soft", "ignored"))
SOFT_TARGET = [NumberParam(f"t{k}", 1.0 if k == 0 else 0.0, 0.0, 1.0) for k in range(MAX_CLASSES)]
SMOOTHING = NumberParam("eps", 0.0, 0.0, 1.0)
WEIGHTED = FlagParam("weighted", False)
CLASS_WEIGHTS = [NumberParam(f"w{k}", 1.0, 0.1, 5.0) for k in range(MAX_CLASSES)]
DTYPE = ChoiceParam("dtype", "float32", tuple(DTYPES))
REDUCTION = ChoiceParam("reduction", "mean", ("mean", "sum", "none"))
IGNORE_INDEX = -100
PANEL = "ce_panel"

st.title("Softmax & cross-entropy")
fallback_slot = st.container()
# A formula in braces is one unbreakable group for KaTeX: it moves to the next line whole, never split at "=".
st.markdown(
    "K logits become K probabilities $q = \\mathrm{softmax}(z/T)$ that compete for one unit of mass. "
    "Cross-entropy scores them against a target $t$: ${\\ell = -\\sum_k t_k \\log q_k}$, "
    "which for a class index $y$ is ${\\log\\sum_k e^{z_k} - z_y}$."
)


@st.fragment
def lesson() -> None:
    controls, view = st.columns([1, 2.2], gap="large")
    with controls:
        k = widgets.int_slider(CLASSES, "classes K")
        temperature = widgets.number_slider(TEMPERATURE, "temperature T", 0.05, help="softmax(z / T)")
        kind = widgets.choice(TARGET_KIND, "target", help="A class index, a soft distribution, or ignore_index (-100).")
        if kind == "index":
            target = widgets.int_slider(IntParam("cls", 0, 0, k - 1), "target class y")
        elif kind == "soft":
            with st.expander("soft target (normalised to sum to 1)", expanded=True):
                raw = np.array([widgets.number_slider(SOFT_TARGET[c], f"t{c}", 0.01) for c in range(k)])
            soft, uniform = normalised_target(raw)
            target = tuple(soft)
            if uniform:
                st.caption("All zero: using the uniform distribution.")
        else:
            target = IGNORE_INDEX
        smoothing = widgets.number_slider(SMOOTHING, "label smoothing ε", 0.01)
        weight = None
        if widgets.flag(WEIGHTED, "class weights"):
            with st.expander("class weights w", expanded=True):
                weight = tuple(widgets.number_slider(CLASS_WEIGHTS[c], f"w{c}", 0.1) for c in range(k))
        reduction = widgets.choice(REDUCTION, "reduction")
        dtype = widgets.dropdown(DTYPE, "dtype of the torch calls")
    with view:
        logits_panel(k, temperature, target, smoothing, weight, reduction, dtype)


@st.fragment
def logits_panel(k, temperature, target, smoothing, weight, reduction, dtype) -> None:
    """The live panel over the K logits. A committed logit reruns only this: a new table (the other logits'
    sections depend on it), Copy as PyTorch and the link."""
    params = LOGITS[:k]
    logits = tuple(lp.value(PANEL, param, LOGIT_VALUES) for param in params)
    payload = panel_payload(logits, temperature, target, smoothing, weight, reduction, dtype, widgets.presenting())
    current = {param.key: z for param, z in zip(params, logits, strict=True)}
    lp.show(PANEL, params, payload, current, current)
    widgets.pytorch_code(ce_snippet(scenario(logits, temperature, target, smoothing, weight, reduction, dtype)))
    widgets.share_link()


def scenario(logits, temperature, target, smoothing, weight, reduction, dtype) -> SoftmaxScenario:
    return SoftmaxScenario(
        np.array(logits),
        temperature,
        target if np.ndim(target) == 0 else np.array(target),
        smoothing,
        None if weight is None else np.array(weight),
        reduction,
        dtype,
        IGNORE_INDEX,
    )


@st.cache_resource(max_entries=32, show_spinner=False)
def panel_payload(logits, temperature, target, smoothing, weight, reduction, dtype, present: bool) -> bytes:
    """The panel's bytes, once per scenario (going back to an earlier one finds them here)."""
    grid = softmax_grid(scenario(logits, temperature, target, smoothing, weight, reduction, dtype), LOGIT_VALUES)
    return ce_panel(grid).payload({f"z{c}": z for c, z in enumerate(logits)}, present)


def ce_panel(grid: SoftmaxGrid) -> lp.Panel:
    s, lesson = grid.scenario, grid.lesson
    k = grid.logits.shape[1]
    classes = range(k)
    t = s.temperature
    ignored = lesson.ignored
    weighted = s.weight is not None
    autograd = grid.autograd_grad
    sample = lesson.contributions.sum(axis=1)
    columns = {
        **{f"z_{c}": grid.logits[:, c] for c in classes},
        **{f"q_{c}": lesson.probabilities[:, c] for c in classes},
        **{f"a_{c}": lesson.contributions[:, c] for c in classes},
        **{f"g_{c}": lesson.grad[:, c] for c in classes},
        **{f"autograd_{c}": autograd[:, c] for c in classes},
        **{f"t_{c}": np.full(lesson.loss.shape, lesson.target_distribution[c]) for c in classes},
        "loss": lesson.loss,
        "sample": sample,
        "lse": lesson.log_sum_exp,
        "target_logit": lesson.target_logit,
    }
    if k == 2:
        scaled = lesson.scaled_logits
        columns |= {"zs_0": scaled[:, 0], "zs_1": scaled[:, 1], "bridge": hw.sigmoid(scaled[:, 1] - scaled[:, 0])}
    lines = []
    if not ignored and not weighted:
        lines.append("ℓ = log Σ_k e^(z_k/T) − Σ_k t̃_k·z_k/T = {lse:5} − ({target_logit:5}) = {sample}")
    shown = [c for c in classes if np.any(lesson.contributions[:, c] != 0)]
    terms = " + ".join(f"{{a_{c}:4}}" for c in shown) or "0"
    lines.append(f"ℓ_sample = Σ_k −a_k·log q_k = {terms} = {{sample}}")
    body = lp.metrics(
        lp.metric(f"loss ℓ, reduction = '{s.reduction}'", "loss"),
        lp.metric("log Σ exp(z/T)", "lse"),
        lp.metric("target logit Σ t̃·z/T", "target_logit"),
    )
    if ignored:
        body += lp.note(
            f"The target equals ignore_index ({IGNORE_INDEX}): this sample contributes nothing. With 'mean' the loss "
            "is 0/0 = nan (torch divides by the number of targets kept, here 0); with 'sum' it is 0."
        )
    body += lp.formula(*lines)
    explanation = (
        f"Here aₖ = t̃ₖ{'·wₖ' if weighted else ''}, with the target smoothed to t̃ = (1 − ε)·t + ε/K "
        f"(ε = {s.label_smoothing:g}); each bar of the second chart is one class's share −aₖ·log qₖ."
    )
    if weighted:
        explanation += (
            " With class weights each −t̃ₖ·log qₖ is multiplied by wₖ; for a class index the 'mean' then divides "
            "by the target class's weight, so a single sample's weight cancels."
        )
    elif not ignored:
        explanation += (
            " The log-sum-exp decomposition: the first term is the same for every target, the second is the target's "
            "own logit (for a class index, the logit of that class): raising it lowers the loss until its "
            "probability saturates."
        )
    explanation += (
        " Without weights the gradient is q − t̃: push down every class by its probability, pull up the target. "
        f"With respect to z itself it is divided by T = {t:g}."
    )
    body += lp.explanation(explanation)
    if k == 2:
        body += (
            "<p><strong>The bridge to BCE (K = 2)</strong></p>"
            + lp.formula("softmax([{zs_0:4}, {zs_1:4}])_1 = {q_1} = σ({zs_1:4} − ({zs_0:4})) = {bridge}")
            + lp.explanation(
                "Two-class softmax is a sigmoid of the logit difference, so CrossEntropyLoss on [z0, z1] equals "
                "BCEWithLogitsLoss on z1 − z0 with target t1: the last row of the table checks it."
            )
        )
    names = tuple(f"k={c}" for c in classes)
    target_text = ", ".join(f"{value:.3g}" for value in lesson.target_distribution)
    charts = [
        lp.PanelChart(
            "softmax q per class, and the target t̃",
            "class k",
            "probability",
            (0.0, 1.0),
            (0.0, 1.2),
            f"Bars of the softmax probabilities q per class, with the target t̃ = ({target_text}) marked; now q = ("
            + ", ".join(f"{{q_{c}:4}}" for c in classes)
            + ").",
            bars=lp.Bars(
                names,
                (lp.BarSeries("softmax q", tuple(f"q_{c}" for c in classes), (palette.SOFTMAX,)),),
                (lp.Ticks("target t̃", tuple(f"t_{c}" for c in classes), palette.TARGET),),
            ),
        ),
        lp.PanelChart(
            "each class's share of the loss, −aₖ·log qₖ",
            "class k",
            "loss share (nats)",
            (0.0, 1.0),
            axis_range(lesson.contributions, include=(0.0,), pad=0.25),
            "Bars of each class's share of the loss −a_k·log q_k: ("
            + ", ".join(f"{{a_{c}:4}}" for c in classes)
            + "); they add up to the sample's loss {sample}.",
            bars=lp.Bars(names, (lp.BarSeries("", tuple(f"a_{c}" for c in classes), (palette.LOSS,)),)),
        ),
        lp.PanelChart(
            "the gradient per class, formula and torch autograd",
            "class k",
            "∂L/∂(z/T)",
            (0.0, 1.0),
            axis_range(lesson.grad, autograd, include=(0.0,), pad=0.25),
            "Bars of the gradient ∂L/∂(z/T) per class from the formula (q·Σa − a)/D: ("
            + ", ".join(f"{{g_{c}:4}}" for c in classes)
            + f"); torch autograd in {s.dtype} is marked on each bar.",
            bars=lp.Bars(
                names,
                (lp.BarSeries("formula (q·Σa − a)/D", tuple(f"g_{c}" for c in classes), (palette.GRADIENT,)),),
                (lp.Ticks(f"torch autograd ({s.dtype})", tuple(f"autograd_{c}" for c in classes), palette.AUTOGRAD),),
            ),
        ),
        lp.PanelChart(
            "the loss as the logit you move changes",
            "the logit being moved, zₖ",
            "loss ℓ",
            (LOGIT_VALUES[0], LOGIT_VALUES[-1]),
            axis_range(lesson.loss, include=(0.0,), pad=0.05),
            "The loss as one logit moves over −10 to 10 with the others held; the current point is at ℓ = {loss}.",
            curves=(
                lp.Curve(lp.SLIDER, "loss", "ℓ as this logit moves, the others held", palette.LOSS, along_slider=True),
            ),
            points=(lp.Point(lp.SLIDER, "loss", "current logit", palette.PREDICTION),),
        ),
    ]
    sliders = [
        lp.PanelSlider(
            LOGITS[c],
            f"z{c}",
            LOGIT_STEP,
            f"z{c} = {{z_{c}}}, q{c} = {{q_{c}:4}}",
            f"z_{c}",
            section.start,
            section.stop - section.start,
        )
        for c, section in ((c, grid.section(c)) for c in classes)
    ]
    return lp.Panel(sliders, body, charts, grid.agreement, columns=columns, follows_commits=True)


lesson()
widgets.show_url_fallbacks(fallback_slot)
