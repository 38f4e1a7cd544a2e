"""A classroom (deploy/classroom.py: two replicas behind HAProxy) shared by the tests that need one.

It starts on first use and stops at the end of the session. The tests that use it skip where Debian's haproxy
is missing, except under CI (CI=true), where that is a failure: .ci/run installs it first.
"""

import pytest
from classroom_helpers import open_home_page, require_haproxy, served_by, wait_for

from devtools.local_app import start_classroom


@pytest.fixture(scope="session")
def running_classroom():
    require_haproxy()
    room = start_classroom(2)
    yield room
    room.stop()


@pytest.fixture(scope="session")
def warmed_replicas() -> set[int]:
    """The pids of the replicas whose home page has been run once."""
    return set()


@pytest.fixture
def classroom(running_classroom, warmed_replicas):
    """The classroom with every replica running, back in HAProxy and past its first page run: a test before this
    one may have killed a replica, which the classroom has started again."""
    room = running_classroom
    for name, port in room.ports.items():
        wait_for(lambda name=name: served_by(room.url, name), 60, f"replica {name} back in HAProxy")
        pid = room.replica_pid(name)
        if pid not in warmed_replicas:
            open_home_page(f"http://127.0.0.1:{port}")
            warmed_replicas.add(pid)
    return room
