"""A stand-in for the training process: real training, in this process and on demand.

`start()` trains a seeded model for a fixed number of steps with fixed step timings, so the
numbers on the screen repeat from run to run on one machine. Commands are recorded and the
ones a test needs (one step, lr, dropout, save) are carried out as the real process would.
"""

from __future__ import annotations

import time
from dataclasses import replace

from rnn_tui.engine.checkpoint import save_checkpoint, trainer_state
from rnn_tui.engine.events import Event, StepEvent
from rnn_tui.run.process import best_snapshot_message, kept_message, ready_message, snapshot_message
from rnn_tui.run.protocol import Command, Events, Message, Reset, Save, Saved, SetDropout, SetLR, StepOnce
from rnn_tui.run.spec import RunSpec, build_trainer

STEP_SECONDS = 0.01


class ScriptedTrainer:
    def __init__(self, spec: RunSpec, steps: int = 40, rebuild: bool = False):
        self.spec, self.steps, self.rebuild = spec, steps, rebuild  # rebuild: carry out Reset too
        self.queue: list[Message] = []
        self.commands: list[Command] = []
        self.closed = False
        self.trainer = None
        self.run = 0

    def start(self) -> None:
        self.build(self.spec)

    def build(self, spec: RunSpec) -> None:
        self.trainer = build_trainer(replace(spec, device="cpu"))
        self.queue.append(ready_message(self.trainer, spec, self.run))
        self.advance(self.steps)

    def advance(self, steps: int) -> None:
        trainer, events, kept = self.trainer, [], []
        for _ in range(steps):
            event = trainer.train_step()
            events.append(replace(event, seconds=STEP_SECONDS, chars_per_sec=event_chars(trainer) / STEP_SECONDS)
                          if isinstance(event, StepEvent) else event)
            if trainer.step % trainer.train_config.eval_every == 0:
                events.append(trainer.evaluate())
                kept.append(kept_message(trainer, self.run))
        self.queue += [Events(self.run, tuple(events)), *kept, snapshot_message(trainer, self.run),
                       best_snapshot_message(trainer, self.run)]

    def receive(self, timeout: float = 0.1) -> list[Message]:
        if not self.queue:
            time.sleep(timeout)
            return []
        items, self.queue = [item for item in self.queue if item is not None], []
        return items

    def send(self, command: Command) -> None:
        self.commands.append(command)
        match command:
            case StepOnce():
                self.advance(1)
            case SetLR(lr):
                self.emit(self.trainer.set_lr(lr))
            case SetDropout(dropout):
                self.emit(self.trainer.set_dropout(dropout))
            case Save(path):
                save_checkpoint(path, trainer_state(self.trainer))
                self.queue.append(Saved(self.run, path, self.trainer.step))
            case Reset(spec, run) if self.rebuild:
                self.run = run
                self.build(spec)

    def emit(self, event: Event) -> None:
        self.queue.append(Events(self.run, (event,)))

    def exit_code(self) -> int | None:
        return None  # in this process: it runs as long as the test

    def close(self, autosave: str | None = None, timeout: float = 1.0) -> None:
        self.closed = True


def event_chars(trainer) -> int:
    return trainer.train_config.batch * trainer.train_config.seq
