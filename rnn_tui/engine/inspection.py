"""What the network computes at every character: hidden states, gates and surprisal."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from rnn_tui.engine.data import Vocab
from rnn_tui.engine.models import CharRNN


@dataclass(frozen=True)
class Inspection:
    text: str
    layers: list[dict[str, np.ndarray]]  # per layer: quantity ("h", "c", gates) -> (T, units)
    surprisal: np.ndarray  # (T,) -ln p(text[t] | text[:t]) in nats; NaN at t = 0, which nothing predicts

    def quantities(self) -> tuple[str, ...]:
        return tuple(self.layers[0])

    def surprisal_bits(self) -> np.ndarray:
        return self.surprisal / math.log(2)

    def unit_order(self, layer: int, quantity: str) -> np.ndarray:
        return units_by_variance(self.layers[layer][quantity])


def inspect_text(model: CharRNN, vocab: Vocab, text: str) -> Inspection:
    """Run `text` through the model one character at a time and record every activation."""
    if not text:
        raise ValueError("nothing to inspect: the text is empty")
    model = model.eval()
    device = next(model.parameters()).device
    ids = vocab.encode(text)
    state = model.initial_state(1)
    per_layer: list[dict[str, list[np.ndarray]]] = [{q: [] for q in model.quantities} for _ in model.cells]
    surprisal = np.full(len(ids), np.nan)
    with torch.inference_mode():
        for t, index in enumerate(ids):
            logits, state, acts = model.step(torch.tensor([index], device=device), state)
            for record, layer_acts in zip(per_layer, acts):
                for q, value in layer_acts.items():
                    record[q].append(value[0].cpu().numpy())
            if t + 1 < len(ids):
                surprisal[t + 1] = -float(torch.log_softmax(logits[0], dim=-1)[ids[t + 1]])
    layers = [{q: np.stack(values) for q, values in record.items()} for record in per_layer]
    return Inspection(text, layers, surprisal)


def units_by_variance(values: np.ndarray) -> np.ndarray:
    """Unit indices of a (T, units) array, most variable over time first."""
    return np.argsort(-values.var(axis=0), kind="stable")
