"""The mismatch debugger's engine: the catalogue M01–M18 as scripts, through the engine, the command line and the
copied script; every cause is written from the script's own trace and its fix re-runs to agreement."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from script_runner import run_scripts

from lib.debugger.explain import analyse, shown
from lib.debugger.presets import OPENING, PRESETS
from lib.debugger.script import pytorch_script

ROOT = Path(__file__).resolve().parents[1]

CAUSES = {
    "opening": "two independent sigmoids",
    "M01": "applies log_softmax itself",
    "M02": "applies the sigmoid itself",
    "M03": "int64",
    "M04": "only picks −input[y]",
    "M05": "compete for one unit of probability",
    "M06": "σ(z1 − z0)",
    "M07": "identically 1",
    "M08": "Σ w[y] = 10",
    "M09": "the 2 targets not ignored",
    "M10": "clamps it at −100",
    "M11": "0 · (−inf) is nan",
    "M12": "reading them as probabilities",
    "M13": "divides by all 8 elements",
    "M14": "against the last dim",
    "M15": "in float16",
    "M16": "ε/(C − 1)",
    "M17": "entropy",
    "M18": "clamps it at −100",
}
CASES = {"opening": OPENING, **PRESETS}


@pytest.mark.parametrize("code", list(CASES))
def test_catalogue_script_gives_its_numbers_its_cause_and_a_fix_that_reconciles(code):
    preset = CASES[code]
    analysis = analyse(preset.script)
    assert shown(analysis.run.a).startswith(preset.sees_a)
    assert shown(analysis.run.b) == preset.sees_b
    assert not analysis.agree and analysis.fix is not None
    assert f"{analysis.fix.value:.4f}" == preset.after_fix
    assert CAUSES[code] in analysis.cause
    rerun = analyse(analysis.fix.script)
    assert rerun.agree


def test_the_opening_script_matches_torch_seeded_with_0():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(1, 2, 4, 4, generator=generator)
    labels = torch.randint(0, 2, (1, 4, 4), generator=generator)
    bce = F.binary_cross_entropy_with_logits(logits, F.one_hot(labels, 2).permute(0, 3, 1, 2).float())
    analysis = analyse(OPENING.script)
    assert float(analysis.run.a.value) == bce.item()
    assert float(analysis.run.b.value) == F.cross_entropy(logits, labels).item()


def test_the_cause_uses_the_scripts_own_names_and_lines():
    script = "import torch\nimport torch.nn.functional as F\nscores = torch.tensor([[2.0, 0.5], [0.1, 1.5]])\n"
    script += "gold = torch.tensor([0, 1])\nprobabilities = F.softmax(scores, dim=1)\n"
    script += "a = F.cross_entropy(probabilities, gold)\nb = F.cross_entropy(scores, gold)\n"
    analysis = analyse(script)
    assert "probabilities is already softmax(scores) from line 5" in analysis.cause
    assert analysis.fix.code == "a = F.cross_entropy(scores, gold)"


def test_agreeing_scripts_are_reported_as_agreeing_without_a_fix():
    analysis = analyse("import torch\na = torch.tensor(0.5)\nb = 0.5\n")
    assert analysis.agree and analysis.fix is None and "agree" in analysis.cause


def test_a_fixing_seed_reads_the_scripts_own_generator_not_the_servers():
    torch.manual_seed(123)
    expected = torch.rand(1).item()
    torch.manual_seed(123)
    analyse(OPENING.script)
    assert torch.rand(1).item() == expected


# --- the command line ---------------------------------------------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lib.debugger", *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_cli_json_follows_the_contract_for_every_catalogue_script(tmp_path):
    paths = []
    for code, preset in CASES.items():
        path = tmp_path / f"{code}.py"
        path.write_text(preset.script)
        paths.append((code, path))
    program = "import json, sys\nfrom lib.debugger.__main__ import main\n" + "".join(
        f"main([{str(p)!r}, '--json'])\n" for _, p in paths
    )
    completed = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert completed.returncode == 0, completed.stderr
    for (code, _), line in zip(paths, completed.stdout.splitlines(), strict=True):
        report = json.loads(line)
        assert set(report) == {"a", "b", "agree", "cause", "fix"}
        assert set(report["a"]) == {"value", "error", "shape"}
        assert report["b"]["value"] == pytest.approx(float(CASES[code].sees_b), abs=5e-5)
        assert report["agree"] is False and CAUSES[code] in report["cause"]
        assert report["fix"]["call"] in ("a", "b") and f"{report['fix']['value']:.4f}" == CASES[code].after_fix
        assert set(report["fix"]) == {"call", "change", "code", "value"}


def test_cli_reports_in_words_and_exits_0(tmp_path):
    path = tmp_path / "m01.py"
    path.write_text(PRESETS["M01"].script)
    completed = cli(str(path))
    assert completed.returncode == 0
    assert "a = 0.7460" in completed.stdout and "fix (a): a = F.cross_entropy(logits, y)" in completed.stdout


def test_cli_refuses_with_exit_2_and_one_line_on_stderr(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text("import os\na = 1\nb = 1\n")
    completed = cli(str(path), "--json")
    assert completed.returncode == 2 and completed.stdout == ""
    assert completed.stderr.strip().count("\n") == 0 and "import os is not allowed" in completed.stderr


def test_cli_refuses_text_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.py"
    path.write_bytes(b"a = 1  # caf\xe9\nb = 1\n")
    completed = cli(str(path))
    assert completed.returncode == 2 and "not UTF-8" in completed.stderr


# --- Copy as PyTorch -----------------------------------------------------------------------------


def test_copied_scripts_run_in_plain_python_and_print_a_b_and_the_fixed_value():
    analyses = {code: analyse(preset.script) for code, preset in CASES.items()}
    printed = run_scripts({code: pytorch_script(analysis) for code, analysis in analyses.items()})
    for code, analysis in analyses.items():
        assert printed[code]["b"] == shown(analysis.run.b), code
        assert printed[code]["fixed"] == f"{analysis.fix.value:.4f}", code
        if analysis.run.a.error:
            assert printed[code]["a"].split(":")[0] in ("RuntimeError", "IndexError"), code
        else:
            assert printed[code]["a"] == shown(analysis.run.a), code
