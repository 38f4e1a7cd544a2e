"""Exercises (wirings run by torch, estimate questions), the home page, presentation mode and share links."""

import numpy as np
import pytest
from pages_helpers import open_page, panel

from lib.debugger.presets import THREE_BY_THREE
from lib.lessons.exercises import RIGHT, WIRINGS, WORSE, WRONG, estimate_question, run_wiring
from ui.registry import PAGES

BINARY = (np.array([1.1, 2.2, 0.5, -1.1, -2.2]), np.array([1.0, 1.0, 0.0, 0.0, 0.0]))
CLASSES = (THREE_BY_THREE, np.array([0, 1, 2]))


def run(wiring, scale=1.0):
    logits, targets = BINARY if wiring.binary else CLASSES
    return run_wiring(wiring, logits * scale, targets)


def test_there_are_twelve_wirings_six_binary_and_six_multiclass():
    assert len(WIRINGS) == 12 and sum(w.binary for w in WIRINGS) == 6


@pytest.mark.parametrize("wiring", [w for w in WIRINGS if w.verdict == RIGHT], ids=lambda w: w.name)
def test_right_wirings_give_the_correct_loss(wiring):
    result = run(wiring, 40.0)
    assert result.error is None and result.value == pytest.approx(result.correct, rel=1e-6, abs=1e-6)


WRONG_WIRINGS = [w for w in WIRINGS if w.verdict == WRONG]


@pytest.mark.parametrize("wiring", [w for w in WRONG_WIRINGS if w.failure == "RuntimeError"], ids=lambda w: w.name)
def test_wrong_wirings_said_to_raise_raise_a_runtime_error(wiring):
    assert run(wiring).error.startswith("RuntimeError: ")


@pytest.mark.parametrize("wiring", [w for w in WRONG_WIRINGS if w.failure != "RuntimeError"], ids=lambda w: w.name)
def test_silently_wrong_wirings_run_and_give_a_different_number(wiring):
    result = run(wiring)
    assert result.error is None and abs(result.value - result.correct) > 0.05


def test_sigmoid_then_bce_loss_is_right_for_moderate_logits_but_clamps_for_confident_ones():
    wiring = next(w for w in WIRINGS if w.name == "Sigmoid → BCELoss")
    assert wiring.verdict == WORSE
    assert run(wiring).value == pytest.approx(run(wiring).correct, rel=1e-6)
    confident = run(wiring, 40.0)
    assert confident.value == pytest.approx(20.0) and confident.correct == pytest.approx(4.0, rel=1e-4)


def test_log_softmax_then_cross_entropy_is_redundant_but_exact():
    wiring = next(w for w in WIRINGS if w.name == "LogSoftmax → CrossEntropyLoss")
    assert wiring.verdict == WORSE and run(wiring, 40.0).value == pytest.approx(run(wiring, 40.0).correct, abs=1e-6)


def test_estimate_questions_are_reproducible_and_judged_within_ten_percent():
    question = estimate_question(3)
    assert question == estimate_question(3) and -6 <= question.logit <= 6
    assert question.is_close(question.answer * 1.09) and not question.is_close(question.answer * 1.5 + 0.1)


def test_exercises_page_reveals_a_prediction_with_the_torch_number():
    app = open_page("exercises")
    app.radio(key="guess_4").set_value(WRONG).run()
    app.button(key="reveal_4").click().run()
    assert "Yes" in app.success[0].value
    assert any("torch gives `0.6700`" in m.value for m in app.markdown)
    app.radio(key="guess_0").set_value(RIGHT).run()
    app.button(key="reveal_0").click().run()
    assert any("It is **wrong**" in e.value for e in app.error)
    assert any("RuntimeError" in m.value for m in app.markdown)


def test_exercises_page_checks_an_estimate():
    app = open_page("exercises", q="5")
    question = estimate_question(5)
    app.number_input(key="estimate_5").set_value(round(question.answer, 2)).run()
    app.button[-1].click().run()
    assert any("Close enough" in s.value for s in app.success)


def test_home_page_has_one_card_per_registry_page_in_order_with_its_title_and_question():
    app = open_page("home")
    cards = [(link.proto.page, link.proto.label) for link in app.get("page_link")]
    assert cards == [(entry.url_path, entry.title) for entry in PAGES]
    questions = {m.value for m in app.markdown}
    assert all(entry.question in questions for entry in PAGES)


def test_presentation_mode_folds_explanations_into_expanders():
    app = open_page("stability", present="true")
    assert app.sidebar.toggle(key="present").value is True
    assert any(e.label == "Explanation" for e in app.expander)
    plain = open_page("stability")
    assert not any(e.label == "Explanation" for e in plain.expander)


def test_presentation_mode_reaches_the_live_panels_which_fold_their_own_explanations():
    assert panel(open_page("softmax_ce", present="true"), "z0")[0]["present"] is True
    assert panel(open_page("softmax_ce"), "z0")[0]["present"] is False


def test_share_link_holds_the_state_of_the_page():
    app = open_page("sigmoid_bce", z="-3.5", dtype="float16")
    codes = [code.value for code in app.code]
    assert any("z=-3.5" in code and "dtype=float16" in code for code in codes)


def test_a_revealed_card_keeps_the_prediction_it_was_revealed_with_and_the_count_agrees():
    app = open_page("exercises")
    app.radio(key="guess_4").set_value(RIGHT).run()
    app.button(key="reveal_4").click().run()
    assert app.radio(key="guess_4").disabled and app.button(key="reveal_4").disabled
    assert [e.value for e in app.error] == ["It is **wrong** (you said right)."]
    assert app.get("progress")[0].proto.text == "1 of 12 revealed, 0 predicted right"


def test_start_again_unlocks_every_card_and_resets_the_count():
    app = open_page("exercises")
    app.radio(key="guess_4").set_value(WRONG).run()
    app.button(key="reveal_4").click().run()
    assert app.get("progress")[0].proto.text == "1 of 12 revealed, 1 predicted right"
    next(b for b in app.button if b.label == "Start again").click().run()
    assert not app.radio(key="guess_4").disabled and app.radio(key="guess_4").value is None
    assert app.get("progress")[0].proto.text == "0 of 12 revealed, 0 predicted right"
