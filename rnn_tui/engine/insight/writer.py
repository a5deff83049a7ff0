"""Writing with the model: the user types, the model says how surprised it is by each character
and what it expects next. Every position keeps the state after it, so rewinding costs nothing
and leaves exactly the state that typing the shorter text would have (a test checks)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from rnn_tui.engine.data import Vocab
from rnn_tui.engine.models import CharRNN, State


@dataclass(frozen=True)
class Position:
    char: str
    surprisal_bits: float  # how unexpected this character was
    log_probs: np.ndarray  # (V,) the prediction of the character after it
    activations: list[dict[str, np.ndarray]]  # per layer: quantity -> (H,) after reading it
    state: State


class Writer:
    def __init__(self, model: CharRNN, vocab: Vocab, text: str = ""):
        self.model = model.eval()
        self.vocab = vocab
        self.positions: list[Position] = []
        # Read before the first character, as the sampler does for an empty seed.
        start = "\n" if "\n" in vocab.index else vocab.chars[0]
        self._start = self._read(start, model.initial_state(1), math.nan)
        self.type(text)

    @property
    def text(self) -> str:
        return "".join(p.char for p in self.positions)

    @property
    def current(self) -> Position:
        """The last character typed (or the context before the first)."""
        return self.positions[-1] if self.positions else self._start

    def type(self, text: str) -> None:
        self.vocab.encode(text)  # refuses unknown characters, naming them, before any is typed
        for ch in text:
            previous = self.current
            bits = -previous.log_probs[self.vocab.index[ch]] / math.log(2)
            self.positions.append(self._read(ch, previous.state, float(bits)))

    def back(self, count: int = 1) -> None:
        """Rewind `count` characters: the cached states make this free."""
        del self.positions[max(0, len(self.positions) - count):]

    def top(self, k: int) -> list[tuple[str, float]]:
        """The k likeliest next characters with their probabilities."""
        probs = np.exp(self.current.log_probs)
        return [(self.vocab.chars[i], float(probs[i])) for i in np.argsort(-probs, kind="stable")[:k]]

    def accept(self, rank: int = 0) -> str:
        """Type the rank-th likeliest next character (0: the likeliest) and return it."""
        ch = self.top(rank + 1)[rank][0]
        self.type(ch)
        return ch

    def fork(self) -> Writer:
        """A second writer from this point, sharing the model and the states written so far."""
        other = Writer.__new__(Writer)
        other.model, other.vocab, other._start = self.model, self.vocab, self._start
        other.positions = list(self.positions)
        return other

    def _step(self, ch: str, state: State) -> tuple[torch.Tensor, State, list[dict[str, torch.Tensor]]]:
        device = next(self.model.parameters()).device
        with torch.inference_mode():
            return self.model.step(torch.tensor([self.vocab.index[ch]], device=device), state)

    def _read(self, ch: str, state: State, bits: float) -> Position:
        logits, state, acts = self._step(ch, state)
        log_probs = torch.log_softmax(logits[0].float(), dim=-1).cpu().numpy()
        activations = [{q: v[0].float().cpu().numpy() for q, v in layer.items()} for layer in acts]
        return Position(ch, bits, log_probs, activations, state)
