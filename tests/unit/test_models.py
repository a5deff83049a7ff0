import pytest
import torch

from rnn_tui.engine.config import ModelConfig
from rnn_tui.engine.models import CharRNN, GRUCell, LSTMCell


def model(cell: str, layers: int = 1, embed: int = 8, **kw) -> CharRNN:
    torch.manual_seed(0)
    return CharRNN(ModelConfig(cell=cell, vocab_size=23, hidden=16, layers=layers, embed=embed, **kw)).eval()


@pytest.mark.parametrize("cell", ["elman", "lstm", "gru"])
@pytest.mark.parametrize("layers", [1, 2])
def test_fused_kernel_equals_readable_cells(cell, layers):
    m = model(cell, layers)
    idx = torch.randint(0, 23, (3, 20))
    state = tuple(torch.randn_like(s) for s in m.initial_state(3))  # a carried, non-zero state
    fused, fused_state = m(idx, state, fused=True)
    readable, readable_state = m(idx, state, fused=False)
    torch.testing.assert_close(fused, readable, atol=1e-5, rtol=0)
    for a, b in zip(fused_state, readable_state):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=0)


@pytest.mark.parametrize("cell", ["elman", "lstm", "gru"])
def test_fused_and_readable_gradients_agree(cell):
    m = model(cell, 2)
    idx = torch.randint(0, 23, (2, 12))
    grads = []
    for fused in (True, False):
        m.zero_grad()
        logits, _ = m(idx, fused=fused)
        logits.logsumexp(-1).sum().backward()
        grads.append([p.grad.clone() for p in m.parameters()])
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)


def test_relu_elman_uses_the_relu_kernel():
    m = model("elman", 2, nonlinearity="relu")
    idx = torch.randint(0, 23, (2, 9))
    torch.testing.assert_close(m(idx, fused=True)[0], m(idx, fused=False)[0], atol=1e-5, rtol=0)


def test_lstm_cell_is_the_update_rule():
    torch.manual_seed(1)
    cell = LSTMCell(4, 3)
    x, h, c = torch.randn(2, 4), torch.randn(2, 3), torch.randn(2, 3)
    (h2, c2), acts = cell(x, (h, c))
    z = x @ cell.weight_ih.T + cell.bias_ih + h @ cell.weight_hh.T + cell.bias_hh
    i, f, g, o = torch.sigmoid(z[:, :3]), torch.sigmoid(z[:, 3:6]), torch.tanh(z[:, 6:9]), torch.sigmoid(z[:, 9:])
    torch.testing.assert_close(c2, f * c + i * g)
    torch.testing.assert_close(h2, o * torch.tanh(f * c + i * g))
    assert set(acts) == {"h", "c", "i", "f", "g", "o"}
    ref = torch.nn.LSTMCell(4, 3)
    ref.load_state_dict({k: v for k, v in cell.state_dict().items()})
    torch.testing.assert_close(ref(x, (h, c))[1], c2)


def test_gru_cell_matches_torch():
    torch.manual_seed(2)
    cell, ref = GRUCell(5, 4), torch.nn.GRUCell(5, 4)
    ref.load_state_dict(cell.state_dict())
    x, h = torch.randn(3, 5), torch.randn(3, 4)
    torch.testing.assert_close(cell(x, (h,))[0][0], ref(x, h))


def test_jordan_feeds_back_its_previous_prediction():
    m = model("jordan", 2)
    logits, state, _ = m.step(torch.tensor([3]), m.initial_state(1))
    torch.testing.assert_close(state[0], torch.softmax(logits, -1))
    # the next step depends on that feedback: a different fed-back distribution changes the output
    a, _, _ = m.step(torch.tensor([5]), state)
    b, _, _ = m.step(torch.tensor([5]), (torch.full_like(state[0], 1 / 23),))
    assert not torch.allclose(a, b)


def test_one_hot_input_when_embed_is_zero():
    m = model("gru", embed=0)
    assert m.embed is None and m.cells[0].weight_ih.shape == (3 * 16, 23)
    logits, _ = m(torch.randint(0, 23, (2, 5)))
    assert logits.shape == (2, 5, 23)


def test_parameter_count_of_the_lectures_model():
    V, E, H = 84, 8, 128
    m = CharRNN(ModelConfig(cell="lstm", vocab_size=V, hidden=H, embed=E))
    expected = V * E + 4 * H * (E + H) + 2 * 4 * H + H * V + V
    assert m.num_parameters() == expected
    assert 81_000 < expected < 83_000  # "about 82 K", as the lecture's model


def test_dropout_only_in_training():
    m = model("lstm", 2, dropout=0.5)
    idx = torch.randint(0, 23, (2, 10))
    torch.testing.assert_close(m(idx)[0], m(idx)[0])
    m.train()
    assert not torch.allclose(m(idx)[0], m(idx)[0])
