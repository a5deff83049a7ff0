"""The error onion (Karpathy, Johnson and Fei-Fei 2015, section 5): which of the network's errors
simpler explanations account for, peeled one layer at a time.

A character is an error when the network gave it p < 0.5. Each error goes to the first oracle,
in this order, that explains it:

- n-gram: a counting model of some order up to N gives it p >= 0.5;
- dynamic memory: the same character followed the same 5 characters earlier in the passage;
- rare words: it is inside a word seen fewer than 5 times in training;
- word start: it is the first letter of a word;
- punctuation: punctuation or a bracket (the loss breakdown's classes);
- boost: the network's second or third choice was right;

and the errors none explains are "unexplained". As training goes, the layers shrink.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnn_tui.engine.counting import PassageCounts
from rnn_tui.engine.insight.breakdown import char_classes
from rnn_tui.engine.inspection import Inspection

ORACLES = ("n-gram", "dynamic memory", "rare words", "word start", "punctuation", "boost", "unexplained")
ERROR_P = 0.5
MEMORY_CONTEXT = 5


@dataclass(frozen=True)
class Onion:
    layer: np.ndarray  # (T,) index into ORACLES of each error's layer; -1 for a character that is no error
    chars: int  # characters scored (all but the first)

    @property
    def errors(self) -> int:
        return int((self.layer >= 0).sum())

    def counts(self) -> list[int]:
        return [int((self.layer == k).sum()) for k in range(len(ORACLES))]

    def to_dict(self) -> dict[str, object]:
        errors = self.errors
        return {"errors": errors, "chars": self.chars,
                "layers": [{"oracle": name, "count": count, "share": round(count / errors, 4) if errors else 0.0}
                           for name, count in zip(ORACLES, self.counts())]}


def remembered(text: str, context: int = MEMORY_CONTEXT) -> np.ndarray:
    """(T,) whether text[t] followed the same `context` characters somewhere before t."""
    seen: set[str] = set()
    out = np.zeros(len(text), dtype=bool)
    for t in range(context, len(text)):
        key = text[t - context:t + 1]
        out[t] = key in seen
        seen.add(key)
    return out


def network_guesses(inspection: Inspection) -> tuple[np.ndarray, np.ndarray]:
    """(T,) the probability the network gave each character before reading it, and its rank among
    the network's choices (0: the first choice); position 0, which nothing predicts: p = 1."""
    text, index = inspection.text, {ch: i for i, ch in enumerate(inspection.vocab)}
    truth = np.array([index[ch] for ch in text[1:]], dtype=np.int64)
    rows = inspection.log_probs[:-1]
    chosen = rows[np.arange(len(truth)), truth]
    p = np.concatenate([[1.0], np.exp(chosen)])
    rank = np.concatenate([[0], (rows > chosen[:, None]).sum(axis=1)])
    return p, rank


def peel(text: str, p: np.ndarray, rank: np.ndarray, counts: PassageCounts) -> Onion:
    """The onion of a passage from the network's probability and rank of each character
    (`network_guesses`) and what counting knows about it."""
    classes = np.array(char_classes(text))  # the loss breakdown's classes: one meaning of each in the view
    explained = [
        counts.probs.max(axis=0) >= ERROR_P,
        remembered(text),
        counts.rare,
        classes == "word_start",
        (classes == "punctuation") | (classes == "bracket"),
        (rank >= 1) & (rank <= 2),
    ]
    layer = np.full(len(text), -1, dtype=np.int64)
    error = p < ERROR_P
    error[:1] = False  # nothing predicts the first character
    left = error.copy()
    for k, oracle in enumerate(explained):
        mine = left & oracle
        layer[mine] = k
        left &= ~oracle
    layer[left] = len(ORACLES) - 1
    return Onion(layer, max(0, len(text) - 1))


def onion_of(inspection: Inspection, counts: PassageCounts) -> Onion:
    p, rank = network_guesses(inspection)
    return peel(inspection.text, p, rank, counts)
