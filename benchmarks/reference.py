"""Plain PyTorch: the char-RNN training loop anyone would write from scratch, as the reference.

nn.Embedding -> nn.LSTM / nn.GRU / nn.RNN -> nn.Linear, Adam, clip_grad_norm_, the text cut into
`batch` contiguous streams read `seq` characters at a time, the hidden state carried from one
batch to the next and detached, and `loss.item()` every step as any loop that logs does.
Nothing here comes from rnn_tui.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

RECURRENT = {"lstm": nn.LSTM, "gru": nn.GRU, "elman": nn.RNN}
VAL_FRACTION = 0.1


class CharModel(nn.Module):
    def __init__(self, cell: str, vocab: int, embed: int, hidden: int, layers: int):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.rnn = RECURRENT[cell](embed, hidden, layers, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, idx: Tensor, state: Tensor | tuple[Tensor, Tensor] | None = None):
        out, state = self.rnn(self.embed(idx), state)
        return self.head(out), state


def encode(text: str) -> tuple[str, Tensor]:
    """The vocabulary (sorted characters) and the text as a tensor of their indices."""
    chars = "".join(sorted(set(text)))
    index = {ch: i for i, ch in enumerate(chars)}
    return chars, torch.tensor([index[ch] for ch in text], dtype=torch.long)


def split(ids: Tensor) -> tuple[Tensor, Tensor]:
    """90/10 into contiguous training and validation parts."""
    cut = len(ids) - max(1, int(len(ids) * VAL_FRACTION))
    return ids[:cut], ids[cut:]


def streams(ids: Tensor, batch: int) -> tuple[Tensor, Tensor]:
    """Inputs and next-character targets as `batch` contiguous rows."""
    per_stream = (len(ids) - 1) // batch
    x = ids[: per_stream * batch].view(batch, per_stream)
    y = ids[1 : per_stream * batch + 1].view(batch, per_stream)
    return x, y


def detach(state: Tensor | tuple[Tensor, ...]) -> Tensor | tuple[Tensor, ...]:
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


class ReferenceLoop:
    """Truncated BPTT over carried state; `step()` is one batch."""

    def __init__(self, text: str, cell: str = "lstm", hidden: int = 128, layers: int = 1, embed: int = 8,
                 seq: int = 100, batch: int = 32, lr: float = 2e-3, clip: float = 5.0, seed: int = 1337):
        torch.manual_seed(seed)
        self.vocab, ids = encode(text)
        self.train_ids, self.val_ids = split(ids)
        self.x, self.y = streams(self.train_ids, batch)
        self.seq, self.clip = seq, clip
        self.steps_per_epoch = self.x.shape[1] // seq
        self.model = CharModel(cell, len(self.vocab), embed, hidden, layers)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=lr)
        self.state = None
        self.k = 0

    def step(self) -> float:
        if self.k == self.steps_per_epoch:  # a new epoch starts every stream at its beginning
            self.k, self.state = 0, None
        cols = slice(self.k * self.seq, (self.k + 1) * self.seq)
        x, y = self.x[:, cols], self.y[:, cols]
        logits, state = self.model(x, self.state)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
        self.optimizer.step()
        self.state = detach(state)
        self.k += 1
        return loss.item()
