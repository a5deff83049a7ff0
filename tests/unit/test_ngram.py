"""The counting baseline: interpolated Kneser-Ney character n-grams (engine/ngram.py)."""

import math
from collections import Counter

import numpy as np
import pytest

from rnn_tui.engine.data import Vocab
from rnn_tui.engine.ngram import NGrams, best_order, counted_note, levels_bytes, prepended_order


@pytest.fixture(scope="module")
def ngrams(corpus) -> NGrams:
    return NGrams.count(corpus.train, len(corpus.vocab), max_order=6)


def test_probabilities_sum_to_one_for_random_contexts_at_every_order(corpus, ngrams):
    rng = np.random.default_rng(0)
    for order in range(1, 7):
        for _ in range(5):
            start = int(rng.integers(0, len(corpus.val) - 10))
            context = corpus.val[start:start + int(rng.integers(0, 9))]
            probs = ngrams.distribution(context, order)
            assert probs.shape == (len(corpus.vocab),) and (probs > 0).all()
            assert probs.sum() == pytest.approx(1.0, abs=1e-9)
        unseen = rng.integers(0, len(corpus.vocab), size=8)  # most likely a context never seen
        assert ngrams.distribution(unseen, order).sum() == pytest.approx(1.0, abs=1e-9)


def test_the_scored_probability_is_the_distributions(corpus, ngrams):
    ids = corpus.val[:40]
    for order in (1, 3, 6):
        scored = np.exp(ngrams.log_probs(ids, order))
        for t in (0, 2, 17, 39):
            assert scored[t] == pytest.approx(ngrams.distribution(ids[:t], order)[ids[t]], rel=1e-12)


def test_order_one_is_the_unigram_cross_entropy_under_the_training_counts(corpus, ngrams):
    counts = np.bincount(corpus.train, minlength=len(corpus.vocab)).astype(float)
    unigram = counts / counts.sum()
    seen = unigram[corpus.val] > 0
    cross_entropy = float(-np.log(unigram[corpus.val[seen]]).mean())
    assert ngrams.loss(corpus.val[seen], 1) == pytest.approx(cross_entropy, abs=0.01)  # the smoothing's effect


def test_a_kneser_ney_value_computed_by_hand():
    text = "abracadabra cadabra!"  # 20 characters
    vocab = Vocab.from_text(text)
    ids = np.array(vocab.encode(text))
    model = NGrams.count(ids, len(vocab), max_order=2)
    bigrams = Counter(zip(text, text[1:]))
    # order 1, continuation counts: how many distinct characters precede each character
    preceding = Counter(b for (_, b) in bigrams)
    n1, n2 = sum(1 for c in preceding.values() if c == 1), sum(1 for c in preceding.values() if c == 2)
    d1, total1 = n1 / (n1 + 2 * n2), sum(preceding.values())
    p1 = (max(preceding["b"] - d1, 0) + d1 * len(preceding) / len(vocab)) / total1
    # order 2, raw counts
    n1, n2 = sum(1 for c in bigrams.values() if c == 1), sum(1 for c in bigrams.values() if c == 2)
    d2 = n1 / (n1 + 2 * n2)
    after_a = {b: c for (a, b), c in bigrams.items() if a == "a"}
    total2 = sum(after_a.values())
    p2 = max(after_a["b"] - d2, 0) / total2 + d2 * len(after_a) / total2 * p1
    got = model.distribution(np.array(vocab.encode("a")), 2)[vocab.encode("b")[0]]
    assert got == pytest.approx(p2, rel=1e-12)
    assert 0 < p2 < 1 and not math.isclose(p2, after_a["b"] / total2)  # smoothed, not the raw share


def test_longer_contexts_count_better_and_the_best_order_is_named(corpus, ngrams):
    losses = {order: ngrams.loss(corpus.val, order) for order in range(1, 7)}
    assert losses[3] < losses[2] < losses[1]
    assert losses[best_order(losses)] == min(losses.values())
    with pytest.raises(ValueError):
        ngrams.loss(corpus.val, 7)



class Reference:
    """Interpolated Kneser-Ney by the module docstring's formula, with counts of tuples: slow, plain."""

    def __init__(self, ids: np.ndarray, vocab_size: int, max_order: int):
        text = tuple(int(i) for i in ids)
        self.vocab_size = vocab_size
        grams = {k: Counter(text[s:s + k] for s in range(len(text) - k + 1)) for k in range(1, max_order + 1)}
        preceded = {k: Counter(g[1:] for g in grams[k + 1]) for k in range(1, max_order)}  # N1+(. g)
        self.levels = {(k, kind): self.level(counts) for kind, table in (("raw", grams), ("continuation", preceded))
                       for k, counts in table.items()}

    @staticmethod
    def level(counts: Counter) -> tuple[dict, float]:
        ones, twos = sum(c == 1 for c in counts.values()), sum(c == 2 for c in counts.values())
        discount = min(max(ones / (ones + 2 * twos) if ones + twos else 0.5, 1e-3), 0.999)
        following: dict[tuple, dict[int, int]] = {}
        for gram, count in counts.items():
            following.setdefault(gram[:-1], {})[gram[-1]] = count
        return following, discount

    def probability(self, history: tuple[int, ...], w: int, order: int) -> float:
        prob = 1.0 / self.vocab_size
        for k in range(1, min(order, len(history) + 1) + 1):
            following, d = self.levels[k, "raw" if k == order else "continuation"]
            after = following.get(history[len(history) - k + 1:] if k > 1 else (), {})
            total = sum(after.values())
            if total:
                prob = max(after.get(w, 0) - d, 0) / total + d * len(after) / total * prob
        return prob


