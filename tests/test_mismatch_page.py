"""AppTest drives the mismatch debugger page: presets, builders, pasted and generated tensors, the snippet."""

import pytest
from pages_helpers import metric, open_page

from lib.debugger.presets import PRESETS
from lib.debugger.script import pytorch_snippet


def test_opening_view_shows_the_seeded_forum_case_and_both_fixes():
    app = open_page("mismatch")
    assert metric(app, "BCEWithLogitsLoss(preds, one_hot)") == "0.8430"
    assert metric(app, "CrossEntropyLoss(preds, labels)") == "0.9170"
    fixes = app.dataframe[0].value
    assert list(fixes["value"]) == ["0.9170", "0.9170"]


@pytest.mark.parametrize("code", ["M01", "M03", "M07", "M12", "M14", "M18"])
def test_choosing_a_preset_reproduces_its_numbers_and_names_the_cause(code):
    app = open_page("mismatch")
    app.selectbox(key="preset").set_value(code).run()
    preset = PRESETS[code]
    assert metric(app, "call A").startswith(preset.sees_a) and metric(app, "call B") == preset.sees_b
    assert preset.cause in app.warning[0].value and "Fix:" in app.warning[0].value


def test_a_preset_link_reopens_that_preset():
    app = open_page("mismatch", preset="M08")
    assert metric(app, "call A") == "5.2992" and metric(app, "call B") == "1.0598"


def test_changing_a_call_control_recomputes_and_agreement_is_reported():
    app = open_page("mismatch", preset="M01")
    app.selectbox(key="a_transform").set_value("none").run()
    assert metric(app, "call A") == metric(app, "call B") == "0.3175"
    assert "agree" in app.success[0].value


def test_the_page_shows_a_snippet_equal_to_the_engines():
    app = open_page("mismatch", preset="M16")
    preset = PRESETS["M16"]
    assert app.code[0].value == pytorch_snippet(preset.a, preset.b, preset.shared).rstrip("\n")


def test_pasted_tensors_are_used_and_malformed_ones_get_a_message():
    app = open_page("mismatch", preset="M01", source="pasted")
    app.text_area(key="outputs").input("[[0.0, 0.0, 0.0]]").run()
    app.text_area(key="labels").input("[1]").run()
    assert metric(app, "call B") == "1.0986"
    for outputs in ["[1, [2]]", "__import__('os')", "[" * 3000, "1e999", ""]:
        app.text_area(key="outputs").input(outputs).run()
        assert not app.exception
        assert any("cannot be used" in e.value for e in app.error) or metric(app, "call B")


def test_generated_tensors_are_capped_with_a_message():
    app = open_page("mismatch", source="generated", shape="100, 100")
    assert any("limit is 4,096" in e.value for e in app.error)
    app.text_input(key="shape").input("4, 3").run()
    assert not app.error and metric(app, "call A")


def test_bad_weights_give_a_message_not_a_traceback():
    app = open_page("mismatch", preset="M08", a_weight="one, two")
    assert any("weights must be" in e.value for e in app.error)
