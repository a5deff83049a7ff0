"""Generating text one character at a time: greedy (argmax) or drawn from a categorical.

q_i = exp(z_i / T) / sum_j exp(z_j / T)   (softmax of the logits z at temperature T)

T -> 0 approaches argmax (T = 0 here means greedy), T = 1 is the model's own distribution,
large T flattens it towards uniform. Top-k keeps the k likeliest characters, top-p the
smallest set whose probability reaches p, min-p those with q_i >= min_p * max_j q_j; each
renormalises, and they combine.

Every character is drawn by the inverse CDF from one uniform number u per position, from the
sampler's seeded stream: rows sampled together (a temperature fan) share u at each position
(common random numbers), so they differ only because of their settings, and one seed, weights
and settings always give one text.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np
import torch

from rnn_tui.engine.config import check_seed
from rnn_tui.engine.data import Vocab
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.information import bits_per_char, distinct_trigrams
from rnn_tui.engine.models import CharRNN, State, select_streams
from rnn_tui.engine.sampler_fields import check_temperature


@dataclass
class SampleSettings:
    """Read before every character, so a change takes effect on the next one."""

    temperature: float = 1.0  # 0 means greedy
    greedy: bool = False
    top_k: int = 0  # 0: off
    top_p: float = 1.0  # 1: off
    min_p: float = 0.0  # 0: off

    def validate(self, vocab_size: int | None = None) -> SampleSettings:
        """Raise a one-line UserError for a bad setting; top-k is bounded by `vocab_size` when given."""
        check_temperature(self.temperature)
        if not (isinstance(self.top_k, int) and 0 <= self.top_k <= (vocab_size or self.top_k)):
            raise UserError(f"top-k must be a whole number from 0 (off) to the vocabulary size {vocab_size}, "
                            f"not {self.top_k}")
        if not (math.isfinite(self.top_p) and 0 < self.top_p <= 1):
            raise UserError(f"top-p must be in (0, 1], not {self.top_p}")
        if not (math.isfinite(self.min_p) and 0 <= self.min_p <= 1):
            raise UserError(f"min-p must be in [0, 1] (0: off), not {self.min_p}")
        return self

    @property
    def is_greedy(self) -> bool:
        return self.greedy or self.temperature == 0


@dataclass(frozen=True)
class SampledChar:
    char: str
    index: int
    probs: np.ndarray  # (V,) the model's next-character distribution at T = 1 before this pick
    shaped: np.ndarray  # (V,) the distribution it was drawn from: after T, top-k, top-p and min-p
    uniform: float  # the number in [0, 1) it was drawn with (shared by the rows of a fan)

    @property
    def log_prob(self) -> float:
        """ln p of this character under the model (T = 1), floored so a zero is finite."""
        return math.log(max(float(self.probs[self.index]), 1e-45))


def distribution(logits: torch.Tensor, settings: SampleSettings) -> torch.Tensor:
    """(V,) logits -> (V,) probabilities to draw from, after temperature, top-k, top-p and min-p
    (greedy: all the mass on the argmax)."""
    if settings.is_greedy:
        return torch.nn.functional.one_hot(logits.argmax(), logits.shape[-1]).to(logits.dtype)
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
    if settings.min_p > 0:
        probs = torch.where(probs >= settings.min_p * probs.max(), probs, 0.0)
    return probs / probs.sum()


def draw(probs: torch.Tensor, u: float) -> int:
    """The inverse CDF: the first character whose cumulative probability passes u (in [0, 1))."""
    cdf = torch.cumsum(probs, 0)
    return min(int(torch.searchsorted(cdf, u * float(cdf[-1]), right=True)), probs.shape[0] - 1)


class Sampler:
    """Streams characters from a model: one row, or several rows (each with its own settings)
    sampled side by side as one batch with common random numbers. Give it its own model (a
    snapshot) when another thread trains. The settings objects are read before every character."""

    def __init__(self, model: CharRNN, vocab: Vocab, settings: SampleSettings | Sequence[SampleSettings] | None = None,
                 seed: int | None = None):
        self.model = model.eval()
        self.vocab = vocab
        rows = [settings or SampleSettings()] if not isinstance(settings, Sequence) else settings
        self.rows = rows if isinstance(rows, list) else list(rows)  # a list the caller holds stays shared
        for row in self.rows:
            row.validate(len(vocab))
        self.device = next(model.parameters()).device
        self.generator = torch.Generator()  # on the CPU: the same numbers on every device
        self.seed = check_seed(seed) if seed is not None else secrets.randbelow(2**31)
        self.generator.manual_seed(self.seed)

    @property
    def settings(self) -> SampleSettings:
        return self.rows[0]

    @settings.setter
    def settings(self, settings: SampleSettings) -> None:
        self.rows[0] = settings

    def prime(self, seed_text: str) -> tuple[torch.Tensor, State]:
        """Feed the seed through the model: the logits for the next character and the state.

        An empty seed starts from a newline (or the first character of the vocabulary)."""
        ids = self.vocab.encode(seed_text) or [self.vocab.index.get("\n", 0)]
        state = self.model.initial_state(1)
        with torch.inference_mode():  # the fused kernel reads a long seed fast, and equals the cells
            logits, state = self.model(torch.tensor([ids], device=self.device), state)
        return logits[0, -1], state

    def generate_rows(self, seed_text: str, length: int | None = None) -> Iterator[list[SampledChar]]:
        """Yield one character per row at each of `length` positions (forever when None)."""
        first, state = self.prime(seed_text)
        rows = len(self.rows)
        state = select_streams(state, torch.zeros(rows, dtype=torch.long, device=self.device))
        logits = first.expand(rows, -1)
        count = 0
        while length is None or count < length:
            with torch.inference_mode():
                u = float(torch.rand((), generator=self.generator))
                probs = torch.softmax(logits, dim=-1).cpu()
                out = []
                for row, settings in enumerate(self.rows):
                    settings = replace(settings)  # a copy: another thread may change the fields meanwhile
                    shaped = distribution(logits[row].cpu(), settings)
                    index = draw(shaped, u)
                    out.append(SampledChar(self.vocab.chars[index], index, probs[row].numpy(), shaped.numpy(), u))
                yield out
                ids = torch.tensor([c.index for c in out], device=self.device)
                logits, state, _ = self.model.step(ids, state)
            count += 1

    def generate(self, seed_text: str, length: int | None = None) -> Iterator[SampledChar]:
        """Yield `length` characters of the first row (forever when None) after priming on `seed_text`."""
        for row in self.generate_rows(seed_text, length):
            yield row[0]

    def text(self, seed_text: str, length: int) -> str:
        return "".join(c.char for c in self.generate(seed_text, length))

    def texts(self, seed_text: str, length: int) -> list[Sample]:
        """Every row's text and its log-probability under the model (T = 1)."""
        chars: list[list[str]] = [[] for _ in self.rows]
        log_probs = [0.0 for _ in self.rows]
        for position in self.generate_rows(seed_text, length):
            for row, sampled in enumerate(position):
                chars[row].append(sampled.char)
                log_probs[row] += sampled.log_prob
        return [Sample("".join(text), log_prob) for text, log_prob in zip(chars, log_probs)]


