"""The agreement table: each implementation's value against the float64 reference, and the tolerance rule.

An implementation agrees when |value − reference| ≤ tolerance·max(1, |reference|) element-wise, with the
tolerance of the dtype it computes in; nan matches only nan and inf only the same inf. When a row disagrees, its
reason is a sentence computed from the scenario (:mod:`lib.agreement.binary`, :mod:`lib.agreement.multiclass`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lib.losses.torch_losses import SIGNIFICAND_BITS, rounded

TOLERANCES = {"float64": 1e-9, "float32": 1e-4, "float16": 1e-2, "bfloat16": 4e-2}
"""An implementation agrees when |value − reference| ≤ tolerance·max(1, |reference|), element-wise."""


REFERENCE = "reference"


@dataclass(frozen=True)
class Row:
    """One implementation's result, compared with the float64 reference."""

    implementation: str
    dtype: str
    value: np.ndarray
    grad: np.ndarray | None
    difference: float
    agrees: bool
    reason: str
    """Why it disagrees (empty when it agrees); REFERENCE for the reference row itself."""
    id: str = ""
    """A short stable name for the row (``bce_logits``), for pages and tests to find it by."""


@dataclass(frozen=True)
class AgreementTable:
    """Every implementation of one scenario against the hand-written float64 reference."""

    reference: np.ndarray
    reference_grad: np.ndarray
    tolerance: float
    rows: list[Row]

    @property
    def disagreeing(self) -> list[Row]:
        return [row for row in self.rows if not row.agrees]

    @property
    def tolerance_rule(self) -> str:
        return f"|value − reference| ≤ {self.tolerance:g}·max(1, |reference|)"


@dataclass(frozen=True)
class Candidate:
    implementation: str
    run: Callable[[], tuple[np.ndarray, np.ndarray | None]]
    explain: Callable[[np.ndarray], str]
    dtype: str | None = None
    """The dtype it computes in, when not the scenario's (the hand-written forms are always float64)."""
    id: str = ""
    """A short stable name for the row it becomes."""


def differences(value: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """|value − reference| element-wise, counting nan-or-inf against a finite number as inf."""
    v, r = np.broadcast_arrays(np.asarray(value, dtype=np.float64), np.asarray(reference, dtype=np.float64))
    same = (v == r) | (np.isnan(v) & np.isnan(r))
    with np.errstate(invalid="ignore"):
        gap = np.abs(v - r)
    return np.where(same, 0.0, np.where(np.isnan(gap), np.inf, gap))


def difference(value: np.ndarray, reference: np.ndarray) -> float:
    """max |value − reference| over the elements, counting nan-or-inf against a finite number as inf."""
    gap = differences(value, reference)
    return float(gap.max()) if gap.size else 0.0


def agrees_elementwise(value: np.ndarray, reference: np.ndarray, tolerance: float) -> np.ndarray:
    """Each element within tolerance·max(1, |reference|); nan matches only nan, inf only the same inf."""
    v, r = np.broadcast_arrays(np.asarray(value, dtype=np.float64), np.asarray(reference, dtype=np.float64))
    same = (v == r) | (np.isnan(v) & np.isnan(r))
    with np.errstate(invalid="ignore"):
        close = np.abs(v - r) <= tolerance * np.maximum(1.0, np.abs(r))
    return same | close


def agrees(value: np.ndarray, reference: np.ndarray, tolerance: float) -> bool:
    """Every element within tolerance·max(1, |reference|); nan matches only nan, inf only the same inf."""
    return bool(np.all(agrees_elementwise(value, reference, tolerance)))


def build_table(
    reference: np.ndarray, reference_grad: np.ndarray, dtype: str, reference_row: Row, candidates: list[Candidate]
) -> AgreementTable:
    tolerance = TOLERANCES[dtype]
    rows = [reference_row]
    for candidate in candidates:
        value, grad = candidate.run()
        agreeing = agrees(value, reference, tolerance)
        rows.append(
            Row(
                candidate.implementation,
                candidate.dtype or dtype,
                value,
                grad,
                difference(value, reference),
                agreeing,
                "" if agreeing else candidate.explain(value),
                candidate.id,
            )
        )
    return AgreementTable(reference, reference_grad, tolerance, rows)


def rounding_explainer(z: np.ndarray, dtype: str, reference: np.ndarray) -> Callable[[np.ndarray], str]:
    def explain(value: np.ndarray) -> str:
        if dtype == "float64":
            return "Both sides compute the same formula in float64; a gap this size means the formulas differ."
        flat = np.ravel(z)
        stored = rounded(flat, dtype)
        moved = np.flatnonzero(stored != flat)
        example = f" (z = {flat[moved[0]]:g} is stored as {stored[moved[0]]:g})" if moved.size else ""
        return (
            f"{dtype} keeps {SIGNIFICAND_BITS[dtype]} significant bits: the inputs are rounded{example} and so is "
            f"every step and the result, which moves it by {difference(value, reference):.3g}. Same formula, "
            "less precision: upcast with .float() or .double() before the loss."
        )

    return explain
