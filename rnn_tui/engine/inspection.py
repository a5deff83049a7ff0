"""What the network computes at every character: hidden states, gates, predictions and surprisal.

Two paths give the same numbers (a test checks): the readable one steps the cells one character
at a time; the fast one runs each layer's h through torch's fused kernel (the minimal cells: their
parallel scan), then gets every gate at once by calling the readable cell with time as the batch
(given h_{t-1}, the gates at t depend on nothing else), and the LSTM's c by its one elementwise
recurrence. Jordan feeds its output back, so it always steps. The transformer has no recurrent
state: its reading is its predictions alone (no layers), each from the window of up to `context`
characters ending at it, as it samples.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from rnn_tui.engine.data import Vocab
from rnn_tui.engine.errors import give_up_if
from rnn_tui.engine.models import WINDOW_CELLS, Activations, CharRNN, Model, window_sequence


@dataclass(frozen=True)
class Inspection:
    text: str
    vocab: str  # the characters `log_probs` is indexed by
    layers: list[dict[str, np.ndarray]]  # per layer: quantity ("h", "c", gates) -> (T, units); none for a transformer
    log_probs: np.ndarray  # (T, V): ln p(next character | text[:t+1]), the prediction after each character
    surprisal: np.ndarray  # (T,) -ln p(text[t] | text[:t]) in nats; NaN at t = 0, which nothing predicts

    def quantities(self) -> tuple[str, ...]:
        return tuple(self.layers[0]) if self.layers else ()

    def surprisal_bits(self) -> np.ndarray:
        return self.surprisal / math.log(2)

    def unit_order(self, layer: int, quantity: str) -> np.ndarray:
        return units_by_variance(self.layers[layer][quantity])

    def predictions(self, t: int, k: int) -> list[tuple[str, float]]:
        """The k likeliest characters to follow text[t], with their probabilities."""
        probs = np.exp(self.log_probs[t])
        return [(self.vocab[i], float(probs[i])) for i in np.argsort(-probs, kind="stable")[:k]]


def inspect_text(model: Model, vocab: Vocab, text: str, fused: bool = True,
                 abandon: Callable[[], bool] | None = None) -> Inspection:
    """Run `text` through the model and record every activation and prediction. A transformer's
    reading (a window per character: seconds for a long passage) asks `abandon()` between batches
    of characters and raises Abandoned when it turns true."""
    if not text:
        raise ValueError("nothing to inspect: the text is empty")
    model = model.eval()
    device = next(model.parameters()).device
    ids = torch.tensor(vocab.encode(text), device=device)
    with torch.inference_mode():
        if not model.recurrent:
            logits, acts = _window_by_window(model, ids, abandon), []
        elif fused and model.config.cell in WINDOW_CELLS:
            logits, acts = _layer_by_layer(model, ids)
        else:
            logits, acts = _step_by_step(model, ids)
        log_probs = torch.log_softmax(logits.float(), dim=-1)
        surprisal = torch.full((len(ids),), math.nan, device=device)
        surprisal[1:] = -log_probs[:-1].gather(1, ids[1:, None])[:, 0]
    layers = [{q: v.float().cpu().numpy() for q, v in layer.items()} for layer in acts]
    return Inspection(text, vocab.chars, layers, log_probs.cpu().numpy(), surprisal.cpu().numpy())


def _window_by_window(model: Model, ids: Tensor, abandon: Callable[[], bool] | None) -> Tensor:
    """A transformer's logits for every character, WINDOWS_PER_PASS characters a call, each call
    carrying on from the last one's window (the same windows as one call over the whole text)."""
    from rnn_tui.engine.transformer import WINDOWS_PER_PASS

    state, parts = None, []
    for chunk in ids.split(WINDOWS_PER_PASS):
        give_up_if(abandon)
        logits, state = model(chunk[None], state)
        parts.append(logits[0])
    return torch.cat(parts)


def _step_by_step(model: CharRNN, ids: Tensor) -> tuple[Tensor, list[Activations]]:
    state = model.initial_state(1)
    logits, per_step = [], []
    for index in ids:
        step_logits, state, acts = model.step(index[None], state)
        logits.append(step_logits[0])
        per_step.append(acts)
    layers = [{q: torch.cat([acts[k][q] for acts in per_step]) for q in per_step[0][k]}
              for k in range(len(model.cells))]
    return torch.stack(logits), layers


def _layer_by_layer(model: CharRNN, ids: Tensor) -> tuple[Tensor, list[Activations]]:
    x = model.inputs(ids)  # (T, E)
    layers = []
    for k, cell in enumerate(model.cells):
        zeros = x.new_zeros(1, 1, cell.hidden_size)
        state = (zeros, zeros) if model.config.cell == "lstm" else (zeros,)
        h, _ = window_sequence(model, x[None], state, layer=k)
        h_prev = torch.cat([zeros[0], h[0, :-1]])  # (T, H): the state each step starts from
        if model.config.cell == "lstm":
            _, acts = cell(x, (h_prev, torch.zeros_like(h_prev)))  # every gate is right; c and h need c_{t-1}
            c = torch.from_numpy(_cell_recurrence(acts["f"], acts["i"] * acts["g"])).to(h_prev.device)
            acts = {**acts, "c": c, "h": acts["o"] * torch.tanh(c)}
        else:
            _, acts = cell(x, (h_prev,))
        layers.append(acts)
        x = acts["h"]
    return model.head(x), layers


def _cell_recurrence(f: Tensor, ig: Tensor) -> np.ndarray:
    """c_t = f_t * c_{t-1} + (i * g)_t from c_{-1} = 0, in numpy: a quarter of the time of torch's
    per-call overhead for 3,000 small steps."""
    f_np, ig_np = f.float().cpu().numpy(), ig.float().cpu().numpy()
    c = np.empty_like(ig_np)
    c_t = np.zeros_like(ig_np[0])
    for t in range(len(c)):
        c_t = f_np[t] * c_t + ig_np[t]
        c[t] = c_t
    return c


def units_by_variance(values: np.ndarray) -> np.ndarray:
    """Unit indices of a (T, units) array, most variable over time first."""
    return np.argsort(-values.var(axis=0), kind="stable")
