"""What the app knows about the run, kept out of the widgets: updated from the trainer's
messages, read by widgets when they redraw."""

from __future__ import annotations

from dataclasses import dataclass, field

from rnn_tui.background import Ready, RunSpec
from rnn_tui.events import Event, EvalEvent, StepEvent, StopEvent
from rnn_tui.history import History

SMOOTHING = 0.9  # exponential moving average of the train loss, as the plot shows it


@dataclass
class RunState:
    spec: RunSpec
    ready: Ready | None = None
    paused: bool = False
    finished: str | None = None  # why the last run ended by itself, if it did
    step: int = 0
    epoch: float = 0.0
    loss: float | None = None  # smoothed
    val_loss: float | None = None
    chars_per_sec: float | None = None  # smoothed
    lr: float | None = None
    elapsed: float = 0.0  # seconds spent training
    train_curve: History = field(default_factory=History)
    val_curve: History = field(default_factory=History)
    lr_changes: list[tuple[int, float]] = field(default_factory=list)
    version: int = 0  # bumped on every change, so a widget redraws only when something changed

    def on_ready(self, ready: Ready) -> None:
        self.ready, self.spec = ready, ready.spec
        self.step, self.epoch = ready.step, ready.step / ready.steps_per_epoch
        self.loss = self.val_loss = self.chars_per_sec = None
        self.elapsed, self.finished = 0.0, None
        self.lr = ready.spec.train.lr
        self.train_curve, self.val_curve = History(), History()
        for x, y in zip(*ready.train_curve):
            self.train_curve.append(x, y)
        for x, y in zip(*ready.val_curve):
            self.val_curve.append(x, y)
        self.loss = self.train_curve.last()
        self.val_loss = self.val_curve.last()
        self.lr_changes = list(ready.lr_changes)
        self.version += 1

    def on_event(self, event: Event) -> None:
        self.version += 1
        self.step, self.epoch = event.step, event.epoch
        if isinstance(event, StepEvent):
            self.loss = event.loss if self.loss is None else SMOOTHING * self.loss + (1 - SMOOTHING) * event.loss
            self.train_curve.append(event.step, self.loss)
            if event.chars_per_sec:
                cps = self.chars_per_sec
                self.chars_per_sec = event.chars_per_sec if cps is None else 0.95 * cps + 0.05 * event.chars_per_sec
            self.lr = event.lr
            self.elapsed += event.seconds
            self.finished = None
        elif isinstance(event, EvalEvent):
            self.val_loss = event.val_loss
            self.val_curve.append(event.step, event.val_loss)
        elif isinstance(event, StopEvent) and event.reason != "stopped":
            self.finished = event.message
            self.paused = True

    def mark_lr_change(self, lr: float) -> None:
        """The user changed the learning rate; the trainer applies it before its next step."""
        self.lr_changes.append((self.step, lr))
        self.version += 1

    @property
    def progress(self) -> float | None:
        """Fraction of the way to the run's stop point, when it has one."""
        if self.ready is None:
            return None
        cfg, parts = self.spec.train, []
        if cfg.steps:
            parts.append(self.step / cfg.steps)
        if cfg.epochs:
            parts.append(self.epoch / cfg.epochs)
        if cfg.minutes:
            parts.append(self.elapsed / 60 / cfg.minutes)
        return min(1.0, max(parts)) if parts else None
