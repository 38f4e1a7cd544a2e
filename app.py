"""Logit Lab: the entry point. It only declares the pages and the navigation between them."""

from pathlib import Path

import streamlit as st

from lib.device import share_cores_between_sessions
from ui import widgets

FAVICON = Path(__file__).parent / "ui" / "favicon.svg"
"""A file, so the browser fetches the tab icon from this server: a Material icon name here makes every page
load ask fonts.gstatic.com for it."""

st.set_page_config(
    page_title="Logit Lab", page_icon=str(FAVICON), layout="wide", initial_sidebar_state=widgets.initial_sidebar()
)
share_cores_between_sessions()
widgets.serve_plotly_js()

PAGES = {
    "": [st.Page("pages/home.py", title="Home", icon=":material/home:", default=True)],
    "Lessons": [
        st.Page("pages/sigmoid_bce.py", title="Sigmoid & BCE", icon=":material/show_chart:", url_path="sigmoid-bce"),
        st.Page(
            "pages/softmax_ce.py", title="Softmax & cross-entropy", icon=":material/bar_chart:", url_path="softmax-ce"
        ),
        st.Page("pages/soft_targets.py", title="Soft targets", icon=":material/gradient:", url_path="soft-targets"),
        st.Page("pages/stability.py", title="Numerical stability", icon=":material/warning:", url_path="stability"),
    ],
    "Tools": [
        st.Page("pages/mismatch.py", title="Mismatch debugger", icon=":material/bug_report:", url_path="mismatch"),
        st.Page("pages/batched.py", title="Batched lab", icon=":material/speed:", url_path="batched"),
        st.Page("pages/exercises.py", title="Exercises", icon=":material/quiz:", url_path="exercises"),
    ],
}

page = st.navigation(PAGES)
widgets.presentation_toggle()
page.run()
