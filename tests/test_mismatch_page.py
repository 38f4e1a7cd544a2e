"""AppTest drives the mismatch debugger page: the code box, the catalogue as scripts, refusals and bad input."""

import pytest
from pages_helpers import metric, open_page

from lib.debugger.explain import analyse
from lib.debugger.presets import OPENING, PRESETS
from lib.debugger.script import pytorch_script
from lib.debugger.whitelist import MAX_SCRIPT_CHARS
from lib.view.url_state import pack_text, unpack_text


def test_the_code_box_comes_first_with_the_forums_seed_0_script():
    app = open_page("mismatch")
    assert app.text_area(key="script").value == OPENING.script
    assert metric(app, "a") == "0.8430" and metric(app, "b") == "0.9170"
    assert "two independent sigmoids" in app.warning[0].value
    assert app.code[0].value == "a = F.binary_cross_entropy_with_logits(preds[:, 1] - preds[:, 0], labels.float())"


@pytest.mark.parametrize("code", list(PRESETS))
def test_each_catalogue_link_opens_its_script_with_its_numbers_and_a_reconciling_fix(code):
    app = open_page("mismatch", preset=code)
    preset = PRESETS[code]
    assert metric(app, "a").startswith(preset.sees_a) and metric(app, "b") == preset.sees_b
    assert (
        f"gives {preset.after_fix}"
        in app.markdown[
            [m.value for m in app.markdown].index(next(m.value for m in app.markdown if m.value.startswith("**Fix**")))
        ].value
    )


def test_choosing_an_example_puts_its_script_in_the_box():
    app = open_page("mismatch")
    app.selectbox(key="preset").set_value("M01").run()
    assert app.text_area(key="script").value == PRESETS["M01"].script
    assert metric(app, "a") == "0.7460"


def test_a_pasted_script_is_analysed_with_its_own_names():
    app = open_page("mismatch")
    script = (
        "import torch\nimport torch.nn.functional as F\nout = torch.tensor([[0.2], [0.9], [-0.4]])\n"
        "lab = torch.tensor([0.0, 1.0, 1.0])\np = torch.sigmoid(out)\n"
        "a = -(lab * torch.log(p) + (1 - lab) * torch.log(1 - p)).mean()\n"
        "b = F.binary_cross_entropy_with_logits(out.squeeze(1), lab)\n"
    )
    app.text_area(key="script").input(script).run()
    assert "torch.log(p) of shape (3, 1)" in app.warning[0].value and "(3, 3)" in app.warning[0].value


def test_the_copied_script_is_the_engines():
    app = open_page("mismatch", preset="M16")
    assert app.code[-2].value == pytorch_script(analyse(PRESETS["M16"].script)).rstrip("\n")


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("", "The script is empty"),
        ("   \n", "The script is empty"),
        ("import os\n", "import os is not allowed"),
        ("x = 1\n" * 4000, "too long: 24,000 characters; the limit is 20,000 characters"),
        ("a = torch.zeros(0, 3).sum()\nb = torch.zeros(0)\n", "a has shape [] and b [0]"),
    ],
)
def test_bad_scripts_get_a_clear_message_not_a_traceback(script, message):
    app = open_page("mismatch")
    app.text_area(key="script").input(script).run()
    assert not app.exception
    assert any(message in e.value for e in app.error), [e.value for e in app.error]


def test_an_invalid_preset_link_falls_back_with_a_note():
    app = open_page("mismatch", preset="M99")
    assert "M99" in app.warning[0].value and metric(app, "a") == "0.8430"


EDITED = (
    "import torch\nimport torch.nn.functional as F\nz = torch.tensor([[1.0, -1.0], [0.5, 2.0]])\n"
    "y = torch.tensor([0, 1])\na = F.cross_entropy(z, y)\nb = F.nll_loss(z, y)\n"
)


def test_an_edited_script_goes_into_the_link_and_the_link_reopens_it():
    app = open_page("mismatch")
    app.text_area(key="script").input(EDITED).run()
    packed = app.query_params["script"]
    assert unpack_text(packed, MAX_SCRIPT_CHARS) == EDITED
    reopened = open_page("mismatch", script=packed)
    assert reopened.text_area(key="script").value == EDITED
    assert metric(reopened, "a") == metric(app, "a")


def test_the_examples_own_script_keeps_the_link_short():
    app = open_page("mismatch", preset="M03")
    assert "script" not in app.query_params


def test_an_unusable_script_in_the_link_falls_back_to_the_example_with_a_note():
    app = open_page("mismatch", preset="M01", script="not-a-packed-script")
    assert app.text_area(key="script").value == PRESETS["M01"].script
    assert any("script in the link" in w.value for w in app.warning)


def test_choosing_an_example_replaces_a_script_the_link_brought():
    app = open_page("mismatch", script=pack_text(EDITED))
    app.selectbox(key="preset").set_value("M02").run()
    assert app.text_area(key="script").value == PRESETS["M02"].script
    assert "script" not in app.query_params
