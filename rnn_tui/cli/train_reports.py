"""What `rnn-tui train` prints and keeps as it trains: a progress bar, JSON lines, or nothing (ranks
other than 0), with the log and the checkpoint written along the way when asked."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rnn_tui.engine.events import Event, StepEvent
    from rnn_tui.engine.runlog import RunLog
    from rnn_tui.engine.training import Trainer


def ignore(event: Event) -> None:
    """What ranks other than 0 report: nothing."""


class JsonReport:
    def __call__(self, event: Event) -> None:
        from rnn_tui.engine.events import event_to_dict

        print(json.dumps(event_to_dict(event)), flush=True)


class SavingReport:
    """Reports as `inner` does, writes every event to the run's log (when there is one), and saves
    the checkpoint after an evaluation once `every` seconds have passed since the last save (on the
    training thread, between steps)."""

    def __init__(self, inner: Callable[[Event], None], save: Callable[[], None], every: float,
                 log: RunLog | None = None):
        self.inner, self.save, self.every, self.log = inner, save, every, log
        self.last_save = time.monotonic()

    def __call__(self, event: Event) -> None:
        self.inner(event)
        if self.log is not None:
            self.log.write(event)
        if event.kind == "eval" and time.monotonic() - self.last_save >= self.every:
            self.save()
            self.last_save = time.monotonic()


class ProgressReport:
    """A one-line progress bar on a terminal; one line per evaluation elsewhere."""

    def __init__(self, trainer: Trainer):
        self.trainer = trainer
        self.tty = sys.stderr.isatty()
        self.val: str = ""
        self.advice: str | None = None
        self.last_draw = 0.0

    def __call__(self, event: Event) -> None:
        if event.kind == "eval":
            self.val = f"val {event.val_loss:.3f} ({event.val_bpc:.2f} bpc)"
            if not self.tty:
                print(f"step {event.step} epoch {event.epoch:.2f} train {event.train_loss:.3f} {self.val}",
                      file=sys.stderr, flush=True)
            if event.advice and event.advice != self.advice:
                print(("\n" if self.tty else "") + event.advice, file=sys.stderr, flush=True)
            self.advice = event.advice
        elif event.kind == "baseline":
            print(("\n" if self.tty else "") + f"the {event.name} scores {event.ngram_loss:.3f} nats per character "
                  "on the validation text: the line to beat", file=sys.stderr, flush=True)
        elif event.kind == "step" and self.tty and time.monotonic() - self.last_draw > 0.1:
            self.last_draw = time.monotonic()
            print("\r" + self.line(event), end="", file=sys.stderr, flush=True)
        elif event.kind == "stop":
            if self.tty:
                print(file=sys.stderr)
            val = "" if event.val_loss is None else f", val {event.val_loss:.3f} nats ({event.val_bpc:.2f} bpc)"
            train = "" if event.train_loss is None else f": train {event.train_loss:.3f}"
            print(f"{event.message}{train}{val}", file=sys.stderr, flush=True)

    def line(self, event: StepEvent) -> str:
        fraction = self.trainer.progress(event.step)
        bar = ""
        if fraction is not None:
            filled = int(20 * fraction)
            bar = f"[{'#' * filled}{'.' * (20 - filled)}] {100 * fraction:3.0f}% "
        return (f"{bar}step {event.step} epoch {event.epoch:.2f} loss {event.loss:.3f} {self.val} "
                f"{event.chars_per_sec / 1000:.1f}k chars/s   ")
