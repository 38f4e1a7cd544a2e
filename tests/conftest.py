"""A classroom (deploy/classroom.py: two replicas behind HAProxy) shared by the tests that need one.

It starts on first use and stops at the end of the session. The tests that use it skip where Debian's haproxy
is missing, except under CI (CI=true), where that is a failure: .ci/run installs it first.
"""

import pytest
from classroom_helpers import require_haproxy, served_by, wait_for

from devtools.local_app import start_classroom


@pytest.fixture(scope="session")
def running_classroom():
    require_haproxy()
    room = start_classroom(2)
    yield room
    room.stop()


@pytest.fixture
def classroom(running_classroom):
    """The classroom with every replica running and back in HAProxy: a test before this one may have killed a
    replica, which the classroom has started again."""
    for name in running_classroom.ports:
        wait_for(lambda name=name: served_by(running_classroom.url, name), 60, f"replica {name} back in HAProxy")
    return running_classroom
