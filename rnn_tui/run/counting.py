"""The run's counting model in a process of its own: fitting n-grams of orders 1 to 9 on a 4 MB
text takes about two seconds of a core (a fraction of one when the counts are cached) and at most
1.5 GB on a 100 MB text, which must neither delay the first training step nor slow training, nor
stall the UI. It runs at training's own priority: whatever it runs at, it takes the same CPU time
from training, and lower it only comes later. Under SCHED_IDLE and nice 19 two busy processes
starved it and the baseline came minutes late; at nice 5 it came 7 to 12 s after the run was
built, at training's priority 3 to 7 s (benchmarks/counting_scale.py).

The process counts the text once, then answers requests one at a time: the baseline on the
characters an evaluation scores, n-gram samples on common random numbers, a passage's
probabilities, and copy meters (its suffix array is built when it is first idle). The parent
asks from a worker thread and blocks for the answer.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import queue
import signal
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rnn_tui.engine.config import TrainConfig
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.ngram import MAX_ORDER
from rnn_tui.run.orphans import exit_with_parent
from rnn_tui.run.spawning import process_context

if TYPE_CHECKING:
    from rnn_tui.engine.counting import CountingModel

IDLE_SECONDS = 0.5  # with nothing asked for this long, the process builds what later requests need


@dataclass(frozen=True)
class CountBaseline:
    train: TrainConfig  # the run's batch, sequence length and evaluation batches say which characters


@dataclass(frozen=True)
class SampleNgram:
    """Answered with ((ids, log-probability), the order that wrote them)."""

    context: tuple[int, ...]  # the seed text's ids
    uniforms: tuple[float, ...]  # one per character, the network rows' own
    temperature: float
    top_k: int = 0
    top_p: float = 1.0
    min_p: float = 0.0


@dataclass(frozen=True)
class ReadPassage:
    text: str


@dataclass(frozen=True)
class MeasureCopying:
    """Answered with a copy meter per text, or None while the suffix array is still to be built."""

    texts: tuple[str, ...]


Request = CountBaseline | SampleNgram | ReadPassage | MeasureCopying


@dataclass(frozen=True)
class Counted:
    """The baseline of a run (by the app's number), for the training controller."""

    run: int
    order: int
    losses: tuple[float, ...]
    failure: str | None = None  # why there is none
    note: str | None = None  # what was counted, when not all of the training text or every order


class CountingBusy(UserError):
    """No answer within the time asked for: the process is busy, and still counting."""


class CountingProcess:
    """The parent's handle: one process per text and vocabulary. `preloaded=False` where nothing
    else needs the forkserver (spawning.py)."""

    def __init__(self, text: str, vocab: str, max_order: int = MAX_ORDER, preloaded: bool = True):
        self.key = (text, vocab)
        ctx = process_context(preloaded)
        self.requests: mp.Queue = ctx.Queue()
        self.replies: mp.Queue = ctx.Queue()
        self.process = ctx.Process(target=counting_main, args=(text, vocab, max_order, self.requests, self.replies),
                                   name="rnn-tui-counting", daemon=True)
        self.lock = threading.Lock()  # one request at a time, whichever thread asks
        self.life = threading.Lock()  # starting and closing, which may come from two threads
        self.closed = False
        self.asked = 0
        self.failure: str | None = None
        self.answered = threading.Event()  # the text is counted: a request is answered without waiting for that

    def start(self) -> CountingProcess:
        with self.life:
            if not self.closed:  # closed before it started: it never starts
                self.process.start()
        return self

    def ask(self, request: Request, timeout: float | None = None) -> object:
        """The answer to `request`, blocking until it comes, or for at most `timeout` seconds: the
        process answers one request at a time and may be busy for tens of seconds (a large text's
        suffix array is built when it is first idle), and a sampler must not stall meanwhile. A
        CountingBusy then, and the late reply is dropped by its number; a UserError when counting
        failed (the text cannot be read, memory ran out) or the process is gone."""
        deadline = math.inf if timeout is None else time.monotonic() + timeout
        if not self.lock.acquire(timeout=-1 if timeout is None else timeout):
            raise CountingBusy("counting is busy with another request")
        try:
            if self.failure is None:
                self.asked += 1
                self.requests.put((self.asked, request))
                while self.failure is None:
                    wait = min(0.5, deadline - time.monotonic())
                    if wait <= 0:
                        raise CountingBusy("counting is busy: no answer yet")
                    try:
                        number, value, failure = self.replies.get(timeout=wait)
                    except queue.Empty:
                        if self.process.pid is not None and not self.process.is_alive():  # started, and gone
                            self.failure = f"the counting process ended (exit status {self.process.exitcode})"
                        continue
                    except (EOFError, OSError, ValueError):  # ValueError: closed by the app, which is closing
                        self.failure = "the counting process is gone"
                        break
                    if number is None:
                        self.failure = failure
                    elif number == self.asked:
                        if failure is None:
                            self.answered.set()
                            return value
                        raise UserError(failure)
            raise UserError(f"counting failed: {self.failure}")
        finally:
            self.lock.release()

    def close(self) -> None:
        with self.life:
            self.closed = True
        self.failure = self.failure or "the counting process was closed"
        if self.process.pid is None:
            return
        try:
            self.requests.put(None)
        except (ValueError, OSError):
            pass
        self.process.join(0.2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(0.5)
        for q in (self.requests, self.replies):
            q.cancel_join_thread()
            q.close()


class CountingHere:
    """The same answers as CountingProcess, counted in this process when started: for a text small
    enough to count in a blink (the app's pilot tests give it theirs), where a process costs more
    than the counting."""

    def __init__(self, text: str, vocab: str, max_order: int = MAX_ORDER):
        self.key = (text, vocab)
        self.max_order = max_order
        self.model: CountingModel | None = None
        self.failure: str | None = None
        self.answered = threading.Event()

    def start(self) -> CountingHere:
        text, vocab = self.key
        try:
            model = count_text(text, vocab, self.max_order)
        except (UserError, MemoryError, ValueError) as exc:
            self.failure = why_not_counted(exc)
            return self
        prepare(model)
        self.model = model
        return self

    def ask(self, request: Request, timeout: float | None = None) -> object:
        if self.model is None:
            raise UserError(f"counting failed: {self.failure or 'not counted yet'}")
        self.answered.set()
        return answer(self.model, request)

    def close(self) -> None:
        self.failure = self.failure or "counting was closed"
        self.model = None


Counting = CountingProcess | CountingHere


def answer(model: CountingModel, request: Request) -> object:
    from rnn_tui.engine.data import evaluated_targets

    match request:
        case CountBaseline(train):
            return model.baseline(evaluated_targets(model.corpus, train))
        case SampleNgram(context, uniforms, temperature, top_k, top_p, min_p):
            return model.sample(list(context), list(uniforms), temperature, top_k, top_p, min_p), model.order
        case ReadPassage(text):
            return model.passage(text)
        case MeasureCopying(texts):  # None until the suffix array is built, when the process is first idle
            return [model.copying(text) for text in texts] if "copies" in vars(model) else None
    raise TypeError(f"not a counting request: {request!r}")


def count_text(text: str, vocab: str, max_order: int) -> CountingModel:
    from rnn_tui.engine.counting import CountingModel
    from rnn_tui.engine.data import Corpus, Vocab

    return CountingModel(Corpus.load(text, vocab=Vocab(vocab)), max_order)


def prepare(model: CountingModel) -> None:
    """Build what later requests need (the suffix array of the copy meters, the word counts)."""
    model.copies, model.word_counts  # noqa: B018


def why_not_counted(exc: Exception) -> str:
    return str(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"


def counting_main(text: str, vocab: str, max_order: int, requests: mp.Queue, replies: mp.Queue) -> None:
    exit_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the app stops us in order
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        model = count_text(text, vocab, max_order)
    except (UserError, MemoryError, ValueError) as exc:
        replies.put((None, None, why_not_counted(exc)))
        return
    prepared = False
    while True:
        try:
            item = requests.get(timeout=IDLE_SECONDS if not prepared else None)
        except queue.Empty:
            prepare(model)
            prepared = True
            continue
        except (EOFError, OSError):
            return
        if item is None:
            return
        number, request = item
        try:
            replies.put((number, answer(model, request), None))
        except UserError as exc:
            replies.put((number, None, str(exc)))
        except Exception as exc:  # one request failed: said, and the process goes on
            replies.put((number, None, f"{type(exc).__name__}: {exc}"))
