"""The agreement table: each implementation's value against the float64 reference, and the tolerance rule.

An implementation agrees when |value − reference| ≤ tolerance·max(1, |reference|) element-wise, with the
tolerance of the dtype it computes in; nan matches only nan and inf only the same inf. When a row disagrees, its
reason is a sentence computed from the scenario (:mod:`lib.agreement.binary`, :mod:`lib.agreement.multiclass`).

A reason-giver in :class:`Cells` form explains many batches of one scenario at once (a grid's positions, where a
row may disagree thousands of times): what does not depend on the cell is worked out once, the numbers of every
cell in one vectorised pass, and a table row's reason is the same function applied to its one cell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property

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
    reasons: Reasons | None = None
    """``explain`` in :class:`Cells` form, where the row has one."""


@dataclass(frozen=True)
class Cells:
    """Batches of one scenario that a row explains in one pass: cell i computed ``values[i]`` from ``logits[i]``
    against ``reference[i]`` (each flattened to a row, so cell i of a table is the whole batch)."""

    values: np.ndarray
    reference: np.ndarray
    logits: np.ndarray
    dtype: str

    @classmethod
    def single(cls, value: np.ndarray, reference: np.ndarray, logits: np.ndarray, dtype: str) -> Cells:
        """A table row's whole batch as the one cell."""
        value, reference = np.broadcast_arrays(np.asarray(value, dtype=np.float64), reference)
        return cls(value.reshape(1, -1), reference.reshape(1, -1), np.reshape(logits, (1, -1)), dtype)

    def __len__(self) -> int:
        return len(self.values)

    @cached_property
    def stored(self) -> np.ndarray:
        """The logits after a round trip through the dtype: what torch computed with."""
        return rounded(self.logits, self.dtype)

    def subset(self, chosen: np.ndarray, values: np.ndarray) -> Cells:
        """The ``chosen`` cells with ``values`` in place of theirs (a reason that explains part of a gap)."""
        return Cells(values[chosen], self.reference[chosen], self.logits[chosen], self.dtype)


Reasons = Callable[[Cells], list[str]]
"""A reason-giver: the sentence for each cell."""


def always(sentence: Callable[[], str]) -> Reasons:
    """The same sentence for every cell, made once, when first needed."""
    made = cache(sentence)
    return lambda cells: [made()] * len(cells)


def one_cell(reasons: Reasons, logits: np.ndarray, reference: np.ndarray, dtype: str) -> Callable[[np.ndarray], str]:
    """A table row's reason-giver: ``reasons`` of the one cell its whole batch makes."""
    return lambda value: reasons(Cells.single(value, reference, logits, dtype))[0]


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
    return one_cell(rounding_reasons, z, reference, dtype)


def rounding_reasons(cells: Cells) -> list[str]:
    """Same formula, less precision: the first logit the dtype moves, and how far the value moved."""
    if cells.dtype == "float64":
        sentence = "Both sides compute the same formula in float64; a gap this size means the formulas differ."
        return [sentence] * len(cells)
    moved = cells.stored != cells.logits
    first = moved.argmax(axis=1)[:, None]
    at_first = (
        np.take_along_axis(cells.logits, first, axis=1)[:, 0],
        np.take_along_axis(cells.stored, first, axis=1)[:, 0],
    )
    gaps = differences(cells.values, cells.reference).max(axis=1, initial=0.0)
    return [
        f"{cells.dtype} keeps {SIGNIFICAND_BITS[cells.dtype]} significant bits: the inputs are rounded"
        f"{f' (z = {z:g} is stored as {stored:g})' if any_moved else ''} and so is every step and the result, which "
        f"moves it by {gap:.3g}. Same formula, less precision: upcast with .float() or .double() before the loss."
        for any_moved, z, stored, gap in zip(moved.any(axis=1), *at_first, gaps, strict=True)
    ]
