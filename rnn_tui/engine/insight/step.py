"""One step, with its numbers: the update rule of one layer at one character, each named part of it
(gates, candidate, old and new state) with its real values for a few units, then the prediction.

The parts are computed here from the cell's weights, as the rule reads, not by calling the cell,
so a test that compares them with the cell's own state checks both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from rnn_tui.engine.config import ModelConfig
from rnn_tui.engine.data import Vocab
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.models import Activations, Cell, CharRNN, MinCell, State, g
from rnn_tui.engine.sampling import SampleSettings, distribution

EQUATIONS = {
    "lstm": ("i = σ(W_ii x + b_ii + W_hi h_old + b_hi)      input gate",
             "f = σ(W_if x + b_if + W_hf h_old + b_hf)      forget gate",
             "g = tanh(W_ig x + b_ig + W_hg h_old + b_hg)   candidate",
             "o = σ(W_io x + b_io + W_ho h_old + b_ho)      output gate",
             "c = f ⊙ c_old + i ⊙ g",
             "h = o ⊙ tanh(c)"),
    "gru": ("r = σ(W_ir x + b_ir + W_hr h_old + b_hr)              reset gate",
            "z = σ(W_iz x + b_iz + W_hz h_old + b_hz)              update gate: how much of h_old to keep",
            "n = tanh(W_in x + b_in + r ⊙ (W_hn h_old + b_hn))     candidate",
            "h = (1 - z) ⊙ n + z ⊙ h_old"),
    "mingru": ("z = σ(W_iz x + b_iz)      update gate: how much of the candidate to take",
               "h̃ = g(W_ih x + b_ih)      candidate, g(v) = v + 0.5 for v ≥ 0, σ(v) below",
               "h = (1 - z) ⊙ h_old + z ⊙ h̃"),
    "minlstm": ("f = σ(W_if x + b_if)      forget gate",
                "i = σ(W_ii x + b_ii)      input gate",
                "h̃ = g(W_ih x + b_ih)      candidate, g(v) = v + 0.5 for v ≥ 0, σ(v) below",
                "f' = f / (f + i),  i' = i / (f + i)",
                "h = f' ⊙ h_old + i' ⊙ h̃"),
    "elman": ("h = {s}(W_ih x + b_ih + W_hh h_old + b_hh)",),
    "jordan": ("h = {s}(W_ih x + b_ih + W_hh y_old + b_hh)",
               "y_old = softmax(W_y h_old + b_y): the previous prediction, fed back to every layer"),
}
GATES = ("i", "f", "o", "r", "z", "f'", "i'")  # the parts that lie in 0..1


@dataclass(frozen=True)
class Guess:
    char: str
    logit: float
    p: float  # softmax(logits) at T = 1
    p_at_t: float  # softmax(logits / T); at T = 0 (greedy) all of it on the likeliest


@dataclass(frozen=True)
class StepReading:
    position: int
    char: str  # text[position], the character read
    next_char: str | None  # text[position + 1], None at the end of the text
    cell: str  # one of CELLS
    layer: int  # 0-based
    equations: tuple[str, ...]  # the rule, a line each, then what x is
    units: tuple[int, ...]
    most_changed: bool  # True: `units` are those whose h changed most, most first; False: as asked
    parts: dict[str, tuple[float, ...]]  # name -> a value per unit of `units`, in the order of the rule
    gates: tuple[str, ...]  # the names in `parts` that lie in 0..1
    temperature: float
    top: tuple[Guess, ...]  # the likeliest next characters, by logit
    next_p: float | None  # p (T = 1) of next_char


def check_units(config: ModelConfig, layer: int, units: Sequence[int] | None) -> None:
    """A UserError unless the model has `layer` (0-based) and every one of `units`."""
    if not 0 <= layer < config.layers:
        raise UserError(f"layer {layer + 1} does not exist: the model has {config.layers}")
    if units is not None and not all(0 <= u < config.hidden for u in units):
        raise UserError(f"units are numbered 0 to {config.hidden - 1}, not {', '.join(str(u) for u in units)}")


def one_step(model: CharRNN, vocab: Vocab, text: str, position: int, layer: int = 0,
             units: Sequence[int] | None = None, count: int = 6, temperature: float = 1.0,
             top: int = 5) -> StepReading:
    """Run `text[:position + 1]` through the model (the fused kernels up to the last two characters,
    then the readable path) and read the update at `position` in `layer`: for `units` (default: the
    `count` whose h changed most), every part of the rule."""
    if not text:
        raise UserError("nothing to read: the text is empty")
    if not 0 <= position < len(text):
        raise UserError(f"position {position} is outside the text (0 to {len(text) - 1})")
    if not model.recurrent:
        raise UserError("a transformer has no recurrent state: One step shows a cell's update, and it has no cell")
    config = model.config
    check_units(config, layer, units)
    ids = torch.tensor(vocab.encode(text[: position + 1]), device=model.head.weight.device)
    training = model.training
    model.eval()
    try:
        with torch.no_grad():
            state, old_acts = model.initial_state(1), None
            if position > 1:  # the characters before in one call: the fused kernels where there are some
                _, state = model(ids[None, : position - 1], state)
            if position > 0:  # the one just before by the readable path, for its activations (Jordan's h_old)
                _, state, old_acts = model.step(ids[position - 1: position], state)
            old_state = state
            logits, state, acts = model.step(ids[position:], state)
            x = model.inputs(ids[-1:]) if layer == 0 else acts[layer - 1]["h"]  # (1, E) or (1, H)
            parts, h_old = layer_parts(model, layer, x, old_state, old_acts)
            most_changed = units is None
            if most_changed:
                change = (parts["h"] - h_old).abs()[0]
                units = torch.argsort(change, descending=True, stable=True)[: max(0, count)].tolist()
            chosen = torch.tensor(list(units), dtype=torch.long, device=ids.device)
            values = {name: tuple(v[0].index_select(0, chosen).float().tolist()) for name, v in parts.items()}
            guesses, next_p = prediction(logits[0].float(), vocab, text, position, temperature, top)
    finally:
        model.train(training)
    x_line = ("x = E[char], the character's embedding" if config.embed else "x = one-hot(char)") if layer == 0 \
        else f"x = h of layer {layer}"
    equations = tuple(line.format(s=config.nonlinearity) for line in EQUATIONS[config.cell]) + (x_line,)
    return StepReading(position, text[position], text[position + 1] if position + 1 < len(text) else None,
                       config.cell, layer, equations, tuple(int(u) for u in units), most_changed,
                       values, tuple(g for g in GATES if g in values), temperature, guesses, next_p)


def layer_parts(model: CharRNN, layer: int, x: Tensor, state: State,
                acts: list[Activations] | None) -> tuple[dict[str, Tensor], Tensor]:
    """The parts of `layer`'s update from input x (1, E) and the state before the step (and the
    layers' activations then, None at the first character); and h before the step."""
    cell, kind = model.cells[layer], model.config.cell
    if kind == "lstm":
        return lstm_parts(cell, x, state[0][layer], state[1][layer]), state[0][layer]
    if kind in H_PARTS:
        return H_PARTS[kind](cell, x, state[0][layer]), state[0][layer]
    if kind == "elman":
        h_old = state[0][layer]
        return {"h_old": h_old, **simple_parts(cell, x, h_old, "h_old", model.config.nonlinearity)}, h_old
    # Jordan: the recurrent input is the previous prediction y_old; h_old only says what changed
    parts = simple_parts(cell, x, state[0], "y_old", model.config.nonlinearity)
    return parts, acts[layer]["h"] if acts is not None else torch.zeros_like(parts["h"])


