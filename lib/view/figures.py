"""Plotly figure builders: plain data in, a figure and its words-only summary out.

Every builder returns a :class:`Chart`: the figure and an ``alt`` text that says what it shows in
words, for screen readers. Curves are SVG scatter traces (never WebGL), the current point is marked
on every curve, axes carry symbols and words, and hover text shows exact values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from lib.view import palette

HOVER_FORMAT = ".6g"


@dataclass(frozen=True)
class Chart:
    """A figure and a sentence or two that say what it shows."""

    figure: go.Figure
    alt: str


@dataclass(frozen=True)
class Curve:
    """One line: x and y values, a legend name and a colour."""

    x: np.ndarray
    y: np.ndarray
    name: str
    color: str
    dash: str = "solid"


def _figure(traces: list[dict], x_title: str, y_title: str, height: int = 320, **layout) -> go.Figure:
    """One constructor call from plain dicts: about four times faster than adding traces and updating the
    layout afterwards, which matters on every slider move. The empty "none" template: the browser applies the
    Streamlit theme itself, and plotly's default template, copied into every figure, was half the cost of building
    and serializing a chart."""
    axes = {"xaxis": {"title": {"text": x_title}}, "yaxis": {"title": {"text": y_title}}}
    for axis, extra in (("xaxis", layout.pop("xaxis", {})), ("yaxis", layout.pop("yaxis", {}))):
        axes[axis] |= extra
    return go.Figure(
        data=traces,
        layout={
            "template": "none",
            "height": height,
            "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
            "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
            "hovermode": "closest",
            "font": {"size": 14},
            **axes,
            **layout,
        },
    )


def curves_with_point(
    curves: Sequence[Curve],
    point: tuple[float, float],
    point_label: str,
    x_title: str,
    y_title: str,
    y_range: tuple[float, float] | None = None,
) -> Chart:
    """Lines (SVG) with the current point marked: loss against z, loss against p, gradient against z."""
    traces = [
        {
            "type": "scatter",
            "x": curve.x,
            "y": curve.y,
            "name": curve.name,
            "mode": "lines",
            "line": {"color": curve.color, "width": 3, "dash": curve.dash},
            "hovertemplate": f"{x_title}: %{{x:{HOVER_FORMAT}}}<br>{curve.name}: %{{y:{HOVER_FORMAT}}}<extra></extra>",
        }
        for curve in curves
    ]
    traces.append(
        {
            "type": "scatter",
            "x": [point[0]],
            "y": [point[1]],
            "name": point_label,
            "mode": "markers",
            "marker": {"color": palette.PREDICTION, "size": 14, "line": {"width": 2, "color": "white"}},
            "hovertemplate": f"{point_label}<br>{x_title}: %{{x:{HOVER_FORMAT}}}<br>{y_title}: %{{y:{HOVER_FORMAT}}}"
            "<extra></extra>",
        }
    )
    figure = _figure(traces, x_title, y_title, yaxis={} if y_range is None else {"range": list(y_range)})
    names = ", ".join(curve.name for curve in curves)
    alt = (
        f"Line chart of {names} against {x_title}, for {x_title} from {_short(curves[0].x[0])} to "
        f"{_short(curves[0].x[-1])}. The current point, {point_label}, is at {x_title} = {_short(point[0])}, "
        f"{y_title} = {_short(point[1])}."
    )
    return Chart(figure, alt)


def signed_bars(labels: Sequence[str], values: Sequence[float], colors: Sequence[str], y_title: str) -> Chart:
    """Bars above and below zero, one colour each: the BCE terms and their sum, per-class contributions."""
    bars = {
        "type": "bar",
        "x": list(labels),
        "y": [float(v) for v in values],
        "marker": {"color": list(colors)},
        "text": [_short(v) for v in values],
        "textposition": "outside",
        "cliponaxis": False,
        "hovertemplate": f"%{{x}}: %{{y:{HOVER_FORMAT}}}<extra></extra>",
    }
    zero_line = {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "y0": 0,
        "y1": 0,
        "line": {"color": palette.LOSS, "width": 1},
    }
    figure = _figure([bars], "", y_title, shapes=[zero_line], yaxis=_room_for_bar_labels(values))
    alt = "Bar chart: " + "; ".join(f"{label} = {_short(value)}" for label, value in zip(labels, values, strict=True))
    return Chart(figure, alt)


def grouped_bars(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float], str]],
    y_title: str,
    y_range: tuple[float, float] | None = None,
) -> Chart:
    """Side-by-side bars per category: softmax q against target t, analytic gradient against autograd."""
    traces = [
        {
            "type": "bar",
            "x": list(categories),
            "y": [float(v) for v in values],
            "name": name,
            "marker": {"color": color},
            "text": [_short(v) for v in values],
            "textposition": "outside",
            "cliponaxis": False,
            "hovertemplate": f"{name}, %{{x}}: %{{y:{HOVER_FORMAT}}}<extra></extra>",
        }
        for name, values, color in series
    ]
    every_value = [value for _, values, _ in series for value in values]
    yaxis = _room_for_bar_labels(every_value) if y_range is None else {"range": list(y_range)}
    figure = _figure(traces, "class k", y_title, barmode="group", yaxis=yaxis)
    alt = "Grouped bar chart. " + " ".join(
        f"{name}: " + ", ".join(f"{c} = {_short(v)}" for c, v in zip(categories, values, strict=True)) + "."
        for name, values, _ in series
    )
    return Chart(figure, alt)


BAR_LABEL_ROOM = 0.2
"""Share of the bars' span added past the longest bar on each side that has bars: room for its label."""


