"""A live lesson panel: one components-v2 element that draws a lesson from its grid table and moves while dragged.

lib computes the panel at every position of its slider's grid (:mod:`lib.lessons.grids`); the page describes what
the panel shows (numbers, formula, charts, agreement rows: HTML with ``data-col`` slots that name grid columns) and
packs it with the columns (:mod:`lib.view.panel_data`). ``ui/live_panel.js`` redraws from that table at every
``input`` event and sends the value back when the drag ends: that rerun sends the same bytes (the table's start
position is kept while the table stays the same), so the browser leaves the panel as it is.
"""

from __future__ import annotations

import html
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import streamlit as st

from lib.lessons.grids import AgreementGrid
from lib.view.panel_data import encode_panel
from lib.view.url_state import NumberParam
from ui import widgets

_HERE = Path(__file__).resolve().parent
_panel = st.components.v2.component(
    "live_panel",
    html='<div class="live-panel"></div>',
    css=(_HERE / "live_panel.css").read_text(),
    js=(_HERE / "plotly_loader.js").read_text() + (_HERE / "live_panel.js").read_text(),
    isolate_styles=False,
)


def slot(column: str, digits: int = 6, tag: str = "span") -> str:
    """An element that shows grid column ``column`` at the current position, as Python's ``{:.{digits}g}``."""
    return f'<{tag} data-col="{column}" data-digits="{digits}"></{tag}>'


def metric(label: str, column: str, help_html: str = "") -> str:
    """One number with its label (and a line of help below), like ``st.metric``."""
    help_part = f'<div class="lp-metric-help">{help_html}</div>' if help_html else ""
    return (
        f'<div class="lp-metric"><div class="lp-metric-label">{html.escape(label)}</div>'
        f'<div class="lp-metric-value">{slot(column)}</div>{help_part}</div>'
    )


def metrics(*shown: str) -> str:
    return f'<div class="lp-metrics">{"".join(shown)}</div>'


def note(when: str, html_text: str) -> str:
    """A note shown only at positions where grid column ``when`` is non-zero."""
    return f'<div class="lp-note" data-when="{when}" role="note">{html_text}</div>'


@dataclass(frozen=True)
class Curve:
    x: str
    y: str
    name: str
    color: str
    dash: str = "solid"
    width: float = 2.5


@dataclass(frozen=True)
class Point:
    """The moving point at grid columns (x, y); ``off_chart`` is said beside an arrow where y leaves the range."""

    x: str
    y: str
    name: str
    color: str
    off_chart: str = ""


@dataclass(frozen=True)
class Bar:
    label: str
    y: str
    color: str


@dataclass(frozen=True)
class PanelChart:
    """A chart with fixed axis ranges: curves drawn once per table, points and bars moved at each position."""

    title: str
    x_title: str
    y_title: str
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    alt: str
    """Its summary for screen readers, with ``{column}`` slots filled at the committed position."""
    curves: tuple[Curve, ...] = ()
    points: tuple[Point, ...] = ()
    bars: tuple[Bar, ...] = ()
    height: int = 260

    def spec(self) -> dict:
        return {
            "title": self.title,
            "alt": self.alt,
            "height": self.height,
            "x": {"title": self.x_title, "range": list(self.x_range)},
            "y": {"title": self.y_title, "range": list(self.y_range)},
            "curves": [vars(c) for c in self.curves],
            "points": [vars(p) for p in self.points],
            "bars": [vars(b) for b in self.bars] or None,
        }


@dataclass(frozen=True)
class PanelSlider:
    param: NumberParam
    label: str
    step: float
    valuetext: str
    """What a screen reader says for the slider, with ``{column}`` slots."""


@dataclass
class Panel:
    """What one panel shows, and the columns it shows them from."""

    slider: PanelSlider
    grid: np.ndarray
    body: str
    charts: list[PanelChart]
    agreement: AgreementGrid | None = None
    after: str = ""
    columns: dict[str, np.ndarray] = field(default_factory=dict)

    def payload(self, start: float, present: bool) -> bytes:
        columns = {"grid": self.grid, **self.columns}
        agreement = None
        if self.agreement is not None:
            a = self.agreement
            rows = []
            for index, row_id in enumerate(a.ids):
                names = {part: f"{part}_{index}" for part in ("value", "gap", "agrees", "reason")}
                columns |= {
                    names["value"]: a.values[index],
                    names["gap"]: a.differences[index],
                    names["agrees"]: a.agrees[index].astype(np.float64),
                    names["reason"]: a.reason_index[index].astype(np.float64),
                }
                rows.append({"id": row_id, "implementation": a.implementations[index], "dtype": a.dtypes[index]})
                rows[-1].update(names)
            agreement = {
                "title": "Do the implementations agree?",
                "rows": rows,
                "reasons": list(a.reasons),
                "rule": a.tolerance_rule,
                "all_agree": "Every implementation agrees with the hand-written float64 reference.",
            }
        p = self.slider.param
        meta = {
            "layout": f"{len(self.charts)} charts",
            "present": present,
            "slider": {
                "key": p.key,
                "label": self.slider.label,
                "min": float(self.grid[0]),
                "max": float(self.grid[-1]),
                "step": self.slider.step,
                "column": "grid",
                "start": start,
                "valuetext": self.slider.valuetext,
            },
            "body": self.body,
            "after": self.after,
            "charts": [chart.spec() for chart in self.charts],
            "agreement": agreement or {"title": "", "rows": [], "reasons": [], "rule": "", "all_agree": ""},
        }
        return encode_panel(meta, columns)


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


def show(key: str, param: NumberParam, payload: bytes, opened_at: float, current: float) -> None:
    """Mount the panel and keep the link at the current value (the browser already wrote it there)."""
    _panel(
        data=payload,
        key=key,
        default={param.key: opened_at},
        width="stretch",
        **{f"on_{param.key}_change": _committed},
    )
    text = f"{current:g}"
    if st.query_params.get(param.key) != text and (param.key in st.query_params or current != param.default):
        st.query_params[param.key] = text


def _committed() -> None:
    """The value arrives in the panel's state; the rerun itself does the rest."""
