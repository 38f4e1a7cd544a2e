"""The Softmax & cross-entropy panel at every position of its K logit sliders, for the browser to redraw from.

The grid has K sections sent up front: in section k logit k moves over the slider's values while every other logit
keeps its committed value, so the panel follows a drag of any one slider without a server round trip. Each
position's numbers are those of the one-position page (:func:`lib.lessons.softmax.softmax_lesson` and
:func:`lib.agreement.multiclass.multiclass_agreement` of the scenario with those logits): one NumPy pass for the
hand-written values and one torch call per implementation over all positions (:mod:`lib.lessons.grids`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib.agreement.multiclass import CE_MODULE, REFERENCE_IMPLEMENTATION, multiclass_candidates, multiclass_reasons
from lib.agreement.table import Cells
from lib.lessons.binary import logit_grid
from lib.lessons.grids import AgreementGrid, agreement_grid
from lib.lessons.softmax import SoftmaxLesson, SoftmaxScenario, softmax_lesson_at_each

LOGIT_BOUND = 10.0
LOGIT_STEP = 0.05


def logit_values() -> np.ndarray:
    """The values a logit slider can take: −10 … 10 in steps of 0.05, 401 of them, each the double nearest its
    decimal (k / 20), so a link's ``z0=2.55`` is on the grid exactly."""
    return logit_grid(LOGIT_BOUND, round(2 * LOGIT_BOUND / LOGIT_STEP))


@dataclass(frozen=True)
class SoftmaxGrid:
    """The Softmax page at P = K·G positions: section k (positions k·G … (k + 1)·G − 1) sets logit k to each of
    the G ``values`` in turn and keeps the other logits at the scenario's."""

    scenario: SoftmaxScenario
    """The committed scenario: its logits are those every section keeps but one."""
    values: np.ndarray
    """(G,): the values each slider takes."""
    lesson: SoftmaxLesson
    """The hand-written numbers per position: logits, scaled_logits, probabilities, contributions and grad (P, K);
    loss, log_sum_exp and target_logit (P,); target_distribution (K,) and ignored, the same at every position."""
    agreement: AgreementGrid
    """The agreement table per position: values (rows, P); grads (rows, P, K)."""

    @property
    def logits(self) -> np.ndarray:
        """(P, K): the logits at each position."""
        return self.lesson.logits

    @property
    def autograd_grad(self) -> np.ndarray:
        """(P, K): torch autograd's ∂L/∂(z/T) of ``nn.CrossEntropyLoss`` in the scenario's dtype."""
        return self.agreement.grads[self.agreement.row(CE_MODULE)]

    def section(self, k: int) -> slice:
        """The positions at which logit k moves."""
        return slice(k * self.values.size, (k + 1) * self.values.size)

    def position(self, k: int, value: float) -> int:
        """The position in section k whose logit k is nearest to ``value``."""
        return k * self.values.size + int(np.argmin(np.abs(self.values - value)))


def softmax_grid(scenario: SoftmaxScenario, values: np.ndarray) -> SoftmaxGrid:
    """Every number of the Softmax page at every position of the K sections; one torch call per implementation."""
    values = np.asarray(values, dtype=np.float64)
    committed = np.asarray(scenario.logits, dtype=np.float64)
    logits = np.tile(committed, (committed.size * values.size, 1))
    for k in range(committed.size):
        logits[k * values.size : (k + 1) * values.size, k] = values
    lesson = softmax_lesson_at_each(scenario, logits)
    candidates = multiclass_candidates(scenario.agreement(logits), lesson.loss, each_sample=True)
    # Every position is a batch of one with the scenario's target and options: only its logits and values differ.
    reasons = multiclass_reasons(scenario.agreement())

    def explain(disagrees: np.ndarray, row_values: np.ndarray) -> np.ndarray:
        """Row by row: each row's reason-giver explains every position where it disagrees in one pass."""
        sentences = np.full(disagrees.shape, None, dtype=object)
        for row, candidate in enumerate(candidates):
            at = np.flatnonzero(disagrees[row])
            cells = Cells(row_values[row, at, None], lesson.loss[at, None], lesson.scaled_logits[at], scenario.dtype)
            sentences[row, at] = reasons[candidate.id](cells)
        return sentences

    agreement = agreement_grid(lesson.loss, lesson.grad, scenario.dtype, REFERENCE_IMPLEMENTATION, candidates, explain)
    return SoftmaxGrid(scenario, values, lesson, agreement)
