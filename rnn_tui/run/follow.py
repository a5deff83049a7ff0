"""Watching a run from elsewhere: a TrainerHandle that follows a log folder instead of training.

`rnn-tui watch DIR` opens the playground on what `rnn-tui train --log DIR` writes, read-only: the
events become the app's messages as the log grows, and the newest checkpoint's weights become its
snapshots (reloaded when the file changes), so samples, the heatmap and the insight views show
the run as it trains, on another machine or in another shell. A folder that does not exist yet
is waited for, a line cut mid-way waits for its end, and a checkpoint replaced while it is read
is read again on the next look; the last good weights stay meanwhile.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import replace
from pathlib import Path

from rnn_tui.engine.errors import UserError
from rnn_tui.engine.events import EvalEvent, Event, StartEvent, StepEvent
from rnn_tui.engine.moments import Moment, compact, keep
from rnn_tui.engine.runlog import CHECKPOINT, EVENTS, LogReader
from rnn_tui.run.protocol import Command, Events, Kept, Message, Quiet, Ready, Snapshot, Waiting, drain
from rnn_tui.run.spec import RunSpec

POLL_SECONDS = 0.25
QUIET_GAPS = 5  # no line for this many of the run's usual gaps between lines (and at least QUIET_SECONDS): quiet
QUIET_SECONDS = 10.0


class LogFollower:
    """The TrainerHandle of `rnn-tui watch`: everything comes from the folder; commands are refused
    by the app before they get here (it is read-only), and dropped if they do."""

    def __init__(self, folder: str | Path, spec: RunSpec):
        self.folder = Path(folder)
        self.spec = spec
        self.messages: queue.Queue[Message] = queue.Queue()
        self.reader = LogReader(self.folder)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._follow, name="rnn-tui-watch", daemon=True)
        self.start_event: StartEvent | None = None
        self.pending: list[Event] = []  # events read before the run could be shown (no checkpoint yet)
        self.ready = False
        self.checkpoint_seen: tuple[float, int] | None = None  # (mtime, size) of the checkpoint last read
        self.steps_per_epoch = 1
        self.said: str | None = None
        self.restarted = 0.0  # when a new run's first line was read in a folder that had one
        self.last_line: float | None = None  # when a look last found new lines
        self.gap = 0.0  # the usual time between looks that found lines (smoothed)
        self.quiet: int | None = None  # whole seconds of silence last said
        self.val_loss: float | None = None  # the newest evaluation's, for the moment kept with the next checkpoint
        self.moments: list[Moment] = []  # kept from the checkpoints read, so `,` can replay them here too

    def start(self) -> None:
        self.thread.start()

    def exit_code(self) -> int | None:
        return None

    def send(self, command: Command) -> None:
        pass  # read-only

    def receive(self, timeout: float = 0.1) -> list[Message]:
        return drain(self.messages, timeout)

    def close(self, autosave: str | None = None, timeout: float = 1.0) -> None:
        self.stopped.set()
        if self.thread.is_alive():
            self.thread.join(timeout)

    # ---- the follower thread ----

    def _follow(self) -> None:
        while not self.stopped.is_set():
            try:
                self.look()
            except Exception as exc:  # one line on the status; the next look tries again
                self._say(f"reading {self.folder} failed: {type(exc).__name__}: {exc}")
            self.stopped.wait(POLL_SECONDS)

    def look(self) -> None:
        """One look at the folder: new events, and new weights when the checkpoint changed."""
        if not self.folder.is_dir():
            self._say(f"waiting for {self.folder}: it does not exist yet (rnn-tui train --log {self.folder})")
            return
        events = self.reader.read()
        self._heard(bool(events))
        for event in events:
            if isinstance(event, StartEvent):
                if self.ready:  # another run in the same folder (train --log DIR --force): start over
                    self.ready, self.pending, self.restarted, self.moments = False, [], time.time(), []
                self.start_event = event
            elif isinstance(event, StepEvent) and event.epoch > 0:
                self.steps_per_epoch = max(1, round(event.step / event.epoch))
            elif isinstance(event, EvalEvent):
                self.val_loss = event.val_loss
            self.pending.append(event)
        if self.start_event is None:
            self._say(f"waiting for the run's first line in {self.folder / EVENTS}")
            return
        weights = self._read_checkpoint()
        if not self.ready:
            if weights is None:
                self._say(f"waiting for the run's first checkpoint, {self.folder / CHECKPOINT}")
                return
            self._ready(weights[0])
        if self.pending:
            self.messages.put(Events(0, tuple(self.pending)))
            self.pending = []
        if weights is not None:
            self.messages.put(weights[1])
            self._keep_moment(weights[1])

    def _heard(self, lines: bool) -> None:
        """Say when the log has gone quiet (a writer killed leaves no stop line) and when it speaks again."""
        now = time.monotonic()
        if lines:
            if self.last_line is not None:
                gap = now - self.last_line
                self.gap = gap if not self.gap else 0.8 * self.gap + 0.2 * gap
            self.last_line = now
            if self.quiet is not None:
                self.quiet = None
                self.messages.put(Quiet(0, None))
            return
        if self.ready and self.last_line is not None:
            silent = now - self.last_line
            if silent > max(QUIET_SECONDS, QUIET_GAPS * self.gap) and int(silent) != self.quiet:
                self.quiet = int(silent)  # said once a second, so the status counts up
                self.messages.put(Quiet(0, silent))

    def _keep_moment(self, snapshot: Snapshot) -> None:
        if self.val_loss is None or any(moment.step == snapshot.step for moment in self.moments):
            return
        moment = Moment(snapshot.step, self.val_loss, compact(snapshot.weights))
        self.moments = keep(self.moments, moment)
        self.messages.put(Kept(0, moment, tuple(m.step for m in self.moments)))

    def _read_checkpoint(self) -> tuple[dict, Snapshot] | None:
        """The checkpoint and its weights as a snapshot, when the file changed since the last read."""
        path = self.folder / CHECKPOINT
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        seen = (stat.st_mtime, stat.st_size)
        if seen == self.checkpoint_seen or stat.st_mtime < self.restarted - 1.0:  # unchanged, or the last run's
            return None
        from rnn_tui.engine.checkpoint import load_checkpoint

        try:
            data = load_checkpoint(path)
        except UserError:  # replaced while read, or still being written: look again next time
            return None
        self.checkpoint_seen = seen
        weights = {k: v.numpy() for k, v in data["model"].items()}
        return data, Snapshot(0, int(data["step"]), weights)

    def _ready(self, data: dict) -> None:
        from rnn_tui.engine.checkpoint import checkpoint_text, configs_from_checkpoint

        text = checkpoint_text(data)
        model, train = configs_from_checkpoint(data)
        spec = replace(self.spec, text=text.source if text else self.spec.text, model=model, train=train,
                       checkpoint=None)
        self.messages.put(Ready(0, spec, self.start_event, data["vocab"], self.steps_per_epoch,
                                passage=self._passage(text.source if text else None)))
        self.ready = True
        self.said = None

    @staticmethod
    def _passage(source: str | None) -> str:
        """The validation passage the insight views read, when the text is here too."""
        if source is None:
            return ""
        from rnn_tui.engine.data import Corpus

        try:
            return Corpus.load(source).passage()
        except UserError:
            return ""

    def _say(self, line: str) -> None:
        if line != self.said:
            self.said = line
            self.messages.put(Waiting(0, line))
