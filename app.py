"""Logit Lab: the entry point. It only declares the pages and the navigation between them."""

from pathlib import Path

import streamlit as st

from lib.batched.device import share_cores_between_sessions
from ui import registry, widgets

FAVICON = Path(__file__).parent / "ui" / "favicon.svg"
"""A file, so the browser fetches the tab icon from this server: a Material icon name here makes every page
load ask fonts.gstatic.com for it."""

st.set_page_config(
    page_title="Logit Lab", page_icon=str(FAVICON), layout="wide", initial_sidebar_state=widgets.initial_sidebar()
)


@st.cache_resource
def _prepare_process() -> None:
    """Work for the whole server process, once: torch's thread count, and plotly.js in the static folder."""
    share_cores_between_sessions()
    widgets.serve_plotly_js()


_prepare_process()


def _navigation() -> dict[str, list]:
    sections: dict[str, list] = {
        "": [st.Page(registry.HOME.script, title=registry.HOME.title, icon=registry.HOME.icon, default=True)]
    }
    for entry in registry.PAGES:
        sections.setdefault(entry.section, []).append(
            st.Page(entry.script, title=entry.title, icon=entry.icon, url_path=entry.url_path)
        )
    return sections


page = st.navigation(_navigation())
widgets.presentation_toggle()
page.run()
