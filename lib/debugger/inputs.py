"""The debugger's shared tensors from what a user types: a generated shape or pasted lists, with caps.

Every way the input can be unusable comes back as a sentence, never an exception.
"""

from __future__ import annotations

import numpy as np

from lib.debugger.calls import SharedTensors
from lib.view.parsing import parse_tensor

MAX_ELEMENTS = 4096
"""At most this many model outputs: enough for any teaching case, small enough for every user's server."""
MAX_DIMENSIONS = 4
MAX_WEIGHTS = 64


def generated_tensors(shape_text: str, seed: int, scale: float) -> tuple[SharedTensors | None, str | None]:
    """Outputs ~ N(0, scale²) of the given shape, labels uniform over the C = shape[1] classes, soft targets
    a softmax of fresh noise; all from ``seed``. Shape written like ``2, 3`` or ``1, 2, 4, 4``."""
    parsed = parse_tensor(shape_text, max_elements=MAX_DIMENSIONS)
    if not parsed.ok or parsed.values.ndim != 1 or not parsed.all_integers:
        return None, f"the shape must be 1 to {MAX_DIMENSIONS} whole numbers such as 2, 3 or 1, 2, 4, 4"
    shape = tuple(int(n) for n in parsed.values)
    if min(shape) < 1:
        return None, "every size in the shape must be at least 1"
    if int(np.prod(shape, dtype=np.float64)) > MAX_ELEMENTS:
        return (
            None,
            f"that shape holds {int(np.prod(shape, dtype=np.float64)):,} outputs; the limit is {MAX_ELEMENTS:,}",
        )
    rng = np.random.default_rng(seed)
    outputs = rng.normal(0.0, scale, shape)
    n_classes = shape[1] if len(shape) >= 2 else 2
    labels = rng.integers(0, n_classes, shape[:1] + shape[2:])
    noise = rng.normal(0.0, 1.0, shape)
    soft = np.exp(noise - noise.max(axis=1 if len(shape) >= 2 else 0, keepdims=True))
    soft = soft / soft.sum(axis=1, keepdims=True) if len(shape) >= 2 else 1.0 / (1.0 + np.exp(-noise))
    return SharedTensors(outputs, labels, soft), None


def pasted_tensors(outputs_text: str, labels_text: str, soft_text: str) -> tuple[SharedTensors | None, str | None]:
    """Outputs, and labels and/or soft targets, from pasted lists; labels may be left empty, so may soft targets."""
    outputs = parse_tensor(outputs_text, max_elements=MAX_ELEMENTS)
    if not outputs.ok:
        return None, f"model outputs: {outputs.problem}"
    labels = soft = None
    if labels_text.strip():
        parsed = parse_tensor(labels_text, max_elements=MAX_ELEMENTS)
        if not parsed.ok:
            return None, f"labels: {parsed.problem}"
        if not parsed.all_integers:
            return None, "labels: class labels must be whole numbers (use soft targets for probabilities)"
        expected = outputs.values.shape[:1] + outputs.values.shape[2:]
        if parsed.values.shape != expected:
            return (
                None,
                f"labels have shape {parsed.values.shape}; outputs of shape {outputs.values.shape} need {expected}",
            )
        labels = parsed.values.astype(np.int64)
    if soft_text.strip():
        parsed = parse_tensor(soft_text, max_elements=MAX_ELEMENTS)
        if not parsed.ok:
            return None, f"soft targets: {parsed.problem}"
        if parsed.values.shape != outputs.values.shape:
            return (
                None,
                f"soft targets have shape {parsed.values.shape}; they need the outputs' shape {outputs.values.shape}",
            )
        soft = parsed.values
    if labels is None and soft is None:
        return None, "give labels, soft targets, or both"
    return SharedTensors(outputs.values, labels, soft), None


def weights_from_text(text: str) -> tuple[tuple[float, ...] | None, str | None]:
    """Empty means no weight; otherwise one row of at most 64 finite numbers."""
    if not text.strip():
        return None, None
    parsed = parse_tensor(text, max_elements=MAX_WEIGHTS)
    if not parsed.ok or parsed.values.ndim != 1 or not np.all(np.isfinite(parsed.values)):
        return None, f"weights must be one row of up to {MAX_WEIGHTS} finite numbers such as 1, 2.5, 1"
    return tuple(float(v) for v in parsed.values), None


def as_text(values: np.ndarray | None) -> str:
    """Arrays as the JSON-style lists the paste boxes accept (round-trips exactly)."""
    if values is None:
        return ""
    array = np.asarray(values)
    return str(array.tolist() if array.dtype.kind in "iu" else array.astype(np.float64).tolist())
