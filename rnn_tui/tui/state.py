"""What the app knows about the run, kept out of the widgets. The training process owns the run:
this state only applies what it reports (Ready and events); widgets read it when they redraw."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from rnn_tui.engine.events import BaselineEvent, EvalEvent, Event, SettingEvent, StepEvent, StopEvent
from rnn_tui.engine.history import History, thin
from rnn_tui.engine.moments import Moment
from rnn_tui.run.protocol import Kept, Ready
from rnn_tui.run.spec import RunSpec

SMOOTHING = 0.9  # exponential moving average of the train loss on the status panel
AUTOSAVE_AFTER = 60.0  # seconds of training after which quitting saves the run first (and replacing it asks to)


@dataclass(frozen=True)
class FinishedSample:
    """A finished sample of the playground, with what wrote it (the Sampler tab's history)."""

    step: int
    settings: str
    random_seed: int
    seed_text: str
    text: str
    bits_per_char: float  # under the model at T = 1


@dataclass
class RunState:
    spec: RunSpec  # the settings in force, as the training process last reported them
    run: int = 0  # the run asked for last (a counter of the process layer); what earlier runs send is dropped
    ready: Ready | None = None
    paused: bool = False
    pausing: bool = False  # paused by a key and not yet confirmed: steps made meanwhile still arrive
    finished: str | None = None  # why the last run ended by itself, if it did
    failed: str | None = None  # why no run could be built, while there is none
    waiting: str | None = None  # what a watched folder still lacks before its run can be shown
    watching: str | None = None  # the log folder followed by `rnn-tui watch` (read-only), if any
    quiet: float | None = None  # seconds the watched log has had no new line, once it has gone quiet
    step: int = 0
    epoch: float = 0.0
    loss: float | None = None  # smoothed
    val_loss: float | None = None
    best: tuple[int, float] | None = None  # (step, val_loss) of the best weights
    advice: str | None = None  # the coach's line from the last evaluation
    baseline: BaselineEvent | None = None  # the best n-gram's validation loss, once counted
    counted: str | None = None  # what counting read, when not all of the training text or every order
    chars_per_sec: float | None = None  # smoothed
    lr: float | None = None  # the rate the last step used (after the schedule)
    elapsed: float = 0.0  # seconds spent training, over every session of the run
    session_seconds: float = 0.0  # of them, in this session: a time limit counts these, as the trainer does
    use_best: bool = False  # the sampler reads the best-on-validation weights (when there are any, and no replay)
    saved_step: int | None = None  # the step a checkpoint holds this run at, if one does
    quit_path: str | None = None  # where quitting saves the run (after AUTOSAVE_AFTER seconds of training)
    train_curve: History = field(default_factory=History)  # every step's loss as measured; the plot smooths
    clock: History = field(default_factory=History)  # (step, training seconds at its end), for time on the x axis
    val_curve: History = field(default_factory=History)
    setting_changes: list[tuple[int, str, float]] = field(default_factory=list)
    timeline: list[tuple[int, float, str]] = field(default_factory=list)  # (step, val_loss, sample)
    moments: list[Moment] = field(default_factory=list)  # the trainer's kept weights, oldest first
    replay: Moment | None = None  # the moment the loss plot's cursor is on; None: the live weights
    # called after every change (the app publishes the state on its `run` channel, for the views that draw it)
    on_change: Callable[[], None] | None = field(default=None, repr=False, compare=False)

    def changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def on_ready(self, ready: Ready) -> None:
        self.ready, self.spec, self.failed, self.waiting = ready, ready.spec, None, None
        self.step, self.epoch = ready.start.step, ready.start.step / ready.steps_per_epoch
        self.chars_per_sec = self.advice = self.baseline = self.counted = None
        self.elapsed, self.session_seconds, self.finished = ready.start.seconds, 0.0, None
        self.saved_step = ready.start.step or None  # a resumed run is saved where it resumed
        self.lr = ready.spec.train.lr
        self.best = ready.best
        self.train_curve, self.val_curve, self.clock = History(), History(), History()
        self.clock.append(0, 0.0)
        if ready.start.step:  # a resumed run: its earlier steps spread evenly over its earlier time
            self.clock.append(ready.start.step, ready.start.seconds)
        for x, y in zip(*ready.train_curve):
            self.train_curve.append(x, y)
        for x, y in zip(*ready.val_curve):
            self.val_curve.append(x, y)
        self.loss = self.train_curve.last()
        self.val_loss = self.val_curve.last()
        self.setting_changes = list(ready.setting_changes)
        self.timeline = list(ready.timeline)
        self.moments, self.replay = list(ready.moments), None
        self.changed()

    def on_kept(self, kept: Kept) -> None:
        """The trainer kept a moment and thinned the rest: keep what it keeps (a replayed moment stays
        on screen until the cursor moves)."""
        steps = set(kept.steps)
        self.moments = [m for m in self.moments if m.step in steps and m.step != kept.moment.step] + [kept.moment]
        self.changed()

    def scrub(self, direction: int) -> Moment | None:
        """Move the replay cursor to the previous (-1) or next (+1) kept moment; past the latest is live."""
        at = self.replay.step if self.replay is not None else None
        if direction < 0:
            earlier = [m for m in self.moments if at is None or m.step < at]
            self.replay = earlier[-1] if earlier else self.replay
        elif at is not None:
            self.replay = next((m for m in self.moments if m.step > at), None)
        self.changed()
        return self.replay

    def on_event(self, event: Event) -> None:
        match event:
            case StepEvent():
                self.step, self.epoch = event.step, event.epoch
                self.loss = event.loss if self.loss is None else SMOOTHING * self.loss + (1 - SMOOTHING) * event.loss
                self.train_curve.append(event.step, event.loss)
                if event.chars_per_sec:
                    cps = self.chars_per_sec
                    self.chars_per_sec = event.chars_per_sec if cps is None else 0.95 * cps + 0.05 * event.chars_per_sec
                self.lr = event.lr
                self.elapsed += event.seconds
                self.session_seconds += event.seconds
                self.clock.append(event.step, self.elapsed)
                self.finished = None
            case EvalEvent():
                self.val_loss, self.advice = event.val_loss, event.advice
                self.best = (event.best_step, event.best_val)
                self.val_curve.append(event.step, event.val_loss)
                if event.sample is not None:
                    self.timeline = thin([*self.timeline, (event.step, event.val_loss, event.sample)])
            case SettingEvent(step=step, name=name, value=value):
                self.setting_changes.append((step, name, value))
                if name == "lr":
                    self.spec = replace(self.spec, train=replace(self.spec.train, lr=value))
                    self.lr = value
                elif name == "dropout":
                    self.spec = replace(self.spec, model=replace(self.spec.model, dropout=value))
                elif name == "stop_points":
                    self.spec = replace(self.spec, train=replace(self.spec.train, steps=None, epochs=None,
                                                                 minutes=None))
            case BaselineEvent():
                self.baseline = event
            case StopEvent(reason=reason, message=message) if reason != "stopped":
                self.finished = message
                self.paused = True
        self.changed()

    def on_failed(self, message: str, process_gone: bool = False) -> None:
        if process_gone:  # nothing trains any more: the status says so, not "training"
            self.finished, self.paused = message, True
        if self.ready is None:  # nothing runs: say why instead of "starting..." (the process may be gone)
            self.failed = message
        self.changed()

    @property
    def reads_best(self) -> bool:
        """Whether the sampler reads the best weights: chosen, there are some, and no moment is replayed."""
        return self.use_best and self.best is not None and self.replay is None

    def changes_of(self, name: str) -> list[int]:
        """Steps at which the setting `name` was changed, for the plot's marks."""
        return [step for step, changed, _ in self.setting_changes if changed == name]

    @property
    def passed_baseline(self) -> int | None:
        """The step of the first evaluation below the best n-gram, once counted and passed."""
        if self.baseline is None:
            return None
        return next((int(x) for x, y in zip(self.val_curve.xs, self.val_curve.ys) if y < self.baseline.ngram_loss),
                    None)

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
            parts.append(self.session_seconds / 60 / cfg.minutes)
        return min(1.0, max(parts)) if parts else None
