"""Tool: the mismatch debugger. Paste a PyTorch script that assigns the two numbers to a and b; it says why they
differ and which edited line makes them agree."""

import streamlit as st

from lib.debugger.explain import analyse, describe, shown
from lib.debugger.interpreter import Refused
from lib.debugger.presets import PRESETS, PresetId, preset
from lib.debugger.script import pytorch_script
from lib.debugger.whitelist import MAX_SCRIPT_CHARS
from lib.view.url_state import ChoiceParam, PackedTextParam
from ui import widgets

PRESET = ChoiceParam("preset", PresetId.opening.value, tuple(p.value for p in PresetId))
SCRIPT_KEY = "script"


def preset_label(code: str) -> str:
    return f"{code}: {PRESETS[code].title}" if code in PRESETS else preset("opening").title


def load_preset() -> None:
    """Choosing an example puts its script in the box, in place of the one the link or the user brought."""
    st.session_state.pop(SCRIPT_KEY, None)
    st.query_params.pop(SCRIPT_KEY, None)


@st.cache_resource(max_entries=64, show_spinner=False)
def cached_analysis(source: str):
    """The analysis of a script (or the refusal), cached by its text: a rerun with the same script is free."""
    try:
        return analyse(source), None
    except Refused as refusal:
        return None, str(refusal)


st.title("Mismatch debugger: why do my two losses disagree?")
fallback_slot = st.container()
st.markdown(
    "Paste a short PyTorch script that assigns the two numbers you compare to **`a`** and **`b`**. It runs on real "
    "torch in a restricted interpreter (torch, `nn`, `F`, `np` literals and `math`; no other imports, no files); "
    "the debugger records what each loss call sees, then changes one thing at a time and re-runs your script until "
    "both numbers agree. The cause it names is the change it showed to close the gap."
)
code = widgets.dropdown(
    PRESET, "example: the forum's case or a catalogue entry", on_change=load_preset, format_func=preset_label
)
source = widgets.packed_text_area(
    PackedTextParam(SCRIPT_KEY, preset(code).script, MAX_SCRIPT_CHARS),
    "your script (assign a and b)",
    height=260,
    help=f"Up to {MAX_SCRIPT_CHARS:,} characters; an edited script travels in the link, packed. Nothing is handed "
    "to Python's eval or exec.",
)

if not source.strip():
    st.error("The script is empty: write one that assigns the two numbers to compare to a and b.")
    analysis, refusal = None, None
elif len(source) > MAX_SCRIPT_CHARS:
    st.error(
        f"The script is too long: {len(source):,} characters; the limit is {MAX_SCRIPT_CHARS:,} characters. "
        "Keep the few lines that build the tensors and the two losses."
    )
    analysis, refusal = None, None
else:
    with st.spinner("Running your script, then testing changes…"):
        analysis, refusal = cached_analysis(source)
if refusal:
    st.error(f"The debugger cannot run this script: {refusal}.")
if analysis is not None:
    widgets.metrics(("a", shown(analysis.run.a)), ("b", shown(analysis.run.b)))
    if analysis.agree:
        st.success(analysis.cause, icon=":material/check:")
    elif analysis.fix:
        st.warning(analysis.cause, icon=":material/lightbulb:")
        st.markdown(f"**Fix** ({analysis.fix.call}, gives {analysis.fix.value:.4f}): the edited line")
        st.code(analysis.fix.code, language="python")
    else:
        st.error(analysis.cause)
    if analysis.run.trace.events:
        with st.expander("What each loss call saw", expanded=not analysis.agree and analysis.fix is None):
            for event in analysis.run.trace.events[:12]:
                st.markdown(f"- {describe(analysis.run.trace, event)}")
    st.markdown("**Copy as PyTorch**: runs in plain Python and prints a, b and the fixed value.")
    st.code(pytorch_script(analysis), language="python")
widgets.share_link()
widgets.show_url_fallbacks(fallback_slot)
