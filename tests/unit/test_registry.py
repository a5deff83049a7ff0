"""The registry of analyses: one table that the app's views, its insight thread and `rnn-tui
inspect` all read, so an analysis cannot be in one of them and missing from another."""

import json

import numpy as np
import pytest
import torch

from rnn_tui.cli.parser import build_parser
from rnn_tui.engine.config import ModelConfig
from rnn_tui.engine.counting import PassageCounts
from rnn_tui.engine.data import Vocab
from rnn_tui.engine.insight.registry import ANALYSES, ATTENTION, BY_NAME, ERRORS, LONGRANGE, Questions, Reading, run_all
from rnn_tui.engine.inspection import inspect_text
from rnn_tui.engine.models import build_model
from rnn_tui.tui.views import VIEWS

TEXT = 'def f(x):\n    return (x + 1) * "two"\n' * 4
VOCAB = Vocab.from_text(TEXT)


def reading(cell: str, counted: bool) -> Reading:
    torch.manual_seed(0)
    model = build_model(ModelConfig(cell=cell, vocab_size=len(VOCAB), hidden=12, layers=2),
                        context=16 if cell == "transformer" else None).eval()
    t = np.arange(len(TEXT))
    counts = PassageCounts(np.stack([(t % 5 + 1) / 7.0, (t % 3 + 1) / 5.0]), t % 11 == 0, best_order=2)
    return Reading(model, inspect_text(model, VOCAB, TEXT), Questions(target=30, seq=12),
                   counts if counted else None)


def test_every_analysis_is_shown_by_a_view_and_every_view_names_registered_ones():
    named = [analysis for view in VIEWS for analysis in view.analyses]
    assert all(any(analysis is entry for entry in ANALYSES) for analysis in named)
    assert {analysis.name for analysis in named} == set(BY_NAME)
    assert len(BY_NAME) == len(ANALYSES)  # no two entries share a name


def test_inspect_offers_exactly_the_registrys_analyses():
    inspect = build_parser()._subparsers._group_actions[0].choices["inspect"]
    view = next(action for action in inspect._actions if action.dest == "view")
    assert list(view.choices) == [analysis.name for analysis in ANALYSES]


@pytest.mark.parametrize("cell", ["lstm", "transformer"])
def test_each_analysis_that_applies_has_a_json_form_in_words(cell):
    read = reading(cell, counted=True)
    found = run_all(ANALYSES, read)
    for analysis in (analysis for analysis in ANALYSES if analysis.name in found):
        report = analysis.report(found[analysis.name], read)
        json.dumps(report)  # plain data
        lines = analysis.words({**report, "ngram_order": 2})
        assert lines and all(isinstance(line, str) and line for line in lines), analysis.name


def test_an_rnn_gets_every_analysis_but_attention():
    assert set(run_all(ANALYSES, reading("lstm", counted=True))) == set(BY_NAME) - {ATTENTION.name}


@pytest.mark.parametrize("counted", [True, False])
def test_a_transformer_gets_only_what_needs_no_state_and_counting_only_once_counted(counted):
    found = run_all(ANALYSES, reading("transformer", counted))
    stateless = {analysis.name for analysis in ANALYSES if not analysis.state}
    expected = stateless if counted else stateless - {ERRORS.name, LONGRANGE.name}
    assert ATTENTION.name in expected and set(found) == expected
