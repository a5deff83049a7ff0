"""train --log DIR writes the events and checkpoints a watcher follows; the follower reads them as
the training process's messages, through cut lines, a missing folder and a checkpoint mid-write."""

import json

from rnn_tui.cli import build_parser, main
from rnn_tui.engine.checkpoint import load_checkpoint
from rnn_tui.engine.events import StepEvent
from rnn_tui.engine.runlog import CHECKPOINT, EVENTS, LogReader
from rnn_tui.run.follow import LogFollower
from rnn_tui.run.protocol import Events, Kept, Ready, Snapshot, Waiting
from rnn_tui.run.spec import spec_from_args

TINY = ["--hidden", "24", "--embed", "8", "--seq", "24", "--batch", "8"]


def train_logged(tmp_path, small_text, folder, *extra: str) -> None:
    text = tmp_path / "corpus.txt"
    text.write_text(small_text)
    assert main(["train", "--text", str(text), *TINY, "--log", str(folder), *extra]) == 0


def test_train_log_writes_the_json_lines_and_the_checkpoint(tmp_path, small_text, capsys):
    folder = tmp_path / "logs" / "run1"  # made, parents too
    train_logged(tmp_path, small_text, folder, "--steps", "20", "--eval-every", "10", "--json")
    printed = capsys.readouterr().out.splitlines()
    logged = (folder / EVENTS).read_text().splitlines()
    assert logged == printed and json.loads(logged[0])["kind"] == "start" and json.loads(logged[-1])["kind"] == "stop"
    data = load_checkpoint(folder / CHECKPOINT)
    assert data["step"] == 20 and not list(folder.glob(".*.tmp"))


def test_the_reader_waits_for_a_cut_line_and_skips_a_broken_one(tmp_path):
    reader = LogReader(tmp_path)
    assert reader.read() == []  # no file yet
    line = json.dumps({"kind": "step", "step": 1, "epoch": 0.1, "loss": 2.0, "grad_norm": 1.0, "lr": 0.01,
                       "chars_per_sec": 100.0, "seconds": 0.1})
    with open(tmp_path / EVENTS, "w") as f:
        f.write(line[:25])
    assert reader.read() == []
    with open(tmp_path / EVENTS, "a") as f:
        f.write(line[25:] + "\n{not json}\n" + line.replace('"step": 1', '"step": 2'))
    first = reader.read()
    assert first == [StepEvent(1, 0.1, 2.0, 1.0, 0.01, 100.0, 0.1)] and reader.skipped == 1
    with open(tmp_path / EVENTS, "a") as f:
        f.write("\n")
    assert [e.step for e in reader.read()] == [2]


def test_the_follower_waits_for_the_folder_then_shows_the_run(tmp_path, small_text):
    folder = tmp_path / "later"
    follower = LogFollower(folder, spec_from_args(build_parser().parse_args([])))
    follower.look()
    (waiting,) = follower.receive(0.01)
    assert isinstance(waiting, Waiting) and "does not exist yet" in waiting.message
    train_logged(tmp_path, small_text, folder, "--steps", "30", "--eval-every", "10")
    follower.look()
    ready, events, snapshot, kept = follower.receive(0.01)
    assert isinstance(ready, Ready) and ready.spec.model.hidden == 24 and ready.start.vocab_size == len(ready.vocab)
    assert isinstance(kept, Kept) and kept.moment.step == 30 and kept.steps == (30,)  # `,` can replay it
    assert ready.steps_per_epoch > 1 and ready.passage  # the text is here: the insight views get their passage
    assert isinstance(events, Events) and [e.kind for e in events.events].count("step") == 30
    assert isinstance(snapshot, Snapshot) and snapshot.step == 30
    follower.look()
    assert follower.receive(0.01) == []  # nothing new

    good = (folder / CHECKPOINT).read_bytes()
    (folder / CHECKPOINT).write_bytes(good[: len(good) // 2])  # caught mid-write (a save renames, but a copy may not)
    follower.look()
    assert follower.receive(0.01) == []  # the last good weights stay
    (folder / CHECKPOINT).write_bytes(good)
    follower.look()
    (again,) = follower.receive(0.01)
    assert isinstance(again, Snapshot) and again.step == 30


def test_a_new_run_in_the_same_folder_is_shown_from_its_start(tmp_path, small_text):
    folder = tmp_path / "run"
    follower = LogFollower(folder, spec_from_args(build_parser().parse_args([])))
    train_logged(tmp_path, small_text, folder, "--steps", "10", "--eval-every", "10")
    follower.look()
    first = follower.receive(0.01)[0]
    assert isinstance(first, Ready) and first.spec.model.hidden == 24
    train_logged(tmp_path, small_text, folder, "--steps", "5", "--eval-every", "5", "--hidden", "16", "--force")
    follower.look()
    again, events, snapshot, kept = follower.receive(0.01)
    assert isinstance(again, Ready) and again.spec.model.hidden == 16  # not the old run's model
    assert kept.steps == (5,)  # the old run's moments went with it
    assert [e.kind for e in events.events][0] == "start" and snapshot.step == 5
