"""Generating text one character at a time: greedy (argmax) or drawn from a categorical.

q_i = exp(z_i / T) / sum_j exp(z_j / T)   (softmax of the logits z at temperature T)

T -> 0 approaches argmax (T = 0 here means greedy), T = 1 is the model's own distribution,
large T flattens it towards uniform. Top-k keeps the k likeliest characters, top-p the
smallest set whose probability reaches p; both renormalise.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from rnn_tui.engine.data import Vocab
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.models import CharRNN, State

MAX_TEMPERATURE = 100.0


@dataclass
class SampleSettings:
    """Read before every character, so a change takes effect on the next one."""

    temperature: float = 1.0  # 0 means greedy
    greedy: bool = False
    top_k: int = 0  # 0: off
    top_p: float = 1.0  # 1: off

    def validate(self, vocab_size: int) -> SampleSettings:
        t = self.temperature
        if not (isinstance(t, (int, float)) and math.isfinite(t) and 0 <= t <= MAX_TEMPERATURE):
            raise UserError(f"temperature must be a number from 0 to {MAX_TEMPERATURE:g}, not {t}")
        if not (isinstance(self.top_k, int) and 0 <= self.top_k <= vocab_size):
            raise UserError(f"top-k must be a whole number from 0 (off) to the vocabulary size {vocab_size}, "
                            f"not {self.top_k}")
        if not (math.isfinite(self.top_p) and 0 < self.top_p <= 1):
            raise UserError(f"top-p must be in (0, 1], not {self.top_p}")
        return self

    @property
    def is_greedy(self) -> bool:
        return self.greedy or self.temperature == 0


@dataclass(frozen=True)
class SampledChar:
    char: str
    index: int
    probs: np.ndarray  # (V,) the model's next-character distribution at T = 1 before this pick


def distribution(logits: torch.Tensor, settings: SampleSettings) -> torch.Tensor:
    """(V,) logits -> (V,) probabilities to draw from, after temperature, top-k and top-p."""
    probs = torch.softmax(logits / settings.temperature, dim=-1)
    if settings.top_k:
        kth = torch.topk(probs, settings.top_k).values[-1]
        probs = torch.where(probs >= kth, probs, 0.0)
    if settings.top_p < 1:
        sorted_p, order = torch.sort(probs, descending=True)
        before = torch.cumsum(sorted_p, 0) - sorted_p  # mass of the likelier characters
        keep = torch.zeros_like(probs, dtype=torch.bool)
        keep[order] = before < settings.top_p * sorted_p.sum()
        probs = torch.where(keep, probs, 0.0)
    return probs / probs.sum()


class Sampler:
    """Streams characters from a model. Give it its own model (a snapshot) when another thread trains."""

    def __init__(self, model: CharRNN, vocab: Vocab, settings: SampleSettings | None = None, seed: int | None = None):
        self.model = model.eval()
        self.vocab = vocab
        self.settings = (settings or SampleSettings()).validate(len(vocab))
        self.device = next(model.parameters()).device
        self.generator = torch.Generator(device=self.device)
        if seed is None:
            self.generator.seed()
        else:
            self.generator.manual_seed(seed)

    def prime(self, seed_text: str) -> tuple[torch.Tensor, State]:
        """Feed the seed through the model: the logits for the next character and the state.

        An empty seed starts from a newline (or the first character of the vocabulary)."""
        ids = self.vocab.encode(seed_text) or [self.vocab.index.get("\n", 0)]
        state = self.model.initial_state(1)
        with torch.inference_mode():  # the fused kernel reads a long seed fast, and equals the cells
            logits, state = self.model(torch.tensor([ids], device=self.device), state)
        return logits[0, -1], state

    def generate(self, seed_text: str, length: int | None = None) -> Iterator[SampledChar]:
        """Yield `length` characters (forever when None) after priming on `seed_text`."""
        logits, state = self.prime(seed_text)
        count = 0
        while length is None or count < length:
            with torch.inference_mode():
                settings = self.settings
                probs = torch.softmax(logits, dim=-1)
                if settings.is_greedy:
                    index = int(torch.argmax(logits))
                else:
                    index = int(torch.multinomial(distribution(logits, settings), 1, generator=self.generator))
                yield SampledChar(self.vocab.chars[index], index, probs.cpu().numpy())
                step_logits, state, _ = self.model.step(torch.tensor([index], device=self.device), state)
                logits = step_logits[0]
            count += 1

    def text(self, seed_text: str, length: int) -> str:
        return "".join(c.char for c in self.generate(seed_text, length))
