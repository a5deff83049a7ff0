"""One step, with its numbers: every part the reading shows equals the update rule worked by hand
from the weights, and its h (and c) is the state the model itself reaches."""

import pytest
import torch
from torch.testing import assert_close

from rnn_tui.engine.config import ModelConfig
from rnn_tui.engine.data import Vocab
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.insight.step import one_step
from rnn_tui.engine.models import CharRNN

TEXT = "the cat (sat) on the mat.\nthe dog ran."
VOCAB = Vocab.from_text(TEXT)
POSITION = 11  # 'a' of "sat": far enough in that the old state is not zero
CASES = [  # cell, embed, layers, layer read, nonlinearity
    ("lstm", 4, 1, 0, "tanh"),
    ("gru", 4, 1, 0, "tanh"),
    ("elman", 0, 1, 0, "tanh"),
    ("elman", 4, 1, 0, "relu"),
    ("jordan", 4, 1, 0, "tanh"),
    ("lstm", 4, 2, 1, "tanh"),
    ("gru", 0, 2, 1, "tanh"),
    ("jordan", 4, 2, 1, "tanh"),
]


def tiny(cell: str, embed: int = 4, layers: int = 1, nonlinearity: str = "tanh", seed: int = 0) -> CharRNN:
    torch.manual_seed(seed)
    config = ModelConfig(cell=cell, vocab_size=len(VOCAB), hidden=8, layers=layers, embed=embed,
                         dropout=0.3 if layers > 1 else 0.0, nonlinearity=nonlinearity)
    return CharRNN(config)  # left in training mode: the reading must switch dropout off itself


def by_hand(model: CharRNN, position: int, layer: int) -> dict:
    """The step at `position` of layer `layer`, worked from the weights block by block, and what the
    model's readable path gives before and at that step."""
    ids = torch.tensor(VOCAB.encode(TEXT[: position + 1]))
    state, acts, logits = model.initial_state(1), None, None
    with torch.no_grad():
        for idx in ids[:-1]:
            logits, state, acts = model.step(idx[None], state)
        new_logits, new_state, new_acts = model.step(ids[-1:], state)
        x = model.inputs(ids[-1:]) if layer == 0 else new_acts[layer - 1]["h"]
        cell, H, kind = model.cells[layer], model.config.hidden, model.config.cell

        def pre(block: int, fed_back: torch.Tensor) -> torch.Tensor:
            rows = slice(block * H, (block + 1) * H)
            return (x @ cell.weight_ih[rows].T + cell.bias_ih[rows],
                    fed_back @ cell.weight_hh[rows].T + cell.bias_hh[rows])

        sigma = torch.relu if model.config.nonlinearity == "relu" else torch.tanh
        if kind == "lstm":
            h_old, c_old = state[0][layer], state[1][layer]
            i, f, g, o = (sum(pre(k, h_old)) for k in range(4))
            i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
            c = f * c_old + i * g
            parts = {"i": i, "f": f, "g": g, "o": o, "c_old": c_old, "f*c_old": f * c_old, "i*g": i * g, "c": c,
                     "tanh(c)": torch.tanh(c), "h_old": h_old, "h": o * torch.tanh(c)}
        elif kind == "gru":
            h_old = state[0][layer]
            (a_r, b_r), (a_z, b_z), (a_n, b_n) = (pre(k, h_old) for k in range(3))
            r, z = torch.sigmoid(a_r + b_r), torch.sigmoid(a_z + b_z)
            n = torch.tanh(a_n + r * b_n)
            parts = {"r": r, "z": z, "n": n, "h_old": h_old, "(1-z)*n": (1 - z) * n, "z*h_old": z * h_old,
                     "h": (1 - z) * n + z * h_old}
        elif kind == "elman":
            h_old = state[0][layer]
            a, b = pre(0, h_old)
            parts = {"h_old": h_old, "W_ih x + b_ih": a, "W_hh h_old + b_hh": b, "sum": a + b, "h": sigma(a + b)}
        else:
            y_old = torch.softmax(logits, -1) if logits is not None else torch.zeros(1, len(VOCAB))
            h_old = acts[layer]["h"] if acts is not None else torch.zeros(1, H)
            a, b = pre(0, y_old)
            parts = {"W_ih x + b_ih": a, "W_hh y_old + b_hh": b, "sum": a + b, "h": sigma(a + b)}
    return {"parts": parts, "h_old": h_old, "state": new_state, "acts": new_acts, "logits": new_logits[0]}


@pytest.mark.parametrize("cell, embed, layers, layer, nonlinearity", CASES)
def test_every_part_is_the_rule_worked_by_hand(cell, embed, layers, layer, nonlinearity):
    model = tiny(cell, embed, layers, nonlinearity)
    reading = one_step(model, VOCAB, TEXT, POSITION, layer=layer, count=8)
    assert model.training  # the reading put the model back as it found it
    model.eval()
    expected = by_hand(model, POSITION, layer)
    units = list(reading.units)
    assert sorted(units) == list(range(8))
    assert list(reading.parts) == list(expected["parts"])
    for name, values in expected["parts"].items():
        assert_close(torch.tensor(reading.parts[name]), values[0, units], msg=f"{cell} {name}")
    if cell == "gru":  # torch's convention, as models.py has it: z keeps the old state, 1 - z takes n
        parts = {name: torch.tensor(values) for name, values in reading.parts.items()}
        assert_close(parts["(1-z)*n"] + parts["z*h_old"], parts["h"])


