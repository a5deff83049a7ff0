"""Decoding rules: common random numbers across a temperature fan, min-p, top-p, beam search,
and the log-probability each sample reports."""

import itertools
import math

import pytest
import torch

from rnn_tui.engine.beam import beam_search
from rnn_tui.engine.config import ModelConfig
from rnn_tui.engine.data import Vocab
from rnn_tui.engine.information import bits_per_char, distinct_trigrams
from rnn_tui.engine.models import CharRNN
from rnn_tui.engine.sampling import Sampler, SampleSettings, draw, sweep

from .helpers import tiny_trainer


@pytest.fixture(scope="module")
def trained(small_text):
    torch.set_num_threads(1)
    trainer = tiny_trainer(small_text)
    for _ in range(120):
        trainer.train_step()
    return trainer.snapshot_model(), trainer.corpus.vocab


def rows(*temperatures: float, **settings) -> list[SampleSettings]:
    return [SampleSettings(temperature=t, **settings) for t in temperatures]


def test_two_rows_at_one_temperature_are_identical(trained):
    model, vocab = trained
    a, b, other = Sampler(model, vocab, rows(0.8, 0.8, 1.3), seed=5).texts("# ", 120)
    assert a == b and a.text != other.text
    assert a.text == Sampler(model, vocab, rows(0.8), seed=5).text("# ", 120)  # a row alone: the same text


def test_rows_draw_from_one_uniform_number_per_position(trained):
    model, vocab = trained
    shared_positions = 0
    for position in Sampler(model, vocab, rows(0.5, 1.5), seed=2).generate_rows("x = ", 200):
        cold, hot = position
        assert cold.uniform == hot.uniform
        for sampled in position:  # each row's character is its own distribution's inverse CDF at u
            assert sampled.index == draw(torch.from_numpy(sampled.shaped), sampled.uniform)
        same_draw = draw(torch.from_numpy(cold.shaped), cold.uniform) == draw(torch.from_numpy(hot.shaped), hot.uniform)
        assert (cold.char == hot.char) == same_draw
        shared_positions += same_draw
    assert 0 < shared_positions < 200
    other_seed = [p[0].uniform for p in Sampler(model, vocab, rows(0.5), seed=3).generate_rows("x = ", 5)]
    assert other_seed != [p[0].uniform for p in Sampler(model, vocab, rows(0.5), seed=2).generate_rows("x = ", 5)]


@pytest.mark.parametrize("rule", [dict(top_p=1e-6), dict(min_p=1.0)])
def test_a_rule_that_keeps_only_the_likeliest_character_is_greedy(trained, rule):
    model, vocab = trained
    greedy = Sampler(model, vocab, SampleSettings(greedy=True)).text("def ", 80)
    for seed in (0, 1):
        assert Sampler(model, vocab, SampleSettings(temperature=1.5, **rule), seed=seed).text("def ", 80) == greedy


def test_min_p_keeps_the_characters_within_a_fraction_of_the_likeliest(trained):
    model, vocab = trained
    sampled = next(Sampler(model, vocab, SampleSettings(min_p=0.1), seed=0).generate("# "))
    kept = sampled.shaped > 0
    assert (kept == (sampled.probs >= 0.1 * sampled.probs.max())).all()  # at T = 1 the shaped p is the model's
    assert abs(sampled.shaped.sum() - 1) < 1e-5


def score(model: CharRNN, vocab: Vocab, seed_text: str, text: str) -> float:
    """log p(text | seed) by teacher forcing with the fused forward pass."""
    ids = vocab.encode(seed_text + text)
    with torch.inference_mode():
        logits, _ = model(torch.tensor([ids]))
    log_probs = torch.log_softmax(logits[0], dim=-1)
    start = len(seed_text)
    return float(sum(log_probs[t - 1, ids[t]] for t in range(start, len(ids))))