@dataclass(frozen=True)
class Sample:
    text: str
    log_prob: float  # natural log, summed over the generated characters, under the model at T = 1

    @property
    def bits_per_char(self) -> float:
        return bits_per_char(self.log_prob, len(self.text))


SWEEP_TEMPERATURES = (0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 1.0, 1.2, 1.5, 2.0)


@dataclass(frozen=True)
class SweepPoint:
    """What one temperature does to samples: their surprisal under the model and their variety."""

    temperature: float
    bits_per_char: float  # mean surprisal of the sample under the model at T = 1
    distinct_trigrams: float  # distinct 3-grams per 100 characters


def sweep(model: CharRNN, vocab: Vocab, seed_text: str, length: int, seed: int,
          temperatures: Sequence[float] = SWEEP_TEMPERATURES, base: SampleSettings | None = None) -> list[SweepPoint]:
    """One sample per temperature, drawn together with common random numbers (top-k, top-p and
    min-p as in `base`), measured: where text turns from repetitive to wild."""
    base = base or SampleSettings()
    rows = [SampleSettings(temperature=t, top_k=base.top_k, top_p=base.top_p, min_p=base.min_p) for t in temperatures]
    samples = Sampler(model, vocab, rows, seed=seed).texts(seed_text, length)
    return [SweepPoint(t, s.bits_per_char, distinct_trigrams(s.text)) for t, s in zip(temperatures, samples)]
