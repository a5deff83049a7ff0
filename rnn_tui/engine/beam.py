"""Beam search: the deterministic decoding that keeps the `width` likeliest continuations.

score(x_1..x_n) = sum_t log p(x_t | seed, x_<t)   (under the model at T = 1)

At each position every kept beam is extended by every character and the `width` best scores
survive; all beams of one search have the same length, so the score per character (the
length-normalised score) ranks them the same way and is reported beside the sum. Width 1 is
greedy decoding. A wider beam can still lose the greedy path on the way (a prefix that scored
better so far can end worse), so the greedy continuation is kept as a candidate too: the result
never scores below greedy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from rnn_tui.engine.data import Vocab
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.models import CharRNN, select_streams
from rnn_tui.engine.sampling import Sample, Sampler


@dataclass(frozen=True)
class Beam(Sample):
    width: int = 1
    greedy_log_prob: float = 0.0  # the greedy continuation's score, to show beside the beam's


def beam_search(model: CharRNN, vocab: Vocab, seed_text: str, length: int, width: int,
                stop: Callable[[], bool] | None = None) -> Beam | None:
    """The best-scoring continuation of `length` characters found with `width` beams, or greedy's;
    None when `stop()` turned true on the way (newer work wants the core: a wide beam over a long
    text takes minutes)."""
    if width < 1:
        raise UserError(f"the beam width must be 1 or more, not {width}")
    greedy = search(model, vocab, seed_text, length, 1, stop)
    found = search(model, vocab, seed_text, length, width, stop) if width > 1 and greedy is not None else greedy
    if found is None or greedy is None:
        return None
    best = found if found.log_prob >= greedy.log_prob else greedy
    return Beam(best.text, best.log_prob, width, greedy.log_prob)


@torch.inference_mode()
def search(model: CharRNN, vocab: Vocab, seed_text: str, length: int, width: int,
           stop: Callable[[], bool] | None = None) -> Beam | None:
    if length < 1:
        return Beam("", 0.0)
    logits, state = Sampler(model, vocab).prime(seed_text)
    logits = logits[None]
    device = logits.device
    scores = torch.zeros(1, device=device)
    paths = torch.empty(1, 0, dtype=torch.long, device=device)
    for _ in range(length):
        if stop is not None and stop():
            return None
        candidates = (scores[:, None] + torch.log_softmax(logits, dim=-1)).reshape(-1)
        scores, flat = torch.topk(candidates, min(width, candidates.numel()))
        beam, char = flat // len(vocab), flat % len(vocab)
        paths = torch.cat([paths[beam], char[:, None]], dim=1)
        logits, state, _ = model.step(char, select_streams(state, beam))
    best = int(torch.argmax(scores))
    return Beam("".join(vocab.chars[i] for i in paths[best].tolist()), float(scores[best]))
