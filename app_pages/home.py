"""Home: what Logit Lab answers, a one-minute tour, and a card per page."""

import streamlit as st

from ui import registry, widgets

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
        "4. **Mismatch debugger**: paste your own PyTorch script (or pick a catalogue entry); it runs it, finds the "
        "edited line that reconciles your two numbers and says why, with a script that reproduces them.\n"
        "5. Every control is in the link (*Copy a link to this view*); *Presentation mode* in the sidebar enlarges "
        "numbers and plots for a projector."
    )
for row_start in range(0, len(registry.PAGES), 3):
    for column, entry in zip(st.columns(3), registry.PAGES[row_start : row_start + 3], strict=False):
        with column.container(border=True, height="stretch"):
            st.page_link(entry.script, label=entry.title)
            st.markdown(entry.question)
