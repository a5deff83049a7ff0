"""A stand-in for the training process: real training, in this process and on demand.

`start()` trains a seeded model for a fixed number of steps with fixed step timings, so every
number on the screen is the same on every run: what snapshot tests need.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from rnn_tui.background import RunSpec, Saved, ready_message, snapshot_message
from rnn_tui.checkpoint import save_checkpoint, trainer_state
from rnn_tui.data import Corpus
from rnn_tui.events import StepEvent
from rnn_tui.training import Trainer

STEP_SECONDS = 0.01


class ScriptedTrainer:
    def __init__(self, spec: RunSpec, steps: int = 40):
        self.spec, self.steps = spec, steps
        self.queue: list[Any] = []
        self.commands: list[tuple] = []
        self.closed = False
        self.trainer: Trainer | None = None

    def start(self) -> None:
        self.trainer = Trainer(self.spec.model, self.spec.train, Corpus.from_file(self.spec.text_path), "cpu")
        self.queue.append(ready_message(self.trainer, self.spec))
        self.advance(self.steps)

    def advance(self, steps: int) -> None:
        trainer, events = self.trainer, []
        for _ in range(steps):
            event = trainer.train_step()
            events.append(replace(event, seconds=STEP_SECONDS, chars_per_sec=event_chars(trainer) / STEP_SECONDS)
                          if isinstance(event, StepEvent) else event)
            if trainer.step % trainer.train_config.eval_every == 0:
                events.append(trainer.evaluate())
        self.queue += [events, snapshot_message(trainer)]

    def receive(self, timeout: float = 0.1) -> list[Any]:
        if not self.queue:
            time.sleep(timeout)
            return []
        items, self.queue = self.queue, []
        return items

    def pause(self) -> None:
        self.commands.append(("pause",))

    def resume(self) -> None:
        self.commands.append(("resume",))

    def step_once(self) -> None:
        self.commands.append(("step",))
        self.advance(1)

    def set_lr(self, lr: float) -> None:
        self.commands.append(("lr", lr))
        self.trainer.set_lr(lr)

    def save(self, path: str) -> None:
        save_checkpoint(path, trainer_state(self.trainer))
        self.queue.append(Saved(path, self.trainer.step))

    def reset(self, spec: RunSpec) -> None:
        self.commands.append(("reset", spec))

    def close(self, autosave: str | None = None, timeout: float = 1.0) -> None:
        self.closed = True


def event_chars(trainer: Trainer) -> int:
    return trainer.train_config.batch * trainer.train_config.seq
