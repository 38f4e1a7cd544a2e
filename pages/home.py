"""Home: what Logit Lab answers and where to start."""

import streamlit as st

st.title("Logit Lab")
st.markdown(
    "Binary cross-entropy and cross-entropy, made visible: move a logit or a target and watch the "
    "probabilities, every log term, the loss, its gradient, and whether the hand-written formula and "
    "PyTorch's `BCEWithLogitsLoss`, `BCELoss` and `CrossEntropyLoss` agree, and when they do not, why."
)
