"""The counting baseline: interpolated Kneser-Ney character n-grams (engine/ngram.py)."""

import math
from collections import Counter

import numpy as np
import pytest

from rnn_tui.engine.data import Vocab
from rnn_tui.engine.ngram import NGrams, best_order


@pytest.fixture(scope="module")
def ngrams(corpus) -> NGrams:
    return NGrams(corpus.train, len(corpus.vocab), max_order=6)


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
    model = NGrams(ids, len(vocab), max_order=2)
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
