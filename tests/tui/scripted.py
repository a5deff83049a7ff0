"""A stand-in for the training process: real training, in this process, on a thread of its own.

`start()` builds a seeded model and trains it for a fixed number of steps with fixed step
timings, off the UI thread (as the real process is), so the numbers on the screen repeat from run
to run on one machine and the first frame never waits for them. Commands are recorded as they are
sent and carried out in order on that thread, as the real process would: one step, lr, dropout,
save (and, with `rebuild`, a new run).
"""

from __future__ import annotations

import queue
import threading
from dataclasses import replace

from rnn_tui.engine.checkpoint import save_checkpoint, trainer_state
from rnn_tui.engine.events import Event, StepEvent
from rnn_tui.run.process import best_snapshot_message, kept_message, ready_message, snapshot_message
from rnn_tui.run.protocol import (
    Command,
    Events,
    Message,
    Pause,
    Paused,
    Reset,
    Resume,
    Save,
    Saved,
    SetBaseline,
    SetDropout,
    SetLR,
    StepOnce,
    drain,
)
from rnn_tui.run.spec import RunSpec, build_trainer

STEP_SECONDS = 0.01


class ScriptedTrainer:
    def __init__(self, spec: RunSpec, steps: int = 40, rebuild: bool = False):
        self.spec, self.steps, self.rebuild = spec, steps, rebuild  # rebuild: carry out Reset too
        self.messages: queue.Queue[Message] = queue.Queue()
        self.inbox: queue.Queue[Command | None] = queue.Queue()
        self.commands: list[Command] = []  # every command sent, in order (read by tests)
        self.closed = False
        self.thread: threading.Thread | None = None
        self.trainer = None
        self.run = 0

    def start(self) -> None:
        self.thread = threading.Thread(target=self._work, name="scripted-trainer", daemon=True)
        self.thread.start()

    def _work(self) -> None:
        self.build(self.spec)
        while (command := self.inbox.get()) is not None:
            self.carry_out(command)

    def build(self, spec: RunSpec) -> None:
        self.trainer = build_trainer(replace(spec, device="cpu"))
        self.messages.put(ready_message(self.trainer, spec, self.run))
        self.advance(self.steps)

    def advance(self, steps: int) -> None:
        trainer, events, kept = self.trainer, [], []
        for _ in range(steps):
            if self.closed:
                return
            event = trainer.train_step()
            events.append(replace(event, seconds=STEP_SECONDS, chars_per_sec=event_chars(trainer) / STEP_SECONDS)
                          if isinstance(event, StepEvent) else event)
            if trainer.step % trainer.train_config.eval_every == 0:
                events.append(trainer.evaluate())
                kept.append(kept_message(trainer, self.run))
        for message in [Events(self.run, tuple(events)), *kept, snapshot_message(trainer, self.run),
                        best_snapshot_message(trainer, self.run)]:
            if message is not None:
                self.messages.put(message)

    def receive(self, timeout: float = 0.1) -> list[Message]:
        return drain(self.messages, timeout)

    def send(self, command: Command) -> None:
        self.commands.append(command)
        self.inbox.put(command)

    def carry_out(self, command: Command) -> None:
        match command:
            case Pause() | Resume():  # answered as the training process answers
                self.messages.put(Paused(self.run, isinstance(command, Pause)))
            case StepOnce():
                self.advance(1)
            case SetLR(lr):
                self.emit(self.trainer.set_lr(lr))
            case SetDropout(dropout):
                self.emit(self.trainer.set_dropout(dropout))
            case SetBaseline(order, losses):
                self.emit(self.trainer.set_baseline(order, losses))
            case Save(path):
                save_checkpoint(path, trainer_state(self.trainer))
                self.messages.put(Saved(self.run, path, self.trainer.step))
            case Reset(spec, run) if self.rebuild:
                self.run = run
                self.build(spec)

    def emit(self, event: Event) -> None:
        self.messages.put(Events(self.run, (event,)))

    def exit_code(self) -> int | None:
        return None  # in this process: it runs as long as the test

    def close(self, autosave: str | None = None, timeout: float = 1.0) -> None:
        """Stops at the next step and ends the thread: one left in torch when the interpreter exits
        aborts it ("terminate called without an active exception")."""
        self.closed = True
        self.inbox.put(None)
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join()


def event_chars(trainer) -> int:
    return trainer.train_config.batch * trainer.train_config.seq
