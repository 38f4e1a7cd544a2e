"""The classroom command (deploy/classroom.py): its HAProxy configuration, its child processes, and a class's
load through the balancer. Everything listens on 127.0.0.1 only."""

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from classroom_helpers import require_haproxy, run_async, served_by, wait_for

from bench.load import drive
from deploy.classroom import render_config, restart_delay
from devtools.local_app import (
    HAPROXY,
    ROOT,
    child_pids,
    command_line,
    descendant_pids,
    is_running,
    start_classroom,
)

LOAD_SESSIONS, LOAD_SECONDS = 100, 15
"""The CI part of the load test: 100 sessions for a short while. The figures in the README come from bench/."""


@pytest.fixture(scope="module")
def config() -> list[str]:
    text = render_config("127.0.0.1:8600", [("r1", "127.0.0.1:40001"), ("r2", "10.0.0.7:8501")])
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def test_each_replica_is_a_server_reached_by_its_own_affinity_cookie(config):
    assert 'cookie SERVERID insert indirect nocache httponly attr "SameSite=Lax"' in config
    assert "server r1 127.0.0.1:40001 cookie r1" in config
    assert "server r2 10.0.0.7:8501 cookie r2" in config
    assert not any(line.startswith(("balance source", "hash-type")) for line in config)


def test_a_dead_replica_is_checked_out_and_its_students_sent_elsewhere(config):
    assert "http-check send meth GET uri /_stcore/health" in config
    assert "option redispatch 1" in config
    assert any(line.startswith("default-server check") for line in config)


def test_a_websocket_may_stay_idle_for_a_whole_lesson(config):
    tunnel = next(line.split()[-1] for line in config if line.startswith("timeout tunnel"))
    assert tunnel.endswith("h") and int(tunnel[:-1]) >= 2


def test_haproxy_accepts_the_rendered_configuration(tmp_path):
    require_haproxy()
    path = tmp_path / "haproxy.cfg"
    path.write_text(render_config("127.0.0.1:8600", [("r1", "127.0.0.1:40001"), ("r2", "127.0.0.1:40002")]))
    check = subprocess.run([str(HAPROXY), "-c", "-f", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "WARNING" not in check.stdout + check.stderr


def test_a_replica_that_keeps_dying_waits_twice_as_long_each_time_up_to_30_s():
    assert [restart_delay(failures) for failures in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_the_command_stops_every_process_it_started_and_removes_its_folder(stop_signal):
    require_haproxy()
    room = start_classroom(1)
    started = descendant_pids(room.process.pid)
    programs = sorted("haproxy" if "haproxy" in command_line(pid) else "streamlit" for pid in started)
    folder = haproxy_config(room).parent
    room.process.send_signal(stop_signal)
    code = room.process.wait(timeout=30)
    room.stop()
    assert programs == ["haproxy", "streamlit"]
    assert code == 0
    assert [pid for pid in started if is_running(pid)] == []
    assert not folder.exists()


def test_the_children_stop_when_the_command_itself_is_killed():
    require_haproxy()
    room = start_classroom(1)
    started = descendant_pids(room.process.pid)
    folder = haproxy_config(room).parent
    room.process.kill()
    room.process.wait(timeout=10)
    room.stop()
    assert len(started) == 2
    wait_for(lambda: not any(is_running(pid) for pid in started), 15, "the replica and HAProxy stopped")
    shutil.rmtree(folder)  # a killed command cannot remove its temporary folder


def test_haproxy_reads_its_configuration_from_a_temporary_folder_not_the_source_tree(classroom):
    config = haproxy_config(classroom)
    assert config.is_file()
    assert not config.resolve().is_relative_to(ROOT)
    assert config.parent.name.startswith("logitlab-classroom-")


def haproxy_config(room) -> Path:
    """The file the room's HAProxy was started with (``-f PATH``)."""
    haproxy = next(pid for pid in child_pids(room.process.pid) if "haproxy" in command_line(pid))
    arguments = command_line(haproxy).split("\0")
    return Path(arguments[arguments.index("-f") + 1])


def test_a_given_cookie_secret_reaches_every_replica():
    require_haproxy()
    room = start_classroom(2, {"STREAMLIT_SERVER_COOKIE_SECRET": "a-secret-for-this-test"})
    try:
        secrets = [cookie_secret(room.replica_pid(name)) for name in room.ports]
    finally:
        room.stop()
    assert secrets == ["a-secret-for-this-test"] * 2


def test_replicas_share_one_cookie_secret(classroom):
    secrets = {cookie_secret(classroom.replica_pid(name)) for name in classroom.ports}
    assert len(secrets) == 1
    assert len(secrets.pop()) >= 32


def cookie_secret(pid: int) -> str:
    environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    prefix = b"STREAMLIT_SERVER_COOKIE_SECRET="
    return next(entry[len(prefix) :].decode() for entry in environment if entry.startswith(prefix))


def test_a_killed_replica_is_started_again_and_haproxy_sends_its_students_back(classroom):
    killed = classroom.replica_pid("r2")
    os.kill(killed, signal.SIGKILL)
    wait_for(lambda: not served_by(classroom.url, "r2"), 10, "r2 out of HAProxy")
    wait_for(lambda: classroom.replica_pid("r2") not in (None, killed), 30, "r2 started again")
    wait_for(lambda: served_by(classroom.url, "r2"), 30, "r2 back in HAProxy")
    assert "replica r2 exited" in classroom.output.read_text()


def test_100_sessions_through_the_balancer_are_all_served_without_errors(classroom):
    results = run_async(drive(classroom.url, LOAD_SESSIONS, LOAD_SECONDS, heavy=False))
    assert results.errors == []
    assert results.served == LOAD_SESSIONS
    assert results.latencies, "no slider move was timed"
