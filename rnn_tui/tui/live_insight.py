"""What the model learned, recomputed off the UI thread on the newest weights.

The insight controller asks for a passage to be read (the validation passage, the latest sample,
or the user's own text) while a view that shows it is open; this thread reads it with the
snapshot's weights, runs the unit finder, saturation, the loss breakdown and (for the factors
view) NMF, and posts the lot. A new request replaces one not yet started; between two runs it
waits `min_seconds` unless the user changed something, so training keeps the cores.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from textual.message import Message

from rnn_tui.tui.live_sampling import ModelCache
from rnn_tui.tui.messages import InsightFailed, InsightReady
from rnn_tui.tui.results import Counting, Insight, InsightRequest

MIN_SECONDS = 3.0



class CountsOfPassages:
    """What counting gives a passage, and the first evaluation's onion of it: asked once per
    passage (and first step), not at every reading."""

    def __init__(self, count: Callable[[object], object | None]):
        self.count = count
        self.passage: tuple[str, object] | None = None
        self.first: tuple[tuple[str, int, int], object] | None = None
        self.models = ModelCache()  # for the first evaluation's weights

    def of(self, request: InsightRequest, inspection: object) -> Counting | None:
        from rnn_tui.engine.insight.edge import edge
        from rnn_tui.engine.insight.onion import network_guesses, onion_of, peel
        from rnn_tui.engine.inspection import inspect_text
        from rnn_tui.run.counting import ReadPassage

        if self.passage is None or self.passage[0] != request.passage:
            counts = self.count(ReadPassage(request.passage))
            if counts is None:
                return None
            self.passage = (request.passage, counts)
        counts = self.passage[1]
        first_onion = None
        if (first := request.first) is not None:
            key = (request.passage, first.run, first.step)
            if self.first is None or self.first[0] != key:
                model, vocab = self.models.load(first)
                self.first = (key, onion_of(inspect_text(model, vocab, request.passage), counts))
            first_onion = (first.step, self.first[1])
        p, rank = network_guesses(inspection)  # once, for the onion and the edge chart
        return Counting(counts, peel(request.passage, p, rank, counts), first_onion,
                        edge(request.passage, p, counts.best))


def analyse(request: InsightRequest, models: ModelCache, counts: CountsOfPassages | None = None) -> Insight:
    from rnn_tui.engine.insight.breakdown import error_breakdown
    from rnn_tui.engine.insight.factors import factorise
    from rnn_tui.engine.insight.features import features_of, regex_feature
    from rnn_tui.engine.insight.gradients import connectivity, horizon, horizon_batch
    from rnn_tui.engine.insight.saturation import saturation
    from rnn_tui.engine.insight.units import finding
    from rnn_tui.engine.inspection import inspect_text

    model, vocab = models.load(request.weights)
    inspection = inspect_text(model, vocab, request.passage)
    features = features_of(request.passage)
    if request.hypothesis is not None:
        features["hypothesis"] = regex_feature(request.passage, request.hypothesis)
    factors = None
    if request.factors is not None and inspection.layers:  # a transformer has no layers of state to factorise
        layer, quantity, k = request.factors
        factors = factorise(inspection.layers[layer][quantity], layer, quantity, k)
    horizon_found = pull = None
    if request.horizon_seq is not None and len(request.passage) > 2 and model.recurrent:  # a transformer: none
        seq = min(request.horizon_seq, len(request.passage) - 1)
        horizon_found = horizon(model, horizon_batch(vocab.encode_array(request.passage), seq))
    if request.target is not None and 0 < request.target < len(request.passage):
        pull = connectivity(model, vocab, request.passage, request.target)
    config = request.weights.config
    counted = counts.of(request, inspection) if request.counts and counts is not None else None
    return Insight(request, inspection, finding(inspection, features),
                   saturation(inspection, config.cell, config.nonlinearity), error_breakdown(inspection), factors,
                   horizon_found, pull, counted)


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

    def run(self) -> None:
        while not self._stopped.is_set():
            self._wake.wait()
            request = self._take()
            if request is None or self._stopped.is_set():
                continue
            started = time.monotonic()
            try:
                self.post(InsightReady(request.weights.run, analyse(request, self._models, self.counts)))
            except Exception as exc:  # reported; the next request tries again
                self.post(InsightFailed(request.weights.run, f"{type(exc).__name__}: {exc}"))
            self._urgent.wait(max(0.0, self.min_seconds - (time.monotonic() - started)))
