"""kill -9 of an rnn-tui process leaves none of its own running: not its forkserver, its resource
tracker, nor its training, counting (forked or spawned) or comparison process (a counting process once outlived its
`train` by 18 minutes). Linux only: the processes are found in /proc."""

import sys
import time
from pathlib import Path

import pytest

from tests.faults import launch
from tests.faults.process_tree import Process, alive, descendants

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="the processes are read from /proc")

GONE_WITHIN = 30.0  # they go within a second or two; this only bounds the wait of a failing test


def test_kill_9_of_train_log_leaves_no_process_of_its_own(tmp_path):
    made = launch.kill_9_once_started(launch.train_log(tmp_path))
    commands = " ".join(p.command for p in made)
    assert "multiprocessing.resource_tracker" in commands and "multiprocessing.spawn" in commands, made
    assert_all_gone(made)


def test_kill_9_of_the_app_leaves_no_process_of_its_own(tmp_path):
    assert_all_gone(launch.kill_9_once_started(launch.app(tmp_path)))


def test_kill_9_of_serve_leaves_no_process_of_its_own(tmp_path):
    pytest.importorskip("textual_serve", reason="textual-serve is not installed (pip install -e '.[serve]')")
    made = launch.kill_9_once_started(launch.serve(tmp_path))
    app = f"{sys.executable} -m rnn_tui --text"
    assert any(p.command.startswith(app) for p in made), made  # the app the server started (by a shell)
    assert_all_gone(made)


def test_kill_9_of_the_owner_of_a_comparison_leaves_no_process_of_its_own(tmp_path):
    assert_all_gone(launch.kill_9_once_started(launch.compare(tmp_path)))  # the app's lessons and race


def assert_all_gone(made: list[Process]) -> None:
    """Wait (bounded) until none of `made` runs; any left are killed, so a failure leaves none behind."""
    deadline = time.monotonic() + GONE_WITHIN
    while alive(made) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = alive(made)
    made_since = [child for process in left for child in descendants(process.pid)]  # forked after the look
    for process in [*left, *made_since]:
        process.kill()
    assert not left, "still running after kill -9: " + "; ".join(f"{p.pid} {p.command[:100]}" for p in left)
