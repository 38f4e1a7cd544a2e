"""Every value a link can store is a short stable id, on every page (the rule of issue 14).

People see labels through ``format_func``; the link holds the id, so rewording a label never breaks a saved link.
The test opens each page of ``ui/registry.py`` under AppTest and records every choice a URL-bound widget is given
(each one passes its parameter to ``ui.widgets._check_link_value``), then checks the default and every option.
Free text (pasted tensors, a shape) and numbers are not ids and are checked by their own parsers.
"""

import re
from pathlib import Path

import pytest
from pages_helpers import open_page

from lib.view.url_state import ChoiceParam
from ui import widgets
from ui.registry import HOME, PAGES

STABLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,23}$")


def choices_on(page: str, monkeypatch) -> list[ChoiceParam]:
    """Every choice parameter that page ``page`` (an app_pages file stem) binds to its link when opened."""
    seen = []
    check = widgets._check_link_value

    def record(param):
        seen.append(param)
        check(param)

    monkeypatch.setattr(widgets, "_check_link_value", record)
    open_page(page)
    return [param for param in seen if isinstance(param, ChoiceParam)]


@pytest.mark.parametrize("page", [Path(entry.script).stem for entry in (HOME, *PAGES)])
def test_every_choice_a_link_can_store_is_a_short_stable_id(page, monkeypatch):
    not_ids = {
        f"{param.key}={value!r}"
        for param in choices_on(page, monkeypatch)
        for value in (param.default, *param.choices)
        if not STABLE_ID.match(str(value))
    }
    assert not_ids == set()


def test_the_recorder_sees_the_choices_a_page_binds():
    """Guards the test above against passing because it records nothing."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        keys = {param.key for param in choices_on("batched", monkeypatch)}
    assert {"device", "dtype", "dist", "impl"} <= keys
