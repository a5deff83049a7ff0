import math

import numpy as np
import pytest
import torch

from rnn_tui.engine.config import ModelConfig
from rnn_tui.engine.data import Vocab
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.insight.writer import Writer
from rnn_tui.engine.inspection import inspect_text
from rnn_tui.engine.models import CharRNN

VOCAB = Vocab.from_text("the cat sat on a mat.\n")


@pytest.fixture(params=["lstm", "jordan"])
def model(request):
    torch.manual_seed(0)
    return CharRNN(ModelConfig(cell=request.param, vocab_size=len(VOCAB), hidden=12, layers=2, embed=4)).eval()


def test_backspace_rewinds_to_the_state_of_the_shorter_text(model):
    typed = Writer(model, VOCAB, "the cat")
    typed.back(3)
    fresh = Writer(model, VOCAB, "the ")
    assert typed.text == fresh.text == "the "
    for a, b in zip(typed.current.state, fresh.current.state):
        assert torch.equal(a, b)
    np.testing.assert_array_equal(typed.current.log_probs, fresh.current.log_probs)
    typed.type("mat")
    fresh.type("mat")
    assert [p.surprisal_bits for p in typed.positions] == [p.surprisal_bits for p in fresh.positions]


def test_surprisal_is_what_inspection_measures_after_a_line_end(model):
    writer = Writer(model, VOCAB, "a cat sat.")
    inspection = inspect_text(model, VOCAB, "\na cat sat.")
    np.testing.assert_allclose([p.surprisal_bits for p in writer.positions], inspection.surprisal_bits()[1:],
                               atol=1e-5)
    np.testing.assert_allclose(writer.current.activations[1]["h"], inspection.layers[1]["h"][-1], atol=1e-5)


def test_accept_types_the_kth_likeliest_character(model):
    writer = Writer(model, VOCAB, "the")
    top = writer.top(3)
    assert [p for _, p in top] == sorted((p for _, p in top), reverse=True)
    assert sum(p for _, p in writer.top(len(VOCAB))) == pytest.approx(1.0, abs=1e-5)
    assert writer.accept(2) == top[2][0]
    assert writer.text == "the" + top[2][0]
    assert writer.positions[-1].surprisal_bits == pytest.approx(-math.log2(top[2][1]), abs=1e-5)


def test_unknown_characters_are_refused_and_nothing_is_typed(model):
    writer = Writer(model, VOCAB, "the")
    with pytest.raises(UserError, match="'Z'"):
        writer.type("caZ")
    assert writer.text == "the"
    writer.back(10)
    assert writer.text == "" and math.isnan(writer.current.surprisal_bits)
