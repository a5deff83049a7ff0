"""The views of what a model learned: the unit finder, saturation, factors, the loss breakdown."""

import numpy as np
import pytest
import torch

from rnn_tui.engine.config import ModelConfig
from rnn_tui.engine.data import Vocab
from rnn_tui.engine.insight.breakdown import CLASSES, char_classes, error_breakdown
from rnn_tui.engine.insight.factors import factorise, sparkline
from rnn_tui.engine.insight.features import FEATURES, features_of, regex_feature
from rnn_tui.engine.insight.saturation import saturation
from rnn_tui.engine.insight.units import (
    Unit,
    activation_matrix,
    correlations,
    find_units,
    units_on_span,
    where_units_fire,
)
from rnn_tui.engine.inspection import inspect_text
from rnn_tui.engine.models import CharRNN
from tests.unit.helpers import quoted_capitals, tiny_trainer

TEXT = "ab 12 cd 345 e 6 fgh 78 ij 9\n" * 6
VOCAB = Vocab.from_text(TEXT)


def digit_detector() -> CharRNN:
    """An Elman model whose unit 3 is planted by hand: on (tanh 4) after a digit, off otherwise."""
    torch.manual_seed(0)
    model = CharRNN(ModelConfig(cell="elman", vocab_size=len(VOCAB), hidden=8, layers=1, embed=0)).eval()
    cell = model.cells[0]
    with torch.no_grad():
        cell.weight_ih[3] = torch.tensor([4.0 if ch.isdigit() else -4.0 for ch in VOCAB.chars])
        cell.weight_hh[3] = 0
        cell.bias_ih[3] = cell.bias_hh[3] = 0
    return model


def test_a_planted_unit_is_found_for_its_feature():
    inspection = inspect_text(digit_detector(), VOCAB, TEXT)
    best = find_units(inspection, features_of(TEXT))["digit"][0]
    assert best.unit == Unit(0, "h", 3)
    assert best.r > 0.99


def test_a_regex_equal_to_a_feature_ranks_the_units_the_same():
    inspection = inspect_text(digit_detector(), VOCAB, TEXT)
    features = {"digit": FEATURES["digit"](TEXT), "hypothesis": regex_feature(TEXT, r"\d")}
    found = find_units(inspection, features, top=8)
    assert found["hypothesis"] == found["digit"] and len(found["digit"]) == 8


def test_a_feature_absent_from_the_passage_ranks_nothing():
    inspection = inspect_text(digit_detector(), VOCAB, TEXT)
    assert find_units(inspection, features_of(TEXT))["double_quote"] == []


def test_correlations_are_pearson_r_and_constant_units_have_none():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(200, 3))
    values[:, 2] = 0.5
    feature = rng.normal(size=200)
    r = correlations(values, feature)
    assert r[0] == pytest.approx(np.corrcoef(values[:, 0], feature)[0, 1])
    assert np.isnan(r[2])
    assert correlations(values, np.ones(200)) is None


def test_an_lstm_trained_briefly_has_a_unit_for_inside_double_quotes():
    text = quoted_capitals()
    trainer = tiny_trainer(text, seq=64, batch=16)
    for _ in range(300):
        trainer.train_step()
    passage = trainer.corpus.passage()
    inspection = inspect_text(trainer.model, trainer.corpus.vocab, passage)
    best = find_units(inspection, features_of(passage))["double_quote"][0]
    assert abs(best.r) >= 0.8, best


def test_the_validation_passage_starts_at_a_line_and_is_fixed():
    trainer = tiny_trainer(quoted_capitals(200))
    passage = trainer.corpus.passage(500)
    assert len(passage) == 500 and passage == trainer.corpus.passage(500)
    assert trainer.corpus.vocab.decode(trainer.corpus.val).find(passage) > 0  # after the first line end
    assert trainer.corpus.vocab.decode(trainer.corpus.val)[trainer.corpus.vocab.decode(trainer.corpus.val)
                                                          .find(passage) - 1] == "\n"


def test_the_units_on_across_a_span_and_where_else_they_fire():
    values = np.zeros((20, 4))
    values[2:5, 1] = values[2:5, 3] = 0.8  # units 1 and 3 on across 2:5 ...
    values[10:12, [1, 3]] = 0.9  # ... and together again at 10:12
    values[15, 1] = 0.9  # unit 1 alone: not a match
    values[3, 0] = 0.9
    units = units_on_span(values, 2, 5, threshold=0.5)
    assert list(units) == [1, 3]
    assert where_units_fire(values, units, 0.5) == [(2, 5), (10, 12)]
    with pytest.raises(ValueError):
        units_on_span(values, 5, 30, 0.5)


def test_the_activation_matrix_has_a_column_per_unit_of_every_quantity():
    torch.manual_seed(0)
    model = CharRNN(ModelConfig(cell="gru", vocab_size=len(VOCAB), hidden=5, layers=2, embed=4))
    inspection = inspect_text(model, VOCAB, TEXT[:30])
    values, units = activation_matrix(inspection)
    assert values.shape == (30, 2 * 4 * 5) and len(units) == 40
    assert units[0] == Unit(0, "h", 0) and units[-1] == Unit(1, "n", 4)
    assert values[:, -1].tolist() == inspection.layers[1]["n"][:, 4].tolist()
    assert activation_matrix(inspection, layer=1)[1][0] == Unit(1, "h", 0)


