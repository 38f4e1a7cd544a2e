"""The widgets every page shares: URL-bound controls, charts with alt text, the agreement panel.

Each control is declared once as a :mod:`lib.view.url_state` parameter and bound to the query string,
so any view is a link. A value in the link that cannot be used falls back to the default, and the
page says so through :func:`show_url_fallbacks`.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import plotly
import plotly.graph_objects as go
import streamlit as st
from plotly.io.json import to_json_plotly

from lib.agreement.table import REFERENCE, AgreementTable
from lib.view.figures import Chart
from lib.view.parsing import format_logit_target_rows
from lib.view.url_state import (
    ChoiceParam,
    FlagParam,
    IntParam,
    NumberParam,
    PackedTextParam,
    Param,
    fallback_note,
    pack_text,
    unpack_text,
)

_FALLBACKS = "_url_fallbacks"
PRESENT = FlagParam("present", False)
_PRESENTATION_CSS = """<style>
[data-testid="stMetricValue"] { font-size: 2.7rem; }
[data-testid="stMetricValue"] div { overflow: visible; text-overflow: clip; white-space: normal; }
[data-testid="stMetricLabel"] p { font-size: 1.3rem; }
.stMarkdown p, .stMarkdown li { font-size: 1.3rem; }
h1 { font-size: 3.2rem !important; }
</style>"""

_log = logging.getLogger(__name__)
_HERE = Path(__file__).resolve().parent
STATIC_DIR = _HERE.parent / "static"
"""The app's static folder, served by Streamlit at app/static/ (``server.enableStaticServing``)."""
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
_live_chart = st.components.v2.component(
    "live_chart",
    html='<div class="live-chart"></div>',
    css=".live-chart { width: 100%; }",
    js=(_HERE / "plotly_loader.js").read_text() + (_HERE / "live_chart.js").read_text(),
    isolate_styles=False,
)


def serve_plotly_js(static_dir: Path = STATIC_DIR) -> None:
    """Put the installed plotly.js in the static folder, where every chart's browser side loads it once per tab.

    Copied, not committed, so it is always the version of the installed plotly; the copy lands under a temporary
    name and is renamed, so a session starting at the same moment never reads half a file. A folder the server may
    not write (a read-only deployment) is logged, not raised: the pages still work and each chart says why it is
    missing; copy plotly.js there at deployment instead.
    """
    target = static_dir / PLOTLY_JS.name
    if target.exists() and target.stat().st_size == PLOTLY_JS.stat().st_size:
        return
    try:
        static_dir.mkdir(exist_ok=True)
        with PLOTLY_JS.open("rb") as source, tempfile.NamedTemporaryFile(dir=static_dir, delete=False) as partial:
            shutil.copyfileobj(source, partial)
        Path(partial.name).replace(target)
    except OSError as error:
        _log.warning("cannot put plotly.js in %s (%s): the charts will say they cannot be drawn", static_dir, error)


def _check_link_value(param: Param) -> None:
    values = st.query_params.get_all(param.key)
    problem = param.problem(values[-1]) if values else None
    if problem:
        st.session_state.setdefault(_FALLBACKS, {})[param.key] = (param, problem)


def linked_number(param: NumberParam) -> float:
    """The link's value for ``param``; the default where the link has none or one it cannot use (with the note)."""
    _check_link_value(param)
    values = st.query_params.get_all(param.key)
    return float(values[-1]) if values and param.problem(values[-1]) is None else param.default


NUMBER_BOX_WIDTH = 110
"""Pixels: wide enough for "-100.00"; the slider takes the rest of the row, and on a narrow screen the box wraps
under it rather than cutting the number off."""


def _copy_state(source: str, destination: str) -> None:
    st.session_state[destination] = st.session_state[source]


def _slider_with_box(param: NumberParam | IntParam, label: str, step: float, help: str | None) -> float | int:
    """A slider bound to the link, mirrored by a number box for typing an exact value.

    The box's key carries the range, so a slider whose range changes (the extended logit range) gets a
    fresh box rather than one holding a value outside the new range.
    """
    _check_link_value(param)
    box_key = f"{param.key}__box_{param.low:g}_{param.high:g}"
    with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
        value = st.slider(
            label,
            param.low,
            param.high,
            param.default,
            step,
            key=param.key,
            bind="query-params",
            help=help,
            on_change=_copy_state,
            args=(param.key, box_key),
        )
        st.number_input(
            f"{label}, typed",
            param.low,
            param.high,
            value,
            step,
            key=box_key,
            label_visibility="collapsed",
            on_change=_copy_state,
            args=(box_key, param.key),
            width=NUMBER_BOX_WIDTH,
        )
    return value


