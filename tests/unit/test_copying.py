"""The copy meter: how much of a sample is found verbatim in the training text (a suffix array)."""

import numpy as np

from rnn_tui.engine.copying import MIN_COPY, CopyIndex, suffix_array


def test_the_suffix_array_sorts_every_suffix():
    rng = np.random.default_rng(1)
    for ids in (rng.integers(0, 3, 500), np.zeros(64, dtype=np.int64), rng.integers(0, 300, 200)):
        order = suffix_array(ids)
        as_lists = [list(ids[i:]) for i in order]
        assert sorted(order.tolist()) == list(range(len(ids)))
        assert as_lists == sorted(as_lists)


def test_a_sample_copied_from_the_text_is_all_copied_and_a_random_one_not_at_all(corpus):
    index = CopyIndex(corpus.train)
    copied = corpus.train[1000:1240]
    found = index.copying(copied)
    assert (found.share, found.longest, found.at) == (1.0, 240, 0)
    rng = np.random.default_rng(0)
    random = rng.integers(0, len(corpus.vocab), 240)
    found = index.copying(random)
    assert found.share == 0.0 and found.longest < MIN_COPY


def test_a_copied_stretch_inside_a_sample_is_measured_where_it_is(corpus):
    index = CopyIndex(corpus.train)
    rng = np.random.default_rng(2)
    noise = rng.integers(0, len(corpus.vocab), 40)
    stretch = corpus.train[3000:3030]
    sample = np.concatenate([noise, stretch, noise])
    found = index.copying(sample)
    assert found.longest >= 30 and 40 - 3 <= found.at <= 40  # a few noise characters may happen to match too
    assert found.longest == index.longest_match(index._bytes(sample[found.at:]))
    assert 30 / 110 <= found.share <= 40 / 110
