"""Lesson: sigmoid and binary cross-entropy, with the live agreement panel."""

import numpy as np
import pandas as pd
import streamlit as st

from lib.agreement.binary import BinaryScenario, binary_agreement
from lib.lessons.binary import bce_curve_over_logits, bce_curve_over_probability, binary_lesson
from lib.lessons.snippets import bce_snippet
from lib.losses.torch_losses import DTYPES
from lib.view import figures, palette
from lib.view.parsing import parse_logit_target_rows
from lib.view.url_state import ChoiceParam, FlagParam, NumberParam
from ui import widgets

MODE = ChoiceParam("mode", "single", ("single", "batch"))
WIDE = FlagParam("wide", False)
TARGET = NumberParam("y", 1.0, 0.0, 1.0)
POS_WEIGHT = NumberParam("pw", 1.0, 0.1, 10.0)
WEIGHT = NumberParam("w", 1.0, 0.0, 5.0)
DTYPE = ChoiceParam("dtype", "float32", tuple(DTYPES))
REDUCTION = ChoiceParam("reduction", "mean", ("mean", "sum", "none"))
PRESET_ROWS = "1.1:1,2.2:1,0.5:0,-1.1:0,-2.2:0"
"""The source notebook's five samples: logits [1.1, 2.2, 0.5, −1.1, −2.2], targets [1, 1, 0, 0, 0]."""
MAX_ROWS = 50


def logit_param(wide: bool) -> NumberParam:
    bound = 100.0 if wide else 10.0
    return NumberParam("z", 2.0, -bound, bound)


st.title("Sigmoid & binary cross-entropy")
fallback_slot = st.container()
st.markdown(
    "A logit $z$ becomes a probability $p = \\sigma(z) = 1/(1 + e^{-z})$. Binary cross-entropy scores $p$ against "
    "a target $y \\in [0, 1]$ with two log terms: $y\\log p$ pulls $p$ up, $(1-y)\\log(1-p)$ pulls it down."
)


@st.fragment
def lesson() -> None:
    controls, view = st.columns([1, 2.2], gap="large")
    with controls:
        mode = widgets.choice(MODE, "Mode", help="One example, or several rows with a reduction.")
        wide = widgets.flag(WIDE, "Extended logit range (±100)")
        if mode == "single":
            z = widgets.number_slider(logit_param(wide), "logit z", 0.01 if not wide else 0.1)
            y = widgets.number_slider(TARGET, "target y", 0.01, help="Soft targets between 0 and 1 are allowed.")
            logits, targets, reduction = np.array(z), np.array(y), "mean"
        else:
            rows_text = widgets.text_box(
                "rows",
                "rows as logit:target, comma-separated",
                PRESET_ROWS,
                2000,
                help=f"Up to {MAX_ROWS} rows. The preset is the notebook's five samples.",
            )
            logits, targets, problem = parse_logit_target_rows(rows_text, MAX_ROWS)
            if problem:
                st.error(f"Those rows cannot be used: {problem}. Showing the preset instead.")
                logits, targets, _ = parse_logit_target_rows(PRESET_ROWS, MAX_ROWS)
            widgets.editable_rows("rows", logits, targets, MAX_ROWS)
            reduction = widgets.choice(REDUCTION, "reduction")
        pos_weight = widgets.number_slider(POS_WEIGHT, "pos_weight pw", 0.1, help="Multiplies the positive term.")
        weight = widgets.number_slider(WEIGHT, "weight w", 0.1, help="Multiplies the whole loss of each element.")
        dtype = widgets.dropdown(DTYPE, "dtype of the torch calls")

    lesson = binary_lesson(logits, targets, weight, pos_weight, reduction)
    table = binary_agreement(BinaryScenario(logits, targets, weight, pos_weight, reduction, dtype))
    autograd = next(row for row in table.rows if row.implementation.startswith("nn.BCEWithLogitsLoss"))
    with view:
        if mode == "single":
            show_single(lesson, float(z), float(y), weight, pos_weight, wide, autograd.grad, dtype)
        else:
            show_batch(lesson, reduction, autograd.grad, dtype)
    st.subheader("Do the implementations agree?")
    widgets.agreement_panel(table)
    widgets.pytorch_code(bce_snippet(logits, targets, weight, pos_weight, reduction, dtype))
    widgets.share_link()


