"""What the model learned, recomputed off the UI thread on the newest weights.

The insight controller asks for a passage to be read (the validation passage, the latest sample,
or the user's own text) while a view that shows it is open; this thread reads it with the
snapshot's weights, runs the unit finder, saturation, the loss breakdown and (for the factors
view) NMF, and posts the lot. A new request replaces one not yet started; between two runs it
waits `min_seconds` unless the user changed something, so training keeps the cores.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from rnn_tui.tui.live_sampling import ModelCache, Weights
from rnn_tui.tui.messages import InsightFailed, InsightReady

if TYPE_CHECKING:
    import numpy as np

    from rnn_tui.engine.insight.breakdown import ClassLoss
    from rnn_tui.engine.insight.factors import Factors
    from rnn_tui.engine.insight.gradients import Horizon
    from rnn_tui.engine.insight.saturation import Saturation
    from rnn_tui.engine.insight.units import Finding
    from rnn_tui.engine.inspection import Inspection

MIN_SECONDS = 3.0


@dataclass(frozen=True)
class InsightRequest:
    weights: Weights
    passage: str
    source: str  # where the passage came from, in words
    hypothesis: re.Pattern[str] | None = None
    factors: tuple[int, str, int] | None = None  # (layer, quantity, k) while the factors view is open
    horizon_seq: int | None = None  # the gradient horizon over windows this long, while its view is open
    target: int | None = None  # the character whose connectivity is asked for


@dataclass(frozen=True)
class Insight:
    request: InsightRequest
    inspection: Inspection
    finding: Finding
    saturation: list[Saturation]
    breakdown: list[ClassLoss]
    factors: Factors | None
    horizon: Horizon | None = None
    connectivity: np.ndarray | None = None  # (target,) the pull of each earlier character

    @property
    def step(self) -> int:
        return self.request.weights.step


def analyse(request: InsightRequest, models: ModelCache) -> Insight:
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
    if request.factors is not None:
        layer, quantity, k = request.factors
        factors = factorise(inspection.layers[layer][quantity], layer, quantity, k)
    horizon_found = pull = None
    if request.horizon_seq is not None and len(request.passage) > 2:
        seq = min(request.horizon_seq, len(request.passage) - 1)
        horizon_found = horizon(model, horizon_batch(vocab.encode_array(request.passage), seq))
    if request.target is not None and 0 < request.target < len(request.passage):
        pull = connectivity(model, vocab, request.passage, request.target)
    config = request.weights.config
    return Insight(request, inspection, finding(inspection, features),
                   saturation(inspection, config.cell, config.nonlinearity), error_breakdown(inspection), factors,
                   horizon_found, pull)


class LiveInsight:
    def __init__(self, post: Callable[[Message], None], min_seconds: float = MIN_SECONDS):
        self.post = post
        self.min_seconds = min_seconds
        self._pending: InsightRequest | None = None
        self._wake = threading.Event()
        self._urgent = threading.Event()  # the user changed something: no waiting
        self._stopped = threading.Event()
        self._models = ModelCache()

    def request(self, request: InsightRequest, now: bool = False) -> None:
        self._pending = request
        self._wake.set()
        if now:
            self._urgent.set()

    def stop(self) -> None:
        self._stopped.set()
        self._wake.set()
        self._urgent.set()

    def run(self) -> None:
        while not self._stopped.is_set():
            self._wake.wait()
            self._wake.clear()
            request, self._pending = self._pending, None
            if request is None or self._stopped.is_set():
                continue
            started = time.monotonic()
            self._urgent.clear()
            try:
                self.post(InsightReady(request.weights.run, analyse(request, self._models)))
            except Exception as exc:  # reported; the next request tries again
                self.post(InsightFailed(request.weights.run, f"{type(exc).__name__}: {exc}"))
            self._urgent.wait(max(0.0, self.min_seconds - (time.monotonic() - started)))
