"""The typed protocol between the app and the training process: one frozen dataclass per
command (down) and per message (up), dispatched with `match` on each side. No torch here.

Runs are numbered by the app: `Reset` carries the number of the run it asks for, and every
message up names the run it belongs to, so the app can drop what an earlier run sent after
it asked for a new one. A failed rebuild goes on with the old model under the new number.
"""

from __future__ import annotations

import queue
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from rnn_tui.engine.events import Event, StartEvent
from rnn_tui.engine.moments import Moment
from rnn_tui.run.spec import RunSpec

# ---- commands: app -> training process ----


@dataclass(frozen=True)
class Pause:
    pass


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class StepOnce:
    pass


@dataclass(frozen=True)
class SetLR:
    lr: float


@dataclass(frozen=True)
class SetDropout:
    dropout: float


@dataclass(frozen=True)
class Save:
    path: str
    overwrite: bool = False  # replace a file that holds another run (the user said so)


@dataclass(frozen=True)
class SetBaseline:
    """The counting baseline of the run's text: the best order and every order's loss."""

    order: int
    losses: tuple[float, ...]


@dataclass(frozen=True)
class Reset:
    """Build a new run (a new model, text or checkpoint); the old one is dropped."""

    spec: RunSpec
    run: int


@dataclass(frozen=True)
class Quit:
    autosave: str | None = None  # save the run here first


Command = Pause | Resume | StepOnce | SetLR | SetDropout | SetBaseline | Save | Reset | Quit

# ---- messages: training process -> app ----


@dataclass(frozen=True)
class Ready:
    """A run was built (or rebuilt after a failure); everything the app shows about it starts here."""

    run: int
    spec: RunSpec  # as built: the settings in force, filled in from the text or checkpoint
    start: StartEvent
    vocab: str
    steps_per_epoch: int
    train_curve: tuple[list[float], list[float]] = ((), ())  # resumed runs bring their curves
    val_curve: tuple[list[float], list[float]] = ((), ())
    setting_changes: list[tuple[int, str, float]] = field(default_factory=list)
    best: tuple[int, float] | None = None  # (step, val_loss) of the best weights so far
    passage: str = ""  # a fixed passage of the validation text, for the views of what the model learned
    timeline: list[tuple[int, float, str]] = field(default_factory=list)  # (step, val_loss, sample) so far
    moments: list[Moment] = field(default_factory=list)  # kept so far (a run rebuilt after a failure has some)


@dataclass(frozen=True)
class Events:
    run: int
    events: tuple[Event, ...]


@dataclass(frozen=True)
class Snapshot:
    """Weights for the sampler: the latest, or the best on validation so far."""

    run: int
    step: int
    weights: dict[str, np.ndarray]  # numpy arrays: picklable by value, no shared-memory handles
    best: bool = False


@dataclass(frozen=True)
class Kept:
    """A moment the trainer kept at an evaluation, and the steps of every moment it keeps now (the
    trainer thins them; the app drops the ones it no longer lists)."""

    run: int
    moment: Moment
    steps: tuple[int, ...]


@dataclass(frozen=True)
class Paused:
    """Whether the run waits (paused, or stopped at a stop point) or trains: the process says so."""

    run: int
    paused: bool


@dataclass(frozen=True)
class Saved:
    run: int
    path: str
    step: int


@dataclass(frozen=True)
class SaveRefused:
    """Nothing was written: the file holds another run (or no checkpoint). Ask, then Save(overwrite=True)."""

    run: int
    path: str
    reason: str


@dataclass(frozen=True)
class Waiting:
    """No run to show yet, and why (a watched folder that does not exist, a log not started)."""

    run: int
    message: str


PROCESS_GONE = -1  # the run of a Failed that the training process ended with (or died of)


@dataclass(frozen=True)
class Failed:
    run: int
    message: str


def drain(source: QueueLike, timeout: float = 0.0) -> list:
    """Everything waiting in a queue (a thread's or a process's), blocking up to `timeout` for the
    first item; nothing when it is empty, or when the process that fed it is gone."""
    out: list = []
    try:
        out.append(source.get(timeout=timeout) if timeout else source.get_nowait())
        while True:
            out.append(source.get_nowait())
    except (queue.Empty, EOFError, OSError):
        pass
    return out


class QueueLike(Protocol):
    def get(self, block: bool = True, timeout: float | None = None) -> object: ...
    def get_nowait(self) -> object: ...


@dataclass(frozen=True)
class Quiet:
    """A watched run's log has had no new line for `seconds` (its writer may have stopped); None: it
    is written again."""

    run: int
    seconds: float | None


Message = Ready | Events | Snapshot | Kept | Paused | Saved | SaveRefused | Failed | Waiting | Quiet


class TrainerHandle(Protocol):
    """What the app needs of a training process: the real one, or a scripted one in tests."""

    def start(self) -> None: ...
    def exit_code(self) -> int | None:
        """None while the training process runs; its exit status once it has ended."""
    def send(self, command: Command) -> None: ...
    def receive(self, timeout: float = 0.1) -> list[Message]: ...
    def close(self, autosave: str | None = None, timeout: float = 1.0) -> Saved | None:
        """Stop training (saving to `autosave` first, or beside it when that holds another run)."""
