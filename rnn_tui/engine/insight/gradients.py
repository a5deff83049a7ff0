"""Gradients through time: why the gated cells exist.

Horizon: on a fixed batch of streams, the norm of the gradient of the last step's loss with
respect to each layer's hidden state k steps earlier, relative to k = 0. Back-propagation through
time multiplies one Jacobian per step; an Elman cell's shrink the signal geometrically, while
the LSTM's and GRU's additive paths let it reach further back.

Connectivity (Madsen, "Visualizing memorization in RNNs", Distill 2019): for one target
character, the norm of the gradient of the model's logit for it with respect to each earlier
input vector, scaled so the largest is 1: which earlier characters the prediction leans on.

Both step the readable cells (the fused kernels hide the intermediate states). A transformer has no
hidden state to take a horizon of; its connectivity is the gradient with respect to the token
embeddings of the window its prediction reads, and nothing before that window pulls at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from rnn_tui.engine.data import Vocab
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.models import CharRNN, Model

NO_HORIZON = "a transformer has no recurrent state, so no gradient horizon: its connectivity shows its window"

HORIZON_STREAMS = 8


@dataclass(frozen=True)
class Horizon:
    relative: np.ndarray  # (layers, seq): |dL/dh_{T-1-k}| / |dL/dh_{T-1}| for k = 0 .. seq-1
    streams: int

    def to_dict(self) -> dict[str, object]:
        return {"streams": self.streams, "seq": self.relative.shape[1],
                "layers": [{"layer": k + 1, "relative_norm": [float(f"{v:.4g}") for v in row]}
                           for k, row in enumerate(self.relative)]}


def horizon_batch(ids: np.ndarray, seq: int, streams: int = HORIZON_STREAMS) -> np.ndarray:
    """`streams` windows of seq + 1 characters spread evenly over `ids` (a fixed validation batch)."""
    if len(ids) < seq + 1:
        raise ValueError(f"{len(ids)} characters are too few for a window of {seq + 1}")
    starts = np.linspace(0, len(ids) - seq - 1, num=streams).astype(int)
    return np.stack([ids[s:s + seq + 1] for s in starts])


def horizon(model: CharRNN, windows: np.ndarray) -> Horizon:
    """The gradient horizon of each layer over (streams, seq + 1) character windows."""
    if not model.recurrent:
        raise UserError(NO_HORIZON)
    model = model.eval()
    device = next(model.parameters()).device
    ids = torch.as_tensor(windows, dtype=torch.long, device=device)
    inputs, target = ids[:, :-1], ids[:, -1]
    state = model.initial_state(len(ids))
    kept: list[list[torch.Tensor]] = []  # per step, per layer: h, kept for its gradient
    with torch.enable_grad():
        for x_t in model.inputs(inputs).unbind(1):
            logits, state, acts = model.step_inputs(x_t, state)
            hs = [layer["h"] for layer in acts]
            for h in hs:
                h.retain_grad()
            kept.append(hs)
        F.cross_entropy(logits, target).backward()
    norms = np.array([[float(h.grad.norm()) if h.grad is not None else 0.0 for h in step] for step in kept])  # (T, L)
    norms = norms[::-1].T  # (L, k): k = 0 is the last step
    with np.errstate(invalid="ignore", divide="ignore"):
        relative = norms / norms[:, :1]
    return Horizon(np.nan_to_num(relative), len(ids))


def connectivity(model: Model, vocab: Vocab, text: str, target: int) -> np.ndarray:
    """(target,) the pull of each earlier character on the model's logit for text[target], peak 1."""
    if not 0 < target < len(text):
        raise ValueError(f"the target must be a character after the first, 1 to {len(text) - 1}, not {target}")
    model = model.eval()
    device = next(model.parameters()).device
    ids = torch.tensor([vocab.encode(text[: target + 1])], device=device)
    start = 0 if model.context is None else max(0, target - model.context)  # a transformer reads its window only
    with torch.enable_grad():
        x = model.inputs(ids[:, start:target]).detach().requires_grad_(True)  # (1, target - start, E)
        logit = target_logit(model, x, int(ids[0, target]))
        logit.backward()
    pull = np.zeros(target, dtype=np.float32)
    pull[start:] = x.grad[0].norm(dim=-1).cpu().numpy()
    peak = pull.max()
    return pull / peak if peak > 0 else pull


def target_logit(model: CharRNN, x: torch.Tensor, index: int) -> torch.Tensor:
    """The logit for character `index` after reading the input vectors x (1, T, E)."""
    if not model.recurrent:  # the window's token embeddings, positions counted from its start
        return model.head(model.hidden(x)[:, -1])[0, index]
    state = model.initial_state(1)
    for x_t in x.unbind(1):
        logits, state, _ = model.step_inputs(x_t, state)
    return logits[0, index]
