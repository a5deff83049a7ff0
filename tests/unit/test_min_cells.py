"""minGRU and minLSTM (Feng et al. 2024): the window that trains them, as a parallel scan (a GPU's)
or stepped through (a CPU's), is the cell stepped character by character, in outputs, final state
and gradients; they learn, save, sample, and every instrument that reads a state reads theirs."""

import numpy as np
import pytest
import torch
from torch.testing import assert_close

from rnn_tui.engine.checkpoint import load_checkpoint, model_from_checkpoint, save_checkpoint, trainer_state
from rnn_tui.engine.config import ModelConfig
from rnn_tui.engine.data import Vocab
from rnn_tui.engine.insight.gradients import connectivity, horizon, horizon_batch
from rnn_tui.engine.insight.saturation import saturation
from rnn_tui.engine.insight.step import one_step
from rnn_tui.engine.inspection import inspect_text
from rnn_tui.engine.models import CharRNN, MinGRUCell, MinLSTMCell, g
from rnn_tui.engine.sampling import Sampler, SampleSettings

from .helpers import losses, tiny_trainer

CELLS = ("mingru", "minlstm")
GATES = {"mingru": {"z"}, "minlstm": {"f", "i"}}
TEXT = "the cat (sat) on the mat.\nthe dog ran.\n"
VOCAB = Vocab.from_text(TEXT)


def model(cell: str, layers: int = 1, hidden: int = 8, seed: int = 0, parallel: bool = True) -> CharRNN:
    """On the parallel scan by default, which training on a CPU does not take by itself."""
    torch.manual_seed(seed)
    m = CharRNN(ModelConfig(cell=cell, vocab_size=len(VOCAB), hidden=hidden, layers=layers, embed=4)).eval()
    for c in m.cells:
        c.parallel = parallel
    return m


def run(m: CharRNN, idx: torch.Tensor, state: tuple, fused: bool) -> dict[str, object]:
    """Logits, final state, and the gradients of a loss of the logits w.r.t. every parameter and
    the input vectors (the embedding's output), by the scan (fused) or the step-by-step cell."""
    m.zero_grad()
    inputs = []

    def keep(module, args, out):
        out.retain_grad()
        inputs.append(out)

    handle = m.embed.register_forward_hook(keep)
    logits, final = m(idx, state, fused=fused)
    handle.remove()
    logits.logsumexp(-1).sum().backward()
    return {"logits": logits.detach(), "state": final[0].detach(), "input": inputs[0].grad,
            **{name: p.grad.clone() for name, p in m.named_parameters()}}


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("parallel", [True, False])
def test_the_window_is_the_cell_step_by_step(cell, layers, parallel):
    m = model(cell, layers, hidden=16, parallel=parallel).double()
    idx = torch.randint(0, len(VOCAB), (3, 40))
    state = (torch.rand(layers, 3, 16, dtype=torch.float64),)  # carried from a window before: positive
    scan, steps = run(m, idx, state, fused=True), run(m, idx, state, fused=False)
    assert scan.keys() == steps.keys() and "cells.0.weight_ih" in scan
    for name in scan:
        assert_close(scan[name], steps[name], atol=1e-5, rtol=0, msg=name)


@pytest.mark.parametrize("cell", CELLS)
def test_the_scan_from_a_zero_state_has_finite_gradients(cell):
    m = model(cell, 2)
    scan = run(m, torch.randint(0, len(VOCAB), (2, 30)), m.initial_state(2), fused=True)
    assert all(torch.isfinite(v).all() for v in scan.values())


@pytest.mark.parametrize("cell", CELLS)
def test_the_scan_stays_finite_where_gates_saturate_over_a_long_window(cell):
    m = model(cell)
    with torch.no_grad():
        m.cells[0].weight_ih.mul_(40)  # pre-activations in the tens: sigmoids at 0 and 1 in float32
    idx = torch.randint(0, len(VOCAB), (1, 2000))
    with torch.no_grad():
        scan, _ = m(idx, fused=True)
        steps, _ = m(idx, fused=False)
    assert torch.isfinite(scan).all()
    assert_close(scan, steps, atol=1e-3, rtol=1e-4)


