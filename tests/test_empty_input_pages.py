"""Empty pastes and zero-sized shapes on the pages that accept them: a clear message, never a traceback."""

import pytest
from pages_helpers import open_page


@pytest.mark.parametrize("rows", ["", ",", " , ", ":"], ids=["empty", "comma", "blank-rows", "colon"])
def test_sigmoid_bce_batch_with_no_rows_says_so_and_shows_the_preset(rows):
    app = open_page("sigmoid_bce", mode="batch", rows=rows)
    assert any("Those rows cannot be used" in error.value for error in app.error)


@pytest.mark.parametrize("logits", ["", "[]", "[[]]", ","], ids=["empty", "empty-list", "empty-row", "comma"])
def test_stability_with_no_logits_says_so_and_shows_the_default(logits):
    app = open_page("stability", lse=logits)
    assert any("Those logits cannot be used" in error.value for error in app.error)


@pytest.mark.parametrize(("key", "value"), [("n", "0"), ("n", "-5"), ("side", "0"), ("side", "1")])
def test_batched_lab_refuses_an_empty_batch_or_grid_with_a_note(key, value):
    app = open_page("batched", **{key: value})
    assert any("fell back to defaults" in warning.value for warning in app.warning)


def test_batched_lab_runs_and_times_a_batch_of_one():
    app = open_page("batched", n="1")
    app.button[0].click().run()
    assert not app.exception
    app.button[-1].click().run()
    assert not app.exception and str(app.dataframe[-1].value["elements"].iloc[0]) == "1"


@pytest.mark.parametrize("classes", ["0", "1"])
def test_softmax_ce_refuses_fewer_than_two_classes_with_a_note(classes):
    app = open_page("softmax_ce", k=classes)
    assert any("fell back to defaults" in warning.value for warning in app.warning)