@pytest.mark.parametrize("cell", ["lstm", "gru", "elman"])
def test_saturation_fractions_are_fractions(cell):
    torch.manual_seed(1)
    model = CharRNN(ModelConfig(cell=cell, vocab_size=len(VOCAB), hidden=6, layers=2, embed=4))
    found = saturation(inspect_text(model, VOCAB, TEXT), cell)
    expected = {"lstm": {"i", "f", "g", "o"}, "gru": {"r", "z", "n"}, "elman": {"h"}}[cell]
    assert {s.quantity for s in found} == expected and {s.layer for s in found} == {0, 1}
    for s in found:
        assert ((0 <= s.left) & (s.left <= 1) & (0 <= s.right) & (s.right <= 1)).all()
        assert (s.left + s.right <= 1).all()


def test_a_gate_held_open_reads_right_saturated():
    torch.manual_seed(0)
    model = CharRNN(ModelConfig(cell="lstm", vocab_size=len(VOCAB), hidden=6, layers=1, embed=4))
    with torch.no_grad():
        model.cells[0].bias_ih[:6] = 20.0  # the input gate's block: sigmoid(20+) = 1
    found = {s.quantity: s for s in saturation(inspect_text(model, VOCAB, TEXT), "lstm")}
    assert (found["i"].right == 1.0).all() and (found["i"].left == 0.0).all()
    assert (found["f"].right < 1).all()


def test_factors_recover_two_planted_patterns():
    t = np.arange(400)
    a, b = (t % 40 < 10).astype(float), ((t // 7) % 3 == 0).astype(float)
    rng = np.random.default_rng(0)
    gains = rng.uniform(0.5, 1.5, size=12)
    values = np.tanh(np.concatenate([a[:, None] * gains[:6], b[:, None] * gains[6:]], axis=1) - 0.3)
    # Signed departures from the mean: a pattern may also come out as its "off" part, so one spare factor.
    factors = factorise(values + rng.normal(scale=0.02, size=values.shape), layer=0, quantity="h", k=3)
    assert factors.strength.shape == (400, 3) and factors.strength.max(axis=0).tolist() == [1.0] * 3
    found = [max(abs(np.corrcoef(f, p)[0, 1]) for f in factors.strength.T) for p in (a, b)]
    assert min(found) > 0.9
    assert len(factors.to_dict()["factors"]) == 3


def test_factors_fitted_in_calls_match_one_fit_and_can_be_given_up():
    import warnings

    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning

    from rnn_tui.engine.errors import Abandoned
    from rnn_tui.engine.insight.factors import ITERATIONS, ITERATIONS_A_CALL

    rng = np.random.default_rng(1)
    values = np.tanh(rng.normal(size=(300, 4)) @ rng.normal(size=(4, 10)))
    factors = factorise(values, layer=0, quantity="h", k=3)
    centred = values - values.mean(axis=0)
    parts = np.concatenate([np.maximum(centred, 0), np.maximum(-centred, 0)], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        once = NMF(n_components=3, init="nndsvda", max_iter=ITERATIONS, random_state=0).fit_transform(parts)
    once = once / once.max(axis=0)
    # one call may stop sooner (its tolerance is relative to its own first iteration): close, not equal
    assert np.abs(factors.strength - once[:, np.argsort(-once.sum(axis=0), kind="stable")]).max() < 0.01
    asked = []
    with pytest.raises(Abandoned):  # asked before each call: given up before the second
        factorise(values, layer=0, quantity="h", k=3, abandon=lambda: asked.append(1) or len(asked) > 1)
    assert len(asked) == 2 and ITERATIONS // ITERATIONS_A_CALL > 2


def test_the_factors_fit_runs_its_blas_on_one_thread(monkeypatch):
    from sklearn.decomposition import NMF
    from threadpoolctl import threadpool_info

    fit, seen = NMF.fit_transform, []

    def watched(self, *args, **kwargs):
        seen.extend(pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas")
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(NMF, "fit_transform", watched)
    factorise(np.random.default_rng(0).normal(size=(50, 6)), layer=0, quantity="h", k=2)
    assert seen and set(seen) == {1}


def test_a_sparkline_shows_the_mean_of_each_stretch():
    assert sparkline([0.0] * 10 + [1.0] * 10, 4) == "  ██"
    assert sparkline([0.2] * 10 + [0.4] * 10, 2) == "▄█"  # scaled to the highest stretch
    assert sparkline([0.0, 0.0], 8) == "  "


def test_the_loss_breakdown_shares_add_up_and_classes_are_right():
    assert char_classes("Ab (1) x,\n") == ["word_start", "in_word", "space", "bracket", "digit", "bracket",
                                           "space", "word_start", "punctuation", "newline"]
    torch.manual_seed(0)
    model = CharRNN(ModelConfig(cell="lstm", vocab_size=len(VOCAB), hidden=6, layers=1, embed=4))
    inspection = inspect_text(model, VOCAB, TEXT)
    found = error_breakdown(inspection)
    assert [c.name for c in found] == list(CLASSES)
    assert sum(c.share for c in found) == pytest.approx(1.0)
    assert sum(c.chars for c in found) == len(TEXT) - 1
    newline = next(c for c in found if c.name == "newline")
    bits = inspection.surprisal_bits()
    assert newline.bits_per_char == pytest.approx(np.mean([bits[t] for t, ch in enumerate(TEXT) if ch == "\n"]))
