"""Tool: the mismatch debugger. Two loss calls on the same tensors, both numbers, why they differ, the fix."""

import numpy as np
import pandas as pd
import streamlit as st

from lib.debugger.calls import (
    ENCODINGS,
    KERAS_BINARY,
    KERAS_CATEGORICAL,
    LOG_SOFTMAX,
    LOSSES,
    REDUCTIONS,
    SELECT_CHANNEL,
    SKLEARN,
    SOFTMAX,
    SOFTMAX_CHANNEL,
    TRANSFORMS,
    LossCall,
    run_call,
)
from lib.debugger.diagnosis import diagnose
from lib.debugger.inputs import MAX_ELEMENTS, as_text, generated_tensors, pasted_tensors, weights_from_text
from lib.debugger.presets import OPENING_A, OPENING_B, OPENING_FIXES, PRESETS, seeded_segmentation
from lib.debugger.script import pytorch_snippet
from lib.losses import handwritten as hw
from lib.losses.torch_losses import DTYPES
from lib.view.parsing import shortest_text
from lib.view.url_state import ChoiceParam, FlagParam, IntParam, NumberParam
from ui import widgets

CUSTOM = "custom"
PRESET = ChoiceParam("preset", "M06", (*PRESETS, CUSTOM))
SOURCE = ChoiceParam("source", "preset", ("preset", "generated", "pasted"))
SEED = IntParam("seed", 0, 0, 10_000)
SCALE = NumberParam("scale", 2.0, 0.1, 50.0)
CALL_FIELDS = ("loss", "transform", "dim", "channel", "target", "reduction", "weight", "pos_weight")
CALL_FIELDS += ("pos_weight_on_class_dim", "ignore_index", "label_smoothing", "from_logits", "dtype")


def preset_label(code: str) -> str:
    return "custom: start from your own calls" if code == CUSTOM else f"{code}: {PRESETS[code].title}"


def load_preset() -> None:
    """On choosing a preset, forget every call control and paste box, so each takes the new preset's default."""
    for key in [f"{prefix}_{name}" for prefix in "ab" for name in CALL_FIELDS] + ["outputs", "labels", "soft", "shape"]:
        st.session_state.pop(key, None)


st.title("Mismatch debugger: why do my two losses disagree?")
fallback_slot = st.container()
st.markdown(
    "Two numbers that should agree and don't. Build (or pick) the two calls on the same tensors; real torch computes "
    "both, and the debugger searches single changes to either call for the one that makes them agree."
)


@st.fragment
def opening_view() -> None:
    shared = seeded_segmentation()
    bce, ce = run_call(OPENING_A, shared), run_call(OPENING_B, shared)
    st.subheader("The classic: BCEWithLogitsLoss on two one-hot channels against CrossEntropyLoss")
    widgets.metrics(("BCEWithLogitsLoss(preds, one_hot)", bce.shown), ("CrossEntropyLoss(preds, labels)", ce.shown))
    fixes = pd.DataFrame(
        {"fix": [name for name, _ in OPENING_FIXES], "value": [run_call(c, shared).shown for _, c in OPENING_FIXES]}
    )
    st.dataframe(fixes, hide_index=True, width="stretch")
    z0, z1 = shared.outputs[0, 0, 0, 0], shared.outputs[0, 1, 0, 0]
    st.markdown(
        f"Logits of shape (1, 2, 4, 4) drawn with `torch.manual_seed(0)`, labels of shape (1, 4, 4). "
        f"**Two channels through BCE are two independent sigmoids**, and its mean divides by all N·2·H·W = 32 "
        f"elements; **CrossEntropyLoss couples them through one softmax** and divides by N·H·W = 16 pixels. "
        f"Since softmax([z0, z1])[1] = σ(z1 − z0), BCE on the logit difference, or BCELoss on the softmax's class-1 "
        f"channel, recovers CE exactly: {ce.shown}."
    )
    st.latex(
        rf"\mathrm{{softmax}}([{z0:.4f}, {z1:.4f}])_1 = {float(hw.softmax(np.array([z0, z1]), 0)[1]):.6f}"
        rf" = \sigma({z1:.4f} - ({z0:.4f})) = {float(hw.sigmoid(z1 - z0)):.6f}"
    )
    st.caption("The first pixel's two logits, as a check of the identity with live numbers.")


