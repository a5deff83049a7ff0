"""What counting says about a run's text: the best n-gram as a baseline, its samples, its
probabilities of a passage, and how much of a sample is copied from the training text.

One `CountingModel` per text (and vocabulary); the run layer keeps it in a process of its own
(run/counting.py), `rnn-tui inspect` builds it in place. The n-gram baseline is scored on exactly
the validation characters the network's evaluation scores (`evaluated_targets`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from rnn_tui.engine.copying import CopyIndex, Copying
from rnn_tui.engine.count_cache import counted
from rnn_tui.engine.data import Corpus
from rnn_tui.engine.ngram import COUNTED_CHARS, MAX_ORDER, best_order, counted_note

RARE_WORD = 5  # a word seen fewer times than this in training is rare (KJF's rare-word oracle)
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Baseline:
    """The best n-gram's validation loss, on the characters the network's evaluation scores."""

    order: int
    loss: float  # nats per character
    losses: dict[int, float]  # every order's
    note: str | None = None  # what was counted, when not the whole training text

    @property
    def name(self) -> str:
        return f"{self.order}-gram"

    @property
    def described(self) -> str:
        """'9-gram', or '9-gram (counted on the last 16.0 M of 90.0 M training characters)'."""
        return f"{self.name} ({self.note})" if self.note else self.name


@dataclass(frozen=True)
class PassageCounts:
    """What counting knows about each character of a passage."""

    probs: np.ndarray  # (orders, T): p(text[t] | text[:t]) under the model of each order 1..N
    rare: np.ndarray  # (T,) inside a word seen fewer than RARE_WORD times in training
    best_order: int

    @property
    def best(self) -> np.ndarray:
        return self.probs[self.best_order - 1]


class CountingModel:
    def __init__(self, corpus: Corpus, max_order: int = MAX_ORDER):
        self.corpus = corpus
        self.counted = corpus.train[-COUNTED_CHARS:]  # what counting reads: memory bounds it (ngram.py)
        self.ngrams = counted(self.counted, corpus.vocab.chars, max_order)
        self.order = self.ngrams.max_order  # the best order once a baseline is scored; the highest until then
        self.note = counted_note(len(self.counted), len(corpus.train), self.ngrams.max_order, max_order)

    def baseline(self, targets: np.ndarray) -> Baseline:
        """Every order's loss on the validation characters at `targets` (each with the characters
        before it as context), and the best."""
        losses = self.ngrams.losses(self.corpus.val, self.ngrams.max_order, targets)
        self.order = best_order(losses)
        return Baseline(self.order, losses[self.order], losses, self.note)

    def sample(self, context: np.ndarray, uniforms: list[float], temperature: float,
               top_k: int = 0, top_p: float = 1.0, min_p: float = 0.0) -> tuple[list[int], float]:
        """The best order writes one character per uniform, each drawn as the network's rows draw it
        (the same decoding rule, the same inverse CDF at the same number): common random numbers.
        Also its text's log-probability under itself at T = 1."""
        import torch

        from rnn_tui.engine.sampling import SampleSettings, distribution, draw

        settings = SampleSettings(temperature=temperature, top_k=top_k, top_p=top_p, min_p=min_p)
        history = [int(i) for i in context] or [self.corpus.vocab.index.get("\n", 0)]
        written, log_prob = [], 0.0
        for u in uniforms:
            probs = self.ngrams.distribution(np.array(history[-(self.order - 1):] if self.order > 1 else []),
                                             self.order)
            index = draw(distribution(torch.from_numpy(np.log(probs)), settings), u)
            written.append(index)
            history.append(index)
            log_prob += float(np.log(probs[index]))
        return written, log_prob

    def passage(self, text: str) -> PassageCounts:
        ids = self.corpus.vocab.encode_array(text)
        probs = np.stack(list(self.ngrams.probs(ids, self.ngrams.max_order, np.arange(len(ids)))))
        return PassageCounts(probs, self.rare_characters(text), self.order)

    def rare_characters(self, text: str) -> np.ndarray:
        rare = np.zeros(len(text), dtype=bool)
        for word in WORD.finditer(text):
            if self.word_counts[word.group()] < RARE_WORD:
                rare[word.start():word.end()] = True
        return rare

    @cached_property
    def word_counts(self) -> Counter[str]:
        return Counter(WORD.findall(self.corpus.vocab.decode(self.counted)))

    @cached_property
    def copies(self) -> CopyIndex:
        return CopyIndex(self.counted)

    def copying(self, text: str) -> Copying:
        return self.copies.copying(self.corpus.vocab.encode_array(text))
