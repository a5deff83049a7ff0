"""A small causal transformer, nanoGPT's shape, as a contender beside the recurrent cells.

x_t = E[char_t] + P[t]                      token and learned position embeddings (width H)
x = x + dropout(W_o attention(LN(x)))       causal self-attention, H / 64 heads (at least 1)
x = x + dropout(W_2 gelu(W_1 LN(x)))        an MLP of 4H
logits_t = W_y LN(x_t) + b_y                a final LayerNorm, then the head

It has no recurrent state: each prediction reads at most the last `context` characters (the run's
sequence length, fixed when the model is made: the position embeddings have that many rows), and
nothing from before them. What it carries from one character to the next while it samples is that
window of character ids, (B, W) with W <= context: its "state", so that the sampler, beam search,
the sweep and the Write tab step it as they step a cell. Every prediction past the first `context`
characters of a text reads a full window ending at it, the positions counted from the window's
start, as nanoGPT samples; `forward` over a long text does the same, window by window.

Training reads each window of the run's sequence length from its start, as nanoGPT trains: the
trainer carries no state for it (`recurrent` is False), and evaluation scores the same windows.
"""

from __future__ import annotations

import math
from dataclasses import replace

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnn_tui.engine.config import ModelConfig

HEAD_WIDTH = 64  # a head per this much of the width
WINDOWS_PER_PASS = 256  # long texts: this many sliding windows in one batch


