"""A live lesson panel: one components-v2 element that draws a lesson from its table and moves while dragged.

lib computes the panel at every position of its sliders' grids (:mod:`lib.lessons.grids`,
:mod:`lib.lessons.softmax_grid`); the page describes what the panel shows (numbers, formulas, charts, agreement rows:
HTML with ``data-col`` slots that name the table's columns) and packs it with the columns
(:mod:`lib.view.panel_data`). In the browser (``panel_table.js``, ``panel_charts.js``, ``live_panel.js``) each
``input`` event redraws from the table, and the value comes back here when the drag ends. Each slider moves over its
own section of the table; where no section depends on the other sliders (one slider, or a table that does not
depend on the slider's value) the commit's rerun sends the same bytes (the table's start is kept while the table
stays the same), so the browser leaves the panel as it is.
"""

from __future__ import annotations

import html
import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import streamlit as st

from lib.agreement.table import REFERENCE
from lib.lessons.grids import NO_REASON, AgreementGrid
from lib.view.panel_data import encode_panel
from lib.view.url_state import NumberParam
from ui import widgets

_HERE = Path(__file__).resolve().parent
_panel = st.components.v2.component(
    "live_panel",
    html='<div class="live-panel"></div>',
    css=(_HERE / "live_panel.css").read_text(),
    js="".join(
        (_HERE / name).read_text()
        for name in ("plotly_loader.js", "panel_table.js", "panel_charts.js", "live_panel.js")
    ),
    isolate_styles=False,
)


def slot(column: str, digits: int = 6, tag: str = "span") -> str:
    """An element that shows grid column ``column`` at the current position, as Python's ``{:.{digits}g}``."""
    return f'<{tag} data-col="{column}" data-digits="{digits}"></{tag}>'


_MATH_TOKEN = re.compile(
    r"(?P<slot>\{(?P<column>\w+)(?::(?P<digits>\d+))?\})"
    r"|(?P<number>-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)"
    r"|(?P<word>(?:[^\W\d_][\u0300-\u036f]*)+)"
    r"|(?P<script>[_^])"
    r"|(?P<space>\s+)"
    r"|(?P<operator>.)"
)


def _math_tokens(text: str) -> list[str]:
    """Each token of ``text`` as MathML: numbers <mn>, words <mi>, a {column:digits} slot <mn> filled in the browser,
    ``a_b`` a subscript and ``a^b`` a superscript (``b`` one token, or a group in parentheses, shown without them),
    anything else an operator <mo>."""
    tokens: list[str] = []
    scripts: list[tuple[str, int]] = []  # (msub or msup, where its group starts) while a script is open
    for match in _MATH_TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "space":
            continue
        if kind == "script":
            scripts.append(("msub" if match[0] == "_" else "msup", -1))
            continue
        if kind == "slot":
            token = slot(match["column"], int(match["digits"] or 6), "mn")
        elif kind == "number":
            token = f"<mn>{match[0]}</mn>"
        elif kind == "word":
            token = f"<mi>{html.escape(match[0])}</mi>"
        else:
            token = f"<mo>{html.escape(match[0])}</mo>"
        if scripts and scripts[-1][1] == -1 and token == "<mo>(</mo>":
            scripts[-1] = (scripts[-1][0], len(tokens))  # a group: closed by its ")"
            tokens.append(token)
            continue
        tokens.append(token)
        while scripts and (scripts[-1][1] == -1 or (token == "<mo>)</mo>" and scripts[-1][1] >= 0)):
            tag, start = scripts.pop()
            if start >= 0:
                group = "".join(tokens[start + 1 : -1])
                del tokens[start:]
                script = f"<mrow>{group}</mrow>"
            else:
                script = tokens.pop()
            base = tokens.pop() if tokens else "<mrow></mrow>"
            tokens.append(f"<{tag}>{base}{script}</{tag}>")
            token = tokens[-1]
            if start >= 0:
                break
    return tokens


