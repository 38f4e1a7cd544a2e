"""The widgets every page shares: URL-bound controls, charts with alt text, the agreement panel.

Each control is declared once as a :mod:`lib.url_state` parameter and bound to the query string,
so any view is a link. A value in the link that cannot be used falls back to the default, and the
page says so through :func:`show_url_fallbacks`.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import streamlit as st

from lib.agreement import REFERENCE, AgreementTable
from lib.figures import Chart
from lib.url_state import ChoiceParam, FlagParam, IntParam, NumberParam, Param, fallback_note

_FALLBACKS = "_url_fallbacks"
_SCREEN_READER_CSS = (
    "<style>.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;"
    "clip:rect(0,0,0,0);white-space:nowrap;border:0}</style>"
)


def _check_link_value(param: Param) -> None:
    values = st.query_params.get_all(param.key)
    problem = param.problem(values[-1]) if values else None
    if problem:
        st.session_state.setdefault(_FALLBACKS, {})[param.key] = (param, problem)


def number_slider(param: NumberParam, label: str, step: float, help: str | None = None) -> float:
    """A float slider over [low, high], bound to ``?{key}=``."""
    _check_link_value(param)
    return st.slider(label, param.low, param.high, param.default, step, key=param.key, bind="query-params", help=help)


def int_slider(param: IntParam, label: str, help: str | None = None) -> int:
    """A whole-number slider over [low, high], bound to ``?{key}=``."""
    _check_link_value(param)
    return st.slider(label, param.low, param.high, param.default, 1, key=param.key, bind="query-params", help=help)


def choice(param: ChoiceParam, label: str, horizontal: bool = True, help: str | None = None) -> str:
    """One of the options as radio buttons, bound to ``?{key}=``."""
    _check_link_value(param)
    return st.radio(
        label,
        param.choices,
        index=param.choices.index(param.default),
        key=param.key,
        bind="query-params",
        horizontal=horizontal,
        help=help,
    )


def dropdown(param: ChoiceParam, label: str, help: str | None = None, on_change=None) -> str:
    """One of the options as a select box, bound to ``?{key}=`` (the option itself goes in the link)."""
    _check_link_value(param)
    return st.selectbox(
        label,
        param.choices,
        index=param.choices.index(param.default),
        key=param.key,
        bind="query-params",
        help=help,
        on_change=on_change or "rerun",
    )


def flag(param: FlagParam, label: str, help: str | None = None) -> bool:
    """An on/off toggle, bound to ``?{key}=true``."""
    _check_link_value(param)
    return st.toggle(label, value=param.default, key=param.key, bind="query-params", help=help)


def number_box(param: NumberParam | IntParam, label: str, step: float, help: str | None = None) -> float | int:
    """A number input over [low, high], bound to ``?{key}=`` (whole numbers for an IntParam)."""
    _check_link_value(param)
    return st.number_input(
        label, param.low, param.high, param.default, step, key=param.key, bind="query-params", help=help
    )


def text_box(key: str, label: str, default: str, max_chars: int, help: str | None = None, area: bool = False) -> str:
    """Free text bound to ``?{key}=``, capped at ``max_chars``; the page parses it with lib.parsing."""
    widget = st.text_area if area else st.text_input
    return widget(label, default, max_chars=max_chars, key=key, bind="query-params", help=help)


def show_url_fallbacks(slot) -> None:
    """Say, in ``slot``, which link values fell back to defaults in this run (then forget them)."""
    problems = st.session_state.pop(_FALLBACKS, {})
    if problems:
        slot.warning(fallback_note(list(problems.values())), icon=":material/link_off:")


def chart(figure_and_alt: Chart, key: str) -> None:
    """A plotly chart with its words-only summary for screen readers."""
    st.plotly_chart(figure_and_alt.figure, key=key, config={"displayModeBar": False}, width="stretch")
    st.markdown(
        f'{_SCREEN_READER_CSS}<div class="sr-only" role="note">{html.escape(figure_and_alt.alt)}</div>',
        unsafe_allow_html=True,
    )


def format_value(value: np.ndarray) -> str:
    """A loss as people read it: 6 significant digits, or a short list for unreduced results."""
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        return f"{float(array):.6g}"
    shown = ", ".join(f"{v:.4g}" for v in array.ravel()[:6])
    return f"[{shown}{', …' if array.size > 6 else ''}]"


def agreement_panel(table: AgreementTable) -> None:
    """Each implementation's value, its gap to the float64 reference, agree or differ, and why."""
    rows = pd.DataFrame(
        {
            "implementation": [row.implementation for row in table.rows],
            "dtype": [row.dtype for row in table.rows],
            "value": [format_value(row.value) for row in table.rows],
            "|Δ| vs reference": ["—" if row.reason == REFERENCE else f"{row.difference:.3g}" for row in table.rows],
            "agrees?": [
                "reference" if row.reason == REFERENCE else ("✓ agrees" if row.agrees else "✗ differs")
                for row in table.rows
            ],
        }
    )
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption(f"An implementation agrees when {table.tolerance_rule}, element by element.")
    for row in table.disagreeing:
        st.warning(f"**{row.implementation}** gives {format_value(row.value)}. {row.reason}", icon=":material/info:")
    if not table.disagreeing:
        st.success("Every implementation agrees with the hand-written float64 reference.", icon=":material/check:")
