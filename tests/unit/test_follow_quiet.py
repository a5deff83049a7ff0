"""rnn-tui watch says when the log it follows goes quiet, and keeps moments to replay from the
checkpoints it reads."""

import time

import numpy as np

from rnn_tui.engine.config import ModelConfig, TrainConfig
from rnn_tui.run.follow import QUIET_SECONDS, LogFollower
from rnn_tui.run.protocol import Kept, Quiet, Snapshot
from rnn_tui.run.spec import RunSpec


def follower(tmp_path) -> LogFollower:
    return LogFollower(tmp_path / "log", RunSpec("essay", ModelConfig(), TrainConfig()))


def test_a_log_with_no_new_line_is_said_to_be_quiet_and_then_speaking_again(tmp_path):
    follow = follower(tmp_path)
    follow.ready = True
    follow._heard(True)
    follow._heard(False)
    assert follow.receive(0.0) == []  # a look that found nothing is not yet silence
    follow.last_line = time.monotonic() - QUIET_SECONDS - 2  # as if the writer was killed that long ago
    follow._heard(False)
    (quiet,) = follow.receive(0.0)
    assert isinstance(quiet, Quiet) and quiet.seconds > QUIET_SECONDS
    follow._heard(False)
    assert follow.receive(0.0) == []  # said once a second, not at every look
    follow._heard(True)
    assert follow.receive(0.0) == [Quiet(0, None)]


def test_each_checkpoint_read_becomes_a_moment_to_replay(tmp_path):
    follow = follower(tmp_path)
    weights = {"w": np.ones((2, 2), dtype=np.float32)}
    follow._keep_moment(Snapshot(0, 10, weights))
    assert follow.receive(0.0) == []  # no evaluation read yet: no loss to plot it at
    follow.val_loss = 2.5
    follow._keep_moment(Snapshot(0, 10, weights))
    follow._keep_moment(Snapshot(0, 10, weights))  # the same checkpoint again: kept once
    follow.val_loss = 2.1
    follow._keep_moment(Snapshot(0, 20, weights))
    kept = follow.receive(0.0)
    assert [type(m) for m in kept] == [Kept, Kept] and kept[-1].steps == (10, 20)
    assert kept[-1].moment.val_loss == 2.1 and kept[-1].moment.weights["w"].dtype == np.float16