def lstm_parts(cell: Cell, x: Tensor, h_old: Tensor, c_old: Tensor) -> dict[str, Tensor]:
    a = F.linear(x, cell.weight_ih, cell.bias_ih) + F.linear(h_old, cell.weight_hh, cell.bias_hh)
    i, f, g, o = a.chunk(4, dim=-1)  # torch's gate order
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = f * c_old + i * g
    return {"i": i, "f": f, "g": g, "o": o, "c_old": c_old, "f*c_old": f * c_old, "i*g": i * g, "c": c,
            "tanh(c)": torch.tanh(c), "h_old": h_old, "h": o * torch.tanh(c)}


def gru_parts(cell: Cell, x: Tensor, h_old: Tensor) -> dict[str, Tensor]:
    a_r, a_z, a_n = F.linear(x, cell.weight_ih, cell.bias_ih).chunk(3, dim=-1)  # torch's order: r, z, n
    b_r, b_z, b_n = F.linear(h_old, cell.weight_hh, cell.bias_hh).chunk(3, dim=-1)
    r, z = torch.sigmoid(a_r + b_r), torch.sigmoid(a_z + b_z)
    n = torch.tanh(a_n + r * b_n)
    return {"r": r, "z": z, "n": n, "h_old": h_old, "(1-z)*n": (1 - z) * n, "z*h_old": z * h_old,
            "h": (1 - z) * n + z * h_old}


