"""What each head of a transformer attends to when it predicts one character: the weights of its
softmax over the window that prediction reads, taken from the model's own blocks (`Block.weights`,
on the normalised inputs each block received), so they are the weights the prediction used.

A recurrent cell has no such weights: what it knows of earlier characters is in its state, and
connectivity (insight/gradients.py) is the question that both kinds of model answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from rnn_tui.engine.data import Vocab
    from rnn_tui.engine.transformer import TransformerLM

STRONGEST = 3  # positions named per head


@dataclass(frozen=True)
class Attention:
    """Each head's weights over the window that predicts the character at `target`."""

    target: int
    start: int  # the window's first position in the passage; it ends just before `target`
    weights: np.ndarray  # (layers, heads, target - start), each head's row summing to 1

    def strongest(self, layer: int, head: int, count: int = STRONGEST) -> list[int]:
        """The passage positions this head weighs most, heaviest first."""
        order = np.argsort(-self.weights[layer, head], kind="stable")[:count]
        return [self.start + int(k) for k in order]

    def to_dict(self) -> dict[str, object]:
        layers, heads, _ = self.weights.shape
        return {"target": self.target, "window_start": self.start,
                "heads": [{"layer": layer + 1, "head": head + 1,
                           "weights": [round(float(w), 4) for w in self.weights[layer, head]]}
                          for layer in range(layers) for head in range(heads)]}


def attention_at(model: TransformerLM, vocab: Vocab, text: str, target: int) -> Attention:
    """The weights of every head of every layer as the model reads the window before text[target]."""
    if not 0 < target < len(text):
        raise ValueError(f"the target must be a character after the first, 1 to {len(text) - 1}, not {target}")
    start = max(0, target - model.context)
    ids = torch.tensor([vocab.encode(text[start:target])], device=model.head.weight.device)
    normed: list[torch.Tensor] = []  # what each block's attention read: the output of its first LayerNorm
    hooks = [block.ln_1.register_forward_hook(lambda _module, _inputs, out: normed.append(out))
             for block in model.blocks]
    try:
        with torch.no_grad():
            model.eval().window_logits(ids)
            last = torch.stack([block.weights(x)[0, :, -1] for block, x in zip(model.blocks, normed)])
    finally:
        for hook in hooks:
            hook.remove()
    return Attention(target, start, last.float().cpu().numpy())
