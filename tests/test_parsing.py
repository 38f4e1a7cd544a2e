"""Pasted text becomes an array or a problem in words: never an exception, never evaluated."""

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.view.parsing import MAX_CHARS, parse_tensor

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[1, 2], [3, 4]]", [[1, 2], [3, 4]]),
        ("1.5, -2 3", [1.5, -2, 3]),
        ("tensor([[0.5, -1.2]], dtype=torch.float64)", [[0.5, -1.2]]),
        ("np.array([1, 2])", [1, 2]),
        ("0.25", [0.25]),
    ],
)
def test_accepted_forms_parse_to_the_written_numbers(text, expected):
    result = parse_tensor(text)
    assert result.ok and result.values.tolist() == expected


def test_whole_numbers_are_reported_as_integers_and_decimals_are_not():
    assert parse_tensor("[0, 1, 1]").all_integers and not parse_tensor("[0.0, 1, 1]").all_integers


def test_non_finite_words_are_read_as_such():
    values = parse_tensor("nan, inf, -inf").values
    assert np.isnan(values[0]) and values[1] == np.inf and values[2] == -np.inf


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[1, [2]]", "ragged"),
        ("[[1], [2, 3]]", "ragged"),
        ("[true]", "not a number"),
        ("[]", "no numbers"),
        ("", "empty"),
        ("abc", "not a list of numbers"),
        ("[" * 5000, "not a list of numbers"),
        ("[[[[[[[[1]]]]]]]]", "nested more than"),
        ("__import__('os').system('true')", "not a list of numbers"),
    ],
)
def test_malformed_text_gives_a_problem_in_words(text, words):
    result = parse_tensor(text)
    assert not result.ok and words in result.problem


def test_megabyte_pastes_are_refused_by_length():
    assert "limit" in parse_tensor("1," * (MAX_CHARS // 2 + 1)).problem


def test_element_cap_is_enforced():
    assert "more than 100" in parse_tensor(json.dumps(list(range(101))), max_elements=100).problem


nested_numbers = st.recursive(
    st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(10**30), 10**30),
    lambda children: st.lists(children, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), nested_numbers.map(json.dumps), st.binary(max_size=100).map(repr)))
def test_no_text_raises_and_every_result_is_an_array_or_a_problem(text):
    result = parse_tensor(text)
    assert (result.values is not None) != (result.problem is not None)
    if result.ok:
        assert result.values.dtype == np.float64 and result.values.size > 0


def test_no_module_evaluates_user_text():
    for source in [*ROOT.glob("lib/**/*.py"), *ROOT.glob("app_pages/*.py"), *ROOT.glob("ui/*.py"), ROOT / "app.py"]:
        text = source.read_text()
        for forbidden in ("eval(", "exec(", "pickle", "literal_eval"):
            assert forbidden not in text, (source, forbidden)


def test_formatted_rows_parse_back_to_the_same_numbers():
    from lib.view.parsing import format_logit_target_rows, parse_logit_target_rows

    text = format_logit_target_rows(np.array([1.1, -2.5, 30.0]), np.array([1.0, 0.25, 0.0]))
    logits, targets, problem = parse_logit_target_rows(text, 50)
    assert text == "1.1:1,-2.5:0.25,30:0" and problem is None
    assert logits.tolist() == [1.1, -2.5, 30.0] and targets.tolist() == [1.0, 0.25, 0.0]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=-1e4, max_value=1e4, allow_nan=False),
            st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
        ),
        min_size=1,
        max_size=50,
    )
)
def test_formatted_rows_read_back_exactly_for_any_table_edit(rows):
    """Rows rewritten into the link after a table edit read back bit-exact, whatever digits they were given."""
    from lib.view.parsing import format_logit_target_rows, parse_logit_target_rows

    logits, targets = (np.array(column) for column in zip(*rows, strict=True))
    read_logits, read_targets, problem = parse_logit_target_rows(format_logit_target_rows(logits, targets), 50)
    assert problem is None
    assert read_logits.tolist() == logits.tolist() and read_targets.tolist() == targets.tolist()


def test_a_packed_text_unpacks_to_itself_and_anything_else_to_nothing():
    from lib.view.url_state import pack_text, unpack_text

    script = "import torch\na = torch.tensor([1.0, 2.0]).mean()\nb = a * 2  # ünïcode\n"
    assert unpack_text(pack_text(script), 1000) == script
    assert unpack_text("not base64 at all!", 1000) is None
    assert unpack_text(pack_text("x" * 101), 100) is None


def test_a_packed_link_that_would_inflate_to_megabytes_is_refused_without_inflating_it():
    import base64
    import zlib

    from lib.view.url_state import unpack_text

    bomb = base64.urlsafe_b64encode(zlib.compress(b"a" * 50_000_000, 9)).decode()
    assert unpack_text(bomb, 20_000) is None
