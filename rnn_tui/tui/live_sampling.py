"""Continuous sampling from the newest weights on a thread of the UI process.

Each sample starts from the seed with the freshest snapshot, streams its characters at a
readable pace, and is then inspected (hidden states per character) for the heatmap.
Settings are read before every character, so a temperature change shows on the next one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from rnn_tui.engine.config import ModelConfig
from rnn_tui.engine.sampling import SampleSettings

SAMPLE_CHARS = 240
CHARS_PER_SECOND = 120.0  # fast enough to watch improve, slow enough to read
POST_EVERY = 0.1  # the text on screen grows ten times a second


class LiveSampler:
    def __init__(self, settings: SampleSettings, on_update: Callable[..., None], on_inspection: Callable[..., None],
                 seed: int | None = None, pause: float = 1.5, length: int = SAMPLE_CHARS,
                 pace: float | None = CHARS_PER_SECOND):
        self.settings = settings
        self.on_update = on_update
        self.on_inspection = on_inspection
        self.seed = seed
        self.pause = pause
        self.length = length
        self.pace = pace
        self.seed_text = ""
        self._weights: tuple[ModelConfig, str, dict[str, np.ndarray], int] | None = None
        self._interrupt = threading.Event()  # a new seed or a stop: end the current sample or pause
        self.stopped = threading.Event()

    def set_weights(self, config: ModelConfig, vocab: str, weights: dict[str, np.ndarray], step: int) -> None:
        self._weights = (config, vocab, weights, step)  # picked up by the next sample

    def set_seed_text(self, text: str) -> None:
        self.seed_text = text
        self._interrupt.set()

    def stop(self) -> None:
        self.stopped.set()
        self._interrupt.set()

    def run(self) -> None:
        import torch

        from rnn_tui.engine.data import Vocab
        from rnn_tui.engine.inspection import inspect_text
        from rnn_tui.engine.models import CharRNN
        from rnn_tui.engine.sampling import Sampler

        model: Any = None
        loaded: tuple | None = None
        while not self.stopped.is_set():
            if self._weights is None:
                self.stopped.wait(0.1)
                continue
            self._interrupt.clear()
            config, vocab_chars, weights, step = self._weights
            if loaded is None or loaded[:2] != (config, vocab_chars):
                model = CharRNN(config).eval()
            model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
            loaded = (config, vocab_chars)
            vocab = Vocab(vocab_chars)
            seed_text = self.seed_text
            if vocab.unknown(seed_text):  # the app refuses such seeds; a new vocabulary can still meet one
                seed_text = ""
            sampler = Sampler(model, vocab, self.settings, seed=self.seed)  # shares self.settings with the UI
            generated, last_post, started = [], 0.0, time.monotonic()
            probs = None
            for sampled in sampler.generate(seed_text, self.length):
                if self._interrupt.is_set():
                    break
                generated.append(sampled.char)
                probs = sampled.probs
                now = time.monotonic()
                if now - last_post > POST_EVERY:
                    self.on_update(seed_text, "".join(generated), probs, step, False)
                    last_post = now
                if self.pace:
                    delay = started + len(generated) / self.pace - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
            else:
                text = "".join(generated)
                self.on_update(seed_text, text, probs, step, True)
                inspection = inspect_text(model, vocab, (seed_text + text)[-self.length - 1:] or "\n")
                self.on_inspection(inspection, step)
                self._interrupt.wait(self.pause)  # time to read it, unless the seed changes