def formula(*lines: str) -> str:
    """A formula, one line per argument, in plain notation (``ℓ = −w[p_w·y·log σ(z)] = {loss}``), as MathML that wraps
    before an ``=`` or a ``+`` (one <math> piece per term) rather than cut its last number off."""
    rows = []
    for line in lines:
        pieces: list[list[str]] = [[]]
        for token in _math_tokens(line):
            if token in ("<mo>=</mo>", "<mo>+</mo>") and pieces[-1]:
                pieces.append([])
            pieces[-1].append(token)
        rows.append("".join(f"<math>{''.join(piece)}</math>" for piece in pieces))
    return '<div class="lp-formula">' + "".join(f'<div class="lp-formula-line">{row}</div>' for row in rows) + "</div>"


def metric(label: str, column: str, help_html: str = "") -> str:
    """One number with its label (and a line of help below), like ``st.metric``."""
    help_part = f'<div class="lp-metric-help">{help_html}</div>' if help_html else ""
    return (
        f'<div class="lp-metric"><div class="lp-metric-label">{html.escape(label)}</div>'
        f'<div class="lp-metric-value">{slot(column)}</div>{help_part}</div>'
    )


def metrics(*shown: str) -> str:
    return f'<div class="lp-metrics">{"".join(shown)}</div>'


def note(html_text: str, when: str | None = None) -> str:
    """A note beside the numbers; with ``when``, shown only at positions where that grid column is non-zero."""
    condition = f' data-when="{when}"' if when else ""
    return f'<div class="lp-note"{condition} role="note">{html_text}</div>'


def explanation(html_text: str) -> str:
    """An explanation beside the numbers: open, and folded away in presentation mode."""
    return f'<details class="lp-explanation"><summary>Explanation</summary><p>{html_text}</p></details>'


SLIDER = "@slider"
"""A curve's or point's x column that names the moved slider's own values (whichever slider moves)."""


@dataclass(frozen=True)
class Curve:
    """A line through columns (x, y); ``along_slider``: the part of those columns where the moved slider moves."""

    x: str
    y: str
    name: str
    color: str
    dash: str = "solid"
    width: float = 2.5
    along_slider: bool = False


@dataclass(frozen=True)
class Point:
    """The moving point at columns (x, y); ``off_chart`` is said beside an arrow where y leaves the range."""

    x: str
    y: str
    name: str
    color: str
    off_chart: str = ""


@dataclass(frozen=True)
class BarSeries:
    """One bar per category, each the value of its column at the position, labelled with ``digits`` digits."""

    name: str
    columns: tuple[str, ...]
    colors: tuple[str, ...]
    """One colour per category, or one for all."""
    digits: int = 4


@dataclass(frozen=True)
class Ticks:
    """A level marked across each category's bars (the target a bar should reach), read out on hover."""

    name: str
    columns: tuple[str, ...]
    color: str


@dataclass(frozen=True)
class Bars:
    categories: tuple[str, ...]
    series: tuple[BarSeries, ...]
    ticks: tuple[Ticks, ...] = ()


@dataclass(frozen=True)
class PanelChart:
    """A chart with fixed axis ranges: its frame is drawn once, its curves once per table, its points and bars moved
    at each position."""

    title: str
    x_title: str
    y_title: str
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    alt: str
    """Its summary for screen readers, with ``{column}`` slots filled at the committed position."""
    curves: tuple[Curve, ...] = ()
    points: tuple[Point, ...] = ()
    bars: Bars | None = None
    height: int = 260

    def spec(self) -> dict:
        bars = self.bars
        return {
            "title": self.title,
            "alt": self.alt,
            "height": self.height,
            "x": {"title": self.x_title, "range": list(self.x_range)},
            "y": {"title": self.y_title, "range": list(self.y_range)},
            "curves": [vars(c) for c in self.curves],
            "points": [vars(p) for p in self.points],
            "bars": None
            if bars is None
            else {
                "categories": list(bars.categories),
                "series": [vars(series) for series in bars.series],
                "ticks": [vars(ticks) for ticks in bars.ticks],
            },
        }


@dataclass(frozen=True)
class PanelSlider:
    """A slider the panel moves: column ``column`` holds its value at every position, and it moves over the
    positions [offset, offset + size) of the table (its section; the whole table by default)."""

    param: NumberParam
    label: str
    step: float
    valuetext: str
    """What a screen reader says for the slider, with ``{column}`` slots."""
    column: str
    offset: int = 0
    size: int | None = None


