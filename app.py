"""Logit Lab: the entry point. It only declares the pages and the navigation between them."""

import streamlit as st

st.set_page_config(page_title="Logit Lab", page_icon=":material/functions:", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
]

st.navigation(PAGES).run()