def mingru_parts(cell: MinCell, x: Tensor, h_old: Tensor) -> dict[str, Tensor]:
    k_z, k_h = F.linear(x, cell.weight_ih, cell.bias_ih).chunk(2, dim=-1)
    z, candidate = torch.sigmoid(k_z), g(k_h)
    return {"z": z, "h̃": candidate, "h_old": h_old, "(1-z)*h_old": (1 - z) * h_old, "z*h̃": z * candidate,
            "h": (1 - z) * h_old + z * candidate}


def minlstm_parts(cell: MinCell, x: Tensor, h_old: Tensor) -> dict[str, Tensor]:
    k_f, k_i, k_h = F.linear(x, cell.weight_ih, cell.bias_ih).chunk(3, dim=-1)
    f, i, candidate = torch.sigmoid(k_f), torch.sigmoid(k_i), g(k_h)
    f_n, i_n = f / (f + i), i / (f + i)
    return {"f": f, "i": i, "h̃": candidate, "f'": f_n, "i'": i_n, "h_old": h_old, "f'*h_old": f_n * h_old,
            "i'*h̃": i_n * candidate, "h": f_n * h_old + i_n * candidate}


H_PARTS = {"gru": gru_parts, "mingru": mingru_parts, "minlstm": minlstm_parts}  # the cells whose state is h alone


def simple_parts(cell: Cell, x: Tensor, fed_back: Tensor, name: str, nonlinearity: str) -> dict[str, Tensor]:
    """Elman (fed back: h_old) and Jordan (fed back: y_old, the previous prediction)."""
    a = F.linear(x, cell.weight_ih, cell.bias_ih)
    b = F.linear(fed_back, cell.weight_hh, cell.bias_hh)
    sigma = torch.relu if nonlinearity == "relu" else torch.tanh
    return {"W_ih x + b_ih": a, f"W_hh {name} + b_hh": b, "sum": a + b, "h": sigma(a + b)}


def prediction(logits: Tensor, vocab: Vocab, text: str, position: int, temperature: float,
               top: int) -> tuple[tuple[Guess, ...], float | None]:
    """The `top` likeliest next characters (V,) logits give, and the probability of the real next one."""
    p = torch.softmax(logits, dim=-1)
    order = torch.argsort(logits, descending=True, stable=True)
    p_t = distribution(logits, SampleSettings(temperature=temperature))  # T = 0: greedy, all on the argmax
    guesses = tuple(Guess(vocab.chars[k], float(logits[k]), float(p[k]), float(p_t[k]))
                    for k in order[: max(0, top)].tolist())
    following = text[position + 1] if position + 1 < len(text) else None
    next_p = float(p[vocab.index[following]]) if following is not None and following in vocab.index else None
    return guesses, next_p
