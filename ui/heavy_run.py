"""A heavy run on the batched lab: its button, the Stop beside it, a progress bar, and the server's one slot.

A run goes through :func:`heavy_run_button`: the button starts it, a Stop button stands beside it while it runs
(a click on Stop, or on any control, ends the script run and so the work between two chunks), a progress bar
follows it, and the work holds :func:`lib.batched.limits.heavy_work_slot`, so one user's run never queues behind
another's. Once the run ends, its Stop button and its progress bar are gone; :func:`interrupted_note` reports a
run that was stopped, and how far it got.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from lib.batched.engine import Progress
from lib.batched.limits import ServerBusy, heavy_work_slot


def _running_key(name: str) -> str:
    return f"{name}_running"


def interrupted_note(name: str) -> None:
    """If the last run of ``name`` did not finish (Stop, or any click, interrupts it), say how far it got."""
    unfinished = st.session_state.pop(_running_key(name), None)
    if unfinished is not None:
        st.info(f"The last {name} run was stopped at {unfinished:.0%}.", icon=":material/stop_circle:")


def _tracked_progress(slot, name: str, label: str) -> Progress:
    """A progress bar in ``slot`` whose fraction is also remembered, so an interrupted run can be reported."""
    bar = slot.progress(0.0, text=label)
    st.session_state[_running_key(name)] = 0.0

    def update(fraction: float) -> None:
        st.session_state[_running_key(name)] = fraction
        bar.progress(fraction, text=f"{label} {fraction:.0%}")

    return update


def heavy_run_button(
    button_label: str, name: str, progress_label: str, work: Callable[[Progress], Any], primary: bool = False
) -> None:
    """A button that runs ``work(progress)`` in the server's heavy-work slot; its result is kept under ``name``."""
    buttons = st.container(horizontal=True)
    if not buttons.button(button_label, type="primary" if primary else "secondary"):
        return
    stop = buttons.empty()
    stop.button("Stop", key=f"stop_{name}")
    progress_slot = st.empty()
    try:
        with heavy_work_slot():
            st.session_state[name] = work(_tracked_progress(progress_slot, name, progress_label))
    except ServerBusy:
        st.warning(
            "Another user's heavy run is in progress on this server; try again in a few seconds.",
            icon=":material/hourglass_top:",
        )
    st.session_state.pop(_running_key(name), None)
    progress_slot.empty()
    stop.empty()