def _room_for_bar_labels(values: Sequence[float]) -> dict:
    """The value axis from the lowest bar to the highest (zero included), plus room for the labels printed past the
    bars' ends: without it plotly's range ends at the longest bar, and its label runs into the axis labels below
    or the legend above."""
    finite = [float(value) for value in values if np.isfinite(value)]
    if not finite:
        return {}
    low, high = min(0.0, *finite), max(0.0, *finite)
    room = BAR_LABEL_ROOM * ((high - low) or 1.0)
    if not np.isfinite(room):
        return {}
    bottom = low - room if low < 0 else low
    top = high + room if high > 0 or low == 0 else high
    return {"range": [bottom, top]}


def _short(value: float) -> str:
    """Four significant digits; −0.0 reads as 0 (a sign on zero tells a reader nothing)."""
    value = float(value) + 0.0
    if not np.isfinite(value):
        return str(value)
    return f"{value:.4g}"


def heatmap(
    values: np.ndarray,
    title: str,
    colorscale: str,
    value_label: str,
    zmin: float,
    zmax: float,
    colour_bar: bool = True,
) -> Chart:
    """An image-like grid (row 0 on top, square cells, no axes), with a colour bar unless told otherwise: pixels."""
    trace = _heatmap_trace(values, colorscale, value_label, zmin, zmax, colour_bar)
    trace["hovertemplate"] = f"row %{{y}}, column %{{x}}<br>{value_label}: %{{z:{HOVER_FORMAT}}}<extra></extra>"
    bare = {"showticklabels": False, "showgrid": False, "zeroline": False, "constrain": "domain"}
    figure = _figure(
        [trace],
        "",
        "",
        height=300,
        title={"text": title, "font": {"size": 14}},
        xaxis=bare,
        yaxis={**bare, "autorange": "reversed", "scaleanchor": "x"},
    )
    flat = np.asarray(values, dtype=np.float64)
    peak = np.unravel_index(int(np.nanargmax(flat)), flat.shape)
    alt = (
        f"Heat map '{title}', {flat.shape[0]} by {flat.shape[1]} cells of {value_label}, {_value_span(flat)} "
        f"(largest at row {peak[0]}, column {peak[1]}), mean {_short(np.nanmean(flat))}."
    )
    return Chart(figure, alt)


def landscape_heatmap(
    x: np.ndarray,
    y: np.ndarray,
    values: np.ndarray,
    x_title: str,
    y_title: str,
    value_label: str,
    title: str,
    zmax: float,
) -> Chart:
    """``values[i, j]`` at (``x[j]``, ``y[i]``) on numbered axes across the full width, colour from 0 to ``zmax``
    (a loss over logit × target); cells not computed (nan) stay blank."""
    trace = _heatmap_trace(values, "viridis", value_label, 0.0, zmax, True)
    trace |= {
        "x": np.asarray(x, dtype=np.float64),
        "y": np.asarray(y, dtype=np.float64),
        "hovertemplate": f"{x_title} = %{{x:{HOVER_FORMAT}}}<br>{y_title} = %{{y:{HOVER_FORMAT}}}<br>"
        f"{value_label}: %{{z:{HOVER_FORMAT}}}<extra></extra>",
    }
    figure = _figure(
        [trace],
        x_title,
        y_title,
        height=360,
        title={"text": title, "font": {"size": 14}},
        xaxis={"showgrid": False, "zeroline": False},
        yaxis={"showgrid": False, "zeroline": False},
    )
    flat = np.asarray(values, dtype=np.float64)
    row, column = np.unravel_index(int(np.nanargmax(flat)), flat.shape)
    alt = (
        f"Heat map '{title}': {value_label} over {x_title} from {_short(x[0])} to {_short(x[-1])} (across) and "
        f"{y_title} from {_short(y[0])} to {_short(y[-1])} (up), {_value_span(flat)}; largest at {x_title} = "
        f"{_short(x[column])}, {y_title} = {_short(y[row])}; mean {_short(np.nanmean(flat))}."
    )
    return Chart(figure, alt)


def _heatmap_trace(
    values: np.ndarray, colorscale: str, value_label: str, zmin: float, zmax: float, colour_bar: bool
) -> dict:
    return {
        "type": "heatmap",
        "z": values,
        "colorscale": colorscale,
        "zmin": zmin,
        "zmax": zmax,
        "showscale": colour_bar,
        "colorbar": {"title": {"text": value_label}, "thickness": 10},
    }


def _value_span(values: np.ndarray) -> str:
    return f"from {_short(np.nanmin(values))} to {_short(np.nanmax(values))}"


def histogram(edges: np.ndarray, counts: np.ndarray, x_title: str, color: str) -> Chart:
    """Counts per bin (bars between consecutive edges), for per-element losses over a batch."""
    centers = (edges[:-1] + edges[1:]) / 2
    bars = {
        "type": "bar",
        "x": centers,
        "y": counts,
        "width": np.diff(edges),
        "marker": {"color": color},
        "hovertemplate": f"{x_title} ≈ %{{x:{HOVER_FORMAT}}}<br>count: %{{y}}<extra></extra>",
    }
    figure = _figure([bars], x_title, "count")
    peak = int(np.argmax(counts)) if len(counts) else 0
    alt = (
        f"Histogram of {int(np.sum(counts)):,} values of {x_title} from {_short(edges[0])} to {_short(edges[-1])} in "
        f"{len(counts)} bins; the fullest bin is around {_short(centers[peak]) if len(counts) else 'n/a'}."
    )
    return Chart(figure, alt)
