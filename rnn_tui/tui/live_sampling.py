"""Continuous sampling from the newest weights on a thread of the UI process.

A `LiveSampler` writes one or more rows side by side (the playground's sampler is one row, the
temperature fan several), with common random numbers: every row draws its character at a
position from one uniform number. Each sample starts from the seed text with the freshest
snapshot, streams its characters at the chosen pace (or at once), and, for the playground,
is then inspected (hidden states per character) for the heatmap. Settings are read before
every character, so a temperature change shows on the next one.

The random seed is the sampler's: held, every sample draws the same numbers, so the same
settings on the same weights write the same text and a change of settings is the only change;
released, each sample draws a new seed. Every message names the run its weights came from, so
the app can drop what an earlier run's model wrote; a sample that fails is reported and the loop
goes on.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from textual.message import Message

from rnn_tui.engine.config import ModelConfig
from rnn_tui.engine.sampling import SampleSettings
from rnn_tui.tui.messages import (
    BeamReady,
    CountedReady,
    FanUpdate,
    InspectionReady,
    SamplerFailed,
    SampleUpdate,
    SweepReady,
)
from rnn_tui.tui.results import Sample, SampleCounts, Weights

SAMPLE_CHARS = 240
CHARS_PER_SECOND = 120.0  # fast enough to watch improve, slow enough to read
POST_EVERY = 0.1  # the text on screen grows ten times a second
RETRY_SECONDS = 2.0  # after a failed sample, unless new weights or settings come first
RECOUNT_SECONDS = 1.0  # a sample the counting process could not yet measure is asked about again this often



class ModelCache:
    """A model built once per architecture and vocabulary, loaded with each snapshot it is given.
    One per thread: loading weights into a model another thread reads would change them mid-text."""

    def __init__(self) -> None:
        self._model: tuple[tuple[ModelConfig, str], Any] | None = None

    def load(self, weights: Weights) -> tuple[Any, Any]:
        """(the model, Vocab) holding `weights`."""
        import torch

        from rnn_tui.engine.data import Vocab
        from rnn_tui.engine.models import model_for_weights

        key = (weights.config, weights.vocab)
        if self._model is None or self._model[0] != key:
            self._model = (key, model_for_weights(weights.config, weights.tensors).eval())
        model = self._model[1]
        model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.tensors.items()})
        return model, Vocab(weights.vocab)


def describe(settings: SampleSettings) -> str:
    """A decoding rule in a few words: "T 0.8 · top-k 5 · min-p 0.05"."""
    if settings.is_greedy:
        return "greedy"
    t = settings.temperature
    parts = [f"T {t:.2f}" if t >= 0.01 else f"T {t:.0e}"]  # 1e-9 is not "T 0.00"
    if settings.top_k:
        parts.append(f"top-k {settings.top_k}")
    if settings.top_p < 1:
        parts.append(f"top-p {settings.top_p:g}")
    if settings.min_p > 0:
        parts.append(f"min-p {settings.min_p:g}")
    return " · ".join(parts)


class LiveSampler:
    """The playground's sampler: after each sample, its hidden states for the heatmap."""

    update_type: type[SampleUpdate] = SampleUpdate

    def __init__(self, rows: list[SampleSettings], post: Callable[[Message], None], random_seed: int | None = None,
                 gap: float = 1.5, length: int = SAMPLE_CHARS, pace: float | None = CHARS_PER_SECOND,
                 count: Callable[[object], object | None] | None = None):
        self.rows = rows  # shared with the UI, which changes them in place
        self.post = post
        self.count = count  # asks the run's counting process (None: no counting)
        self.random_seed = secrets.randbelow(2**31) if random_seed is None else random_seed
        self.hold = True  # the same seed for every sample until rerolled
        self.gap = gap  # seconds between two samples
        self.length = length
        self.pace = pace
        self.seed_text = ""
        self._weights: Weights | None = None
        self._models = ModelCache()
        self._recount: Callable[[], None] | None = None  # the last sample's counting, while it is incomplete
        self._interrupt = threading.Event()  # new weights of another run, a new seed, a stop: start over
        self._running = threading.Event()  # cleared while sampling is paused
        self._running.set()
        self.stopped = threading.Event()

    def set_weights(self, weights: Weights | None) -> None:
        """Newer weights of the same run are picked up by the next sample; another run's at once."""
        previous, self._weights = self._weights, weights
        if weights is None or previous is None or previous.run != weights.run:
            self._interrupt.set()

    def set_seed_text(self, text: str) -> None:
        self.seed_text = text
        self._interrupt.set()

    def restart(self) -> None:
        """Start a new sample now (after a change of settings)."""
        self._interrupt.set()

    def reroll(self) -> int:
        """A new random seed, and a new sample drawn with it."""
        self.random_seed = secrets.randbelow(2**31)
        self.restart()
        return self.random_seed

    def set_running(self, running: bool) -> None:
        """Pause or resume sampling (training goes on either way); a resumed sampler starts over."""
        if running:
            self._running.set()
        else:
            self._running.clear()
        self._interrupt.set()

    @property
    def running(self) -> bool:
        return self._running.is_set()

    def stop(self) -> None:
        self.stopped.set()
        self._running.set()
        self._interrupt.set()

    def run(self) -> None:
        while not self.stopped.is_set():
            weights = self._weights
            if weights is None or not self._running.is_set():
                self._interrupt.wait(0.1)
                self._interrupt.clear()
                continue
            self._interrupt.clear()
            try:
                self._sample(weights)
            except Exception as exc:  # reported, then tried again: the sampler never silently dies
                self.post(SamplerFailed(weights.run, f"{type(exc).__name__}: {exc}"))
                self._interrupt.wait(RETRY_SECONDS)

    def _sample(self, weights: Weights) -> None:
        from rnn_tui.engine.sampling import Sampler

        model, vocab = self._models.load(weights)
        seed_text = self.seed_text
        if vocab.unknown(seed_text):  # the app refuses such seeds; a new vocabulary can still meet one
            seed_text = ""
        if not self.hold:
            self.random_seed = secrets.randbelow(2**31)
        seed, length, pace = self.random_seed, self.length, self.pace
        settings = self.rows  # once: the UI replaces the list when the number of rows changes
        sampler = Sampler(model, vocab, settings, seed=seed)  # reads each row's settings at every character
        rows: list[list[str]] = [[] for _ in settings]
        log_probs = [0.0] * len(settings)
        uniforms: list[float] = []
        last_post, started, newest = 0.0, time.monotonic(), None

        def update(done: bool) -> SampleUpdate:
            probs, shaped = (newest.probs, newest.shaped) if newest is not None else (None, None)
            return self.update_type(Sample(weights.run, weights.vocab, seed_text, tuple("".join(r) for r in rows),
                                           tuple(log_probs), probs, shaped, weights.step, seed, done,
                                           tuple(describe(s) for s in settings)))

        for count, position in enumerate(sampler.generate_rows(seed_text, length), start=1):
            if self._interrupt.is_set():
                return
            for row, sampled in enumerate(position):
                rows[row].append(sampled.char)
                log_probs[row] += sampled.log_prob
            newest = position[0]
            uniforms.append(newest.uniform)
            now = time.monotonic()
            if now - last_post > POST_EVERY:
                self.post(update(done=False))
                last_post = now
            if pace:
                delay = started + count / pace - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
        self.post(update(done=True))
        self.after_sample(model, vocab, weights, seed_text, ["".join(row) for row in rows], uniforms, seed)
        self.rest()

    def rest(self) -> None:
        """Time to read the sample, unless something changes; a sample finished before the counting
        process could measure it (its text still being counted, its suffix array still to be built)
        is asked about again meanwhile, so that its copy meters come even if the sample stays."""
        end = time.monotonic() + self.gap
        while (self._recount is not None and time.monotonic() < end
               and not self._interrupt.wait(min(RECOUNT_SECONDS, end - time.monotonic()))):
            self._recount()
        self._interrupt.wait(max(0.0, end - time.monotonic()))

    def post_counted(self, weights: Weights, vocab: Any, seed_text: str, texts: list[str], uniforms: list[float],
                     seed: int) -> None:
        self._recount = None
        if self.count is None or self._interrupt.is_set():
            return
        counted = self.counted(weights, vocab, seed_text, texts, uniforms, seed)
        self.post(CountedReady(weights.run, self.update_type is FanUpdate, counted))
        if any(texts) and not counted.copies:
            self._recount = lambda: self.post_counted(weights, vocab, seed_text, texts, uniforms, seed)

    def counted(self, weights: Weights, vocab: Any, seed_text: str, texts: list[str], uniforms: list[float],
                seed: int) -> SampleCounts:
        """How much of each row is copied from the training text."""
        from rnn_tui.run.counting import MeasureCopying

        copies = self.count(MeasureCopying(tuple(texts)))
        return SampleCounts(seed, weights.step, tuple(copies or ()))

    def after_sample(self, model: Any, vocab: Any, weights: Weights, seed_text: str, texts: list[str],
                     uniforms: list[float], seed: int) -> None:
        """The sample's hidden states for the heatmap, then how much of it is copied."""
        from rnn_tui.engine.inspection import inspect_text

        text = (seed_text + texts[0])[-self.length - 1:] or "\n"
        self.post(InspectionReady(weights.run, inspect_text(model, vocab, text), weights.step))
        self.post_counted(weights, vocab, seed_text, texts, uniforms, seed)


