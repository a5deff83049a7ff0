"""How much of a sample is copied from the training text: Goldberg's point, measured.

A suffix array of the training text (every suffix's start, in sorted order) answers, for any
position of a sample, the longest stretch starting there that occurs verbatim in the text: the
suffix that shares the longest prefix with it sits beside where it would be inserted. The copy
meter is the share of a sample's characters inside such a stretch of `MIN_COPY` or more
characters, and the longest one. Built with prefix doubling in numpy (Larsson and Sadakane's:
ranks of 2h-character prefixes from those of h-character ones, each round sorting only the suffixes
that still share their prefix with another), so 4 MB takes seconds, not the minutes of a dict, and
a text's long repeats cost only the rounds of their own suffixes.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

from rnn_tui.engine.runs import run_heads

MIN_COPY = 20  # characters: a stretch this long found verbatim is copied, not learned


def suffix_array(ids: np.ndarray) -> np.ndarray:
    """The start of every suffix of `ids`, in the suffixes' sorted order (a shorter prefix first)."""
    n = len(ids)
    position = np.int32 if n < 2 ** 31 else np.int64
    order = np.empty(n, dtype=position)
    rank = np.empty(n, dtype=position)  # where the group of suffixes sharing a suffix's first h characters starts
    pending = np.arange(n, dtype=position)  # the slots of order whose group holds two suffixes or more
    h = 0
    while len(pending):
        pending = refine(np.asarray(ids), order, rank, pending, h)
        h = max(2 * h, 1)
    return order


def refine(ids: np.ndarray, order: np.ndarray, rank: np.ndarray, pending: np.ndarray, h: int) -> np.ndarray:
    """One round: the suffixes at the `pending` slots of `order` sorted by their first character
    (h = 0) or, within their groups, by the rank of the suffix h characters on; each gets the slot
    where its new group starts as its rank. Returns the slots of the groups still shared."""
    n = len(order)
    if h == 0:
        suffixes, key = pending.copy(), ids
    else:
        suffixes = order[pending]
        ahead = suffixes + h
        beyond = ahead >= n
        np.minimum(ahead, n - 1, out=ahead)
        second = rank[ahead] + 1
        del ahead
        second[beyond] = 0  # nothing there: before any character
        key = rank[suffixes].astype(np.int64)
        key *= n + 1
        key += second
        del second, beyond
    by = np.argsort(key)  # equal keys stay one group, so their order among themselves does not matter
    new = run_heads(key, by)
    del key
    suffixes = suffixes[by]
    del by
    order[pending] = suffixes
    starts = np.where(new, np.arange(len(new), dtype=pending.dtype), 0)
    np.maximum.accumulate(starts, out=starts)
    rank[suffixes] = pending[starts]
    del starts, suffixes
    new[:-1] &= new[1:]  # now: a group of one, which starts here and before the next place
    return pending[~new]


@dataclass(frozen=True)
class Copying:
    """The copy meter of one sample."""

    share: float  # of its characters inside a stretch of MIN_COPY+ found verbatim in the text
    longest: int  # characters of its longest stretch found verbatim
    at: int  # where that stretch starts in the sample

    def describe(self) -> str:
        return f"copied {self.share:.0%}, longest {self.longest}"


class CopyIndex:
    """A text's suffix array, for copy queries of samples written in the same vocabulary."""

    def __init__(self, ids: np.ndarray):
        ids = np.asarray(ids)
        self.width = 1 if ids.max(initial=0) < 256 else 4  # bytes per character; big-endian sorts like numbers
        self.text = ids.astype(">u1" if self.width == 1 else ">u4").tobytes()
        self.order = suffix_array(ids)

    def _bytes(self, ids: np.ndarray) -> bytes:
        return np.asarray(ids).astype(">u1" if self.width == 1 else ">u4").tobytes()

    def _suffix(self, j: int, length: int) -> bytes:
        start = int(self.order[j]) * self.width
        return self.text[start:start + length]

    def longest_match(self, query: bytes) -> int:
        """Characters of the longest prefix of `query` (bytes of this index's width) found in the text."""
        if not query or not len(self.order):
            return 0
        at = bisect.bisect_left(range(len(self.order)), query, key=lambda j: self._suffix(j, len(query)))
        best = 0
        for j in (at - 1, at):
            if 0 <= j < len(self.order):
                best = max(best, common_prefix(query, self._suffix(j, len(query))))
        return best // self.width

    def copying(self, ids: np.ndarray, min_copy: int = MIN_COPY) -> Copying:
        """The copy meter of a sample given as ids."""
        query = self._bytes(ids)
        n = len(ids)
        covered = np.zeros(n, dtype=bool)
        longest, at = 0, 0
        reach = 0  # every position before this is inside a match already found
        for i in range(n):
            if i < reach - min_copy:  # a suffix of a long match: it cannot reach further than it, skip
                continue
            length = self.longest_match(query[i * self.width:])
            if length > longest:
                longest, at = length, i
            if length >= min_copy:
                covered[i:i + length] = True
            reach = max(reach, i + length)
        return Copying(float(covered.mean()) if n else 0.0, longest, at)


def common_prefix(a: bytes, b: bytes) -> int:
    """Bytes the two share at their start."""
    n = min(len(a), len(b))
    if a[:n] == b[:n]:
        return n
    x, y = np.frombuffer(a, np.uint8, n), np.frombuffer(b, np.uint8, n)
    return int(np.argmax(x != y))
