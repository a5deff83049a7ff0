"""Where the network's edge over counting lies (Karpathy, Johnson and Fei-Fei 2015, section 4.3):
the probability each gives a closing bracket or quote, by how far back its opener is.

An n-gram of order N sees the last N - 1 characters: past that, the opener is out of its sight,
and only a network that carries it in its state can know a closer is due. Brackets pair with
the nearest unmatched opener of their kind; a double quote closes the one before it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BUCKETS = ((1, 5), (6, 10), (11, 20), (21, 50), (51, None))
PAIRS = {")": "(", "]": "[", "}": "{", "”": "“", "»": "«"}
QUOTES = '"'


def closers(text: str) -> list[tuple[int, int]]:
    """(position of each closing bracket or quote, distance back to its opener), in text order;
    a closer with no opener in the text is left out."""
    found: list[tuple[int, int]] = []
    stacks: dict[str, list[int]] = {opener: [] for opener in PAIRS.values()}
    open_quote: dict[str, int | None] = {q: None for q in QUOTES}
    for t, ch in enumerate(text):
        if ch in stacks:
            stacks[ch].append(t)
        elif ch in PAIRS and stacks[PAIRS[ch]]:
            found.append((t, t - stacks[PAIRS[ch]].pop()))
        elif ch in open_quote:
            start = open_quote[ch]
            if start is None:
                open_quote[ch] = t
            else:
                found.append((t, t - start))
                open_quote[ch] = None
    return found


def bucket_label(start: int, end: int | None) -> str:
    """1-5, ..., 51+."""
    return f"{start}+" if end is None else f"{start}-{end}"


BUCKET_LABELS = tuple(bucket_label(start, end) for start, end in BUCKETS)


@dataclass(frozen=True)
class Bucket:
    start: int
    end: int | None  # None: and beyond
    count: int
    network_p: float  # mean probability the network gave the closers of this bucket (NaN: none)
    ngram_p: float

    @property
    def label(self) -> str:
        return bucket_label(self.start, self.end)

    def to_dict(self) -> dict[str, object]:
        def number(x: float) -> float | None:
            return None if np.isnan(x) else round(x, 4)

        return {"from": self.start, "to": self.end, "count": self.count, "network_p": number(self.network_p),
                "ngram_p": number(self.ngram_p)}


def at_distance(found: list[tuple[int, int]], start: int, end: int | None) -> list[int]:
    """The positions of the closers `found` whose opener is `start` to `end` characters back (None: or more)."""
    return [t for t, d in found if d >= start and (end is None or d <= end)]


def edge(text: str, network_p: np.ndarray, ngram_p: np.ndarray) -> list[Bucket]:
    """Per distance bucket: how many closers and the mean probability each model gave them;
    `network_p` and `ngram_p` are (T,) probabilities of each character of `text`."""
    found = closers(text)
    out = []
    for start, end in BUCKETS:
        mine = at_distance(found, start, end)
        out.append(Bucket(start, end, len(mine), float(np.mean(network_p[mine])) if mine else float("nan"),
                          float(np.mean(ngram_p[mine])) if mine else float("nan")))
    return out
