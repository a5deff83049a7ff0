"""Gradients through time: the horizon and the connectivity, checked against plain torch and
finite differences rather than constants."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnn_tui.engine.config import ModelConfig
from rnn_tui.engine.data import Vocab
from rnn_tui.engine.insight.gradients import connectivity, horizon, horizon_batch, target_logit
from rnn_tui.engine.models import CharRNN
from tests.unit.helpers import tiny_trainer


def plain_elman_horizon(model: CharRNN, windows: np.ndarray) -> np.ndarray:
    """The same quantity written out in plain torch for a one-layer Elman model."""
    cell = model.cells[0]
    ids = torch.as_tensor(windows, dtype=torch.long)
    x = model.embed(ids[:, :-1])
    h = torch.zeros(len(ids), cell.hidden_size)
    hs = []
    for t in range(x.shape[1]):
        h = torch.tanh(x[:, t] @ cell.weight_ih.T + cell.bias_ih + h @ cell.weight_hh.T + cell.bias_hh)
        h.retain_grad()
        hs.append(h)
    F.cross_entropy(model.head(h), ids[:, -1]).backward()
    norms = np.array([float(h.grad.norm()) for h in hs])[::-1]
    return norms / norms[0]


def test_an_elman_horizon_falls_a_hundredfold_over_forty_steps(structured_text):
    trainer = tiny_trainer(structured_text[:20_000], cell="elman", seq=48)
    for _ in range(150):
        trainer.train_step()
    windows = horizon_batch(trainer.corpus.val, seq=48)
    found = horizon(trainer.model, windows)
    assert found.relative.shape == (1, 48) and found.relative[0, 0] == 1.0
    np.testing.assert_allclose(found.relative[0], plain_elman_horizon(trainer.model, windows), rtol=1e-4, atol=1e-12)
    assert found.relative[0, 1] / found.relative[0, 40] >= 100


@pytest.mark.parametrize("cell", ["lstm", "gru", "jordan"])
def test_every_layer_of_every_cell_has_a_horizon(cell):
    torch.manual_seed(0)
    model = CharRNN(ModelConfig(cell=cell, vocab_size=12, hidden=8, layers=2, embed=4))
    found = horizon(model, np.random.default_rng(0).integers(0, 12, size=(3, 21)))
    assert found.relative.shape == (2, 20) and (found.relative[:, 0] == 1).all()
    assert np.isfinite(found.relative).all() and (found.relative >= 0).all()
    assert found.to_dict()["layers"][1]["layer"] == 2


def test_the_horizon_batch_is_fixed_windows_of_the_text():
    ids = np.arange(1000)
    batch = horizon_batch(ids, seq=10, streams=4)
    assert batch.shape == (4, 11) and batch[0, 0] == 0 and batch[-1, -1] == 999
    assert (np.diff(batch, axis=1) == 1).all()
    with pytest.raises(ValueError):
        horizon_batch(ids[:5], seq=10)


def test_connectivity_is_the_gradient_a_finite_difference_measures():
    vocab = Vocab.from_text("abcd efg\n")
    torch.manual_seed(0)
    model = CharRNN(ModelConfig(cell="lstm", vocab_size=len(vocab), hidden=6, layers=1, embed=3)).double().eval()
    text, target = "bad cafe\nfed", 9
    pull = connectivity(model, vocab, text, target)
    x = model.inputs(torch.tensor([vocab.encode(text[:target])])).detach()
    index, eps = vocab.index[text[target]], 1e-6
    numeric = np.zeros(target)
    with torch.no_grad():
        for s in range(target):
            grad = []
            for e in range(x.shape[2]):
                up, down = x.clone(), x.clone()
                up[0, s, e] += eps
                down[0, s, e] -= eps
                change = float(target_logit(model, up, index)) - float(target_logit(model, down, index))
                grad.append(change / (2 * eps))
            numeric[s] = np.linalg.norm(grad)
    np.testing.assert_allclose(pull, numeric / numeric.max(), atol=1e-6)
    assert pull.max() == 1.0 and len(pull) == target
    with pytest.raises(ValueError):
        connectivity(model, vocab, text, 0)
