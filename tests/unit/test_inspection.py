import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnn_tui.engine.config import ModelConfig
from rnn_tui.engine.data import Vocab
from rnn_tui.engine.inspection import inspect_text, units_by_variance
from rnn_tui.engine.models import CharRNN

VOCAB = Vocab.from_text("abcdefgh ()\n")


def model(cell: str, layers: int = 2) -> CharRNN:
    torch.manual_seed(0)
    return CharRNN(ModelConfig(cell=cell, vocab_size=len(VOCAB), hidden=10, layers=layers, embed=4)).eval()


@pytest.mark.parametrize("cell, quantities", [("lstm", {"h", "c", "i", "f", "g", "o"}), ("gru", {"h", "r", "z", "n"}),
                                              ("elman", {"h"}), ("jordan", {"h"})])
def test_activations_per_layer_and_timestep(cell, quantities):
    text = "abc (def)\n"
    ins = inspect_text(model(cell), VOCAB, text)
    assert len(ins.layers) == 2
    for layer in ins.layers:
        assert set(layer) == quantities
        assert all(v.shape == (len(text), 10) for v in layer.values())


def test_top_layer_hidden_state_is_what_the_fused_kernel_computes():
    m, text = model("lstm"), "head (abc)\n"
    ins = inspect_text(m, VOCAB, text)
    idx = torch.tensor([VOCAB.encode(text)])
    x = m.inputs(idx)
    out, _, _ = torch.lstm(x, m.initial_state(1), m.flat_weights(), True, 2, 0.0, False, False, True)
    np.testing.assert_allclose(ins.layers[1]["h"], out[0].detach().numpy(), atol=1e-5)


def test_surprisal_is_the_cross_entropy_of_each_next_character():
    m, text = model("gru"), "bad cafe\n"
    ins = inspect_text(m, VOCAB, text)
    idx = torch.tensor([VOCAB.encode(text)])
    logits, _ = m(idx)
    expected = F.cross_entropy(logits[0, :-1], idx[0, 1:], reduction="none").detach().numpy()
    assert np.isnan(ins.surprisal[0])
    np.testing.assert_allclose(ins.surprisal[1:], expected, atol=1e-5)
    np.testing.assert_allclose(ins.surprisal_bits()[1:], expected / np.log(2), atol=1e-5)


def test_units_ordered_by_variance():
    values = np.stack([np.zeros(50), np.sin(np.arange(50)), 0.1 * np.cos(np.arange(50))], axis=1)
    assert list(units_by_variance(values)) == [1, 2, 0]


@pytest.mark.parametrize("cell", ["lstm", "gru", "elman"])
def test_the_layer_by_layer_path_equals_the_readable_cells(cell):
    m, text = model(cell), "abc (def)\nhead gab\n" * 3
    fast, slow = inspect_text(m, VOCAB, text), inspect_text(m, VOCAB, text, fused=False)
    assert list(fast.layers[0]) == list(slow.layers[0])
    for fast_layer, slow_layer in zip(fast.layers, slow.layers):
        for q in fast_layer:
            np.testing.assert_allclose(fast_layer[q], slow_layer[q], atol=1e-5, err_msg=q)
    np.testing.assert_allclose(fast.log_probs, slow.log_probs, atol=1e-5)


def test_predictions_after_a_character_are_its_likeliest_followers():
    ins = inspect_text(model("lstm"), VOCAB, "bad cafe\n")
    top = ins.predictions(3, 3)
    probs = np.exp(ins.log_probs[3])
    assert [ch for ch, _ in top] == [VOCAB.chars[i] for i in np.argsort(-probs)[:3]]
    assert top[0][1] == pytest.approx(probs.max())
    assert probs.sum() == pytest.approx(1.0, abs=1e-5)
