"""The Softmax & cross-entropy panel at every position of its K logit sliders at once.

The table has one section per logit: in section k, logit k moves over the slider's values while the others stay at
the scenario's. At every position it holds what the one-sample page shows for those logits: the hand-written
numbers (one NumPy pass over all positions, as a batch) and each agreement row's torch value (one torch call per
implementation over all positions), with the reason of every row that disagrees. Each position's numbers are those
of the one-sample scenario (:func:`lib.lessons.softmax.softmax_lesson`, :func:`multiclass_agreement`) to within
the rounding of one division: the batch is reduced with 'none' and each position then divided by what the
scenario's reduction divides one sample by. The tests check sampled positions against both and against torch.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from lib.agreement.multiclass import (
    REFERENCE_IMPLEMENTATION,
    TARGET_WEIGHT_MEANS,
    MulticlassScenario,
    multiclass_candidates,
    reference_options,
    scenario_target,
)
from lib.agreement.table import Candidate
from lib.lessons.grids import AgreementGrid, agreement_grid
from lib.lessons.softmax import SoftmaxScenario, log_sum_exp, target_distribution, target_logit
from lib.losses import decomposition as dc
from lib.losses import handwritten as hw
from lib.losses.torch_losses import rounded

SOFTMAX_LOGITS = np.arange(-200, 201) / 20
"""The values each logit slider can take: −10 … 10 in steps of 0.05, each the double nearest its decimal (k / 20,
so a link's ``z0=2.55`` is on the grid exactly)."""


@dataclass(frozen=True)
class SoftmaxGrid:
    """The one-sample cross-entropy page at every position of the K sections; arrays have one row per position."""

    scenario: SoftmaxScenario
    """The committed scenario: every position's logits equal its own but for the moved one."""
    values: np.ndarray
    """The values each section moves its logit over."""
    logits: np.ndarray
    """(P, K), P = K·len(values)."""
    probabilities: np.ndarray
    target_distribution: np.ndarray
    """(K,): the target after label smoothing, (1 − ε)·t + ε/K; it does not depend on the logits."""
    contributions: np.ndarray
    """(P, K): −a_k·log q_k per class; a row sums to the sample's loss before the reduction divides it."""
    loss: np.ndarray
    grad: np.ndarray
    """(P, K): ∂L/∂(z/T) of the reduced one-sample loss."""
    log_sum_exp: np.ndarray
    target_logit: np.ndarray
    agreement: AgreementGrid
    """grads (rows, P, K): each implementation's torch autograd gradient where it has one."""

    def section(self, k: int) -> slice:
        """The positions where logit k moves."""
        return slice(k * self.values.size, (k + 1) * self.values.size)

    def position(self, k: int, value: float) -> int:
        """The position of section k whose logit k is nearest to ``value``."""
        return self.section(k).start + int(np.argmin(np.abs(self.values - value)))


def section_logits(logits: np.ndarray, values: np.ndarray) -> np.ndarray:
    """(K·G, K): the logits repeated, with logit k replaced by ``values`` in the k-th block of G rows."""
    k, g = logits.size, values.size
    table = np.tile(np.asarray(logits, dtype=np.float64), (k * g, 1))
    for column in range(k):
        table[column * g : (column + 1) * g, column] = values
    return table


def softmax_grid(scenario: SoftmaxScenario, values: np.ndarray = SOFTMAX_LOGITS) -> SoftmaxGrid:
    """Every number of the Softmax & cross-entropy panel at every position of its K sections."""
    s = scenario
    logits = section_logits(np.asarray(s.logits, dtype=np.float64), np.asarray(values, dtype=np.float64))
    positions = logits.shape[0]
    one = s.agreement()
    whole = replace(
        one,
        logits=logits / s.temperature,
        target=np.broadcast_to(scenario_target(one), (positions, *np.shape(one.target)[1:])).copy(),
        reduction="none",
    )
    scaled, target = whole.logits, scenario_target(whole)
    options = reference_options(whole)
    divisor = _one_sample_divisor(one)
    with np.errstate(invalid="ignore", divide="ignore"):
        loss = hw.cross_entropy(scaled, target, **options) / divisor
        grad = dc.cross_entropy_grad(scaled, target, **options) / divisor
    smoothed = target_distribution(s)

    # The reason-givers of one position, built once and pointed at each position in turn: they read the scenario's
    # logits and the reference when they explain (multiclass_candidates), so refilling the two arrays moves them.
    here_logits, here_reference = np.empty((1, scaled.shape[1])), np.empty(())
    here = multiclass_candidates(replace(one, logits=here_logits), here_reference)

    def candidates_at(position: int) -> list[Candidate]:
        here_logits[0], here_reference[...] = scaled[position], loss[position]
        return here

    candidates = [_reduced_per_position(c, one, divisor) for c in multiclass_candidates(whole, loss)]
    agreement = agreement_grid(loss, grad, s.dtype, REFERENCE_IMPLEMENTATION, candidates, candidates_at)
    return SoftmaxGrid(
        scenario=s,
        values=np.asarray(values, dtype=np.float64),
        logits=logits,
        probabilities=hw.softmax(scaled, 1),
        target_distribution=smoothed,
        contributions=dc.ce_contributions(scaled, target, one.weight, one.ignore_index, one.label_smoothing),
        loss=loss,
        grad=grad,
        log_sum_exp=log_sum_exp(scaled),
        target_logit=target_logit(scaled, smoothed),
        agreement=agreement,
    )


def _one_sample_divisor(one: MulticlassScenario) -> float:
    """What the reduction divides the one sample's loss by: Σ w[y] for a class index with 'mean' (0 where it is
    ignored, so the mean is 0/0 = nan), else 1."""
    if one.reduction != "mean":
        return 1.0
    return float(dc.cross_entropy_coefficients(one.logits, scenario_target(one), one.weight, one.ignore_index)[1])


def _reduced_per_position(candidate: Candidate, one: MulticlassScenario, divisor: float) -> Candidate:
    """A candidate run over the whole table with 'none', each position then reduced as the one-sample call would:
    the rows that mean over Σ w[y] divide by it, in the candidate's dtype; the others divide one sample by 1."""
    if one.reduction != "mean" or not one.target_is_index or candidate.id not in TARGET_WEIGHT_MEANS:
        return candidate
    dtype = candidate.dtype or one.dtype

    def run() -> tuple[np.ndarray, np.ndarray]:
        value, grad = candidate.run()
        with np.errstate(invalid="ignore", divide="ignore"):
            return rounded(value / divisor, dtype), rounded(grad / divisor, dtype)

    return replace(candidate, run=run)