def test_a_sample_reports_its_log_probability_under_the_model(trained):
    model, vocab = trained
    for sample in Sampler(model, vocab, rows(0.7, 1.2), seed=4).texts("# ", 60):
        assert sample.log_prob == pytest.approx(score(model, vocab, "# ", sample.text), abs=1e-3)
        assert sample.bits_per_char == pytest.approx(-sample.log_prob / math.log(2) / 60)


@pytest.mark.parametrize("cell", ["lstm", "gru", "jordan", "elman"])
def test_beam_search_scores_at_least_greedy(trained, cell, small_text):
    torch.manual_seed(0)
    model, vocab = trained if cell == "lstm" else (CharRNN(ModelConfig(cell=cell, hidden=24, embed=8,
                                                                       vocab_size=len(trained[1]))).eval(), trained[1])
    for seed_text in ("# ", "x", "def f("):
        greedy = Sampler(model, vocab, SampleSettings(greedy=True)).texts(seed_text, 30)[0]
        found = beam_search(model, vocab, seed_text, 30, 4)
        assert found.log_prob >= greedy.log_prob - 1e-4 and len(found.text) == 30
        assert found.log_prob == pytest.approx(score(model, vocab, seed_text, found.text), abs=1e-3)
    greedy = Sampler(model, vocab, SampleSettings(greedy=True)).text("# ", 30)
    assert beam_search(model, vocab, "# ", 30, 1).text == greedy


@pytest.mark.parametrize("cell, seed, scale", [("lstm", 15, 1), ("jordan", 0, 2)])  # models where greedy is wrong
def test_a_wide_enough_beam_finds_the_exhaustive_best(cell, seed, scale):
    torch.manual_seed(seed)
    vocab, length = Vocab("abc"), 4
    model = CharRNN(ModelConfig(cell=cell, hidden=6, embed=0, vocab_size=3)).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(scale)
    best = max(("".join(t) for t in itertools.product("abc", repeat=length)), key=lambda t: score(model, vocab, "a", t))
    found = beam_search(model, vocab, "a", length, 3 ** (length - 1))  # wide enough to keep every prefix
    assert found.text == best and found.log_prob == pytest.approx(score(model, vocab, "a", best), abs=1e-5)
    greedy = beam_search(model, vocab, "a", length, 1)
    if greedy.text != best:  # on these weights (here, on this CPU) greedy misses the best sequence
        assert greedy.log_prob < found.log_prob


def test_a_certain_text_is_zero_bits_never_negative_zero():
    for log_prob in (0.0, -0.0, 1e-12):  # greedy on a model sure of every character; rounding above 0
        bits = bits_per_char(log_prob, 40)
        assert bits == 0.0 and math.copysign(1.0, bits) == 1.0 and f"{bits:.2f}" == "0.00"
    assert bits_per_char(-math.log(2) * 40, 40) == pytest.approx(1.0)


def test_distinct_trigrams_count_variety_per_hundred_characters():
    assert distinct_trigrams("abababababab") == pytest.approx(2 * 100 / 12)  # "aba" and "bab"
    assert distinct_trigrams("abcdefghij") == pytest.approx(8 * 100 / 10)
    assert distinct_trigrams("ab") == 0


def test_the_sweep_measures_each_temperature_with_one_draw_of_random_numbers(trained):
    model, vocab = trained
    points = sweep(model, vocab, "# ", 150, seed=1, temperatures=(0.2, 1.0, 2.5))
    assert [p.temperature for p in points] == [0.2, 1.0, 2.5]
    assert points[0].bits_per_char < points[1].bits_per_char < points[2].bits_per_char  # hotter: less likely text
    assert points[0].distinct_trigrams < points[2].distinct_trigrams  # and more varied
    alone = Sampler(model, vocab, SampleSettings(temperature=1.0), seed=1).texts("# ", 150)[0]
    assert points[1].bits_per_char == pytest.approx(alone.bits_per_char, abs=1e-4)
