"""Continuous sampling from the newest weights on a thread of the UI process.

Each sample starts from the seed with the freshest snapshot, streams its characters at a
readable pace, and is then inspected (hidden states per character) for the heatmap.
Settings are read before every character, so a temperature change shows on the next one.
Every message it posts names the run its weights came from, so the app can drop what an
earlier run's model wrote; a sample that fails is reported and the loop goes on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from textual.message import Message

from rnn_tui.engine.config import ModelConfig
from rnn_tui.engine.sampling import SampleSettings
from rnn_tui.tui.messages import InspectionReady, SamplerFailed, SampleUpdate

SAMPLE_CHARS = 240
CHARS_PER_SECOND = 120.0  # fast enough to watch improve, slow enough to read
POST_EVERY = 0.1  # the text on screen grows ten times a second
RETRY_SECONDS = 2.0  # after a failed sample, unless new weights or settings come first


@dataclass(frozen=True)
class Weights:
    run: int  # the run they belong to (TrainingController.run)
    config: ModelConfig
    vocab: str
    tensors: dict[str, np.ndarray]
    step: int


class ModelCache:
    """A model built once per architecture and vocabulary, loaded with each snapshot it is given.
    One per thread: loading weights into a model another thread reads would change them mid-text."""

    def __init__(self) -> None:
        self._model: tuple[tuple[ModelConfig, str], Any] | None = None

    def load(self, weights: Weights) -> tuple[Any, Any]:
        """(CharRNN, Vocab) holding `weights`."""
        import torch

        from rnn_tui.engine.data import Vocab
        from rnn_tui.engine.models import CharRNN

        key = (weights.config, weights.vocab)
        if self._model is None or self._model[0] != key:
            self._model = (key, CharRNN(weights.config).eval())
        model = self._model[1]
        model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.tensors.items()})
        return model, Vocab(weights.vocab)


class LiveSampler:
    def __init__(self, settings: SampleSettings, post: Callable[[Message], None], seed: int | None = None,
                 pause: float = 1.5, length: int = SAMPLE_CHARS, pace: float | None = CHARS_PER_SECOND):
        self.settings = settings
        self.post = post
        self.seed = seed
        self.pause = pause
        self.length = length
        self.pace = pace
        self.seed_text = ""
        self._weights: Weights | None = None
        self._models = ModelCache()
        self._interrupt = threading.Event()  # new weights of another run, a new seed, a stop: start over
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

    def stop(self) -> None:
        self.stopped.set()
        self._interrupt.set()

    def run(self) -> None:
        while not self.stopped.is_set():
            weights = self._weights
            if weights is None:
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
        from rnn_tui.engine.inspection import inspect_text
        from rnn_tui.engine.sampling import Sampler

        model, vocab = self._models.load(weights)
        seed_text = self.seed_text
        if vocab.unknown(seed_text):  # the app refuses such seeds; a new vocabulary can still meet one
            seed_text = ""
        sampler = Sampler(model, vocab, self.settings, seed=self.seed)  # shares self.settings with the UI
        generated, last_post, started = [], 0.0, time.monotonic()
        probs = None

        def update(done: bool) -> SampleUpdate:
            return SampleUpdate(weights.run, weights.vocab, seed_text, "".join(generated), probs, weights.step, done)

        for sampled in sampler.generate(seed_text, self.length):
            if self._interrupt.is_set():
                return
            generated.append(sampled.char)
            probs = sampled.probs
            now = time.monotonic()
            if now - last_post > POST_EVERY:
                self.post(update(done=False))
                last_post = now
            if self.pace:
                delay = started + len(generated) / self.pace - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
        self.post(update(done=True))
        text = (seed_text + "".join(generated))[-self.length - 1:] or "\n"
        self.post(InspectionReady(weights.run, inspect_text(model, vocab, text), weights.step))
        self._interrupt.wait(self.pause)  # time to read it, unless the seed changes
