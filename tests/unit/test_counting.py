"""What counting says about a run's text: the baseline on the evaluated characters, n-gram samples
on common random numbers, a passage's probabilities and rare words."""

import numpy as np
import pytest
import torch

from rnn_tui.engine import counting as counting_module
from rnn_tui.engine.config import ModelConfig, TrainConfig
from rnn_tui.engine.counting import RARE_WORD, CountingModel
from rnn_tui.engine.data import Streams, evaluated_targets
from rnn_tui.engine.models import CharRNN
from rnn_tui.engine.ngram import NGrams
from rnn_tui.engine.sampling import Sampler, SampleSettings, distribution, draw
from rnn_tui.engine.training import Trainer


@pytest.fixture(scope="module")
def counting(corpus) -> CountingModel:
    return CountingModel(corpus, max_order=6)


def test_the_evaluated_targets_are_the_characters_an_evaluation_scores(corpus):
    cfg = TrainConfig(seq=16, batch=4, eval_batches=3)
    trainer = Trainer(ModelConfig(hidden=8, embed=4), cfg, corpus, "cpu")
    scored = np.concatenate([trainer.val_streams.get(k)[1] for k in range(3)], axis=1).ravel()
    targets = evaluated_targets(corpus, cfg)
    assert len(targets) == 4 * 3 * 16 == len(set(targets.tolist()))
    assert sorted(corpus.val[targets].tolist()) == sorted(scored.tolist())
    streams = Streams(corpus.val, 4, 16)
    assert (corpus.val[streams.targets(1)].reshape(4, 16) == streams.get(0)[1]).all()


def test_the_baseline_is_each_orders_loss_on_those_characters_and_the_best_of_them(corpus, counting):
    cfg = TrainConfig(seq=16, batch=4, eval_batches=2)
    targets = evaluated_targets(corpus, cfg)
    baseline = counting.baseline(targets)
    assert sorted(baseline.losses) == [1, 2, 3, 4, 5, 6]
    for order, loss in baseline.losses.items():
        assert loss == pytest.approx(-counting.ngrams.log_probs(corpus.val, order)[targets].mean())
    assert baseline.loss == min(baseline.losses.values()) == baseline.losses[baseline.order]
    assert baseline.name == f"{baseline.order}-gram"


def test_the_ngram_row_draws_with_the_network_rows_uniforms(corpus, counting):
    """Common random numbers: each n-gram character is the inverse CDF of its (tempered) distribution at
    the uniform the network drew that position with; where both distributions are one, so is the text."""
    counting.baseline(evaluated_targets(corpus, TrainConfig(seq=16, batch=4, eval_batches=2)))
    torch.manual_seed(0)
    model = CharRNN(ModelConfig(vocab_size=len(corpus.vocab), hidden=8, embed=4))
    written = Sampler(model, corpus.vocab, SampleSettings(temperature=0.7), seed=5).generate_rows("the ", 60)
    uniforms = [row[0].uniform for row in written]
    context = corpus.vocab.encode("the ")
    ids, log_prob = counting.sample(context, uniforms, 0.7)
    history = list(context)
    for u, index in zip(uniforms, ids):
        probs = counting.ngrams.distribution(np.array(history[-(counting.order - 1):]), counting.order)
        assert index == draw(distribution(torch.log(torch.from_numpy(probs)), SampleSettings(temperature=0.7)), u)
        history.append(index)
    assert log_prob < 0 and len(ids) == 60


def test_given_the_networks_own_distributions_the_ngram_row_writes_the_networks_text(corpus, counting, monkeypatch):
    """Wherever the two models put a uniform in the same character they write the same one: with
    equal distributions at every position, the rows are equal character for character."""
    torch.manual_seed(1)
    model = CharRNN(ModelConfig(vocab_size=len(corpus.vocab), hidden=8, embed=4))
    settings = SampleSettings(temperature=0.7, top_k=10)
    written = [row[0] for row in Sampler(model, corpus.vocab, settings, seed=9).generate_rows("the ", 80)]
    given = iter([sampled.probs.astype(np.float64) for sampled in written])
    monkeypatch.setattr(counting.ngrams, "distribution", lambda context, order: next(given))
    ids, _ = counting.sample(corpus.vocab.encode("the "), [s.uniform for s in written], 0.7, top_k=10)
    assert ids == [sampled.index for sampled in written]


def test_a_passage_has_every_orders_probability_of_each_character_and_its_rare_words(corpus, counting):
    text = corpus.passage(400)
    counts = counting.passage(text)
    ids = corpus.vocab.encode_array(text)
    assert counts.probs.shape == (6, len(text))
    assert np.allclose(counts.probs[2], np.exp(counting.ngrams.log_probs(ids, 3)))
    words = counting.word_counts
    for start, end in ((m.start(), m.end()) for m in __import__("re").finditer(r"\w+", text)):
        assert counts.rare[start:end].all() == (words[text[start:end]] < RARE_WORD)


def test_a_count_bounded_by_memory_counts_the_last_characters_and_says_so(corpus, monkeypatch):
    monkeypatch.setattr(counting_module, "COUNTED_CHARS", 4000)
    model = CountingModel(corpus, max_order=4)
    assert np.array_equal(model.counted, corpus.train[-4000:])
    targets = evaluated_targets(corpus, TrainConfig(seq=16, batch=4, eval_batches=2))
    baseline = model.baseline(targets)
    alone = NGrams.count(corpus.train[-4000:], len(corpus.vocab), 4)
    assert baseline.losses == alone.losses(corpus.val, 4, targets)
    note = f"counted on the last 4,000 of {len(corpus.train):,} training characters"
    assert baseline.note == note and baseline.described == f"{baseline.name} ({note})"