@dataclass
class Panel:
    """What one panel shows, and the columns it shows them from.

    ``follows_commits``: the sections depend on the other sliders' values (the softmax logits), so each commit
    brings a new table, and the browser skips a table made before the server saw its latest commit.
    """

    sliders: list[PanelSlider]
    body: str
    charts: list[PanelChart]
    agreement: AgreementGrid | None = None
    after: str = ""
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    follows_commits: bool = False

    def payload(self, starts: dict[str, float], present: bool) -> bytes:
        """The bytes the browser draws from, opening each slider at ``starts[key]``."""
        columns = dict(self.columns)
        agreement = {"title": "", "rows": [], "reasons": [], "rule": "", "all_agree": ""}
        if self.agreement is not None:
            a = self.agreement
            rows = []
            for index, row_id in enumerate(a.ids):
                row = {"id": row_id, "implementation": a.implementations[index], "dtype": a.dtypes[index]}
                parts = {"value": a.values[index]}
                if row_id != REFERENCE:
                    parts |= {"gap": a.differences[index], "reason": a.reason_index[index].astype(np.float64)}
                for part, values in parts.items():
                    row[part] = f"{part}_{index}"
                    columns[row[part]] = values
                rows.append(row)
            agreement = {
                "title": "Do the implementations agree?",
                "rows": rows,
                "reasons": list(a.reasons),
                "rule": a.tolerance_rule,
                "all_agree": "Every implementation agrees with the hand-written float64 reference.",
                "agrees": NO_REASON,
            }
        meta = {
            "layout": f"{len(self.charts)} charts",
            "present": present,
            "follows_commits": self.follows_commits,
            "sliders": [self._slider_meta(slider, starts[slider.param.key]) for slider in self.sliders],
            "body": self.body,
            "after": self.after,
            "charts": [chart.spec() for chart in self.charts],
            "agreement": agreement,
        }
        return encode_panel(meta, columns)

    def _slider_meta(self, slider: PanelSlider, start: float) -> dict:
        values = self.columns[slider.column]
        size = values.size - slider.offset if slider.size is None else slider.size
        own = values[slider.offset : slider.offset + size]
        return {
            "key": slider.param.key,
            "label": slider.label,
            "min": float(own[0]),
            "max": float(own[-1]),
            "step": slider.step,
            "column": slider.column,
            "offset": slider.offset,
            "size": size,
            "start": start,
            "valuetext": slider.valuetext,
        }


def value(key: str, param: NumberParam, grid: np.ndarray) -> float:
    """The slider's value this run, on the grid: the panel's committed value, else the link's (an unusable link
    value falls back to the default with the page's note)."""
    state = st.session_state.get(key)
    current = state.get(param.key) if state else None
    if current is None:
        current = widgets.linked_number(param)
    return float(grid[int(np.argmin(np.abs(grid - current)))])


def start(key: str, table: Hashable, current: float) -> float:
    """Where the panel's table opens: kept while the table stays the same, so a commit's rerun sends identical
    bytes and the browser keeps the panel as it is; a new table opens at the current value."""
    memo = f"{key}__start"
    held = st.session_state.get(memo)
    if held is None or held[0] != table:
        st.session_state[memo] = (table, current)
        return current
    return held[1]


def show(key: str, params: list[NumberParam], payload: bytes, opened_at: dict[str, float], current: dict[str, float]):
    """Mount the panel and keep the link at the current values (the browser already wrote them there)."""
    _panel(
        data=payload,
        key=key,
        default={param.key: opened_at[param.key] for param in params},
        width="stretch",
        **{f"on_{param.key}_change": _committed for param in params},
    )
    for param in params:
        text = f"{current[param.key]:g}"
        if st.query_params.get(param.key) != text and (
            param.key in st.query_params or current[param.key] != param.default
        ):
            st.query_params[param.key] = text


def _committed() -> None:
    """The value arrives in the panel's state; the rerun itself does the rest."""