@pytest.mark.parametrize("cell, embed, layers, layer, nonlinearity", CASES)
def test_h_and_c_are_the_state_the_model_reaches(cell, embed, layers, layer, nonlinearity):
    model = tiny(cell, embed, layers, nonlinearity).eval()
    reading = one_step(model, VOCAB, TEXT, POSITION, layer=layer, units=[5, 0, 3])
    assert reading.units == (5, 0, 3) and not reading.most_changed
    expected = by_hand(model, POSITION, layer)
    h = expected["acts"][layer]["h"] if cell == "jordan" else expected["state"][0][layer]
    assert_close(torch.tensor(reading.parts["h"]), h[0, [5, 0, 3]])
    if cell == "lstm":
        assert_close(torch.tensor(reading.parts["c"]), expected["state"][1][layer][0, [5, 0, 3]])
    if cell == "jordan":  # the state fed back is the prediction, which the reading's logits make
        assert_close(expected["state"][0][0], torch.softmax(expected["logits"], -1))


@pytest.mark.parametrize("cell", ["lstm", "gru", "elman", "jordan"])
def test_the_units_shown_are_those_whose_h_changed_most(cell):
    model = tiny(cell, seed=1).eval()
    reading = one_step(model, VOCAB, TEXT, POSITION, count=3)
    assert reading.most_changed and len(reading.units) == 3
    expected = by_hand(model, POSITION, 0)
    change = (expected["parts"]["h"] - expected["h_old"]).abs()[0]
    shown = change[list(reading.units)]
    rest = change[[u for u in range(8) if u not in reading.units]]
    assert (shown[:-1] >= shown[1:]).all()  # most first
    assert shown.min() >= rest.max()


def test_the_first_character_starts_from_zero():
    model = tiny("lstm").eval()
    reading = one_step(model, VOCAB, TEXT, 0, count=8)
    assert reading.char == "t" and reading.next_char == "h" and reading.position == 0
    assert reading.parts["h_old"] == (0.0,) * 8 and reading.parts["c_old"] == (0.0,) * 8
    jordan = one_step(tiny("jordan").eval(), VOCAB, TEXT, 0, count=8)
    assert_close(torch.tensor(jordan.parts["W_hh y_old + b_hh"]),
                 tiny("jordan").cells[0].bias_hh.detach()[list(jordan.units)])  # y_old = 0: only the bias


@pytest.mark.parametrize("temperature", [0.5, 1.0, 1.7])
def test_the_prediction_is_softmax_of_the_logits_at_t(temperature):
    model = tiny("gru").eval()
    reading = one_step(model, VOCAB, TEXT, POSITION, temperature=temperature, top=len(VOCAB))
    logits = by_hand(model, POSITION, 0)["logits"]
    order = [VOCAB.index[g.char] for g in reading.top]
    assert sorted(order) == list(range(len(VOCAB)))
    assert_close(torch.tensor([g.logit for g in reading.top]), logits[order])
    assert [g.logit for g in reading.top] == sorted((g.logit for g in reading.top), reverse=True)
    assert_close(torch.tensor([g.p for g in reading.top]), torch.softmax(logits, -1)[order])
    assert_close(torch.tensor([g.p_at_t for g in reading.top]), torch.softmax(logits / temperature, -1)[order])
    assert sum(g.p_at_t for g in reading.top) == pytest.approx(1.0, abs=1e-5)
    assert reading.next_char == TEXT[POSITION + 1]
    assert reading.next_p == pytest.approx(float(torch.softmax(logits, -1)[VOCAB.index[reading.next_char]]))


def test_temperature_zero_is_greedy_and_the_last_character_has_no_next():
    model = tiny("elman").eval()
    reading = one_step(model, VOCAB, TEXT, len(TEXT) - 1, temperature=0.0, top=3)
    assert [g.p_at_t for g in reading.top] == [1.0, 0.0, 0.0]
    assert reading.next_char is None and reading.next_p is None
    assert reading.gates == () and one_step(model, VOCAB, TEXT, 3).equations[0].startswith("h = tanh(")


def test_the_reading_says_which_parts_are_gates_and_what_x_is():
    lstm = one_step(tiny("lstm", layers=2), VOCAB, TEXT, 3, layer=1)
    assert lstm.gates == ("i", "f", "o") and lstm.equations[-1] == "x = h of layer 1"
    assert all(0 < v < 1 for g in lstm.gates for v in lstm.parts[g])
    gru = one_step(tiny("gru", embed=0), VOCAB, TEXT, 3)
    assert gru.gates == ("r", "z") and gru.equations[-1] == "x = one-hot(char)"
    assert any("z ⊙ h_old" in line for line in gru.equations)


@pytest.mark.parametrize("text, position, layer, units", [
    (TEXT, len(TEXT), 0, None), (TEXT, -1, 0, None), ("", 0, 0, None), (TEXT, 3, 1, None), (TEXT, 3, 0, [8]),
    ("the zebra", 5, 0, None),  # 'z' is not in the vocabulary
])
def test_bad_requests_raise_one_line_user_errors(text, position, layer, units):
    with pytest.raises(UserError) as caught:
        one_step(tiny("lstm"), VOCAB, text, position, layer=layer, units=units)
    assert "\n" not in str(caught.value) and str(caught.value)
