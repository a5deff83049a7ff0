"""A comparison of one setting (engine/compare.py) in a spawned process, as training runs: the
app's UI keeps its core. The race of the cells and the lessons' experiments are comparisons.

The app gives one `CompareRequest` (at start); the child lines the runs up, trains them one after
the other (see engine/race.py for why not interleaved) and sends `LinedUp`, a `Progress` at every
evaluation, a `Finished` per run, then `CompareOver`; or `CompareFailed` with one line.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import signal
import sys
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rnn_tui.engine.config import CELLS, ModelConfig, TrainConfig
from rnn_tui.engine.errors import UserError
from rnn_tui.run.orphans import exit_with_parent
from rnn_tui.run.protocol import drain
from rnn_tui.run.spawning import process_context

if TYPE_CHECKING:
    from rnn_tui.engine.race import Entrant


@dataclass(frozen=True)
class CompareRequest:
    text: str
    model: ModelConfig  # every setting but the one varied (its vocabulary comes from the text)
    train: TrainConfig  # with the budget per run: steps or minutes
    vary: str | None  # "NAME=V1,V2"; None: a lesson of one run
    equal_params: int | None = None
    lesson: str | None = None  # the lesson whose runs these are (its runs, and its measure of each)
    threads: int = 1

    @property
    def is_race(self) -> bool:
        return self.vary == RACE

    @property
    def setting(self) -> str | None:
        """The name of the setting varied ("cell" in a race); None for a lesson of one run."""
        from rnn_tui.engine.compare import parse_vary

        return None if self.vary is None else parse_vary(self.vary).name

    def describe(self) -> str:
        budget = f"{self.train.steps:,} steps" if self.train.steps else f"{self.train.minutes * 60:g} s"
        what = self.vary or "one run"
        sized = f" at {self.equal_params:,} parameters each" if self.equal_params else ""
        return f"{what}{sized}, {budget} each, one after the other"


RACE = f"cell={','.join(CELLS)}"  # the race of the cells: the comparison of `cell` at one parameter count


def lesson_request(name: str, steps: int | None = None) -> CompareRequest:
    """The lesson's runs: the compare preset's settings with the lesson's text, setting and budget
    (`steps` instead of its minutes, for a quick check)."""
    from rnn_tui.engine.lessons import LESSONS
    from rnn_tui.run.spec import COMPARE_PRESET, configs_from_args

    lesson = LESSONS[name]
    model, train = configs_from_args(argparse.Namespace(), default=COMPARE_PRESET)
    budget = {"steps": steps, "minutes": None} if steps is not None else {"minutes": lesson.minutes}
    return CompareRequest(lesson.text, model, replace(train, epochs=None, **budget).validate(), lesson.vary,
                          lesson.equal_params, name)


@dataclass(frozen=True)
class LinedUp:
    entrants: tuple[Entrant, ...]
    text: str  # the text's name


@dataclass(frozen=True)
class Progress:
    name: str  # the run's
    step: int
    seconds: float  # training seconds of this run so far
    chars: int  # characters trained on so far
    val_loss: float
    train_loss: float


@dataclass(frozen=True)
class Finished:
    entrant: Entrant


@dataclass(frozen=True)
class CompareOver:
    pass


@dataclass(frozen=True)
class CompareFailed:
    message: str


CompareMessage = LinedUp | Progress | Finished | CompareOver | CompareFailed


class BackgroundCompare:
    """Made and started inside the running app, whose sys.stderr is Textual's capture, which has no
    file descriptor: multiprocessing hands stderr's descriptor to the resource tracker it starts on
    first use, so the real stderr is put back meanwhile."""

    def __init__(self, request: CompareRequest):
        ctx = process_context()
        with contextlib.redirect_stderr(sys.__stderr__):
            self.messages: mp.Queue = ctx.Queue()
        self.process = ctx.Process(target=compare_main, args=(request, self.messages), name="rnn-tui-compare",
                                   daemon=True)
        self.closed = False

    def start(self) -> None:
        with contextlib.redirect_stderr(sys.__stderr__):
            self.process.start()

    def receive(self) -> list[CompareMessage]:
        """Whatever has arrived, without waiting (called from the UI thread)."""
        if self.closed:  # a timer of the screen can still fire between close and unmount
            return []
        return drain(self.messages)

    def close(self) -> None:
        """Stop the comparison: a cancelled one is simply ended, nothing of it is saved."""
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


def compare_main(request: CompareRequest, messages: mp.Queue) -> None:
    exit_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C and a hang-up belong to the app, which ends the runs
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        run_request(request, messages.put)
    except UserError as exc:
        messages.put(CompareFailed(str(exc)))
    except Exception as exc:  # one line in the app, not a traceback over its screen
        messages.put(CompareFailed(f"the comparison failed: {type(exc).__name__}: {exc}"))


def run_request(request: CompareRequest, send) -> None:
    import torch

    from rnn_tui.engine.compare import contenders, entrant_of, parse_vary, run_compare
    from rnn_tui.engine.data import Corpus
    from rnn_tui.engine.events import EvalEvent
    from rnn_tui.engine.lessons import LESSONS

    torch.set_num_threads(request.threads)
    corpus = Corpus.load(request.text)
    lesson = LESSONS[request.lesson] if request.lesson else None
    vocab = len(corpus.vocab)
    runs = (lesson.runs(request.model, request.train, vocab) if lesson is not None else
            contenders(parse_vary(request.vary), request.model, request.train, vocab, request.equal_params))
    send(LinedUp(tuple(entrant_of(c) for c in runs), corpus.name))
    chars_per_step = {c.name: c.train.batch * c.train.seq for c in runs}

    def report(name: str, event, seconds: float) -> None:
        if isinstance(event, EvalEvent):
            send(Progress(name, event.step, seconds, event.step * chars_per_step[name], event.val_loss,
                          event.train_loss))

    run_compare(runs, corpus, report=report, done=lambda entrant: send(Finished(entrant)),
                measure=None if lesson is None else lesson.measure)
    send(CompareOver())
