"""The debugger on real mismatch reports (tests/real_reports.py cites each) and on generated variations."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from real_reports import REPORTS

from lib.debugger.explain import analyse


@pytest.mark.parametrize("name", list(REPORTS))
def test_a_real_report_is_explained_with_the_cause_its_report_gives(name):
    url, script, cause = REPORTS[name]
    analysis = analyse(script)
    if cause is None:
        assert analysis.agree, url
        return
    assert not analysis.agree and analysis.fix is not None, (url, analysis.cause)
    assert cause in analysis.cause, (url, analysis.cause)
    assert analyse(analysis.fix.script).agree, url


def literal(tensor: torch.Tensor) -> str:
    return f"torch.tensor({tensor.tolist()!r})"


@st.composite
def variations(draw):
    """The same two calls with a random shape, transform dim, reduction and target encoding; one is wrong."""
    n, c = draw(st.integers(2, 5)), draw(st.integers(2, 5))
    spatial = draw(st.sampled_from([(), (2,), (2, 3)]))
    seed = draw(st.integers(0, 10_000))
    generator = torch.Generator().manual_seed(seed)
    logits = (torch.randn(n, c, *spatial, generator=generator) * 2).round(decimals=2)
    labels = torch.randint(0, c, (n, *spatial), generator=generator)
    mistake = draw(st.sampled_from(["double softmax", "log_softmax dim", "nll on probabilities", "manual mean"]))
    lines = [f"z = {literal(logits)}", f"y = {literal(labels)}"]
    if mistake == "double softmax":
        lines.append("a = F.cross_entropy(F.softmax(z, dim=1), y)")
    elif mistake == "log_softmax dim":
        lines.append("a = F.nll_loss(F.log_softmax(z, dim=0), y)")
    elif mistake == "nll on probabilities":
        lines.append("a = F.nll_loss(F.softmax(z, dim=1), y)")
    else:
        lines.append("y[0] = -100")
        lines.append("a = F.cross_entropy(z, y, reduction='none').mean()")
    lines.append("b = F.cross_entropy(z, y)")
    expected = F.cross_entropy(
        logits, labels if mistake != "manual mean" else labels.index_fill(0, torch.tensor(0), -100)
    )
    return "import torch\nimport torch.nn.functional as F\n" + "\n".join(lines) + "\n", mistake, float(expected)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=variations())
def test_generated_variations_get_a_fix_that_reconciles(case):
    script, mistake, expected = case
    analysis = analyse(script)
    if analysis.agree:
        return  # e.g. softmax over dim 0 of a batch where it happens to agree: nothing to explain
    assert analysis.fix is not None, (mistake, script, analysis.cause)
    assert analysis.fix.value == pytest.approx(expected, rel=1e-4, abs=1e-4)
    assert analyse(analysis.fix.script).agree