@pytest.mark.parametrize("vocab_size, order", [(5, 4), (41, 13), (256, 9)])
def test_counting_order_by_order_gives_the_formulas_probabilities(vocab_size, order):
    """Small and large vocabularies, orders whose keys are exact and orders past 2^64 whose keys
    roll (from order 12 with 41 characters, 8 with 256). With 256 characters an even base made a
    9-gram's key that of its last 8 characters, and its probabilities no longer summed to one."""
    rng = np.random.default_rng(vocab_size)
    words = [rng.integers(0, vocab_size, int(rng.integers(2, 7))) for _ in range(40)]
    ids = np.concatenate([words[i] for i in rng.integers(0, len(words), 500)])  # repeats at every order
    train, scored = ids[:1500], ids[1500:1640]
    model, reference = NGrams.count(train, vocab_size, order), Reference(train, vocab_size, order)
    history = tuple(int(i) for i in scored)
    for k in range(1, order + 1):
        expected = [reference.probability(history[:t], history[t], k) for t in range(len(scored))]
        assert np.exp(model.log_probs(scored, k)) == pytest.approx(expected, rel=1e-12)
        assert model.distribution(scored[:60], k).sum() == pytest.approx(1.0, abs=1e-9)


def test_the_order_of_longer_grams_is_found_from_the_shorter_ones():
    """Scoring sorts each order's grams from the last order's sort, as `probs` builds its keys: the
    character before a gram put in front of it. A wrong order would still score right, only slower."""
    rng = np.random.default_rng(5)
    base, ids = 7, rng.integers(0, 7, 2_000).astype(np.uint8)  # ties at every order
    t = np.arange(len(ids))
    keys, order = ids.astype(np.uint64), np.argsort(ids, kind="stable")
    for k in range(1, 8):
        ordered = keys[order]
        assert np.all(ordered[1:] >= ordered[:-1]), k
        earlier = ids[np.maximum(t - k, 0)]
        keys = earlier.astype(np.uint64) * np.uint64(base**k) + keys
        order = prepended_order(order, earlier)
    by_last = keys[np.argsort(ids, kind="stable")]
    assert not np.all(by_last[1:] >= by_last[:-1])  # the last character's order alone would not do


@pytest.mark.parametrize("vocab_size", [5, 65, 300])
def test_every_lookup_of_the_scoring_reads_its_keys_in_sorted_order(vocab_size, monkeypatch):
    """Through `probs` itself: every order it passes `lookup` sorts the keys (exact keys up to the
    order that would pass 2^64, derived; rolling ones, argsorted), from the first positions on."""
    from rnn_tui.engine import ngram

    checked = []

    def sorted_lookup(table, keys, order=None):
        if order is not None:
            ordered = keys[order]
            assert np.all(ordered[1:] >= ordered[:-1])
            checked.append(len(keys))
        return lookup(table, keys, order)

    lookup = ngram.lookup
    monkeypatch.setattr(ngram, "lookup", sorted_lookup)
    rng = np.random.default_rng(vocab_size)
    ids = rng.integers(0, vocab_size, 3_000)
    model = NGrams.count(ids[:2_500], vocab_size, 9)
    model.losses(ids[2_500:], 9)
    assert len(checked) >= 9


def test_scoring_some_positions_gives_their_probabilities_and_their_mean(corpus, ngrams):
    at = np.random.default_rng(3).choice(len(corpus.val), 300, replace=False)
    losses = ngrams.losses(corpus.val, 6, at)
    for order in (1, 4, 6):
        every = ngrams.log_probs(corpus.val, order)
        assert np.array_equal(ngrams.log_probs(corpus.val, order, at), every[at])
        assert losses[order] == pytest.approx(-every[at].mean(), rel=1e-12)


def test_orders_stop_before_their_counts_pass_the_memory_given(corpus, ngrams):
    budget = levels_bytes(ngrams.raw[:3], ngrams.continuation[:3])  # what orders 1 to 3, and more, take
    capped = NGrams.count(corpus.train, len(corpus.vocab), max_order=6, budget=budget)
    assert capped.max_order == 3 and levels_bytes(capped.raw, capped.continuation) <= budget
    for order in (1, 3):
        assert np.array_equal(capped.log_probs(corpus.val, order), ngrams.log_probs(corpus.val, order))
    assert counted_note(100, 100, 3, 6) == "orders above 3 left out for memory"
    assert counted_note(16_000_000, 90_000_000, 9, 9) == \
        "counted on the last 16.0 M of 90.0 M training characters"
    assert counted_note(100, 100, 6, 6) is None
