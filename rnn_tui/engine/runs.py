"""Runs of equal values in sorted order, found without a sorted copy of the values: counting
n-grams and building a suffix array sort arrays as long as the text, and a copy would be one
more such array at their peak."""

from __future__ import annotations

import numpy as np

CHUNK = 1 << 20  # values compared at a time


def run_heads(values: np.ndarray, by: np.ndarray | None = None) -> np.ndarray:
    """For each place of the sorted order (values[by], or `values` itself when sorted already),
    whether a run of equal values starts there."""
    n = len(values) if by is None else len(by)
    heads = np.empty(n, dtype=bool)
    heads[:1] = True
    for start in range(1, n, CHUNK):
        stop = min(start + CHUNK, n)
        part = values[start - 1:stop] if by is None else values[by[start - 1:stop]]
        np.not_equal(part[1:], part[:-1], out=heads[start:stop])
    return heads
