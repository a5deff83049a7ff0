"""Measures of distributions and texts that need no model (numpy only: the app imports them
before torch is loaded)."""

from __future__ import annotations

import numpy as np

from rnn_tui.engine.events import LN2


def entropy_bits(probs: np.ndarray) -> float:
    """H(p) = -sum_i p_i log2 p_i, over the characters with p_i > 0."""
    p = probs[probs > 0]
    return float(-(p * np.log2(p)).sum())


def bits_per_char(log_prob: float, chars: int) -> float:
    """A text's mean surprisal in bits per character, from its natural-log probability; a certain
    text (greedy's, often) is 0 bits, never -0.0."""
    return max(0.0, -log_prob / LN2 / chars) if chars else 0.0


def distinct_trigrams(text: str) -> float:
    """Distinct 3-grams per 100 characters: low for text that repeats itself, high for wild text."""
    if len(text) < 3:
        return 0.0
    return len({text[i:i + 3] for i in range(len(text) - 2)}) * 100 / len(text)