def test_the_cells_are_the_papers_update_rules():
    torch.manual_seed(3)
    x, h = torch.randn(2, 5), torch.rand(2, 4)
    gru = MinGRUCell(5, 4)
    k_z, k_h = (x @ gru.weight_ih.T + gru.bias_ih).chunk(2, -1)
    (h_gru,), acts = gru(x, (h,))
    assert_close(h_gru, (1 - torch.sigmoid(k_z)) * h + torch.sigmoid(k_z) * g(k_h))
    assert set(acts) == {"h", "z"}
    lstm = MinLSTMCell(5, 4)
    k_f, k_i, k_h = (x @ lstm.weight_ih.T + lstm.bias_ih).chunk(3, -1)
    f, i = torch.sigmoid(k_f), torch.sigmoid(k_i)
    (h_lstm,), acts = lstm(x, (h,))
    assert_close(h_lstm, (f * h + i * g(k_h)) / (f + i))
    assert set(acts) == {"h", "f", "i"}
    v = torch.tensor([-30.0, -1.0, 0.0, 2.0])
    assert_close(g(v), torch.tensor([torch.sigmoid(v[0]), torch.sigmoid(v[1]), 0.5, 2.5]))


@pytest.mark.parametrize("cell", CELLS)
def test_a_short_run_lowers_the_loss(cell, small_text):
    seen = losses(tiny_trainer(small_text, cell=cell), 40)
    assert np.mean(seen[-5:]) < np.mean(seen[:5]) - 0.5


@pytest.mark.parametrize("cell", CELLS)
def test_a_checkpoint_saves_loads_and_samples(cell, small_text, tmp_path):
    trainer = tiny_trainer(small_text, cell=cell, layers=2)
    losses(trainer, 5)
    path = save_checkpoint(tmp_path / "min.pt", trainer_state(trainer))
    loaded, vocab = model_from_checkpoint(load_checkpoint(path))
    assert loaded.config.cell == cell and vocab == trainer.corpus.vocab
    for name, weights in trainer.model.state_dict().items():
        assert torch.equal(weights, loaded.state_dict()[name])
    settings = SampleSettings(temperature=0.8)
    sample = Sampler(loaded, vocab, settings, seed=4).text("the ", 60)
    assert len(sample) == 60 and set(sample) <= set(vocab.chars)
    assert sample == Sampler(trainer.model.eval(), vocab, settings, seed=4).text("the ", 60)


@pytest.mark.parametrize("cell", CELLS)
def test_inspection_names_the_gates_and_both_paths_agree(cell):
    m, text = model(cell, 2), TEXT * 2
    fast, slow = inspect_text(m, VOCAB, text), inspect_text(m, VOCAB, text, fused=False)
    assert set(fast.quantities()) == {"h"} | GATES[cell] and list(fast.layers[0]) == list(slow.layers[0])
    for fast_layer, slow_layer in zip(fast.layers, slow.layers):
        for q, values in fast_layer.items():
            assert values.shape == (len(text), 8)
            np.testing.assert_allclose(values, slow_layer[q], atol=1e-5, err_msg=q)
    np.testing.assert_allclose(fast.log_probs, slow.log_probs, atol=1e-5)
    found = saturation(fast, cell)
    assert {s.quantity for s in found} == GATES[cell] and {s.layer for s in found} == {0, 1}  # h is unbounded


@pytest.mark.parametrize("cell", CELLS)
def test_the_gradient_horizon_and_connectivity_read_them(cell):
    m = model(cell, 2)
    found = horizon(m, horizon_batch(np.array(VOCAB.encode(TEXT * 3)), seq=30, streams=2))
    assert found.relative.shape == (2, 30) and np.isfinite(found.relative).all() and found.relative[0, 0] == 1
    pull = connectivity(m, VOCAB, TEXT, 20)
    assert pull.shape == (20,) and pull.max() == 1


@pytest.mark.parametrize("cell, layer", [("mingru", 0), ("minlstm", 1)])
def test_one_step_shows_the_rule_with_the_models_own_state(cell, layer):
    m = model(cell, 2)
    reading = one_step(m, VOCAB, TEXT, 11, layer=layer, count=8)
    parts = {name: torch.tensor(values) for name, values in reading.parts.items()}
    state = m.initial_state(1)
    with torch.no_grad():
        for idx in VOCAB.encode(TEXT[:12]):
            _, state, _ = m.step(torch.tensor([idx]), state)
    assert_close(parts["h"], state[0][layer, 0, list(reading.units)])
    if cell == "mingru":
        assert list(parts) == ["z", "h̃", "h_old", "(1-z)*h_old", "z*h̃", "h"] and reading.gates == ("z",)
        assert_close(parts["(1-z)*h_old"] + parts["z*h̃"], parts["h"])
    else:
        assert set(reading.gates) == {"f", "i", "f'", "i'"}
        assert_close(parts["f'"] + parts["i'"], torch.ones(8))
        assert_close(parts["f'*h_old"] + parts["i'*h̃"], parts["h"])
    assert reading.equations[-1] == ("x = E[char], the character's embedding" if layer == 0 else "x = h of layer 1")
