"""The baseline for the latency benchmark: one slider and one plotly curve, nothing else."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

value = st.slider("value", -10.0, 10.0, 0.0, 0.01)
x = np.linspace(-10.0, 10.0, 401)
st.plotly_chart(go.Figure(go.Scatter(x=x, y=np.abs(x - value), mode="lines")), config={"displayModeBar": False})
