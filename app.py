"""Logit Lab: the entry point. It only declares the pages and the navigation between them."""

from datetime import timedelta
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


@st.fragment(run_every=timedelta(days=1))
def _rerun_after_a_reconnect() -> None:
    """Draws nothing. An app with a timed fragment makes Streamlit's browser side ask for a full run each time its
    websocket reconnects (streamlit/streamlit#11890 asks for one only then, or after a fragment run). Without it, a
    tab that reconnects before its first slider move, to another replica or to a restarted server, keeps a page
    whose fragments that server never ran, and the server drops every slider move as a rerun of an unknown fragment.
    """


page = st.navigation(_navigation())
widgets.presentation_toggle()
_rerun_after_a_reconnect()
page.run()