def show_single(lesson, z, y, weight, pos_weight, wide, autograd_grad, dtype) -> None:
    p, loss = float(lesson.probabilities), float(lesson.loss)
    widgets.metrics(
        ("p = σ(z)", f"{p:.6g}"),
        ("loss ℓ", f"{loss:.6g}"),
        ("∂ℓ/∂z (formula)", f"{float(lesson.grad):.6g}", f"torch autograd in {dtype}: {float(autograd_grad):.6g}"),
    )
    positive, negative = float(lesson.positive_term), float(lesson.negative_term)
    st.latex(
        r"\begin{aligned}\ell &= -w\,\big[\,p_w\, y \log \sigma(z) + (1-y)\log\big(1-\sigma(z)\big)\big] \\"
        rf"&= -{weight:g}\,\big[\,{pos_weight:g}\cdot({positive:.5g}) + ({negative:.5g})\,\big] = {loss:.6g}"
        r"\end{aligned}"
    )
    widgets.explain(
        f"With y = {y:g}: the positive term y·log p = {positive:.5g} and the negative term (1 − y)·log(1 − p) = "
        f"{negative:.5g}; the loss is −w·(pw·positive + negative). The gradient is "
        f"w·[(1 + (pw − 1)·y)·σ(z) − pw·y] = {float(lesson.grad):.6g}; for w = pw = 1 it is σ(z) − y = "
        f"{p - y:.6g}, and torch autograd in {dtype} gives {float(autograd_grad):.6g}."
    )
    left, right = st.columns(2)
    with left:
        widgets.chart(
            figures.signed_bars(
                ["y·log p", "(1−y)·log(1−p)", "loss ℓ"],
                [positive, negative, loss],
                [palette.POSITIVE_TERM, palette.NEGATIVE_TERM, palette.LOSS],
                "signed value",
            ),
            "terms",
        )
    bound = 100.0 if wide else 10.0
    curve_z, curve_loss, curve_grad = bce_curve_over_logits(y, weight, pos_weight, -bound, bound)
    with right:
        widgets.chart(
            figures.curves_with_point(
                [figures.Curve(curve_z, curve_loss, f"loss ℓ(z), y = {y:g}", palette.LOSS)],
                (z, loss),
                "current z",
                "logit z",
                "loss ℓ",
            ),
            "loss_vs_z",
        )
    left, right = st.columns(2)
    curve_p, curve_loss_p = bce_curve_over_probability(y, weight, pos_weight)
    with left:
        widgets.chart(
            figures.curves_with_point(
                [figures.Curve(curve_p, curve_loss_p, f"loss ℓ(p), y = {y:g}", palette.SIGMOID)],
                (p, loss),
                "current p",
                "probability p",
                "loss ℓ",
            ),
            "loss_vs_p",
        )
    with right:
        widgets.chart(
            figures.curves_with_point(
                [figures.Curve(curve_z, curve_grad, "∂ℓ/∂z", palette.GRADIENT)],
                (z, float(lesson.grad)),
                "current z",
                "logit z",
                "gradient ∂ℓ/∂z",
            ),
            "grad_vs_z",
        )


def show_batch(lesson, reduction, autograd_grad, dtype) -> None:
    st.metric(f"loss, reduction = '{reduction}'", widgets.format_value(lesson.loss))
    per_row = pd.DataFrame(
        {
            "logit z": lesson.logits,
            "target y": lesson.targets,
            "p = σ(z)": lesson.probabilities,
            "y·log p": lesson.positive_term,
            "(1−y)·log(1−p)": lesson.negative_term,
            "ℓ": lesson.per_row_loss,
            "∂L/∂z (formula)": lesson.grad,
            f"∂L/∂z (autograd, {dtype})": autograd_grad,
        }
    )
    st.dataframe(per_row, hide_index=True, width="stretch")
    denominator = {"mean": f"/ N = / {lesson.logits.size}", "sum": "summed", "none": "kept per row"}[reduction]
    widgets.explain(
        f"Each row's ℓ = −w·[pw·y·log p + (1 − y)·log(1 − p)]; reduction '{reduction}': {denominator}. "
        "The gradient column is of the reduced loss, so with 'mean' it carries the 1/N."
    )
    widgets.chart(
        figures.signed_bars(
            [f"row {i + 1}" for i in range(lesson.logits.size)],
            lesson.per_row_loss,
            [palette.LOSS] * lesson.logits.size,
            "per-row loss ℓ",
        ),
        "per_row",
    )


lesson()
widgets.show_url_fallbacks(fallback_slot)
