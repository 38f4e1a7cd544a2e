"""A lesson panel computed at every position of its slider's grid at once, for the browser to redraw from.

While a slider is dragged the browser shows, at each position, numbers that lib and torch computed here in one
vectorised pass: the hand-written values (one NumPy call over the grid) and each agreement row's torch value in
the chosen dtype (one torch call per implementation over the grid), with the reason sentence of every row that
disagrees at that position. The numbers at any position equal those of the one-position scenario: the tests check
sampled positions against torch and against :func:`lib.agreement.binary.binary_agreement`.
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
    """(rows, positions, …): torch autograd's ∂ℓ/∂z where the row has one (one value per logit of a position), else
    nan."""
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


def agreement_grid(
    reference: np.ndarray,
    reference_grad: np.ndarray,
    dtype: str,
    reference_implementation: str,
    candidates: list[Candidate],
    candidates_at: Callable[[int], list[Candidate]],
) -> AgreementGrid:
    """Run each candidate once over the whole grid; ``candidates_at(i)`` gives the one-position candidates whose
    reason-givers explain a disagreement at position i (built only where some row disagrees)."""
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
    for position in np.flatnonzero(~agreeing.all(axis=0)):
        here = candidates_at(int(position))
        for row in np.flatnonzero(~agreeing[:, position]):
            sentence = here[row - 1].explain(np.asarray(value_table[row, position]))
            reason_index[row, position] = reasons.setdefault(sentence, len(reasons))
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

    def candidates_at(position: int) -> list[Candidate]:
        one = BinaryScenario(np.array(z[position]), np.array(target), weight, pos_weight, "mean", dtype)
        return binary_candidates(one, np.asarray(lesson.per_row_loss[position]))

    agreement = agreement_grid(
        lesson.per_row_loss,
        lesson.per_row_grad,
        dtype,
        REFERENCE_IMPLEMENTATION,
        binary_candidates(whole, lesson.per_row_loss),
        candidates_at,
    )
    probability = to_numpy(torch.sigmoid(tensor(z, dtype)))
    return BinaryGrid(whole, lesson, probability, agreement)
