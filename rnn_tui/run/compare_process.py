"""A race of the cells in a spawned process, as training runs: the app's UI keeps its core.

The app sends one `RaceRequest` (at start); the child lines the cells up, trains them one after
the other (see engine/race.py for why not interleaved) and sends `LinedUp`, a `Progress` at every
evaluation, a `Finished` per cell, then `RaceOver`; or `RaceFailed` with one line.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import signal
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rnn_tui.engine.config import TrainConfig
from rnn_tui.engine.errors import UserError
from rnn_tui.run.protocol import drain
from rnn_tui.run.spawning import process_context

if TYPE_CHECKING:
    from rnn_tui.engine.race import Entrant


@dataclass(frozen=True)
class RaceRequest:
    text: str
    cells: tuple[str, ...]
    params: int
    embed: int
    layers: int
    train: TrainConfig  # with the budget per cell: steps or minutes
    threads: int = 1


@dataclass(frozen=True)
class LinedUp:
    entrants: tuple[Entrant, ...]
    text: str  # the text's name


@dataclass(frozen=True)
class Progress:
    cell: str
    step: int
    seconds: float  # training seconds of this cell so far
    val_loss: float


@dataclass(frozen=True)
class Finished:
    entrant: Entrant


@dataclass(frozen=True)
class RaceOver:
    pass


@dataclass(frozen=True)
class RaceFailed:
    message: str


RaceMessage = LinedUp | Progress | Finished | RaceOver | RaceFailed


class BackgroundRace:
    """Made and started inside the running app, whose sys.stderr is Textual's capture, which has no
    file descriptor: multiprocessing hands stderr's descriptor to the resource tracker it starts on
    first use, so the real stderr is put back meanwhile."""

    def __init__(self, request: RaceRequest):
        ctx = process_context()
        with contextlib.redirect_stderr(sys.__stderr__):
            self.messages: mp.Queue = ctx.Queue()
        self.process = ctx.Process(target=race_main, args=(request, self.messages), name="rnn-tui-race", daemon=True)
        self.closed = False

    def start(self) -> None:
        with contextlib.redirect_stderr(sys.__stderr__):
            self.process.start()

    def receive(self) -> list[RaceMessage]:
        """Whatever has arrived, without waiting (called from the UI thread)."""
        if self.closed:  # a timer of the screen can still fire between close and unmount
            return []
        return drain(self.messages)

    def close(self) -> None:
        """Stop the race: a cancelled one is simply ended, nothing of it is saved."""
        if self.closed:
            return
        self.closed = True
        if self.process.pid is not None and self.process.is_alive():
            self.process.terminate()
            self.process.join(1.0)
            if self.process.is_alive():
                self.process.kill()
        self.messages.cancel_join_thread()
        self.messages.close()


def race_main(request: RaceRequest, messages: mp.Queue) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C and a hang-up belong to the app, which ends the race
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        run_request(request, messages.put)
    except UserError as exc:
        messages.put(RaceFailed(str(exc)))
    except Exception as exc:  # one line in the app, not a traceback over its screen
        messages.put(RaceFailed(f"the race failed: {type(exc).__name__}: {exc}"))


def run_request(request: RaceRequest, send) -> None:
    import torch

    from rnn_tui.engine.data import Corpus
    from rnn_tui.engine.events import EvalEvent
    from rnn_tui.engine.race import line_up, run_race

    torch.set_num_threads(request.threads)
    corpus = Corpus.load(request.text)
    entrants = line_up(list(request.cells), request.params, corpus, request.embed, request.layers)
    send(LinedUp(tuple(entrants), corpus.name))

    def report(cell: str, event, seconds: float) -> None:
        if isinstance(event, EvalEvent):
            send(Progress(cell, event.step, seconds, event.val_loss))

    def finished(entrant: Entrant) -> None:
        send(Finished(entrant))

    run_race(entrants, corpus, request.train, request.embed, request.layers, report=report, done=finished)
    send(RaceOver())
