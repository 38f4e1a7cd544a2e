"""Lesson: softmax and cross-entropy, with the live agreement panel."""

import numpy as np
import streamlit as st

from lib.agreement.multiclass import CE_MODULE, multiclass_agreement
from lib.lessons.snippets import ce_snippet
from lib.lessons.softmax import SoftmaxScenario, normalised_target, softmax_lesson
from lib.losses import handwritten as hw
from lib.losses.torch_losses import DTYPES
from lib.view import figures, palette
from lib.view.url_state import ChoiceParam, FlagParam, IntParam, NumberParam
from ui import widgets

MAX_CLASSES = 10
DEFAULT_LOGITS = (2.0, 1.0, 0.1, -0.5, 0.5, -1.0, 1.5, -2.0, 0.0, 0.8)
CLASSES = IntParam("k", 3, 2, MAX_CLASSES)
LOGITS = [NumberParam(f"z{k}", DEFAULT_LOGITS[k], -10.0, 10.0) for k in range(MAX_CLASSES)]
TEMPERATURE = NumberParam("temp", 1.0, 0.1, 5.0)
TARGET_KIND = ChoiceParam("target", "index", ("index", "soft", "ignored"))
SOFT_TARGET = [NumberParam(f"t{k}", 1.0 if k == 0 else 0.0, 0.0, 1.0) for k in range(MAX_CLASSES)]
SMOOTHING = NumberParam("eps", 0.0, 0.0, 1.0)
WEIGHTED = FlagParam("weighted", False)
CLASS_WEIGHTS = [NumberParam(f"w{k}", 1.0, 0.1, 5.0) for k in range(MAX_CLASSES)]
DTYPE = ChoiceParam("dtype", "float32", tuple(DTYPES))
REDUCTION = ChoiceParam("reduction", "mean", ("mean", "sum", "none"))
IGNORE_INDEX = -100

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
        with st.expander("logits z", expanded=True):
            logits = np.array([widgets.number_slider(LOGITS[c], f"z{c}", 0.05) for c in range(k)])
        temperature = widgets.number_slider(TEMPERATURE, "temperature T", 0.05, help="softmax(z / T)")
        kind = widgets.choice(TARGET_KIND, "target", help="A class index, a soft distribution, or ignore_index (-100).")
        if kind == "index":
            target = widgets.int_slider(IntParam("cls", 0, 0, k - 1), "target class y")
        elif kind == "soft":
            with st.expander("soft target (normalised to sum to 1)", expanded=True):
                raw = np.array([widgets.number_slider(SOFT_TARGET[c], f"t{c}", 0.01) for c in range(k)])
            target, uniform = normalised_target(raw)
            if uniform:
                st.caption("All zero: using the uniform distribution.")
        else:
            target = IGNORE_INDEX
        smoothing = widgets.number_slider(SMOOTHING, "label smoothing ε", 0.01)
        weight = None
        if widgets.flag(WEIGHTED, "class weights"):
            with st.expander("class weights w", expanded=True):
                weight = np.array([widgets.number_slider(CLASS_WEIGHTS[c], f"w{c}", 0.1) for c in range(k)])
        reduction = widgets.choice(REDUCTION, "reduction")
        dtype = widgets.dropdown(DTYPE, "dtype of the torch calls")

    scenario = SoftmaxScenario(logits, temperature, target, smoothing, weight, reduction, dtype, IGNORE_INDEX)
    lesson = softmax_lesson(scenario)
    table = multiclass_agreement(scenario.agreement())
    autograd = next(row for row in table.rows if row.id == CE_MODULE)
    with view:
        show(lesson, kind, target, smoothing, weight, temperature, autograd.grad[0], dtype)
    st.subheader("Do the implementations agree?")
    widgets.agreement_panel(table)
    widgets.pytorch_code(ce_snippet(scenario))
    widgets.share_link()


def show(lesson, kind, target, smoothing, weight, temperature, autograd_grad, dtype) -> None:
    k = lesson.logits.size
    classes = [f"k={c}" for c in range(k)]
    loss = widgets.format_value(lesson.loss)
    widgets.metrics(
        ("loss ℓ", loss),
        ("log Σ exp(z/T)", f"{lesson.log_sum_exp:.6g}"),
        ("target logit Σ t̃·z/T", f"{lesson.target_logit:.6g}"),
    )
    if lesson.ignored:
        st.info(
            f"The target equals ignore_index ({IGNORE_INDEX}): this sample contributes nothing. With 'mean' the loss "
            "is 0/0 = nan (torch divides by the number of targets kept, here 0); with 'sum' it is 0."
        )
    elif weight is None:
        st.latex(
            r"\begin{aligned}\ell &= \log\sum_k e^{z_k/T} - \sum_k \tilde t_k\, z_k/T \\"
            rf"&= {lesson.log_sum_exp:.5g} - ({lesson.target_logit:.5g}) = {float(lesson.contributions.sum()):.6g}"
            r"\end{aligned}"
        )
        widgets.explain(
            "The log-sum-exp decomposition: the first term is the same for every target, the second is the "
            "target's own logit (z_y for a class index): raising z_y lowers the loss until q_y saturates."
        )
    else:
        widgets.explain(
            "With class weights each −t̃_k·log q_k is multiplied by w_k; for a class index the 'mean' then divides "
            "by w_y, so a single sample's weight cancels."
        )
    terms = " + ".join(f"{float(c):.4g}" for c in lesson.contributions if c != 0)
    st.latex(
        r"\ell_{\text{sample}} = \sum_k -a_k \log q_k = " + (terms or "0") + rf" = {lesson.contributions.sum():.6g}"
    )
    widgets.explain(
        f"Here a_k = t̃_k{'·w_k' if weight is not None else ''} with the target smoothed to t̃ = (1 − ε)·t + ε/K "
        f"(ε = {smoothing:g}); each bar below is one class's −a_k·log q_k."
    )
    left, right = st.columns(2)
    with left:
        widgets.chart(
            figures.grouped_bars(
                classes,
                [
                    ("softmax q", lesson.probabilities, palette.SOFTMAX),
                    ("target t̃", lesson.target_distribution, palette.TARGET),
                ],
                "probability",
                (0.0, 1.15),
            ),
            "probabilities",
        )
    with right:
        widgets.chart(
            figures.signed_bars(classes, lesson.contributions, [palette.LOSS] * k, "−a_k·log q_k"), "contributions"
        )
    widgets.chart(
        figures.grouped_bars(
            classes,
            [
                ("formula (q·Σa − a)/D", lesson.grad, palette.GRADIENT),
                (f"torch autograd ({dtype})", autograd_grad, palette.AUTOGRAD),
            ],
            "∂L/∂(z/T)",
        ),
        "gradient",
    )
    widgets.explain(
        "Without weights the gradient is q − t̃: push down every class by its probability, pull up the target. "
        f"With respect to z itself it is divided by T = {temperature:g}."
    )
    if k == 2:
        z0, z1 = lesson.scaled_logits
        st.markdown("**The bridge to BCE (K = 2)**")
        st.latex(
            rf"\mathrm{{softmax}}([{z0:.4g}, {z1:.4g}])_1 = {lesson.probabilities[1]:.6g}"
            rf" = \sigma({z1:.4g} - ({z0:.4g})) = {float(hw.sigmoid(z1 - z0)):.6g}"
        )
        widgets.explain(
            "Two-class softmax is a sigmoid of the logit difference, so CrossEntropyLoss on [z0, z1] equals "
            "BCEWithLogitsLoss on z1 − z0 with target t1: the last row of the table checks it."
        )


lesson()
widgets.show_url_fallbacks(fallback_slot)