def number_slider(param: NumberParam, label: str, step: float, help: str | None = None) -> float:
    """A float slider over [low, high], bound to ``?{key}=``, with a number box beside it."""
    return _slider_with_box(param, label, step, help)


def int_slider(param: IntParam, label: str, help: str | None = None) -> int:
    """A whole-number slider over [low, high], bound to ``?{key}=``, with a number box beside it."""
    return _slider_with_box(param, label, 1, help)


def choice(param: ChoiceParam, label: str, horizontal: bool = True, help: str | None = None, format_func=None) -> str:
    """One of the options as radio buttons, bound to ``?{key}=``; ``format_func`` shows each id's label."""
    return _bound_choice(st.radio, param, label, format_func, horizontal=horizontal, help=help)


def dropdown(param: ChoiceParam, label: str, help: str | None = None, on_change=None, format_func=None) -> str:
    """One of the options as a select box, bound to ``?{key}=``; ``format_func`` shows each id's label."""
    return _bound_choice(st.selectbox, param, label, format_func, help=help, on_change=on_change or "rerun")


def _bound_choice(widget, param: ChoiceParam, label: str, format_func, **options) -> str:
    """A choice whose link holds the option's id.

    Streamlit's own binding (``bind="query-params"``) writes and reads the *formatted* option, so with a
    ``format_func`` a link would hold the label and rewording it would break saved links. A labelled choice is
    therefore bound here: the link's id picks the first selection, and each run writes the chosen id back (none
    for the default, as Streamlit does).
    """
    _check_link_value(param)
    if format_func is None:
        index = param.choices.index(param.default)
        return widget(label, param.choices, index=index, key=param.key, bind="query-params", **options)
    linked = st.query_params.get(param.key)
    start = linked if linked in param.choices else param.default
    value = widget(label, param.choices, param.choices.index(start), format_func, key=param.key, **options)
    if value == param.default:
        if param.key in st.query_params:
            del st.query_params[param.key]
    elif st.query_params.get(param.key) != value:
        st.query_params[param.key] = value
    return value


def flag(param: FlagParam, label: str, help: str | None = None) -> bool:
    """An on/off toggle, bound to ``?{key}=true``."""
    _check_link_value(param)
    return st.toggle(label, value=param.default, key=param.key, bind="query-params", help=help)


def number_box(param: NumberParam | IntParam, label: str, step: float, help: str | None = None) -> float | int:
    """A number input over [low, high], bound to ``?{key}=``; whole numbers for an IntParam.

    Whole numbers go through a float input shown with "%d": Streamlit's integer input crashes on a link
    value such as ``inf`` (an OverflowError while reading the URL), while a float input rejects it cleanly.
    """
    _check_link_value(param)
    whole = isinstance(param, IntParam)
    value = st.number_input(
        label,
        float(param.low),
        float(param.high),
        float(param.default),
        float(step),
        format="%d" if whole else None,
        key=param.key,
        bind="query-params",
        help=help,
    )
    return int(value) if whole else value


def text_box(key: str, label: str, default: str, max_chars: int, help: str | None = None, area: bool = False) -> str:
    """Free text bound to ``?{key}=``, capped at ``max_chars``; the page parses it with lib.view.parsing."""
    widget = st.text_area if area else st.text_input
    return widget(label, default, max_chars=max_chars, key=key, bind="query-params", help=help)


def packed_text_area(param: PackedTextParam, label: str, height: int, help: str | None = None) -> str:
    """A text area whose text travels in the link packed (``?{key}=…``) whenever it differs from the default.

    A link's text fills the box when the session first shows it; an unusable one falls back to the default with the
    page's note. Cleared from the session state (for a new default), the box starts from the default again.
    """
    if param.key not in st.session_state:
        raw = st.query_params.get(param.key)
        _check_link_value(param)
        unpacked = unpack_text(raw, param.max_chars) if raw else None
        st.session_state[param.key] = param.default if unpacked is None else unpacked
    text = st.text_area(label, height=height, key=param.key, help=help)
    if text == param.default or len(text) > param.max_chars:
        st.query_params.pop(param.key, None)
    else:
        st.query_params[param.key] = pack_text(text)
    return text


def presentation_toggle() -> bool:
    """The sidebar switch for presentation mode (``?present=true``): bigger numbers and plots, explanations folded."""
    with st.sidebar:
        on = flag(
            PRESENT, "Presentation mode", help="Larger numbers and plots for a projector; explanations fold away."
        )
    if on:
        st.markdown(_PRESENTATION_CSS, unsafe_allow_html=True)
    return on


