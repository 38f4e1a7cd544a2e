"""Why ``a`` and ``b`` disagree: run the script, then test each difference its trace shows by changing it and
re-running, and state the cause that is shown to account for the gap.

:func:`analyse` is the engine behind the page and the command line. The cause is never a sentence stored with
a preset: it is written from the trace of the script at hand (:mod:`lib.debugger.trace`), by the change that
made both numbers agree when the edited script was run again (:mod:`lib.debugger.edits`,
:mod:`lib.debugger.option_edits`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import torch

from lib.agreement.table import TOLERANCES, agrees
from lib.debugger import edits, option_edits
from lib.debugger.interpreter import Outcome, Refused, Run, run_script
from lib.debugger.trace import Tracer, class_axis, denominator, target_encoding, transform_before

GENERATORS = (
    edits.transform_changes,
    edits.hand_written_logs,
    edits.clamps_read_as_probabilities,
    edits.loss_swaps,
    option_edits.per_sample_sums,
    option_edits.manual_means,
    option_edits.weighted_probability_means,
    option_edits.input_shapes,
    option_edits.micro_batches,
    option_edits.pos_weights,
    option_edits.target_dtypes,
    option_edits.broadcasts,
    option_edits.smoothing,
    option_edits.entropy_floors,
    option_edits.softmax_dims,
    option_edits.summed_terms,
    option_edits.differing_options,
)
_log = logging.getLogger(__name__)
MAX_CANDIDATES = 60
SEARCH_SECONDS = 6.0


@dataclass(frozen=True)
class Fix:
    call: str
    change: str
    code: str
    value: float
    script: str


@dataclass
class Analysis:
    run: Run
    agree: bool
    cause: str
    fix: Fix | None = None
    tolerance: float = 1e-4
    tried: int = 0
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "a": outcome_json(self.run.a),
            "b": outcome_json(self.run.b),
            "agree": self.agree,
            "cause": self.cause,
            "fix": None
            if self.fix is None
            else {"call": self.fix.call, "change": self.fix.change, "code": self.fix.code, "value": self.fix.value},
        }


def values(outcome: Outcome) -> np.ndarray | None:
    value = outcome.value
    if isinstance(value, torch.Tensor):
        return (
            value.detach().to(torch.float64).numpy() if value.is_floating_point() or value.dtype != torch.bool else None
        )
    if isinstance(value, (bool, int, float)):
        return np.asarray(float(value))
    return None


def outcome_json(outcome: Outcome) -> dict:
    array = values(outcome)
    if outcome.error or array is None:
        error = outcome.error or f"it holds a {type(outcome.value).__name__}, not a number or a tensor"
        return {"value": None, "error": error, "shape": []}
    scalar = float(array.mean()) if array.size == 1 else None
    return {
        "value": None if scalar is None or not np.isfinite(scalar) else scalar,
        "error": None if scalar is not None else f"a tensor of shape {list(array.shape)}, not one number",
        "shape": list(array.shape),
    }


def shown(outcome: Outcome) -> str:
    array = values(outcome)
    if outcome.error:
        return outcome.error
    if array is None:
        return f"not a number ({type(outcome.value).__name__})"
    if array.size == 1:
        return f"{float(array.reshape(())):.4f}"
    return "[" + ", ".join(f"{v:.4f}" for v in array.ravel()[:8]) + (", …]" if array.size > 8 else "]")


def tolerance_of(outcome: Outcome) -> float:
    value = outcome.value
    dtype = str(value.dtype).replace("torch.", "") if isinstance(value, torch.Tensor) else "float32"
    return TOLERANCES.get(dtype, TOLERANCES["float32"])


def same(first: Outcome, second: Outcome, tolerance: float) -> bool:
    """Two finite values of the same shape within tolerance; nan and inf never agree with anything."""
    x, y = values(first), values(second)
    if first.error or second.error or x is None or y is None or x.shape != y.shape:
        return False
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        return False
    return agrees(x, y, tolerance)


def analyse(source: str) -> Analysis:
    """Run the script; if a and b disagree, find the change that reconciles them. :class:`Refused` if it cannot run."""
    run = run_script(source)
    tolerance = max(tolerance_of(run.a), tolerance_of(run.b))
    if same(run.a, run.b, tolerance):
        return Analysis(
            run,
            True,
            f"a and b agree: {shown(run.a)} and {shown(run.b)} (tolerance {tolerance:g}).",
            tolerance=tolerance,
        )
    notes = [n for n in (non_finite(run), shape_note(run)) if n]
    started, tried = time.perf_counter(), 0
    for candidate in search(run.trace):
        if tried >= MAX_CANDIDATES or time.perf_counter() - started > SEARCH_SECONDS:
            break
        tried += 1
        script, code = edits.apply(source, candidate.edits)
        try:
            rerun = run_script(script)
        except Refused:
            continue
        fix = reconciling(run, rerun, candidate, script, code, tolerance)
        if fix is not None:
            other = "b" if fix.call == "a" else "a"
            cause = " ".join([*notes, candidate.cause]) + (
                f" With {candidate.change}, {fix.call} = {fix.value:.4f}, agreeing with {other} = "
                f"{shown(getattr(run, other))}."
            )
            return Analysis(run, False, cause, fix, tolerance, tried, notes)
    cause = " ".join(
        [
            *notes,
            f"a = {shown(run.a)} and b = {shown(run.b)} disagree, and none of the {tried} changes "
            "tried made them agree.",
            *differences(run.trace),
        ]
    )
    return Analysis(run, False, cause, None, tolerance, tried, notes)


def search(tracer: Tracer) -> Iterator[edits.Candidate]:
    seen = set()
    for generator in GENERATORS:
        try:
            found = list(generator(tracer))
        except Exception:
            _log.exception("candidate generator %s failed", generator.__name__)
            continue
        for candidate in found:
            key = tuple(edits.apply(tracer.source, candidate.edits)[1].splitlines())
            if key not in seen:
                seen.add(key)
                yield candidate


def reconciling(run: Run, rerun: Run, candidate, script: str, code: str, tolerance: float) -> Fix | None:
    limit = max(tolerance, tolerance_of(rerun.a), tolerance_of(rerun.b))
    if not same(rerun.a, rerun.b, limit):
        return None
    for name, other in (("a", "b"), ("b", "a")):
        before, after = getattr(run, name), getattr(rerun, name)
        if not same(before, after, 1e-12) and same(getattr(run, other), getattr(rerun, other), 1e-12):
            return Fix(name, candidate.change, code, float(values(after).mean()), script)
    return None


def non_finite(run: Run) -> str | None:
    """Which side holds nan or inf, and where it came from: the script's own numbers or a computation."""
    sick = [name for name in "ab" if (v := values(getattr(run, name))) is not None and not np.all(np.isfinite(v))]
    if not sick:
        return None
    words = " and ".join(f"{name} = {shown(getattr(run, name))}" for name in sick)
    found = run.trace.nonfinite
    if not found:
        return f"{words}: nan never agrees with anything."
    line, what, own = found[0]
    if own:
        return (
            f"{words}: the script's own numbers on line {line} ({what}) hold nan or inf, and torch propagates it "
            "through every loss; nan never agrees with anything."
        )
    return (
        f"{words}: a nan or inf first appears on line {line}, in {what}, computed from finite numbers, and torch "
        "propagates it; nan never agrees with anything."
    )


def shape_note(run: Run) -> str | None:
    x, y = values(run.a), values(run.b)
    if x is None or y is None or x.shape == y.shape:
        return None
    return f"a has shape {list(x.shape)} and b {list(y.shape)}: they cannot agree until both are one number."


def differences(tracer: Tracer) -> list[str]:
    return [describe(tracer, event) for event in tracer.events[:4]]


def describe(tracer: Tracer, event) -> str:
    """One loss call as the trace saw it, in one sentence."""
    if not isinstance(event.input, torch.Tensor) or not isinstance(event.target, torch.Tensor):
        return f"Line {event.line}: {event.name} on a non-tensor."
    before = transform_before(tracer, event.input)
    went = (
        f"after {before.op} over dim {before.dim}"
        if before and before.dim is not None
        else (f"after {before.op}" if before else "as given")
    )
    value = "" if event.error else f", reduced by dividing by {denominator(event)[1]}"
    return (
        f"Line {event.line}: {event.name} reads {tracer.label(event.input, event.input_node)} "
        f"{tuple(event.input.shape)} {str(event.input.dtype).replace('torch.', '')} {went} ({class_axis(event)}), "
        f"target {tracer.label(event.target, event.target_node)}: {target_encoding(event)}{value}."
    )
