"""Character n-grams with interpolated Kneser-Ney smoothing: the counting baseline a char-RNN must beat.

The variant is Chen and Goodman's interpolated Kneser-Ney with one absolute discount per order,
D = n1 / (n1 + 2 n2) from that order's counts of counts. The highest order of a model uses raw
counts; every lower order uses continuation counts (how many distinct characters precede the
n-gram), and each order gives the discounted mass to the one below it, down to a uniform guess
over the vocabulary:

    P_k(w | h) = max(c_k(h w) - D_k, 0) / c_k(h) + D_k N1+(h .) / c_k(h) * P_{k-1}(w | h')

where h' drops h's first character and an unseen context h passes everything down. Counting uses
numpy only: each k-gram is one integer (base V, or a 64-bit rolling value past 2^64), counted by
sorting, so orders 1 to 9 of a 4 MB text fit in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_ORDER = 9


def gram_keys(ids: np.ndarray, k: int, base: int) -> np.ndarray:
    """One uint64 per k-gram starting at each position: sum of id[t+i] * base^(k-1-i), mod 2^64 (a
    rolling hash once base^k passes 2^64). k = 0: the empty gram, 0, at every position."""
    n = len(ids) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    keys = np.zeros(n, dtype=np.uint64)
    b = np.uint64(base)
    with np.errstate(over="ignore"):
        for i in range(k):
            keys = keys * b + ids[i:i + n].astype(np.uint64)
    return keys


def lookup(table: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each key is in a sorted table, and whether it is there."""
    if len(table) == 0:
        return np.zeros(len(keys), dtype=np.int64), np.zeros(len(keys), dtype=bool)
    at = np.clip(np.searchsorted(table, keys), 0, len(table) - 1)
    return at, table[at] == keys


@dataclass
class Level:
    """One order's counts: sorted n-gram keys with their counts, and per context its total and types."""

    grams: np.ndarray  # sorted unique keys of (h, w)
    counts: np.ndarray  # c(h w), raw or continuation
    contexts: np.ndarray  # sorted unique keys of h
    totals: np.ndarray  # sum over w of c(h w)
    types: np.ndarray  # N1+(h .): how many w follow h
    discount: float

    @classmethod
    def of(cls, grams: np.ndarray, heads: np.ndarray, counts: np.ndarray) -> Level:
        """From unique grams (sorted), the key of each one's context h, and each one's count."""
        contexts, inverse = np.unique(heads, return_inverse=True)
        totals = np.bincount(inverse, weights=counts, minlength=len(contexts))
        types = np.bincount(inverse, minlength=len(contexts))
        n1, n2 = int((counts == 1).sum()), int((counts == 2).sum())
        discount = n1 / (n1 + 2 * n2) if n1 + n2 else 0.5
        return cls(grams, counts, contexts, totals, types, min(max(discount, 1e-3), 0.999))

    def terms(self, grams: np.ndarray, heads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each (h, w): the discounted share max(c - D, 0) / c(h), and the mass D N1+(h .) / c(h)
        passed down to the order below; an unseen h passes down everything (0, 1)."""
        at, seen = lookup(self.contexts, heads)
        j, found = lookup(self.grams, grams)
        total = np.where(seen, self.totals[at] if len(self.totals) else 1.0, 1.0)
        count = np.where(found, self.counts[j] if len(self.counts) else 0, 0).astype(np.float64)
        share = np.where(seen, np.maximum(count - self.discount, 0.0) / total, 0.0)
        passed = np.where(seen, self.discount * (self.types[at] if len(self.types) else 0) / total, 1.0)
        return share, passed


class NGrams:
    """Orders 1 to `max_order` counted on one training text, for models of any of those orders."""

    def __init__(self, train_ids: np.ndarray, vocab_size: int, max_order: int = MAX_ORDER):
        if not 1 <= max_order <= 20:
            raise ValueError(f"n-gram orders run from 1 to 20, not {max_order}")
        self.vocab_size, self.max_order = vocab_size, max_order
        ids = np.asarray(train_ids, dtype=np.int64)
        keys = [gram_keys(ids, k, vocab_size) for k in range(max_order + 2)]  # keys[k][t]: the k-gram at t
        self.raw: list[Level] = []  # raw[k - 1]: counts of k-grams, for a model whose top order is k
        self.continuation: list[Level] = []  # continuation[k - 1]: how many characters precede each k-gram
        for k in range(1, max_order + 1):
            grams, first, counts = np.unique(keys[k], return_index=True, return_counts=True)
            self.raw.append(Level.of(grams, keys[k - 1][first], counts))
            _, longer = np.unique(keys[k + 1], return_index=True)  # each distinct (k+1)-gram once
            tails, tail_first, preceded = np.unique(keys[k][longer + 1], return_index=True, return_counts=True)
            self.continuation.append(Level.of(tails, keys[k - 1][longer + 1][tail_first], preceded))

    def log_probs(self, ids: np.ndarray, order: int) -> np.ndarray:
        """ln P(ids[t] | the order-1 characters before it in `ids`) for every t, under the model whose
        top order is `order`. The first characters have shorter contexts: they stop at the orders
        their context allows (with those orders' continuation counts)."""
        if not 1 <= order <= self.max_order:
            raise ValueError(f"orders run from 1 to {self.max_order}, not {order}")
        ids = np.asarray(ids, dtype=np.int64)
        base = self.vocab_size
        probs = np.full(len(ids), 1.0 / base)
        for k in range(1, order + 1):  # from order 1 up: P_k = share_k + passed_k * P_{k-1}
            level = self.raw[k - 1] if k == order else self.continuation[k - 1]
            grams = gram_keys(ids, k, base)  # the k-gram ending at position k - 1 + index
            share, passed = level.terms(grams, gram_keys(ids, k - 1, base)[: len(grams)])
            probs[k - 1:] = share + passed * probs[k - 1:]
        return np.log(probs)

    def loss(self, ids: np.ndarray, order: int) -> float:
        """Mean cross-entropy in nats per character of `ids` under the order-`order` model."""
        return float(-self.log_probs(ids, order).mean())

    def distribution(self, context: np.ndarray, order: int) -> np.ndarray:
        """P(w | the last order-1 characters of `context`) for every w of the vocabulary."""
        base = self.vocab_size
        context = np.asarray(context, dtype=np.int64)
        probs = np.full(base, 1.0 / base)
        for k in range(1, min(order, len(context) + 1) + 1):
            level = self.raw[k - 1] if k == order else self.continuation[k - 1]
            prefix = context[len(context) - (k - 1):] if k > 1 else context[:0]
            head = gram_keys(prefix, k - 1, base)[:1]
            with np.errstate(over="ignore"):
                grams = head * np.uint64(base) + np.arange(base, dtype=np.uint64)
            share, passed = level.terms(grams, np.repeat(head, base))
            probs = share + passed * probs
        return probs


def best_order(losses: dict[int, float]) -> int:
    """The order with the lowest loss (the lower order on a tie)."""
    return min(losses, key=lambda order: (losses[order], order))
