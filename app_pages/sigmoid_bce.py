"""Lesson: sigmoid and binary cross-entropy. One example moves live while z is dragged (ui/live_panel.py); batch
mode reduces several rows."""

import numpy as np
import pandas as pd
import streamlit as st

from lib.agreement.binary import BinaryScenario, binary_agreement
from lib.lessons.binary import bce_curve_over_logits, bce_curve_over_probability, binary_lesson, logit_grid
from lib.lessons.grids import BinaryGrid, binary_grid
from lib.lessons.snippets import bce_snippet
from lib.losses import handwritten as hw
from lib.losses.torch_losses import DTYPES
from lib.view import figures, palette
from lib.view.panel_data import axis_range
from lib.view.parsing import parse_logit_target_rows
from lib.view.url_state import ChoiceParam, FlagParam, NumberParam
from ui import live_panel as lp
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
PANEL = "bce_panel"


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
            y = widgets.number_slider(TARGET, "target y", 0.01, help="Soft targets between 0 and 1 are allowed.")
        pos_weight = widgets.number_slider(POS_WEIGHT, "pos_weight pw", 0.1, help="Multiplies the positive term.")
        weight = widgets.number_slider(WEIGHT, "weight w", 0.1, help="Multiplies the whole loss of each element.")
        dtype = widgets.dropdown(DTYPE, "dtype of the torch calls")
    if mode == "single":
        with view:
            single_example(logit_param(wide), y, weight, pos_weight, dtype)
        return
    with controls:
        scenario = batch_scenario(weight, pos_weight, dtype)
    table = binary_agreement(scenario)
    with view:
        show_batch(scenario, table.rows[[row.id for row in table.rows].index("bcewithlogitsloss")].grad)
    st.subheader("Do the implementations agree?")
    widgets.agreement_panel(table)
    widgets.pytorch_code(bce_snippet(scenario))
    widgets.share_link()


@st.fragment
def single_example(param: NumberParam, y: float, weight: float, pos_weight: float, dtype: str) -> None:
    """The live panel: z dragged in the browser over a grid lib computed. A committed z reruns only this: the
    panel (the same bytes), Copy as PyTorch and the link."""
    grid = logit_grid(param.high)
    z = lp.value(PANEL, param, grid)
    table = (param.high, y, weight, pos_weight, dtype)
    opened_at = lp.start(PANEL, table, z)
    payload = panel_payload(*table, opened_at, widgets.presenting())
    lp.show(PANEL, [param], payload, {param.key: opened_at}, {param.key: z})
    widgets.pytorch_code(bce_snippet(BinaryScenario(np.array(z), np.array(y), weight, pos_weight, "mean", dtype)))
    widgets.share_link()


@st.cache_resource(max_entries=32, show_spinner=False)
def panel_payload(
    bound: float, y: float, weight: float, pos_weight: float, dtype: str, opened_at: float, present: bool
) -> bytes:
    """The panel's bytes, once per table and start (a commit's rerun finds them here)."""
    grid = binary_grid(logit_grid(bound), y, weight, pos_weight, dtype)
    return bce_panel(grid, bound).payload({logit_param(bound > 10).key: opened_at}, present)


