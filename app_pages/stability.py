"""Lesson: numerical stability. Where the naive formulas break, in each dtype, and the tricks that don't."""

import numpy as np
import pandas as pd
import streamlit as st

from lib.lessons.snippets import log_sum_exp_snippet, saturation_snippet
from lib.lessons.stability import exp_overflow_logit, log_sum_exp_steps, logsigmoid_sweep
from lib.losses.torch_losses import DTYPES, sigmoid_saturation_logit, sigmoid_underflow_logit
from lib.view import figures, palette
from lib.view.parsing import parse_tensor
from lib.view.url_state import ChoiceParam
from ui import widgets

DTYPE = ChoiceParam("dtype", "float32", tuple(DTYPES))
LSE_DTYPE = ChoiceParam("lse_dtype", "float64", ("float64", "float32"))
DEFAULT_LOGITS = "1000, 0, -1000"
MAX_LOGITS = 12
SWEEP = np.linspace(-200.0, 200.0, 801)

st.title("Numerical stability: naive against stable")
fallback_slot = st.container()
st.markdown(
    "On paper $\\log(1-\\sigma(z))$ and $\\log\\sigma(-z)$ are the same number. In floating point, $\\sigma(z)$ "
    "rounds to exactly 1 once $z$ is large enough, and $\\log(1 - 1) = -\\infty$. The stable forms never build "
    "the probability: $\\log\\sigma(z) = \\min(z, 0) - \\log(1 + e^{-|z|})$."
)


@st.fragment
def sweep() -> None:
    st.subheader("log σ and the BCE of target 0 from z = −200 to 200")
    dtype = widgets.choice(DTYPE, "dtype")
    sweeps = {name: logsigmoid_sweep(SWEEP, name) for name in DTYPES}
    result = sweeps[dtype]
    left, right = st.columns(2)
    with left:
        widgets.chart(
            figures.curves_with_point(
                [
                    figures.Curve(
                        SWEEP, result.naive_log_one_minus_p, f"naive log(1 − σ(z)), {dtype}", palette.NEGATIVE_TERM
                    ),
                    figures.Curve(
                        SWEEP, result.stable_log_one_minus_p, f"F.logsigmoid(−z), {dtype}", palette.SIGMOID, "dash"
                    ),
                ],
                (sigmoid_saturation_logit(dtype), -sigmoid_saturation_logit(dtype)),
                f"σ(z) = 1 from here in {dtype}",
                "logit z",
                "log(1 − σ(z))",
            ),
            "log_one_minus_sigmoid",
        )
    with right:
        widgets.chart(
            figures.curves_with_point(
                [
                    figures.Curve(
                        SWEEP, result.bce_on_probability, f"BCELoss(σ(z), 0), {dtype}", palette.NEGATIVE_TERM
                    ),
                    figures.Curve(SWEEP, result.bce_with_logits, f"BCEWithLogitsLoss(z, 0), {dtype}", palette.SIGMOID),
                    figures.Curve(
                        SWEEP, result.keras_clipped, "Keras: clip p to [1e-7, 1 − 1e-7]", palette.TARGET, "dot"
                    ),
                    figures.Curve(
                        SWEEP, result.sklearn_clipped, "scikit-learn: clip to float64 eps", palette.SOFTMAX, "dash"
                    ),
                ],
                (20.0, float(np.interp(20.0, SWEEP, result.bce_on_probability))),
                "z = 20",
                "logit z",
                "loss for target 0",
                (0.0, 210.0),
            ),
            "target_zero_loss",
        )
    at_20 = logsigmoid_sweep(np.array([20.0]), dtype)
    st.info(
        f"With target 0 at z = 20 in {dtype}: BCELoss on σ(z) gives {at_20.bce_on_probability[0]:.6g} "
        f"(σ(20) rounds to {at_20.probability[0]:.10g}, "
        f"and the log is clamped at −100) while BCEWithLogitsLoss gives {at_20.bce_with_logits[0]:.6g}. "
        f"Keras's clipping caps the same term at {at_20.keras_clipped[0]:.4g}, "
        f"scikit-learn's at {at_20.sklearn_clipped[0]:.4g}."
    )
    rows = []
    for name, each in sweeps.items():
        rows.append(
            {
                "dtype": name,
                "σ(z) = 1 from z ≈": f"{sigmoid_saturation_logit(name):.4g}",
                "σ(z) = 0 below z ≈": f"{sigmoid_underflow_logit(name):.4g}",
                "naive log(1 − σ(z)) is −inf for": each.where_non_finite(each.naive_log_one_minus_p),
                "naive log σ(z) is −inf for": each.where_non_finite(each.naive_log_p),
                "BCELoss(σ(z), 0) at z = 200": f"{each.bce_on_probability[-1]:.4g}",
                "F.logsigmoid breaks": each.where_non_finite(each.stable_log_p),
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    widgets.explain(
        "Every entry is computed by torch in that dtype; the stable form never produces inf or nan in ±200."
    )
    widgets.pytorch_code(saturation_snippet(dtype))
    widgets.share_link()


@st.fragment
def log_sum_exp() -> None:
    st.subheader("The log-sum-exp trick, step by step, with your numbers")
    text = widgets.text_box("lse", f"logits (up to {MAX_LOGITS}, comma-separated)", DEFAULT_LOGITS, 600)
    dtype = widgets.choice(LSE_DTYPE, "computed in")
    parsed = parse_tensor(text, max_elements=MAX_LOGITS)
    if not parsed.ok or parsed.values.ndim != 1 or not np.all(np.isfinite(parsed.values)):
        problem = parsed.problem or "it must be one row of finite numbers"
        st.error(f"Those logits cannot be used: {problem}. Showing {DEFAULT_LOGITS} instead.")
        parsed = parse_tensor(DEFAULT_LOGITS)
    steps = log_sum_exp_steps(parsed.values, dtype)
    table = pd.DataFrame(
        {
            "z_k": steps.logits,
            "naive e^z_k": steps.naive_exp,
            "naive softmax e^z_k / Σ": steps.naive_softmax,
            "z_k − m": steps.shifted,
            "e^(z_k − m)": steps.shifted_exp,
            "log softmax = (z_k − m) − log Σ": steps.log_softmax,
            "softmax": steps.softmax,
        }
    )
    st.dataframe(table.astype(str), hide_index=True, width="stretch")
    st.latex(
        rf"\mathrm{{LSE}}(z) = m + \log\sum_k e^{{z_k - m}} = {steps.maximum:.6g} + \log {steps.shifted_sum:.6g}"
        rf" = {steps.log_sum_exp:.8g}"
    )
    widgets.explain(
        f"Naive: Σ e^z_k = {steps.naive_sum:.6g} and its log = {steps.naive_log_sum:.6g} in {dtype} (e^z overflows "
        f"past z ≈ {exp_overflow_logit(dtype):.2f}). "
        f"Stable: subtract the largest logit m = {steps.maximum:.6g} "
        "first, so every exponent is ≤ 0, the largest term is exactly 1 and the sum lies in [1, K]."
    )
    widgets.pytorch_code(log_sum_exp_snippet(steps.logits, dtype))
    widgets.share_link()


sweep()
log_sum_exp()
widgets.show_url_fallbacks(fallback_slot)
