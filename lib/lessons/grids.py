"""A lesson panel computed at every position of its slider's grid at once, for the browser to redraw from.

While a slider is dragged the browser shows, at each position, numbers that lib and torch computed here in one
vectorised pass: the hand-written values (one NumPy call over the grid) and each agreement row's torch value in
the chosen dtype (one torch call per implementation over the grid), with the reason sentence of every row that
disagrees at that position. The numbers at any position equal those of the one-position scenario: the tests check
sampled positions against torch and against :func:`lib.agreement.binary.binary_agreement`. The Softmax page's grid,
built on :func:`agreement_grid` too, is in :mod:`lib.lessons.softmax_grid`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from lib.agreement.binary import REFERENCE_IMPLEMENTATION, BinaryScenario, binary_candidates
from lib.agreement.table import REFERENCE, TOLERANCES, Candidate, agrees_elementwise, differences
from lib.lessons.binary import BinaryLesson, binary_lesson
from lib.losses.torch_losses import tensor, to_numpy

NO_REASON = -1
"""The reason index of a position where the row agrees."""


@dataclass(frozen=True)
class AgreementGrid:
    """The agreement table at every grid position: rows × positions, reasons as indices into ``reasons``."""

    ids: tuple[str, ...]
    implementations: tuple[str, ...]
    dtypes: tuple[str, ...]
    values: np.ndarray
    """(rows, positions): each implementation's value; row 0 is the float64 reference."""
    grads: np.ndarray
    """(rows, positions, …): torch autograd's ∂ℓ/∂z at each position (one number per position for BCE, K for
    cross-entropy) where the row has one, else nan."""
    differences: np.ndarray
    agrees: np.ndarray
    reason_index: np.ndarray
    """(rows, positions): index into ``reasons``, or NO_REASON where the row agrees (or is the reference)."""
    reasons: tuple[str, ...]
    tolerance: float

    @property
    def tolerance_rule(self) -> str:
        return f"|value − reference| ≤ {self.tolerance:g}·max(1, |reference|)"

    def row(self, row_id: str) -> int:
        return self.ids.index(row_id)

    def reason(self, row_id: str, position: int) -> str:
        """The sentence saying why the row disagrees at ``position``; empty where it agrees."""
        index = self.reason_index[self.row(row_id), position]
        return "" if index == NO_REASON else self.reasons[index]


Explain = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``explain(disagrees, values)``, both (candidates, positions): the reason sentence of each candidate at each
position where it disagrees (an object array, None elsewhere), each that of the one-position scenario's table."""


def agreement_grid(
    reference: np.ndarray,
    reference_grad: np.ndarray,
    dtype: str,
    reference_implementation: str,
    candidates: list[Candidate],
    explain: Explain,
) -> AgreementGrid:
    """Run each candidate once over the whole grid, then ``explain`` each row where it disagrees."""
    tolerance = TOLERANCES[dtype]
    values, grads = [reference], [reference_grad]
    for candidate in candidates:
        value, grad = candidate.run()
        values.append(np.asarray(value, dtype=np.float64))
        grads.append(np.full_like(reference_grad, np.nan) if grad is None else np.asarray(grad, dtype=np.float64))
    value_table = np.stack(values)
    agreeing = agrees_elementwise(value_table, reference, tolerance)
    reason_index = np.full(value_table.shape, NO_REASON, dtype=np.int64)
    reasons: dict[str, int] = {}
    sentences = explain(~agreeing[1:], value_table[1:])
    for row, position in zip(*np.nonzero(~agreeing[1:]), strict=True):
        reason_index[row + 1, position] = reasons.setdefault(sentences[row, position], len(reasons))
    return AgreementGrid(
        ids=(REFERENCE, *(c.id for c in candidates)),
        implementations=(reference_implementation, *(c.implementation for c in candidates)),
        dtypes=("float64", *(c.dtype or dtype for c in candidates)),
        values=value_table,
        grads=np.stack(grads),
        differences=differences(value_table, reference),
        agrees=agreeing,
        reason_index=reason_index,
        reasons=tuple(reasons),
        tolerance=tolerance,
    )


@dataclass(frozen=True)
class BinaryGrid:
    """The Sigmoid & BCE panel at every logit of the grid, for one target, weight, pos_weight and dtype."""

    scenario: BinaryScenario
    """The scenario at the grid's first position; ``logits`` holds the whole grid."""
    lesson: BinaryLesson
    """The hand-written numbers per position (reduction 'none': one element per position)."""
    probability_in_dtype: np.ndarray
    """torch.sigmoid(z) in the scenario's dtype: where it rounds to exactly 0 or 1, log p or log(1 − p) is −inf."""
    agreement: AgreementGrid

    @property
    def logits(self) -> np.ndarray:
        return self.lesson.logits

    @property
    def rounds_to_one(self) -> np.ndarray:
        """Where σ(z) is exactly 1.0 in float64 (z ≥ 36.7) and the target is not 1: log(1 − p) from p alone would be
        −inf, while the stable form, which works from z, still gives the exact loss. (σ(z) reaches 0 only below
        z ≈ −745, far outside the slider's ±100.)"""
        return (self.lesson.probabilities == 1.0) & (self.lesson.targets != 1.0)

    def position(self, z: float) -> int:
        """The grid position nearest to ``z``."""
        return int(np.argmin(np.abs(self.logits - z)))


def binary_grid(logits: np.ndarray, target: float, weight: float, pos_weight: float, dtype: str) -> BinaryGrid:
    """Every number of the one-example BCE panel at every logit in ``logits``; one torch call per implementation.

    A single example's 'mean' is its one element, so each position's value is that of the page's scenario
    (reduction 'mean' over one logit) at that logit.
    """
    z = np.asarray(logits, dtype=np.float64)
    y = np.full_like(z, target)
    whole = BinaryScenario(z, y, weight, pos_weight, "none", dtype)
    lesson = binary_lesson(whole)

    def explain(disagrees: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Position by position: the one-position candidates are built once where some row disagrees."""
        sentences = np.full(disagrees.shape, None, dtype=object)
        for position in np.flatnonzero(disagrees.any(axis=0)):
            one = BinaryScenario(np.array(z[position]), np.array(target), weight, pos_weight, "mean", dtype)
            here = binary_candidates(one, np.asarray(lesson.per_row_loss[position]))
            for row in np.flatnonzero(disagrees[:, position]):
                sentences[row, position] = here[row].explain(np.asarray(values[row, position]))
        return sentences

    agreement = agreement_grid(
        lesson.per_row_loss,
        lesson.per_row_grad,
        dtype,
        REFERENCE_IMPLEMENTATION,
        binary_candidates(whole, lesson.per_row_loss),
        explain,
    )
    probability = to_numpy(torch.sigmoid(tensor(z, dtype)))
    return BinaryGrid(whole, lesson, probability, agreement)