class LiveFan(LiveSampler):
    """The temperature fan: after each sample, beam search (when on) and the temperature sweep."""

    update_type = FanUpdate

    def __init__(self, *args: Any, beam: int = 0, counting_row: SampleSettings | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.beam = beam  # width; 0: off
        self.counting_row = counting_row  # the playground's decoding rule, which the n-gram row samples with

    def counted(self, weights: Weights, vocab: Any, seed_text: str, texts: list[str], uniforms: list[float],
                seed: int) -> SampleCounts:
        """Copy meters, and the best n-gram's row drawn with the fan's own uniform numbers."""
        from rnn_tui.run.counting import MeasureCopying, SampleNgram

        rule = self.counting_row or self.rows[0]
        written = self.count(SampleNgram(tuple(vocab.encode(seed_text)), tuple(uniforms),
                                         0.0 if rule.is_greedy else rule.temperature, rule.top_k, rule.top_p,
                                         rule.min_p))
        if written is None:
            return super().counted(weights, vocab, seed_text, texts, uniforms, seed)
        (ids, log_prob), order = written
        text = vocab.decode(ids)
        copies = self.count(MeasureCopying((*texts, text))) or ()
        return SampleCounts(seed, weights.step, tuple(copies[:-1]), f"{order}-gram", describe(rule), text, log_prob,
                       copies[-1] if copies else None)
    def after_sample(self, model: Any, vocab: Any, weights: Weights, seed_text: str, texts: list[str],
                     uniforms: list[float], seed: int) -> None:
        """The sweep, the n-gram row and copy meters, then beam search (a wide beam can take minutes)."""
        from rnn_tui.engine.beam import beam_search
        from rnn_tui.engine.sampling import sweep

        length, base, width = len(texts[0]), self.rows[0], self.beam  # read once: the UI may change them
        if length and not self._interrupt.is_set():
            self.post(SweepReady(weights.run, weights.step, sweep(model, vocab, seed_text, length, seed, base=base)))
        self.post_counted(weights, vocab, seed_text, texts, uniforms, seed)
        if width and length and (beam := beam_search(model, vocab, seed_text, length, width,
                                                     stop=self._interrupt.is_set)) is not None:
            self.post(BeamReady(weights.run, weights.step, beam))
