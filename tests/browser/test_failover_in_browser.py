"""In a real browser, through the classroom's balancer: when the replica serving some students dies, each of
them is back on the same view (from its link) on a live replica within 20 s, and new visitors get no error."""

import os
import signal
import time
from urllib.parse import parse_qsl, urlparse

import pytest
from classroom_helpers import NewVisitors, open_home_page
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from test_lessons_in_browser import metric_value

RECOVERY_S = 20

# The part of this test that knows the lesson page: which page, the links, how to open one and what it shows.
# Adapt these four when the page's controls change; the rest only compares what shown_view returns.
LESSON = "sigmoid-bce"
LINKS = ("z=2.5", "z=-1.25&y=0.3", "z=0.75&pw=2.5")
"""Three students' views of the lesson, each with its sliders moved away from the defaults."""


def open_view(tab, url: str, link: str) -> None:
    tab.goto(f"{url}/{LESSON}?{link}")
    tab.get_by_role("heading", level=1).wait_for(timeout=60_000)
    metric_value(tab, "loss ℓ").wait_for(timeout=60_000)
    tab.wait_for_load_state("networkidle")


def shown_view(tab) -> dict:
    """What a student sees of the lesson's state: the link's parameters, the live panel's z, and the loss there."""
    return {
        "link": dict(parse_qsl(urlparse(tab.url).query)),
        "logit z": tab.locator(".live-panel .lp-range").input_value(),
        "loss": metric_value(tab, "loss ℓ").inner_text(),
    }


def shows_an_error(tab) -> bool:
    """An exception, a dialog (Streamlit's "Connection error", "Page not found") or a traceback on the page."""
    exceptions = tab.locator('[data-testid="stException"]').count()
    return exceptions + tab.get_by_role("dialog").count() + tab.get_by_text("Traceback").count() > 0


class Student:
    """One browser context on the lesson, sent to a replica by the balancer's affinity cookie. It notes whether the
    page has run again, on a websocket the tab opened after ``watch_from``: a page that kept its old drawing after
    the reconnect, without a run, would show the right numbers but no longer answer its sliders."""

    def __init__(self, browser, url: str, replica: str, link: str):
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.context.add_cookies([{"name": "SERVERID", "value": replica, "url": url}])
        self.tab = self.context.new_page()
        self.watch_from, self.ran_again = float("inf"), False
        self.tab.on("websocket", self._watch)
        open_view(self.tab, url, link)

    def _watch(self, socket) -> None:
        if time.monotonic() >= self.watch_from:
            socket.on("framereceived", self._read)

    def _read(self, payload) -> None:
        if isinstance(payload, bytes):
            message = ForwardMsg()
            message.ParseFromString(payload)
            self.ran_again |= message.WhichOneof("type") == "script_finished"

    def replica(self) -> str:
        return next(cookie["value"] for cookie in self.context.cookies() if cookie["name"] == "SERVERID")

    def observe(self) -> dict:
        return {
            "replica": self.replica(),
            "page ran again": self.ran_again,
            "error shown": shows_an_error(self.tab),
            "view": shown_view(self.tab),
        }


@pytest.fixture
def students(classroom, browser):
    """Three students on replica r1, one for each link, in a class under way: r2 has served a page already (a
    replica's first run imports torch, seconds here)."""
    open_home_page(f"http://127.0.0.1:{classroom.ports['r2']}")
    group = [Student(browser, classroom.url, "r1", link) for link in LINKS]
    yield group
    for student in group:
        student.context.close()


def test_students_of_a_dead_replica_get_their_view_back_and_new_visitors_no_5xx(classroom, students):
    before = [shown_view(student.tab) for student in students]
    assert [view["link"]["z"] for view in before] == ["2.5", "-1.25", "0.75"]
    assert {student.replica() for student in students} == {"r1"}
    back = [{"replica": "r2", "page ran again": True, "error shown": False, "view": view} for view in before]

    with NewVisitors(classroom.url) as visitors:
        time.sleep(1)
        killed_at = time.monotonic()
        for student in students:
            student.watch_from = killed_at
        os.kill(classroom.replica_pid("r1"), signal.SIGKILL)
        seen = [student.observe() for student in students]
        while seen != back and time.monotonic() - killed_at < RECOVERY_S:
            students[0].tab.wait_for_timeout(250)
            seen = [student.observe() for student in students]
        time.sleep(1)

    assert seen == back
    assert len(visitors.statuses) > 10
    assert [status for status in visitors.statuses if not 200 <= status < 500] == []
