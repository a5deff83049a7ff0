"""How much of a sample is copied from the training text: Goldberg's point, measured.

A suffix array of the training text (every suffix's start, in sorted order) answers, for any
position of a sample, the longest stretch starting there that occurs verbatim in the text: the
suffix that shares the longest prefix with it sits beside where it would be inserted. The copy
meter is the share of a sample's characters inside such a stretch of `MIN_COPY` or more
characters, and the longest one. Built with prefix doubling in numpy (ranks of 2k-character
prefixes from those of k-character ones), so 4 MB takes seconds, not the minutes of a dict.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

MIN_COPY = 20  # characters: a stretch this long found verbatim is copied, not learned


def suffix_array(ids: np.ndarray) -> np.ndarray:
    """The start of every suffix of `ids`, in the suffixes' sorted order (a shorter prefix first)."""
    n = len(ids)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    rank = np.unique(np.asarray(ids), return_inverse=True)[1].astype(np.int64).ravel()
    k = 1
    while True:
        second = np.full(n, -1, dtype=np.int64)
        second[:-k] = rank[k:] if k < n else second[:0]
        key = rank * (n + 1) + (second + 1)  # (rank of the first k, rank of the next k), as one number
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.concatenate([[0], np.cumsum(sorted_key[1:] != sorted_key[:-1])])
        if rank[order[-1]] == n - 1 or k >= n:  # every suffix has a rank of its own
            return order
        k *= 2


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
        self.order = suffix_array(ids).astype(np.int32)

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
