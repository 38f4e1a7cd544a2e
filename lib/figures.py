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

from lib import palette

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


def _layout(figure: go.Figure, x_title: str, y_title: str, height: int = 320) -> go.Figure:
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis_title=x_title,
        yaxis_title=y_title,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        hovermode="closest",
        font={"size": 14},
    )
    return figure


def curves_with_point(
    curves: Sequence[Curve],
    point: tuple[float, float],
    point_label: str,
    x_title: str,
    y_title: str,
    y_range: tuple[float, float] | None = None,
) -> Chart:
    """Lines (SVG) with the current point marked: loss against z, loss against p, gradient against z."""
    figure = go.Figure()
    for curve in curves:
        figure.add_trace(
            go.Scatter(
                x=curve.x,
                y=curve.y,
                name=curve.name,
                mode="lines",
                line={"color": curve.color, "width": 3, "dash": curve.dash},
                hovertemplate=f"{x_title}: %{{x:{HOVER_FORMAT}}}<br>{curve.name}: %{{y:{HOVER_FORMAT}}}<extra></extra>",
            )
        )
    figure.add_trace(
        go.Scatter(
            x=[point[0]],
            y=[point[1]],
            name=point_label,
            mode="markers",
            marker={"color": palette.PREDICTION, "size": 14, "line": {"width": 2, "color": "white"}},
            hovertemplate=f"{point_label}<br>{x_title}: %{{x:{HOVER_FORMAT}}}<br>{y_title}: %{{y:{HOVER_FORMAT}}}"
            "<extra></extra>",
        )
    )
    if y_range is not None:
        figure.update_yaxes(range=list(y_range))
    names = ", ".join(curve.name for curve in curves)
    alt = (
        f"Line chart of {names} against {x_title}, for {x_title} from {_short(curves[0].x[0])} to "
        f"{_short(curves[0].x[-1])}. The current point, {point_label}, is at {x_title} = {_short(point[0])}, "
        f"{y_title} = {_short(point[1])}."
    )
    return Chart(_layout(figure, x_title, y_title), alt)


def signed_bars(labels: Sequence[str], values: Sequence[float], colors: Sequence[str], y_title: str) -> Chart:
    """Bars above and below zero, one colour each: the BCE terms and their sum, per-class contributions."""
    figure = go.Figure(
        go.Bar(
            x=list(labels),
            y=[float(v) for v in values],
            marker_color=list(colors),
            text=[_short(v) for v in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=f"%{{x}}: %{{y:{HOVER_FORMAT}}}<extra></extra>",
        )
    )
    figure.add_hline(y=0, line_color=palette.LOSS, line_width=1)
    alt = "Bar chart: " + "; ".join(f"{label} = {_short(value)}" for label, value in zip(labels, values, strict=True))
    return Chart(_layout(figure, "", y_title), alt)


def grouped_bars(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float], str]],
    y_title: str,
    y_range: tuple[float, float] | None = None,
) -> Chart:
    """Side-by-side bars per category: softmax q against target t, analytic gradient against autograd."""
    figure = go.Figure()
    for name, values, color in series:
        figure.add_trace(
            go.Bar(
                x=list(categories),
                y=[float(v) for v in values],
                name=name,
                marker_color=color,
                text=[_short(v) for v in values],
                textposition="outside",
                cliponaxis=False,
                hovertemplate=f"{name}, %{{x}}: %{{y:{HOVER_FORMAT}}}<extra></extra>",
            )
        )
    figure.update_layout(barmode="group")
    if y_range is not None:
        figure.update_yaxes(range=list(y_range))
    alt = "Grouped bar chart. " + " ".join(
        f"{name}: " + ", ".join(f"{c} = {_short(v)}" for c, v in zip(categories, values, strict=True)) + "."
        for name, values, _ in series
    )
    return Chart(_layout(figure, "class k", y_title), alt)


def _short(value: float) -> str:
    value = float(value)
    if not np.isfinite(value):
        return str(value)
    return f"{value:.4g}"


def heatmap(values: np.ndarray, title: str, colorscale: str, value_label: str, zmin: float, zmax: float) -> Chart:
    """An image-like grid (row 0 on top) with a colour bar: pixels, per-pixel losses, a loss landscape."""
    figure = go.Figure(
        go.Heatmap(
            z=values,
            colorscale=colorscale,
            zmin=zmin,
            zmax=zmax,
            colorbar={"title": {"text": value_label}, "thickness": 12},
            hovertemplate=f"row %{{y}}, column %{{x}}<br>{value_label}: %{{z:{HOVER_FORMAT}}}<extra></extra>",
        )
    )
    figure.update_yaxes(autorange="reversed", scaleanchor="x", showticklabels=False)
    figure.update_xaxes(showticklabels=False)
    figure.update_layout(title={"text": title, "font": {"size": 14}})
    flat = np.asarray(values, dtype=np.float64)
    peak = np.unravel_index(int(np.nanargmax(flat)), flat.shape)
    alt = (
        f"Heat map '{title}', {flat.shape[0]} by {flat.shape[1]} cells of {value_label}, "
        f"from {_short(np.nanmin(flat))} "
        f"to {_short(np.nanmax(flat))} (largest at row {peak[0]}, column {peak[1]}), mean {_short(np.nanmean(flat))}."
    )
    return Chart(_layout(figure, "", "", height=300), alt)


def histogram(edges: np.ndarray, counts: np.ndarray, x_title: str, color: str) -> Chart:
    """Counts per bin (bars between consecutive edges), for per-element losses over a batch."""
    centers = (edges[:-1] + edges[1:]) / 2
    figure = go.Figure(
        go.Bar(
            x=centers,
            y=counts,
            width=np.diff(edges),
            marker_color=color,
            hovertemplate=f"{x_title} ≈ %{{x:{HOVER_FORMAT}}}<br>count: %{{y}}<extra></extra>",
        )
    )
    peak = int(np.argmax(counts)) if len(counts) else 0
    alt = (
        f"Histogram of {int(np.sum(counts)):,} values of {x_title} from {_short(edges[0])} to {_short(edges[-1])} in "
        f"{len(counts)} bins; the fullest bin is around {_short(centers[peak]) if len(counts) else 'n/a'}."
    )
    return Chart(_layout(figure, x_title, "count"), alt)
