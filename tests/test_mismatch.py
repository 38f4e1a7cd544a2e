"""The mismatch debugger: presets reproduce the catalogue, diagnoses name the cause, snippets reproduce both numbers."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from script_runner import run_scripts

from lib.debugger.calls import (
    BCE_WITH_LOGITS,
    ENCODINGS,
    LABELS_FLOAT,
    LOSSES,
    MANUAL_MEAN,
    REDUCTIONS,
    SOFT,
    SOFTMAX,
    TRANSFORMS,
    LossCall,
    SharedTensors,
    run_call,
)
from lib.debugger.diagnosis import diagnose
from lib.debugger.presets import OPENING_A, OPENING_B, OPENING_FIXES, PRESETS, seeded_segmentation
from lib.debugger.script import pytorch_snippet


@pytest.mark.parametrize("code", list(PRESETS))
def test_preset_reproduces_the_catalogue_numbers(code):
    preset = PRESETS[code]
    assert run_call(preset.a, preset.shared).shown.startswith(preset.sees_a)
    assert run_call(preset.b, preset.shared).shown == preset.sees_b


@pytest.mark.parametrize("code", list(PRESETS))
def test_preset_diagnosis_reconciles_to_the_documented_fix_and_names_the_cause(code):
    preset = PRESETS[code]
    diagnosis = diagnose(preset.a, preset.b, preset.shared)
    assert not diagnosis.agree and diagnosis.best is not None
    assert float(diagnosis.best.result.value) == pytest.approx(float(preset.after_fix), abs=diagnosis.tolerance * 10)
    assert preset.cause in diagnosis.sentence


def test_opening_view_reproduces_the_forum_case_and_both_fixes_equal_cross_entropy():
    shared = seeded_segmentation()
    logits, labels = torch.tensor(shared.outputs, dtype=torch.float32), torch.tensor(shared.labels)
    ce = F.cross_entropy(logits, labels).item()
    bce = F.binary_cross_entropy_with_logits(logits, F.one_hot(labels, 2).permute(0, 3, 1, 2).float()).item()
    assert run_call(OPENING_A, shared).shown == f"{bce:.4f}" == "0.8430"
    assert run_call(OPENING_B, shared).shown == f"{ce:.4f}" == "0.9170"
    for _, fix in OPENING_FIXES:
        assert float(run_call(fix, shared).value) == pytest.approx(ce, abs=1e-5)


def test_calls_that_agree_are_reported_as_agreeing_without_candidates():
    preset = PRESETS["M01"]
    diagnosis = diagnose(preset.b, preset.b, preset.shared)
    assert diagnosis.agree and diagnosis.candidates == [] and "agree" in diagnosis.sentence


# --- generality: cases nobody wrote a preset for -----------------------------------------------


def random_shared(seed: int, shape=(6, 3)) -> SharedTensors:
    rng = np.random.default_rng(seed)
    outputs = rng.normal(0, 2, shape)
    labels = rng.integers(0, shape[1], (shape[0], *shape[2:]))
    soft = np.exp(outputs + rng.normal(0, 1, shape))
    return SharedTensors(outputs, labels, soft / soft.sum(axis=1, keepdims=True))


MUTATIONS = {
    "extra softmax": lambda c: LossCall(**{**c.__dict__, "transform": SOFTMAX}),
    "sum instead of mean": lambda c: LossCall(**{**c.__dict__, "reduction": "sum"}),
    "manual mean with weights": lambda c: LossCall(
        **{**c.__dict__, "weight": (1.0, 3.0, 0.5), "reduction": MANUAL_MEAN}
    ),
    "float labels": lambda c: LossCall(**{**c.__dict__, "target": LABELS_FLOAT}),
    "bce for ce": lambda c: LossCall(**{**c.__dict__, "loss": BCE_WITH_LOGITS, "target": SOFT}),
}


@pytest.mark.parametrize(("mutation", "seed"), itertools.product(MUTATIONS, range(4)))
def test_diagnosis_finds_a_single_change_for_an_unseen_case(mutation, seed):
    shared = random_shared(seed, (5, 3, 2) if seed % 2 else (7, 3))
    reference = LossCall(target=SOFT) if mutation == "bce for ce" else LossCall()
    if mutation == "manual mean with weights":
        reference = LossCall(weight=(1.0, 3.0, 0.5))
    changed = MUTATIONS[mutation](LossCall() if mutation != "bce for ce" else reference)
    diagnosis = diagnose(changed, reference, shared)
    assert diagnosis.best is not None, diagnosis.sentence
    assert "Fix:" in diagnosis.sentence


def test_every_combination_of_choices_gives_a_value_or_an_error_never_an_exception():
    shared = random_shared(0, (3, 2))
    for loss, transform, encoding, reduction in itertools.product(LOSSES, TRANSFORMS, ENCODINGS, REDUCTIONS):
        result = run_call(LossCall(loss, transform, target=encoding, reduction=reduction), shared)
        assert (result.value is None) != (result.error is None)


# --- the runnable snippet --------------------------------------------------------------------


def test_copied_snippets_reproduce_both_numbers_of_every_preset_and_the_opening_view():
    cases = {code: (p.a, p.b, p.shared) for code, p in PRESETS.items()}
    cases["opening"] = (OPENING_A, OPENING_B, seeded_segmentation())
    cases["opening-fixes"] = (OPENING_FIXES[0][1], OPENING_FIXES[1][1], seeded_segmentation())
    printed = run_scripts({name: pytorch_snippet(*case) for name, case in cases.items()})
    for name, (a, b, shared) in cases.items():
        for side, call in (("A", a), ("B", b)):
            engine = run_call(call, shared)
            if engine.error:
                assert printed[name][side].startswith(engine.error.split(":")[0]), (name, side)
            else:
                assert printed[name][side] == engine.shown, (name, side, printed[name][side], engine.shown)


def test_snippet_never_contains_eval_or_exec():
    snippet = pytorch_snippet(PRESETS["M12"].a, PRESETS["M18"].b, PRESETS["M12"].shared)
    assert "eval(" not in snippet and "exec(" not in snippet
