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


# --- issue 18: non-finite values, labels out of range; issue 15: empty tensors ---------------------


NAN_OUTPUTS = "z = torch.tensor([[float('nan'), -0.3], [0.1, 2.0], [-1.0, 0.5]])\ny = torch.tensor([0, 1, 1])\n"


def test_nan_in_the_inputs_is_never_agreement_and_the_cause_says_which_line_holds_it():
    analysis = analyse(NAN_OUTPUTS + "a = F.cross_entropy(z, y)\nb = F.nll_loss(F.log_softmax(z, dim=1), y)\n")
    assert not analysis.agree
    assert "the script's own numbers on line 1" in analysis.cause and "hold nan or inf" in analysis.cause


def test_an_overflowing_literal_is_inf_and_never_agreement():
    analysis = analyse(
        "z = torch.tensor([1e309])\nt = torch.tensor([1.0])\na = F.binary_cross_entropy_with_logits(z, t)\nb = a\n"
    )
    assert not analysis.agree and "hold nan or inf" in analysis.cause


def test_a_single_nan_is_accepted_as_a_tensor_of_shape_1():
    analysis = analyse("a = torch.tensor([float('nan')])\nb = torch.tensor([float('nan')])\n")
    assert analysis.run.a.value.shape == (1,) and not analysis.agree


@pytest.mark.parametrize(("labels", "bad"), [("[0, 5, 1]", 5), ("[-1, 1, 1]", -1)])
def test_out_of_range_labels_get_a_clear_message_not_cut_mid_word(labels, bad):
    script = f"z = torch.tensor([[0.2, -0.3], [0.1, 2.0], [-1.0, 0.5]])\ny = torch.tensor({labels})\n"
    analysis = analyse(script + "a = F.cross_entropy(z, y)\nb = F.cross_entropy(z, y.clamp(0, 1))\n")
    assert analysis.run.a.error == f"label {bad} is out of range for 2 classes; ignore_index is -100"


def test_long_torch_errors_are_cut_at_a_word_with_an_ellipsis():
    from lib.debugger.interpreter import one_line

    text = one_line(RuntimeError("word " * 100))
    assert text.endswith(" …") and text[: -len(" …")].endswith("word")


def test_an_empty_batch_gives_nan_as_torch_does_and_is_not_agreement():
    empty = "z = torch.zeros(0, 3)\ny = torch.zeros(0).long()\n"
    analysis = analyse(empty + "a = F.cross_entropy(z, y)\nb = F.cross_entropy(z, y, reduction='sum')\n")
    assert torch.isnan(analysis.run.a.value) and float(analysis.run.b.value) == 0.0 and not analysis.agree
