"""Character n-grams with interpolated Kneser-Ney smoothing: the counting baseline a char-RNN must beat.

The variant is Chen and Goodman's interpolated Kneser-Ney with one absolute discount per order,
D = n1 / (n1 + 2 n2) from that order's counts of counts. The highest order of a model uses raw
counts; every lower order uses continuation counts (how many distinct characters precede the
n-gram), and each order gives the discounted mass to the one below it, down to a uniform guess
over the vocabulary:

    P_k(w | h) = max(c_k(h w) - D_k, 0) / c_k(h) + D_k N1+(h .) / c_k(h) * P_{k-1}(w | h')

where h' drops h's first character and an unseen context h passes everything down. Counting uses
numpy only: each k-gram is one integer (base V made odd, a 64-bit rolling value past 2^64), counted
one order at a time, the keys of order k made from those of order k - 1: by a count per possible
key while there are few (`COUNTED_BINS`), then by sorting. One count per order gives its raw
counts and, through each gram's last k - 1 characters, the continuation counts of the order below;
so orders 1 to 9 of a 4 MB text take about a second, 26 bytes a character held and 45 at the peak.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from rnn_tui.engine.runs import run_heads

MAX_ORDER = 9
COUNTED_CHARS = 16_000_000  # the last this many training characters are counted: see counted_note
LEVELS_BYTES = 1 << 29  # the counts' memory at most: orders stop before it (see counted_note)
COUNTED_BINS = 1 << 22  # an order with at most this many possible grams is counted by bincount, without a sort
SCORED_AT_ONCE = 1 << 20  # positions scored in one pass of `losses`: its arrays stay a few MB however long the text


def key_base(vocab_size: int) -> int:
    """The base of the gram keys: the vocabulary's size, made odd. Past 2^64 an even base shifts a
    long gram's first characters out of its key (with 256 characters, a 9-gram's key was that of
    its last 8, and its probabilities no longer summed to one); an odd one keeps them all."""
    return vocab_size | 1


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


def extended(keys: np.ndarray, ids: np.ndarray, k: int, base: int) -> np.ndarray:
    """The (k+1)-gram keys from the k-gram keys of the same text: keys[t] * base + ids[t + k]."""
    with np.errstate(over="ignore"):
        longer = keys[:-1] * np.uint64(base)
        longer += ids[k:]
    return longer


def exact(base: int, k: int) -> bool:
    """Whether the k-gram keys are exact (no rolling value wrapped past 2^64)."""
    return base ** k <= 2 ** 64


def lookup(table: np.ndarray, keys: np.ndarray, order: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Where each key is in a sorted table, and whether it is there; `order` sorts the keys, if known."""
    if len(table) == 0:
        return np.zeros(len(keys), dtype=np.int64), np.zeros(len(keys), dtype=bool)
    # searched in sorted order: each search then starts near the last one's place and finds it in
    # cache, about 9x faster than a search from the top for each key on a 16 M-entry table
    order = np.argsort(keys) if order is None else order
    at = np.empty(len(keys), dtype=np.int64)
    at[order] = np.searchsorted(table, keys[order])
    np.clip(at, 0, len(table) - 1, out=at)
    return at, table[at] == keys


