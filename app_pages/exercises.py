"""Exercises: predict, then reveal. Twelve activation-and-loss wirings, and loss estimates."""

import numpy as np
import streamlit as st

from lib.debugger.presets import THREE_BY_THREE
from lib.lessons.exercises import VERDICTS, WIRINGS, estimate_question, predicted_right, run_wiring
from lib.losses import handwritten as hw
from lib.view.url_state import FlagParam, IntParam
from ui import widgets

CONFIDENT = FlagParam("confident", False)
QUESTION = IntParam("q", 1, 1, 999)
BINARY_LOGITS = np.array([1.1, 2.2, 0.5, -1.1, -2.2])
BINARY_TARGETS = np.array([1.0, 1.0, 0.0, 0.0, 0.0])
CLASS_TARGETS = np.array([0, 1, 2])

st.title("Exercises: predict, then reveal")
fallback_slot = st.container()
widgets.explain(
    "For each wiring of an activation in front of a loss, predict whether it is right, works but worse, or wrong. "
    "Reveal runs it with real torch on the tensors below and says why. Your progress stays for this session."
)


@st.fragment
def wirings() -> None:
    confident = widgets.flag(CONFIDENT, "confident logits (×40): where saturation shows")
    scale = 40.0 if confident else 1.0
    binary_logits, class_logits = BINARY_LOGITS * scale, THREE_BY_THREE * scale
    st.caption(
        f"Binary: logits {np.round(binary_logits, 2).tolist()}, targets {BINARY_TARGETS.tolist()}. "
        f"Classes: logits {np.round(class_logits, 2).tolist()}, targets {CLASS_TARGETS.tolist()}."
    )
    revealed = st.session_state.setdefault("revealed", {})
    progress = st.empty()
    for row_start in range(0, len(WIRINGS), 3):
        for column, (index, wiring) in zip(
            st.columns(3), enumerate(WIRINGS[row_start : row_start + 3], start=row_start), strict=False
        ):
            with column.container(border=True):
                st.markdown(f"**{wiring.name}**")
                guess = st.radio(
                    "your prediction",
                    VERDICTS,
                    index=None,
                    key=f"guess_{index}",
                    horizontal=False,
                    disabled=index in revealed,
                )
                st.button(
                    "Reveal",
                    key=f"reveal_{index}",
                    disabled=guess is None or index in revealed,
                    on_click=remember_prediction,
                    args=(revealed, index),
                )
                if index in revealed:
                    reveal(wiring, revealed[index], binary_logits, class_logits)
    progress.progress(
        len(revealed) / len(WIRINGS),
        text=f"{len(revealed)} of {len(WIRINGS)} revealed, {predicted_right(revealed)} predicted right",
    )
    if revealed:
        st.caption("A revealed card keeps the prediction it was revealed with; *Start again* clears every card.")
    st.button("Start again", on_click=start_again, args=(revealed,))
    widgets.share_link()


def remember_prediction(revealed: dict[int, str], index: int) -> None:
    """Before the rerun, so the card is drawn revealed, its choice locked, in the same run."""
    revealed[index] = st.session_state[f"guess_{index}"]


def start_again(revealed: dict[int, str]) -> None:
    revealed.clear()
    for index in range(len(WIRINGS)):
        st.session_state.pop(f"guess_{index}", None)


def reveal(wiring, guess, binary_logits, class_logits) -> None:
    logits, targets = (binary_logits, BINARY_TARGETS) if wiring.binary else (class_logits, CLASS_TARGETS)
    run = run_wiring(wiring, logits, targets)
    verdict = f"**{wiring.verdict}**"
    if guess == wiring.verdict:
        st.success(f"Yes: {verdict}.", icon=":material/check:")
    else:
        st.error(f"It is {verdict} (you said {guess}).", icon=":material/close:")
    shown = run.error if run.error else f"{run.value:.4f}"
    st.markdown(f"torch gives `{shown}`; the correct loss is `{run.correct:.4f}`. Failure mode: {wiring.failure}.")
    st.caption(wiring.why)


@st.fragment
def estimates() -> None:
    number = widgets.number_box(QUESTION, "question number", 1)
    question = estimate_question(int(number))
    st.markdown(
        f"Estimate the binary cross-entropy for logit **z = {question.logit:g}** and target "
        f"**y = {question.target:g}**: ℓ = −[y·log σ(z) + (1 − y)·log(1 − σ(z))]."
    )
    guess = st.number_input("your estimate", 0.0, 100.0, None, 0.05, key=f"estimate_{number}")
    scores = st.session_state.setdefault("estimates", {})
    if st.button("Check", disabled=guess is None):
        scores[int(number)] = question.is_close(guess)
    if int(number) in scores:
        if scores[int(number)]:
            st.success(f"Close enough: ℓ = {question.answer:.4f}.", icon=":material/check:")
        else:
            st.error(f"Not quite: ℓ = {question.answer:.4f}.", icon=":material/close:")
        st.caption(
            f"σ({question.logit:g}) = {float(hw.sigmoid(question.logit)):.4f}. For large |z| with the wrong sign "
            "the loss is about |z|; at z = 0 it is log 2 = 0.693 whatever the target."
        )
    st.caption(f"{sum(scores.values())} of {len(scores)} estimates within 10 % this session.")
    widgets.share_link()


tab_wirings, tab_estimates = st.tabs(["Twelve wirings", "Estimate the loss"])
with tab_wirings:
    wirings()
with tab_estimates:
    estimates()
widgets.show_url_fallbacks(fallback_slot)