def bce_panel(grid: BinaryGrid, bound: float) -> lp.Panel:
    s, lesson = grid.scenario, grid.lesson
    y, w, pw, dtype = float(lesson.targets[0]), s.weight, s.pos_weight, s.dtype
    curve_z, curve_loss, curve_grad = bce_curve_over_logits(y, w, pw, -bound, bound)
    curve_p, curve_mix = bce_curve_over_probability(y, w, pw)
    _, minus_log_p = bce_curve_over_probability(1.0, 1.0, 1.0)
    _, minus_log_not_p = bce_curve_over_probability(0.0, 1.0, 1.0)
    autograd = grid.agreement.grads[grid.agreement.row("bcewithlogitsloss")]
    columns = {
        "grid": grid.logits,
        "p": lesson.probabilities,
        "positive": lesson.positive_term,
        "negative": lesson.negative_term,
        "loss": lesson.per_row_loss,
        "grad": lesson.per_row_grad,
        "autograd": autograd,
        "p_minus_y": lesson.probabilities - y,
        "rounds_to_one": grid.rounds_to_one.astype(np.float64),
        "curve_z": curve_z,
        "curve_sigmoid": hw.sigmoid(curve_z),
        "curve_loss": curve_loss,
        "curve_grad": curve_grad,
        "curve_p": curve_p,
        "curve_mix": curve_mix,
        "curve_minus_log_p": minus_log_p,
        "curve_minus_log_not_p": minus_log_not_p,
    }
    m = lp.slot
    body = (
        lp.metrics(
            lp.metric("p = σ(z)", "p"),
            lp.metric("loss ℓ", "loss"),
            lp.metric("∂ℓ/∂z (formula)", "grad", f"torch autograd in {dtype}: {m('autograd')}"),
        )
        + lp.formula(
            "ℓ = −w[p_w·y·log σ(z) + (1 − y)·log(1 − σ(z))]",
            f"= −{w:g}[{pw:g}·({{positive:5}}) + ({{negative:5}})] = {{loss}}",
        )
        + lp.note(
            f"At z = {m('grid')}, p = σ(z) rounds to exactly 1 in float64, so from p alone the negative term would "
            "be (1 − y)·log(1 − 1) = −∞ (BCELoss clamps that log at −100). The loss ℓ = "
            f"{m('loss')} comes from the stable form w·[(1 − y)·z − (1 + (pw − 1)·y)·log σ(z)], which works from z "
            "and never forms 1 − p: that is why the point leaves the ℓ(p) curve, whose last point is p = 0.9995.",
            when="rounds_to_one",
        )
        + lp.explanation(
            f"With y = {y:g}: the positive term y·log p = {m('positive', 5)} and the negative "
            f"term (1 − y)·log(1 − p) = {m('negative', 5)}; the loss is −w·(pw·positive + negative). The gradient is "
            f"w·[(1 + (pw − 1)·y)·σ(z) − pw·y] = {m('grad')}; for w = pw = 1 it is σ(z) − y = {m('p_minus_y')}, and "
            f"torch autograd in {dtype} gives {m('autograd')}."
        )
    )
    terms = (lesson.positive_term, lesson.negative_term, lesson.per_row_loss)
    p_range = axis_range(curve_mix, minus_log_p, include=(0.0,), pad=0.04)
    charts = [
        lp.PanelChart(
            "the sigmoid p = σ(z)",
            "logit z",
            "probability p",
            (-bound, bound),
            (-0.04, 1.04),
            f"The sigmoid curve p = σ(z) for z from {-bound:g} to {bound:g}; the current point is at "
            "logit z = {grid}, p = {p}.",
            curves=(lp.Curve("curve_z", "curve_sigmoid", "σ(z)", palette.SIGMOID),),
            points=(lp.Point("grid", "p", "current z", palette.PREDICTION),),
        ),
        lp.PanelChart(
            "the two terms and the loss",
            "",
            "signed value",
            (-0.5, 2.5),
            axis_range(*terms, include=(0.0,), pad=0.12),
            "Bar chart: y·log p = {positive}; (1−y)·log(1−p) = {negative}; loss ℓ = {loss}.",
            bars=lp.Bars(
                ("y·log p", "(1−y)·log(1−p)", "loss ℓ"),
                (
                    lp.BarSeries(
                        "",
                        ("positive", "negative", "loss"),
                        (palette.POSITIVE_TERM, palette.NEGATIVE_TERM, palette.LOSS),
                    ),
                ),
            ),
        ),
        lp.PanelChart(
            "the loss against z",
            "logit z",
            "loss ℓ",
            (-bound, bound),
            axis_range(curve_loss, include=(0.0,), pad=0.05),
            f"The loss ℓ(z) for y = {y:g}; the current point is at logit z = {{grid}}, ℓ = {{loss}}.",
            curves=(lp.Curve("curve_z", "curve_loss", f"ℓ(z), y = {y:g}", palette.LOSS),),
            points=(lp.Point("grid", "loss", "current z", palette.PREDICTION),),
        ),
        lp.PanelChart(
            "the loss against p, for both labels",
            "probability p",
            "loss",
            (0.0, 1.0),
            p_range,
            f"−log p (label 1) and −log(1 − p) (label 0) against p, and the mix for y = {y:g}; the current point "
            "is at p = {p}, ℓ = {loss}.",
            curves=(
                lp.Curve("curve_p", "curve_minus_log_p", "−log p  (y = 1)", palette.POSITIVE_TERM, "dash", 2),
                lp.Curve("curve_p", "curve_minus_log_not_p", "−log(1 − p)  (y = 0)", palette.NEGATIVE_TERM, "dash", 2),
                lp.Curve("curve_p", "curve_mix", f"ℓ(p), y = {y:g}", palette.LOSS, "solid", 4),
            ),
            points=(lp.Point("p", "loss", "current p", palette.PREDICTION, "ℓ = {loss}, off the curve ↑"),),
        ),
        lp.PanelChart(
            "the gradient against z",
            "logit z",
            "gradient ∂ℓ/∂z",
            (-bound, bound),
            axis_range(curve_grad, include=(0.0,), pad=0.06),
            "The gradient ∂ℓ/∂z; the current point is at logit z = {grid}, ∂ℓ/∂z = {grad}.",
            curves=(lp.Curve("curve_z", "curve_grad", "∂ℓ/∂z", palette.GRADIENT),),
            points=(lp.Point("grid", "grad", "current z", palette.PREDICTION),),
        ),
    ]
    step = 0.01 if bound == 10 else 0.1
    slider = lp.PanelSlider(logit_param(bound > 10), "logit z", step, "z = {grid}, p = {p}", "grid")
    return lp.Panel([slider], body, charts, grid.agreement, columns=columns)


def batch_scenario(weight: float, pos_weight: float, dtype: str) -> BinaryScenario:
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
    return BinaryScenario(logits, targets, weight, pos_weight, reduction, dtype)


def show_batch(scenario: BinaryScenario, autograd_grad: np.ndarray) -> None:
    lesson = binary_lesson(scenario)
    reduction, dtype = scenario.reduction, scenario.dtype
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
