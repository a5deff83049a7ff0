"""What the model learned, recomputed off the UI thread on the newest weights.

The insight controller asks for a passage to be read (the validation passage, the latest sample,
or the user's own text) while a view that shows it is open; this thread reads it with the
snapshot's weights, runs the analyses the open view names (the registry's entries) and posts
what they found. A new request replaces one not yet started; between two runs it waits
`min_seconds` unless the user changed something, so training keeps the cores. When the user changes
something (another view, another passage) the reading under way is given up at its next pause
(between analyses, and between calls of the long ones): nothing would show it, and it would hold a
core while the screen draws what was asked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.message import Message

from rnn_tui.engine.errors import Abandoned
from rnn_tui.tui.live_sampling import ModelCache
from rnn_tui.tui.messages import InsightFailed, InsightReady
from rnn_tui.tui.results import Insight, InsightRequest

if TYPE_CHECKING:
    from rnn_tui.engine.counting import PassageCounts
    from rnn_tui.engine.inspection import Inspection

MIN_SECONDS = 3.0


class CountsOfPassages:
    """What counting gives a passage, and the passage as the first evaluation read it: asked once
    per passage (and first step), not at every reading."""

    def __init__(self, count: Callable[[object], object | None]):
        self.count = count
        self.passage: tuple[str, PassageCounts] | None = None
        self.first: tuple[tuple[str, int, int], Inspection] | None = None
        self.models = ModelCache()  # for the first evaluation's weights

    def counts(self, passage: str) -> PassageCounts | None:
        from rnn_tui.run.counting import ReadPassage

        if self.passage is None or self.passage[0] != passage:
            counts = self.count(ReadPassage(passage))
            if counts is None:
                return None
            self.passage = (passage, counts)  # type: ignore[assignment]
        return self.passage[1]

    def first_reading(self, request: InsightRequest) -> Inspection | None:
        from rnn_tui.engine.inspection import inspect_text

        if (first := request.first) is None:
            return None
        key = (request.passage, first.run, first.step)
        if self.first is None or self.first[0] != key:
            model, vocab = self.models.load(first)
            self.first = (key, inspect_text(model, vocab, request.passage))
        return self.first[1]


def analyse(request: InsightRequest, models: ModelCache, counts: CountsOfPassages | None = None,
            abandon: Callable[[], bool] | None = None) -> Insight:
    """The passage read with the request's weights and the analyses run on it; `abandon` is asked
    between the steps of the reading, and it raises Abandoned once that turns true."""
    from rnn_tui.engine.insight.registry import Reading, run_all
    from rnn_tui.engine.inspection import inspect_text

    model, vocab = models.load(request.weights)
    inspection = inspect_text(model, vocab, request.passage, abandon=abandon)
    counted = first = None
    if counts is not None and any(analysis.counts for analysis in request.analyses):
        counted = counts.counts(request.passage)
        first = counts.first_reading(request) if counted is not None else None
    reading = Reading(model, inspection, request.questions, counted, first, abandon)
    return Insight(request, inspection, run_all(request.analyses, reading), counted)


class LiveInsight:
    def __init__(self, post: Callable[[Message], None], min_seconds: float = MIN_SECONDS,
                 count: Callable[[object], object | None] | None = None):
        self.post = post
        self.counts = CountsOfPassages(count) if count is not None else None
        self.min_seconds = min_seconds
        self._lock = threading.Lock()  # the pending request and its urgency change together
        self._pending: InsightRequest | None = None
        self._wake = threading.Event()
        self._urgent = threading.Event()  # the user changed something: no waiting
        self._stopped = threading.Event()
        self._models = ModelCache()

    def request(self, request: InsightRequest, now: bool = False) -> None:
        """Read `request` next (replacing one not yet started); `now`: without the pause between runs.
        Taking a request and clearing its urgency happen under one lock, so a request made meanwhile
        keeps its urgency."""
        with self._lock:
            self._pending = request
            if now:
                self._urgent.set()
            self._wake.set()

    def give_up(self) -> None:
        """The reading under way, and the one waiting, are not wanted any more (their view closed)."""
        with self._lock:
            self._pending = None
            self._urgent.set()

    def _take(self) -> InsightRequest | None:
        with self._lock:
            request, self._pending = self._pending, None
            self._urgent.clear()
            self._wake.clear()
            return request

    def stop(self) -> None:
        self._stopped.set()
        self._wake.set()
        self._urgent.set()

    def _unwanted(self) -> bool:
        """The reading under way is not wanted any more: the app is closing, or the user asked for another."""
        return self._stopped.is_set() or self._urgent.is_set()

    def run(self) -> None:
        while not self._stopped.is_set():
            self._wake.wait()
            request = self._take()
            if request is None or self._stopped.is_set():
                continue
            started = time.monotonic()
            try:
                self.post(InsightReady(request.weights.run, analyse(request, self._models, self.counts,
                                                                    self._unwanted)))
            except Abandoned:
                continue  # closing (the loop ends), or a request the user made meanwhile is next
            except Exception as exc:  # reported; the next request tries again
                self.post(InsightFailed(request.weights.run, f"{type(exc).__name__}: {exc}"))
            self._urgent.wait(max(0.0, self.min_seconds - (time.monotonic() - started)))