def prepended_order(order: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    """The order that sorts the keys earlier * base^k + keys, given the one that sorts `keys` (all below
    base^k): a stable sort by the character put in front keeps the keys' order among equals. With
    ids of a byte or two numpy's stable sort is a radix sort: linear, where a sort of the new keys
    took twice the time of scoring the rest."""
    return order[np.argsort(earlier[order], kind="stable")]


def gather(values: np.ndarray, at: np.ndarray, present: np.ndarray) -> np.ndarray:
    """values[at] where present, else 0."""
    return np.where(present, values[at], 0) if len(values) else np.zeros(len(at))


def distinct_grams(keys: np.ndarray, below: np.ndarray | None, base: int,
                   k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The distinct k-grams of `keys` (one key per position), sorted, with how often each occurs and
    the keys of its first and of its last k - 1 characters. Exact keys give those two by arithmetic;
    rolling ones by where the gram first occurs, in `below`: the (k-1)-gram keys."""
    if exact(base, k):
        grams, counts = distinct_exact(keys, base ** k)
        return grams, counts, grams // np.uint64(base), grams % np.uint64(base ** (k - 1))
    where = np.argsort(keys)
    starts = np.flatnonzero(run_heads(keys, where))
    first = np.minimum.reduceat(where, starts)
    del where
    return keys[first], np.diff(starts, append=len(keys)), below[first], below[first + 1]


def distinct_exact(keys: np.ndarray, possible: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of `keys` (each below `possible`), sorted, and how often each occurs: by a
    count per possible value while there are at most `COUNTED_BINS` (linear), else by a sort."""
    if possible <= COUNTED_BINS:
        every = np.bincount(keys.view(np.int64), minlength=possible)
        values = np.flatnonzero(every)
        return values.astype(np.uint64), every[values]
    ordered = np.sort(keys)
    starts = np.flatnonzero(run_heads(ordered))
    values = ordered[starts]
    del ordered  # before the counts are made: the peak of a large text's counting
    return values, np.diff(starts, append=len(keys))


def discount(counts: np.ndarray) -> float:
    """D = n1 / (n1 + 2 n2), kept inside (0, 1)."""
    n1, n2 = int((counts == 1).sum()), int((counts == 2).sum())
    value = n1 / (n1 + 2 * n2) if n1 + n2 else 0.5
    return min(max(value, 1e-3), 0.999)


@dataclass
class Level:
    """One order's counts, raw or continuation. An order's two levels share its grams and contexts:
    a gram one level does not count has count 0 there, a context it has not seen total 0."""

    grams: np.ndarray  # sorted keys of (h, w): the order's distinct grams
    counts: np.ndarray  # c(h w), raw or continuation
    contexts: np.ndarray  # sorted keys of h: the order below's grams
    totals: np.ndarray  # sum over w of c(h w)
    types: np.ndarray  # N1+(h .): how many w follow h with a count
    discount: float

    @classmethod
    def of(cls, grams: np.ndarray, counts: np.ndarray, contexts: np.ndarray, heads: np.ndarray,
           dtype: np.dtype) -> Level:
        """From an order's grams, each one's count, the order below's grams and where among them
        each gram's context is; counts kept as `dtype`."""
        totals = np.bincount(heads, weights=counts, minlength=len(contexts))
        types = np.bincount(heads, weights=counts > 0, minlength=len(contexts))
        return cls(grams, counts.astype(dtype), contexts, totals.astype(dtype), types.astype(dtype), discount(counts))

    def terms(self, grams: np.ndarray, heads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each (h, w): the discounted share max(c - D, 0) / c(h), and the mass D N1+(h .) / c(h)
        passed down to the order below; an unseen h passes down everything (0, 1)."""
        return self.weights(lookup(self.contexts, heads), lookup(self.grams, grams))

    def weights(self, context: tuple[np.ndarray, np.ndarray],
                gram: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """`terms` given where each h is among the contexts and each (h, w) among the grams."""
        (at, found_context), (j, found) = context, gram
        total = gather(self.totals, at, found_context)
        seen = total > 0
        total = np.where(seen, total, 1.0)
        count = gather(self.counts, j, found).astype(np.float64)
        share = np.where(seen, np.maximum(count - self.discount, 0.0) / total, 0.0)
        passed = np.where(seen, self.discount * gather(self.types, at, seen) / total, 1.0)
        return share, passed


def fit(ids: np.ndarray, base: int, top: int, budget: int) -> tuple[list[Level], list[Level]]:
    """The raw levels of orders 1 to `top` on the text `ids` and the continuation levels below the
    top (a model's top order reads raw counts only), counted one order at a time: the keys of two
    orders, one sort and the levels found so far are held at once. Orders stop before the levels
    would pass `budget` bytes; order 1 is always counted."""
    ids = np.asarray(ids)
    if ids.dtype.kind == "i":  # ids are never negative: unsigned, they extend uint64 keys in place
        ids = ids.view(f"u{ids.itemsize}")
    dtype = np.min_scalar_type(len(ids))  # no count exceeds the text's length
    raw: list[Level] = []
    continuation: list[Level] = []
    orders = [np.zeros(1, dtype=np.uint64)]  # orders[k]: the distinct k-grams, sorted; the empty gram's key is 0
    heads = np.zeros(0, dtype=np.int64)  # where each (k-1)-gram's first k - 2 characters are among orders[k - 2]
    below, keys = None, ids.astype(np.uint64)
    for k in range(1, top + 1):
        grams, counts, prefixes, suffixes = distinct_grams(keys, below, base, k)
        below = None
        if k > 1:
            if levels_bytes(raw, continuation) + added_bytes(grams, orders[k - 1], orders[k - 2], dtype) > budget:
                break
            preceded = np.bincount(np.searchsorted(orders[k - 1], suffixes), minlength=len(orders[k - 1]))
            continuation.append(Level.of(orders[k - 1], preceded, orders[k - 2], heads, dtype))  # N1+(. g)
            del preceded
        del suffixes
        heads = np.searchsorted(orders[k - 1], prefixes)
        raw.append(Level.of(grams, counts, orders[k - 1], heads, dtype))
        orders.append(grams)
        del grams, counts, prefixes
        if k < top:
            below = keys if not exact(base, k + 1) else None
            keys = extended(keys, ids, k, base)
    return raw, continuation


def added_bytes(grams: np.ndarray, below: np.ndarray, further: np.ndarray, dtype: np.dtype) -> int:
    """What order k adds: its raw level (grams, counts, and its contexts' totals and types: one per
    gram `below`) and the continuation level of order k - 1 (counts, and totals and types per gram
    `further` below)."""
    return len(grams) * (8 + dtype.itemsize) + (3 * len(below) + 2 * len(further)) * dtype.itemsize


def levels_bytes(raw: list[Level], continuation: list[Level]) -> int:
    """Memory held by the levels (an order's grams, shared by its two levels, once)."""
    return sum(level.grams.nbytes for level in raw) + sum(
        level.counts.nbytes + level.totals.nbytes + level.types.nbytes for level in (*raw, *continuation))


class NGrams:
    """Orders 1 to `max_order` counted on one training text, for models of any of those orders."""

    def __init__(self, vocab_size: int, raw: list[Level], continuation: list[Level]):
        self.vocab_size, self.max_order = vocab_size, len(raw)
        self.base = key_base(vocab_size)
        self.raw = raw  # raw[k - 1]: counts of k-grams, for a model whose top order is k
        self.continuation = continuation  # continuation[k - 1]: how many characters precede each k-gram, k < max_order

    @classmethod
    def count(cls, train_ids: np.ndarray, vocab_size: int, max_order: int = MAX_ORDER,
              budget: int = LEVELS_BYTES) -> NGrams:
        """Orders 1 to `max_order`, or fewer where their counts would pass `budget` bytes."""
        if not 1 <= max_order <= 20:
            raise ValueError(f"n-gram orders run from 1 to 20, not {max_order}")
        return cls(vocab_size, *fit(train_ids, key_base(vocab_size), max_order, budget))

    def _check(self, order: int) -> None:
        if not 1 <= order <= self.max_order:
            raise ValueError(f"orders run from 1 to {self.max_order}, not {order}")

    def probs(self, ids: np.ndarray, top: int, at: np.ndarray) -> Iterator[np.ndarray]:
        """P(ids[t] | the characters before it in `ids`) for each position t in `at`, under the models
        of orders 1 to `top` in turn. The first characters have shorter contexts: they stop at the
        orders their context allows (with those orders' continuation counts)."""
        ids, at = np.asarray(ids), np.asarray(at, dtype=np.int64)
        b = np.uint64(self.base)
        last = ids[at].astype(np.uint64)
        head = np.zeros(len(at), dtype=np.uint64)  # the key of the k - 1 characters before each position
        power = np.uint64(1)  # base^(k-1), mod 2^64
        lower = np.full(len(at), 1.0 / self.vocab_size)  # P_{k-1}, from continuation counts
        small = np.min_scalar_type(self.vocab_size)  # ids in a byte or two: their stable sort is a radix sort
        order = np.argsort(ids[at].astype(small), kind="stable")  # sorts the 1-grams
        for k in range(1, top + 1):
            reach = at >= k - 1
            with np.errstate(over="ignore"):
                gram = head * b + last
            raw = self.raw[k - 1]
            if not exact(self.base, k):
                order = np.argsort(gram)
            # exact keys: the contexts, gram // base, are in the grams' order too
            context = lookup(raw.contexts, head, order if exact(self.base, k) else None)
            found = lookup(raw.grams, gram, order)  # the same for both levels
            share, passed = raw.weights(context, found)
            yield np.where(reach, share + passed * lower, lower)
            if k == top:
                return
            share, passed = self.continuation[k - 1].weights(context, found)
            lower = np.where(reach, share + passed * lower, lower)
            earlier = ids[np.maximum(at - k, 0)]
            with np.errstate(over="ignore"):
                head = head + earlier.astype(np.uint64) * power
                power = power * b
            if exact(self.base, k + 1):
                order = prepended_order(order, earlier.astype(small))

    def log_probs(self, ids: np.ndarray, order: int, at: np.ndarray | None = None) -> np.ndarray:
        """ln P(ids[t] | the order-1 characters before it in `ids`) for every t of `at` (default: every
        position), under the model whose top order is `order`."""
        self._check(order)
        *_, probs = self.probs(ids, order, np.arange(len(ids)) if at is None else at)
        return np.log(probs)

    def losses(self, ids: np.ndarray, top: int, at: np.ndarray | None = None) -> dict[int, float]:
        """Mean cross-entropy in nats per character of `ids` at `at` (default: every position) under
        the models of orders 1 to `top`."""
        self._check(top)
        size = len(ids) if at is None else len(at)
        sums = np.zeros(top)
        for start in range(0, size, SCORED_AT_ONCE):
            part = np.arange(start, min(start + SCORED_AT_ONCE, size))
            for k, probs in enumerate(self.probs(ids, top, part if at is None else np.asarray(at)[part])):
                sums[k] -= np.log(probs).sum()
        return {k + 1: float(total / size) for k, total in enumerate(sums)}

    def loss(self, ids: np.ndarray, order: int) -> float:
        """Mean cross-entropy in nats per character of `ids` under the order-`order` model."""
        return self.losses(ids, order)[order]

    def distribution(self, context: np.ndarray, order: int) -> np.ndarray:
        """P(w | the last order-1 characters of `context`) for every w of the vocabulary."""
        size, base = self.vocab_size, self.base
        context = np.asarray(context, dtype=np.int64)
        probs = np.full(size, 1.0 / size)
        for k in range(1, min(order, len(context) + 1) + 1):
            level = self.raw[k - 1] if k == order else self.continuation[k - 1]
            prefix = context[len(context) - (k - 1):] if k > 1 else context[:0]
            head = gram_keys(prefix, k - 1, base)[:1]
            with np.errstate(over="ignore"):
                grams = head * np.uint64(base) + np.arange(size, dtype=np.uint64)
            share, passed = level.terms(grams, np.repeat(head, size))
            probs = share + passed * probs
        return probs


def counted_note(counted: int, total: int, orders: int, asked: int) -> str | None:
    """What a count of part of the training text, or of fewer orders than asked, says of itself;
    None for all of them. Both are bounded by memory: COUNTED_CHARS keeps the keys and sorts of one
    order (8 to 40 bytes a character) and LEVELS_BYTES the counts (measured: 30 bytes a character
    for orders 1-9 of `python`, 19 for 16 M characters of Python source) beside the text's own
    arrays, within 1.5 GB for a 100 MB text; a text of many distinct n-grams loses its top orders."""
    parts = [f"counted on the last {millions(counted)} of {millions(total)} training characters"] * (counted < total)
    parts += [f"orders above {orders} left out for memory"] * (orders < asked)
    return "; ".join(parts) or None


def millions(n: int) -> str:
    """16000000 -> '16.0 M'; below a million, 4,000."""
    return f"{n / 1e6:.1f} M" if n >= 1_000_000 else f"{n:,}"


def best_order(losses: dict[int, float]) -> int:
    """The order with the lowest loss (the lower order on a tie)."""
    return min(losses, key=lambda order: (losses[order], order))