def heads_for(width: int) -> int:
    """A head per HEAD_WIDTH of the width, at least one, and a number that divides it."""
    heads = max(1, width // HEAD_WIDTH)
    while width % heads:
        heads -= 1
    return heads


class Block(nn.Module):
    """A pre-norm block: causal self-attention, then an MLP, each added to the residual stream."""

    def __init__(self, width: int, heads: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.ln_2 = nn.LayerNorm(width)
        self.fc = nn.Linear(width, 4 * width)
        self.out = nn.Linear(4 * width, width)
        self.drop = nn.Dropout(dropout)

    def heads_of(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """(B, T, H) normalised inputs -> q, k, v, each (B, heads, T, H / heads)."""
        B, T, H = x.shape
        return tuple(t.view(B, T, self.heads, H // self.heads).transpose(1, 2)  # type: ignore[return-value]
                     for t in self.qkv(x).split(H, dim=-1))

    def attention(self, x: Tensor) -> Tensor:
        """(B, T, H) normalised inputs -> (B, T, H): each position attends to itself and those before
        (torch's fused kernel; `weights` is the same softmax written out, for the views)."""
        B, T, H = x.shape
        q, k, v = self.heads_of(x)
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=self.drop.p if self.training else 0.0, is_causal=True)
        return y.transpose(1, 2).reshape(B, T, H)

    def weights(self, x: Tensor) -> Tensor:
        """(B, T, H) normalised inputs -> (B, heads, T, T): softmax(q k^T / sqrt(d) + causal mask), row t
        the share of each position's value in position t's output."""
        q, k, _ = self.heads_of(x)
        T = x.shape[1]
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
        later = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
        return scores.masked_fill(later, float("-inf")).softmax(dim=-1)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.drop(self.proj(self.attention(self.ln_1(x))))
        return x + self.drop(self.out(F.gelu(self.fc(self.ln_2(x)))))


class TransformerLM(nn.Module):
    """A small causal transformer (nanoGPT's shape): attention over the last `context` characters, no recurrent state.

    x_t = E[char_t] + P[t]                  token and position embeddings, t from the window's start
    a = x + W_o attention(LN(x))            causal self-attention, a head per 64 of width (at least 1)
    x' = a + W_2 gelu(W_1 LN(a) + b_1) + b_2   an MLP 4 times as wide, in each of `layers` blocks
    logits_t = W_y LN(x_t) + b_y
    attention: softmax(q k^T / sqrt(d) + causal mask) v, per head, with q k v = W_qkv LN(x)
    """

    # The same calls as CharRNN (forward, step, initial_state, inputs); its state is the window of
    # the last character ids.

    recurrent = False  # nothing carried from one training window to the next
    quantities: tuple[str, ...] = ()  # no recurrent state, no gates: the views that read one refuse

    def __init__(self, config: ModelConfig, context: int):
        super().__init__()
        self.config = config.validate()
        if not (isinstance(context, int) and context > 0):
            raise ValueError(f"a transformer's context must be a positive whole number, not {context}")
        V, H, L = config.vocab_size, config.hidden, config.layers
        self.context = context
        self.heads = heads_for(H)
        self.token = nn.Embedding(V, H)
        self.position = nn.Embedding(context, H)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(H, self.heads, config.dropout) for _ in range(L))
        self.ln_f = nn.LayerNorm(H)
        self.head = nn.Linear(H, V)
        self._init_weights()

    def _init_weights(self) -> None:
        """nanoGPT's: N(0, 0.02) for weights and embeddings, zero biases, and the projections into the
        residual stream scaled by 1/sqrt(2L) so that its variance does not grow with depth."""
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, 0.0, 0.02)
            if isinstance(module, nn.Linear) and module.bias is not None:
                nn.init.zeros_(module.bias)
        for block in self.blocks:
            for linear in (block.proj, block.out):
                nn.init.normal_(linear.weight, 0.0, 0.02 / math.sqrt(2 * self.config.layers))

    def set_dropout(self, p: float) -> None:
        self.config = replace(self.config, dropout=p).validate()
        for module in self.modules():
            if isinstance(module, nn.Dropout):
                module.p = p

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def initial_state(self, batch: int) -> tuple[Tensor]:
        """No characters read yet: an empty (B, 0) window."""
        return (torch.zeros(batch, 0, dtype=torch.long, device=self.head.weight.device),)

    def inputs(self, idx: Tensor) -> Tensor:
        """(...,) character ids -> (..., H) token embeddings (positions are added by the window)."""
        return self.token(idx)

    def hidden(self, x: Tensor) -> Tensor:
        """(B, W, H) token embeddings of windows of W <= context characters -> (B, W, H) final states."""
        W = x.shape[1]
        x = self.drop(x + self.position(torch.arange(W, device=x.device)))
        for block in self.blocks:
            x = block(x)
        return self.ln_f(x)

    def window_logits(self, ids: Tensor) -> Tensor:
        """(B, W) ids, W <= context, read from position 0 -> (B, W, V) logits."""
        return self.head(self.hidden(self.inputs(ids)))

    def last_logits(self, ids: Tensor) -> Tensor:
        """(B, W) windows -> (B, V) logits after each window's last character."""
        return self.head(self.hidden(self.inputs(ids))[:, -1])

    def forward(self, idx: Tensor, state: tuple[Tensor, ...] | None = None,
                fused: bool = True) -> tuple[Tensor, tuple[Tensor]]:
        """(B, T) ids after the window `state` -> (B, T, V) logits and the window after the last one.
        Each prediction reads at most `context` characters; within the first `context` of the text
        one pass gives every one, past them each has its own window (`fused` is the recurrent
        models' choice of path; there is only one here)."""
        prefix = state[0] if state else idx.new_zeros(idx.shape[0], 0)
        full = torch.cat([prefix, idx], dim=1)
        start, n, c = prefix.shape[1], full.shape[1], self.context
        if n <= c:
            return self.window_logits(full)[:, start:], (full,)
        parts = [self.window_logits(full[:, :c])[:, start:]] if start < c else []  # those in the first window
        windows = full[:, max(start, c) - c + 1:].unfold(1, c, 1)  # (B, N, c): the window ending at each later one
        B, N = windows.shape[:2]
        flat = windows.reshape(B * N, c)
        lasts = torch.cat([self.last_logits(chunk) for chunk in flat.split(WINDOWS_PER_PASS)])
        parts.append(lasts.view(B, N, -1))
        return torch.cat(parts, dim=1), (full[:, -c:],)

    def step(self, idx: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, tuple[Tensor], list[dict[str, Tensor]]]:
        """One character per stream: (B,) ids -> (B, V) logits, the window ending with them, and no
        activations (a transformer has no recurrent state to show)."""
        window = torch.cat([state[0], idx[:, None]], dim=1)[:, -self.context:]
        return self.last_logits(window), (window,), []