def initial_sidebar() -> str:
    """A link in presentation mode (``?present=true``) opens with the sidebar folded, leaving a projector's whole
    width to the lesson; the sidebar's own button brings it back."""
    return "collapsed" if st.query_params.get(PRESENT.key, "").lower() == "true" else "auto"


def presenting() -> bool:
    return bool(st.session_state.get(PRESENT.key, False))


def explain(text: str) -> None:
    """An explanation beside the numbers; folded into an expander in presentation mode."""
    if presenting():
        with st.expander("Explanation"):
            st.markdown(text)
    else:
        st.caption(text)


def share_link() -> None:
    """The link that reopens exactly this view, ready to copy."""
    query = urlencode(st.query_params.to_dict())
    base = st.context.url or ""
    with st.popover("Copy a link to this view", icon=":material/link:"):
        st.code(f"{base}?{query}" if query else base, language=None)
        st.caption("Every control on this page is in the link: opening it restores exactly this view.")


def pytorch_code(snippet: str) -> None:
    """'Copy as PyTorch': a script that reproduces the numbers on screen."""
    with st.expander("Copy as PyTorch", icon=":material/code:"):
        st.code(snippet, language="python")


def apply_table_edits(rows: list[list[float | None]], edits: dict) -> list[list[float]]:
    """A data editor's edits (edited, added and deleted rows, as Streamlit reports them) applied to ``rows``.

    Rows left incomplete (a cell still empty) are dropped, so a half-typed new row never reaches the maths.
    """
    table = [list(row) for row in rows]
    for index, changes in edits.get("edited_rows", {}).items():
        for column, value in changes.items():
            table[int(index)][int(column) if str(column).isdigit() else _COLUMNS.index(column)] = value
    for added in edits.get("added_rows", []):
        table.append([added.get(column) for column in _COLUMNS])
    deleted = {int(index) for index in edits.get("deleted_rows", [])}
    return [row for index, row in enumerate(table) if index not in deleted and None not in row]


_COLUMNS = ("logit z", "target y")


def editable_rows(text_key: str, logits: np.ndarray, targets: np.ndarray, max_rows: int) -> None:
    """An editable table of (logit, target) rows; each edit is written back to the link's text at ``text_key``."""
    editor_key = f"{text_key}__table"

    def write_back() -> None:
        edited = apply_table_edits([[z, y] for z, y in zip(logits, targets, strict=True)], st.session_state[editor_key])
        st.session_state[text_key] = format_logit_target_rows(*zip(*edited, strict=True)) if edited else ""

    st.data_editor(
        pd.DataFrame({_COLUMNS[0]: logits, _COLUMNS[1]: targets}),
        key=editor_key,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        on_change=write_back,
        column_config={
            _COLUMNS[0]: st.column_config.NumberColumn(min_value=-1e4, max_value=1e4, step=0.1, required=True),
            _COLUMNS[1]: st.column_config.NumberColumn(min_value=0.0, max_value=1.0, step=0.05, required=True),
        },
    )
    st.caption(f"Edit, add or delete rows (at most {max_rows}); the link keeps them as the text above.")


def show_url_fallbacks(slot) -> None:
    """Say, in ``slot``, which link values fell back to defaults in this run (then forget them)."""
    problems = st.session_state.pop(_FALLBACKS, {})
    if problems:
        slot.warning(fallback_note(list(problems.values())), icon=":material/link_off:")


def chart(figure_and_alt: Chart, key: str) -> None:
    """A plotly chart that updates in place (ui/live_chart.js), labelled for screen readers with its words-only summary.

    Not ``st.plotly_chart``, which re-creates a changed chart on every rerun: on a lesson page four charts move
    with each slider step, and re-creating them was most of the time from key press to updated page.
    """
    figure = figure_and_alt.figure
    if presenting():
        figure = go.Figure(figure).update_layout(height=int(figure.layout.height * 1.5), font={"size": 20})
    spec = figure.to_plotly_json()
    spec["layout"].pop("template", None)
    _live_chart(data={"figure": to_json_plotly(spec), "alt": figure_and_alt.alt}, key=key, width="stretch")


def metrics(*shown: tuple[str, str] | tuple[str, str, str]) -> None:
    """Numbers side by side, each a metric (label, value, optional help). On a narrow screen (a 1024-pixel
    projector with the sidebar open) they wrap to the next line rather than cutting digits off."""
    with st.container(horizontal=True, gap="large"):
        for label, value, *help in shown:
            st.metric(label, value, help=help[0] if help else None, width="content")


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
