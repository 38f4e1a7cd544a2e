"""The bytes a live lesson panel receives: a JSON header, then named float64 columns.

Layout: ``b"LLP1"``, the header's length as a little-endian uint32, the header as UTF-8 JSON
(``{"meta": ..., "columns": [[name, length], ...]}``), zeros up to a multiple of 8 bytes, then each column's
float64 values, little-endian, in the header's order. Raw bytes are the cheapest data a Streamlit component
takes (no JSON of thousands of numbers), and identical bytes are sent only once. The browser side reads it in
``ui/live_panel.js``; :func:`decode_panel` reads it back for the tests.
"""

from __future__ import annotations

import json
import struct

import numpy as np

MAGIC = b"LLP1"


def encode_panel(meta: dict, columns: dict[str, np.ndarray]) -> bytes:
    """``meta`` (JSON-able) and the columns (1-D, any length, stored as float64; nan and ±inf kept)."""
    arrays = {name: np.ascontiguousarray(values, dtype="<f8").ravel() for name, values in columns.items()}
    header = json.dumps(
        {"meta": meta, "columns": [[name, int(array.size)] for name, array in arrays.items()]},
        ensure_ascii=False,
        allow_nan=False,
        separators=(",", ":"),
    ).encode()
    start = len(MAGIC) + 4 + len(header)
    padding = b"\0" * (-start % 8)
    return b"".join([MAGIC, struct.pack("<I", len(header)), header, padding, *(a.tobytes() for a in arrays.values())])


def decode_panel(payload: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """The meta and the columns that :func:`encode_panel` packed."""
    if payload[:4] != MAGIC:
        raise ValueError("not a live panel payload")
    (length,) = struct.unpack("<I", payload[4:8])
    header = json.loads(payload[8 : 8 + length])
    offset = 8 + length + (-(8 + length) % 8)
    columns = {}
    for name, size in header["columns"]:
        columns[name] = np.frombuffer(payload, dtype="<f8", count=size, offset=offset)
        offset += 8 * size
    return header["meta"], columns


def axis_range(*values: np.ndarray, include: tuple[float, ...] = (), pad: float = 0.06) -> tuple[float, float]:
    """A fixed axis range holding every finite value (and ``include``), padded by ``pad`` of its span on each side
    that is not at 0 (a range of losses starts at 0), then widened to a :func:`round_range`.

    The live panels draw with fixed ranges, so a moving point never makes Plotly rescale (and redraw) a chart, and
    round ones, so a new table whose values differ a little (the next target y) keeps the chart's frame as it is.
    """
    finite = np.concatenate([np.ravel(v)[np.isfinite(np.ravel(v))] for v in values] + [np.asarray(include, float)])
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    span = high - low or max(abs(high), 1.0)
    return round_range(low - pad * span if low else low, high + pad * span if high else high)


def round_range(low: float, high: float) -> tuple[float, float]:
    """[low, high] widened to whole multiples of a round step (1, 2 or 5 × 10ⁿ, the first that cuts the span into at
    most 20 steps), so nearby ranges round to the same one; an end already on a multiple stays where it is."""
    span = high - low
    if not (np.isfinite(span) and span > 0):
        return low, high
    step = next(
        m * 10.0**e
        for e in range(int(np.floor(np.log10(span / 20))), 400)
        for m in (1, 2, 5)
        if span <= 20 * m * 10.0**e
    )
    return float(f"{np.floor(low / step) * step:.12g}"), float(f"{np.ceil(high / step) * step:.12g}")
