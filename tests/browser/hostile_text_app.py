"""A one-chart app for the browser tests: the text in ``?text=`` becomes a chart's summary and a paragraph,
through the same widgets the pages use."""

import plotly.graph_objects as go
import streamlit as st

from lib.view.figures import Chart
from ui import widgets

text = st.query_params.get("text", "")
widgets.chart(Chart(go.Figure(layout={"height": 200}), text), "hostile")
widgets.explain(text)
