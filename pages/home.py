"""Home: what Logit Lab answers, a one-minute tour, and a card per page."""

import streamlit as st

from ui import widgets

CARDS = [
    (
        "pages/sigmoid_bce.py",
        "Sigmoid & BCE",
        "How does one logit become a probability, and what do the two log terms of BCE do with it?",
    ),
    (
        "pages/softmax_ce.py",
        "Softmax & cross-entropy",
        "How do K logits compete, and why is cross-entropy log-sum-exp minus the target's logit?",
    ),
    (
        "pages/soft_targets.py",
        "Soft targets",
        "Why does a VAE's BCE never reach zero on grey pixels, and what does reach zero?",
    ),
    (
        "pages/stability.py",
        "Numerical stability",
        "Where do log(σ(z)) and softmax break in float16, bfloat16, float32 and float64, and what never breaks?",
    ),
    (
        "pages/mismatch.py",
        "Mismatch debugger",
        "My BCE gives 0.84 and my CE gives 0.92: why, and which single change makes them agree?",
    ),
    (
        "pages/batched.py",
        "Batched lab",
        "Over ten million logits, how far does each implementation stray in float16, and how fast is it on a GPU?",
    ),
    (
        "pages/exercises.py",
        "Exercises",
        "Which of twelve activation-and-loss wirings are right, which work but worse, which are wrong?",
    ),
]

st.title("Logit Lab")
st.markdown(
    "Binary cross-entropy and cross-entropy, made visible. Move a logit or a target and watch the probabilities, "
    "every log term, the loss, its gradient, and whether the hand-written formula and PyTorch's "
    "`BCEWithLogitsLoss`, `BCELoss` and `CrossEntropyLoss` agree; when they do not, the page says why."
)
with st.expander("The one-minute tour", expanded=not widgets.presenting()):
    st.markdown(
        "1. **Sigmoid & BCE**: drag the logit z. The probability σ(z), the two signed log terms, the loss curve and "
        "its gradient σ(z) − y move together; the table below checks seven implementations against a float64 "
        "reference.\n"
        "2. Tick *Extended logit range* and take z to 20 with target 0: in float32 `BCELoss` on σ(z) says 100, "
        "`BCEWithLogitsLoss` says 20, and the page explains the −100 clamp.\n"
        "3. **Softmax & cross-entropy** does the same for K classes, with temperature, label smoothing, class "
        "weights and ignore_index; with K = 2 it shows softmax([z0, z1])[1] = σ(z1 − z0).\n"
        "4. **Mismatch debugger**: pick a catalogue entry or paste your own tensors; it finds the change that "
        "reconciles your two numbers and gives a script that reproduces them.\n"
        "5. Every control is in the link (*Copy a link to this view*); *Presentation mode* in the sidebar enlarges "
        "numbers and plots for a projector."
    )
for row_start in range(0, len(CARDS), 3):
    for column, (path, title, question) in zip(st.columns(3), CARDS[row_start : row_start + 3], strict=False):
        with column.container(border=True, height="stretch"):
            st.page_link(path, label=title)
            st.markdown(question)