def call_builder(prefix: str, default: LossCall, title: str) -> tuple[LossCall, list[str]]:
    """The controls of one call; the defaults are the chosen preset's call, so the link stores only changes."""
    st.markdown(f"**{title}**")
    problems = []
    loss = widgets.dropdown(ChoiceParam(f"{prefix}_loss", default.loss, LOSSES), "loss")
    transform = widgets.dropdown(
        ChoiceParam(f"{prefix}_transform", default.transform, TRANSFORMS), "transform of the outputs"
    )
    target = widgets.dropdown(ChoiceParam(f"{prefix}_target", default.target, ENCODINGS), "target")
    reduction = widgets.dropdown(ChoiceParam(f"{prefix}_reduction", default.reduction, REDUCTIONS), "reduction")
    dtype = widgets.dropdown(ChoiceParam(f"{prefix}_dtype", default.dtype, tuple(DTYPES)), "dtype")
    with st.expander("more options"):
        dim = widgets.number_box(IntParam(f"{prefix}_dim", default.dim, -4, 3), "softmax / log_softmax dim", 1)
        channel = widgets.number_box(IntParam(f"{prefix}_channel", default.channel, 0, 63), "channel c", 1)
        weight_text = widgets.text_box(
            f"{prefix}_weight", "weight (one per class, or per element)", _numbers(default.weight), 400
        )
        pos_weight_text = widgets.text_box(
            f"{prefix}_pos_weight", "pos_weight (BCEWithLogitsLoss)", _numbers(default.pos_weight), 400
        )
        on_class_dim = widgets.flag(
            FlagParam(f"{prefix}_pos_weight_on_class_dim", default.pos_weight_on_class_dim),
            "view pos_weight as (C, 1, 1)",
        )
        ignore_index = widgets.number_box(
            IntParam(f"{prefix}_ignore_index", default.ignore_index, -1000, 1000), "ignore_index", 1
        )
        smoothing = widgets.number_box(
            NumberParam(f"{prefix}_label_smoothing", default.label_smoothing, 0.0, 1.0), "label smoothing ε", 0.05
        )
        from_logits = widgets.flag(FlagParam(f"{prefix}_from_logits", default.from_logits), "Keras from_logits")
    weight, problem = weights_from_text(weight_text)
    if problem:
        problems.append(f"{title}: {problem}")
    pos_weight, problem = weights_from_text(pos_weight_text)
    if problem:
        problems.append(f"{title}: pos_{problem}")
    if transform in (SOFTMAX, LOG_SOFTMAX):
        st.caption(f"{transform} over dim {dim}")
    if transform in (SELECT_CHANNEL, SOFTMAX_CHANNEL):
        st.caption(f"channel c = {channel}")
    if loss in (KERAS_BINARY, KERAS_CATEGORICAL):
        st.caption(f"Keras from_logits = {from_logits}; Keras always averages, so the reduction does not apply.")
    if loss == SKLEARN:
        st.caption("scikit-learn's log_loss always averages over the samples: the reduction does not apply.")
    call = LossCall(
        loss,
        transform,
        int(dim),
        int(channel),
        target,
        reduction,
        weight,
        pos_weight,
        on_class_dim,
        int(ignore_index),
        float(smoothing),
        from_logits,
        dtype,
    )
    return call, problems


def _numbers(values: tuple[float, ...] | None) -> str:
    return "" if values is None else ", ".join(shortest_text(v) for v in values)


@st.fragment
def builder() -> None:
    st.subheader("Your two calls")
    code = widgets.dropdown(PRESET, "start from a catalogue entry (M01–M18) or custom", on_change=load_preset)
    st.caption(preset_label(code))
    preset = PRESETS.get(code, PRESETS[PRESET.default])
    source = widgets.choice(SOURCE, "shared tensors", help="The preset's own tensors, generated ones, or your own.")
    shared, problem = preset.shared, None
    if source == "generated":
        left, middle, right = st.columns(3)
        with left:
            shape = widgets.text_box(
                "shape", "shape (N, C, …)", ", ".join(str(n) for n in preset.shared.outputs.shape), 40
            )
        with middle:
            seed = widgets.number_box(SEED, "seed", 1)
        with right:
            scale = widgets.number_box(SCALE, "logit scale", 0.5)
        shared, problem = generated_tensors(shape, int(seed), float(scale))
    elif source == "pasted":
        st.caption(
            f"Nested lists or JSON, as torch prints them; up to {MAX_ELEMENTS:,} outputs. Nothing you paste is run."
        )
        left, middle, right = st.columns(3)
        with left:
            outputs = widgets.text_box(
                "outputs", "model outputs (logits)", as_text(preset.shared.outputs), 60_000, area=True
            )
        with middle:
            labels = widgets.text_box("labels", "class labels", as_text(preset.shared.labels), 30_000, area=True)
        with right:
            soft = widgets.text_box("soft", "soft targets", as_text(preset.shared.soft_targets), 60_000, area=True)
        shared, problem = pasted_tensors(outputs, labels, soft)
    if problem:
        st.error(f"Those tensors cannot be used: {problem}. Using the preset's tensors instead.")
        shared = preset.shared
    st.caption(
        f"outputs {tuple(shared.outputs.shape)}"
        + ("" if shared.labels is None else f", labels {tuple(shared.labels.shape)}")
        + ("" if shared.soft_targets is None else f", soft targets {tuple(shared.soft_targets.shape)}")
    )
    column_a, column_b = st.columns(2, gap="large")
    with column_a:
        call_a, problems_a = call_builder("a", preset.a, "Call A")
    with column_b:
        call_b, problems_b = call_builder("b", preset.b, "Call B")
    for problem in problems_a + problems_b:
        st.error(f"{problem}; that option is left out.")
    with st.spinner("Searching single changes to either call…"):
        diagnosis = diagnose(call_a, call_b, shared)
    widgets.metrics(("call A", diagnosis.a.shown), ("call B", diagnosis.b.shown))
    if diagnosis.agree:
        st.success(diagnosis.sentence, icon=":material/check:")
    elif diagnosis.best:
        st.warning(diagnosis.sentence, icon=":material/lightbulb:")
    else:
        st.error(diagnosis.sentence)
    if diagnosis.candidates:
        st.markdown("**Single changes tried, best first**")
        st.dataframe(
            pd.DataFrame(
                {
                    "call": [c.side for c in diagnosis.candidates],
                    "change": [c.change for c in diagnosis.candidates],
                    "then gives": [c.result.shown for c in diagnosis.candidates],
                    "|gap| to the other call": [f"{c.gap:.3g}" for c in diagnosis.candidates],
                    "agrees?": ["✓" if c.reconciles else "✗" for c in diagnosis.candidates],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    st.markdown("**Copy as PyTorch**: this script rebuilds the tensors and prints both numbers.")
    st.code(pytorch_snippet(call_a, call_b, shared), language="python")
    widgets.share_link()


opening_view()
builder()
widgets.show_url_fallbacks(fallback_slot)
