"""The recurrent cells, written as their update rules, and the stacked character model.

Each of the four classic cells keeps its weights in the layout of torch's fused kernels (gates
stacked in the rows of `weight_ih` and `weight_hh`, in torch's order), so one set of parameters
serves both the readable step-by-step path (sampling, inspection, Jordan) and the fused sequence
kernels (`torch.rnn_tanh`, `torch.lstm`, `torch.gru`) used for training. The minimal cells
(minGRU, minLSTM) read no h in their gates, so training solves a whole window with one parallel
scan instead. Tests check each pair of paths agrees.

Shapes: B batch, T time, E input size, H hidden size, V vocabulary size, L layers.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnn_tui.engine.config import QUANTITIES, ModelConfig
from rnn_tui.engine.transformer import TransformerLM

State = tuple[Tensor, ...]  # Elman, GRU, minGRU, minLSTM: (h,); LSTM: (h, c); each (L, B, H). Jordan: (y,), (B, V);
# the transformer: (window,), the (B, W) ids of the last W <= context characters
Activations = dict[str, Tensor]  # name -> (B, H), e.g. "h", "c", and the gates
NONLINEARITIES = {"tanh": torch.tanh, "relu": torch.relu}


def init_uniform(cell: nn.Module, hidden_size: int) -> None:
    bound = 1 / math.sqrt(hidden_size)  # torch's default for its recurrent layers
    for p in cell.parameters():
        nn.init.uniform_(p, -bound, bound)


class Cell(nn.Module):
    """Weights shared by all cells: `blocks` stacked blocks of H rows each (one per gate)."""

    blocks = 1
    quantities: tuple[str, ...] = ("h",)

    def __init__(self, input_size: int, hidden_size: int, recurrent_size: int | None = None):
        super().__init__()
        rows = self.blocks * hidden_size
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(rows, input_size))
        self.weight_hh = nn.Parameter(torch.empty(rows, recurrent_size or hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(rows))
        self.bias_hh = nn.Parameter(torch.empty(rows))
        init_uniform(self, hidden_size)

    def flat_weights(self) -> list[Tensor]:
        return [self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh]

    def pre(self, x: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
        """W_ih x + b_ih and W_hh h + b_hh, each (B, blocks*H)."""
        return F.linear(x, self.weight_ih, self.bias_ih), F.linear(h, self.weight_hh, self.bias_hh)


class ElmanCell(Cell):
    """Elman ("vanilla") cell.

    h' = σ(W_ih x + b_ih + W_hh h + b_hh),   σ = tanh (or relu)
    """

    def __init__(self, input_size: int, hidden_size: int, nonlinearity: str = "tanh"):
        super().__init__(input_size, hidden_size)
        self.sigma = NONLINEARITIES[nonlinearity]

    def forward(self, x: Tensor, state: State) -> tuple[State, Activations]:
        (h,) = state
        a, b = self.pre(x, h)
        h = self.sigma(a + b)
        return (h,), {"h": h}


class JordanCell(Cell):
    """Jordan cell: the state fed back is the network's previous output y, not its hidden layer.

    h = σ(W_ih x + b_ih + W_hh y_prev + b_hh),   σ = tanh (or relu)

    For a character model y_prev is the previous predicted distribution softmax(W_y h_prev + b_y)
    (the target would only repeat the current input). CharRNN closes that loop.
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int, nonlinearity: str = "tanh"):
        super().__init__(input_size, hidden_size, recurrent_size=output_size)
        self.sigma = NONLINEARITIES[nonlinearity]

    def forward(self, x: Tensor, y_prev: Tensor) -> Activations:
        a, b = self.pre(x, y_prev)
        h = self.sigma(a + b)
        return {"h": h}


class LSTMCell(Cell):
    """Long short-term memory cell.

    i = σ(W_ii x + b_ii + W_hi h + b_hi)      input gate
    f = σ(W_if x + b_if + W_hf h + b_hf)      forget gate
    g = tanh(W_ig x + b_ig + W_hg h + b_hg)   candidate cell
    o = σ(W_io x + b_io + W_ho h + b_ho)      output gate
    c' = f ⊙ c + i ⊙ g
    h' = o ⊙ tanh(c')
    """

    blocks = 4
    quantities = QUANTITIES["lstm"]

    def forward(self, x: Tensor, state: State) -> tuple[State, Activations]:
        h, c = state
        a, b = self.pre(x, h)
        i, f, g, o = (a + b).chunk(4, dim=-1)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c = f * c + i * g
        h = o * torch.tanh(c)
        return (h, c), {"h": h, "c": c, "i": i, "f": f, "g": g, "o": o}


class GRUCell(Cell):
    """Gated recurrent unit.

    r = σ(W_ir x + b_ir + W_hr h + b_hr)             reset gate
    z = σ(W_iz x + b_iz + W_hz h + b_hz)             update gate
    n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))    candidate
    h' = (1 - z) ⊙ n + z ⊙ h
    """

    blocks = 3
    quantities = QUANTITIES["gru"]

    def forward(self, x: Tensor, state: State) -> tuple[State, Activations]:
        (h,) = state
        a, b = self.pre(x, h)
        a_r, a_z, a_n = a.chunk(3, dim=-1)
        b_r, b_z, b_n = b.chunk(3, dim=-1)
        r = torch.sigmoid(a_r + b_r)
        z = torch.sigmoid(a_z + b_z)
        n = torch.tanh(a_n + r * b_n)
        h = (1 - z) * n + z * h
        return (h,), {"h": h, "r": r, "z": z, "n": n}


def g(x: Tensor) -> Tensor:
    """The minimal cells' positive activation for their candidate (Feng et al.): x + 0.5 for x ≥ 0,
    σ(x) below; continuous, and positive, so that h stays positive."""
    return torch.where(x >= 0, x + 0.5, torch.sigmoid(x))


def linear_scan(a: Tensor, b: Tensor, h0: Tensor) -> Tensor:
    """h_t = a_t ⊙ h_{t-1} + b_t for a whole window, every step at once: from a and b (B, T, H) and
    h_0 (B, H), the (B, T, H) h_1 .. h_T. A parallel prefix scan (Hillis and Steele) over the affine
    maps h -> a h + b: in round r each step takes in the map 2^r steps before it, composed as
    (a_1, b_1) then (a_2, b_2) = (a_2 a_1, a_2 b_1 + b_2), so log2 T rounds cover the window.

    Stable without logs: nothing is divided, and with gates in (0, 1) a long product that underflows
    goes to 0, the limit it stands for. (The paper's log-space form, Heinsen's, writes h_t through
    1 / (a_1 ⋯ a_t) and so needs logs; on this CPU it was 1.4e-5 from the cell where this is 7e-7, and
    half as fast.)"""
    b = torch.cat([h0[:, None], b], dim=1)  # h_0 as the first step's b, with a = 0 before it
    a = F.pad(a, (0, 0, 1, 0))
    reach = 1
    while reach < b.shape[1]:
        b = torch.cat([b[:, :reach], a[:, reach:] * b[:, :-reach] + b[:, reach:]], dim=1)
        a = torch.cat([a[:, :reach], a[:, reach:] * a[:, :-reach]], dim=1)
        reach *= 2
    return b[:, 1:]


def step_through(a: Tensor, b: Tensor, h0: Tensor) -> Tensor:
    """The same h_1 .. h_T one step at a time (the gates and candidates already computed for the
    whole window): on one CPU thread 10 to 20 times faster than any scan (benchmarks/min_cells.py)."""
    h, hs = h0, []
    for a_t, b_t in zip(a.unbind(1), b.unbind(1)):
        h = a_t * h + b_t
        hs.append(h)
    return torch.stack(hs, dim=1)


class MinCell(nn.Module):
    """A minimal cell (Feng et al., "Were RNNs All We Needed?", 2024): every gate and the candidate
    read x alone, W_ih x + b_ih in `blocks` stacked blocks of H rows, so h' = a ⊙ h + b with a and b
    known for a whole window before it starts. Training (`sequence`) computes them for the window in
    one matrix product and solves the recurrence with a parallel scan (`linear_scan`) on a GPU, or
    step by step on a CPU, where a thread does one step at a time anyway; the step-by-step path of
    sampling and inspection is `forward`. All three compute the same h."""

    blocks: int
    quantities: tuple[str, ...]
    parallel: bool | None = None  # the window as a parallel scan; None: on a GPU only

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(self.blocks * hidden_size, input_size))
        self.bias_ih = nn.Parameter(torch.empty(self.blocks * hidden_size))
        init_uniform(self, hidden_size)

    def pre(self, x: Tensor) -> Tensor:
        """W_ih x + b_ih, (..., blocks*H)."""
        return F.linear(x, self.weight_ih, self.bias_ih)

    def sequence(self, x: Tensor, h0: Tensor) -> Tensor:
        """(B, T, E) inputs from state h0 (B, H) -> (B, T, H) states, the whole window at once."""
        k = self.pre(x)
        k = k.to(torch.promote_types(k.dtype, torch.float32))  # a bf16 recurrence would lose h within steps
        parallel = self.parallel if self.parallel is not None else k.device.type != "cpu"
        return (linear_scan if parallel else step_through)(*self.coefficients(k), h0.to(k.dtype))

    def coefficients(self, k: Tensor) -> tuple[Tensor, Tensor]:
        """a and b of h' = a ⊙ h + b from the pre-activations k = W_ih x + b_ih."""
        raise NotImplementedError


class MinGRUCell(MinCell):
    """minGRU (Feng et al. 2024): a GRU whose update gate reads only x, with no reset gate.

    z = σ(W_iz x + b_iz)           update gate: how much of the candidate to take
    h̃ = g(W_ih x + b_ih)           candidate, g(v) = v + 0.5 for v ≥ 0, σ(v) below
    h' = (1 - z) ⊙ h + z ⊙ h̃

    z is the paper's, the share of h̃ (torch's GRU's z keeps h instead). A window: a = 1 - z, b = z ⊙ h̃.
    """

    blocks = 2
    quantities = QUANTITIES["mingru"]

    def forward(self, x: Tensor, state: State) -> tuple[State, Activations]:
        (h,) = state
        k_z, k_h = self.pre(x).chunk(2, dim=-1)
        z = torch.sigmoid(k_z)
        h = (1 - z) * h + z * g(k_h)
        return (h,), {"h": h, "z": z}

    def coefficients(self, k: Tensor) -> tuple[Tensor, Tensor]:
        k_z, k_h = k.chunk(2, dim=-1)
        z = torch.sigmoid(k_z)
        return 1 - z, z * g(k_h)


class MinLSTMCell(MinCell):
    """minLSTM (Feng et al. 2024): an LSTM whose gates read only x and are normalised to sum to 1.

    f = σ(W_if x + b_if)           forget gate
    i = σ(W_ii x + b_ii)           input gate
    h̃ = g(W_ih x + b_ih)           candidate, g(v) = v + 0.5 for v ≥ 0, σ(v) below
    f' = f / (f + i),  i' = i / (f + i)
    h' = f' ⊙ h + i' ⊙ h̃

    No output gate, and no cell state besides h. A window: a = f', b = i' ⊙ h̃.
    """

    blocks = 3
    quantities = QUANTITIES["minlstm"]

    def forward(self, x: Tensor, state: State) -> tuple[State, Activations]:
        (h,) = state
        k_f, k_i, k_h = self.pre(x).chunk(3, dim=-1)
        f, i = torch.sigmoid(k_f), torch.sigmoid(k_i)
        h = f / (f + i) * h + i / (f + i) * g(k_h)
        return (h,), {"h": h, "f": f, "i": i}

    def coefficients(self, k: Tensor) -> tuple[Tensor, Tensor]:
        k_f, k_i, k_h = k.chunk(3, dim=-1)
        f, i = torch.sigmoid(k_f), torch.sigmoid(k_i)
        return f / (f + i), i / (f + i) * g(k_h)


def fused_sequence(model: CharRNN, x: Tensor, state: State, layer: int | None = None) -> tuple[Tensor, State]:
    """The whole stack over (B, T, E) inputs in one call of torch's fused kernel (cuDNN, oneDNN),
    or only layer `layer` (its state then (1, B, H) each, no dropout)."""
    c = model.config
    if layer is None:
        args = (model.flat_weights(), True, c.layers, c.dropout, model.training, False, True)
    else:
        args = (model.cells[layer].flat_weights(), True, 1, 0.0, False, False, True)
    if c.cell == "lstm":
        out, h, cell = torch.lstm(x, state, *args)
        return out, (h, cell)
    kernel = {"gru": torch.gru, "elman": torch.rnn_tanh if c.nonlinearity == "tanh" else torch.rnn_relu}[c.cell]
    out, h = kernel(x, state[0], *args)
    return out, (h,)


def scan_sequence(model: CharRNN, x: Tensor, state: State, layer: int | None = None) -> tuple[Tensor, State]:
    """The stack of minimal cells over (B, T, E) inputs, a window per layer, with dropout
    between layers as the fused kernels have it; or only layer `layer` (its state (1, B, H))."""
    cells = model.cells if layer is None else [model.cells[layer]]
    finals = []
    for k, (cell, h0) in enumerate(zip(cells, state[0])):
        x = cell.sequence(model.drop(x) if k else x, h0)
        finals.append(x[:, -1])
    return x, (torch.stack(finals),)


def window_sequence(model: CharRNN, x: Tensor, state: State, layer: int | None = None) -> tuple[Tensor, State]:
    """A whole window at once: torch's fused kernel, or the minimal cells' window (`MinCell.sequence`)."""
    run = fused_sequence if model.config.cell in FUSED_CELLS else scan_sequence
    return run(model, x, state, layer)


FUSED_CELLS = ("elman", "lstm", "gru")  # Jordan feeds back the output, which no kernel does
SCAN_CELLS = ("mingru", "minlstm")
WINDOW_CELLS = FUSED_CELLS + SCAN_CELLS  # the cells `window_sequence` runs
CELL_CLASSES: dict[str, type[Cell | MinCell]] = {"elman": ElmanCell, "jordan": JordanCell, "lstm": LSTMCell,
                                                 "gru": GRUCell, "mingru": MinGRUCell, "minlstm": MinLSTMCell}


class CharRNN(nn.Module):
    """Character model: input projection, `layers` stacked cells, dropout, output projection.

    x_t = E[char_t] (or one-hot when embed = 0)
    h_t^1 = cell_1(x_t, state^1),  h_t^k = cell_k(dropout(h_t^(k-1)), state^k)
    logits_t = W_y dropout(h_t^L) + b_y
    """

    recurrent = True  # it carries a state from one window to the next (the trainer carries it)
    context: int | None = None  # how many characters back it can see: no limit

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config.validate()
        V, E, H, L = config.vocab_size, config.embed, config.hidden, config.layers
        self.embed = nn.Embedding(V, E) if E > 0 else None
        sizes = [E or V] + [H] * (L - 1)
        if config.cell == "jordan":
            cells = [JordanCell(n, H, V, config.nonlinearity) for n in sizes]
        elif config.cell == "elman":
            cells = [ElmanCell(n, H, config.nonlinearity) for n in sizes]
        else:
            cells = [CELL_CLASSES[config.cell](n, H) for n in sizes]
        self.cells = nn.ModuleList(cells)
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(H, V)

    @property
    def quantities(self) -> tuple[str, ...]:
        return type(self.cells[0]).quantities

    def set_dropout(self, p: float) -> None:
        """Dropout is a probability, not a weight: it can change between any two steps."""
        self.config = replace(self.config, dropout=p).validate()
        self.drop.p = p

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def flat_weights(self) -> list[Tensor]:
        return [w for cell in self.cells for w in cell.flat_weights()]

    def _apply(self, fn, recurse: bool = True):  # noqa: ANN001  (nn.Module's signature)
        module = super()._apply(fn, recurse)
        self.flatten_parameters()  # after every move or cast, as nn.LSTM does
        return module

    @torch.no_grad()
    def flatten_parameters(self) -> None:
        """On cuDNN, make the cells' parameters views into one buffer in cuDNN's layout, as nn.LSTM
        keeps its own: the fused kernel then runs on them as they are, instead of warning that they
        are not one contiguous chunk and copying them on every call. The readable cells use the
        same parameters (views), so they still agree. Nothing to do elsewhere (CPU, MPS, Jordan, the
        minimal cells)."""
        if self.config.cell not in FUSED_CELLS:
            return
        weights = self.flat_weights()
        first = weights[0]
        if (not first.is_cuda or not torch.backends.cudnn.is_acceptable(first)
                or any(w.dtype != first.dtype or w.device != first.device for w in weights)
                or not torch._use_cudnn_rnn_flatten_weight()):
            return
        from torch.backends.cudnn import rnn

        mode = {"lstm": "LSTM", "gru": "GRU", "elman": f"RNN_{self.config.nonlinearity.upper()}"}[self.config.cell]
        c = self.config
        try:
            with torch.cuda.device_of(first):
                torch._cudnn_rnn_flatten_weight(weights, 4, c.embed or c.vocab_size, rnn.get_cudnn_mode(mode), c.hidden,
                                                0, c.layers, True, False)
        except (RuntimeError, TypeError) as exc:  # a private op: if a torch release changes it, train as before
            warnings.warn(f"rnn-tui could not flatten the cells' weights for cuDNN ({exc}); the fused kernel "
                          "will copy them on each call", stacklevel=2)

    def initial_state(self, batch: int) -> State:
        c, w = self.config, self.head.weight
        if c.cell == "jordan":
            return (w.new_zeros(batch, c.vocab_size),)
        zeros = w.new_zeros(c.layers, batch, c.hidden)
        return (zeros, zeros.clone()) if c.cell == "lstm" else (zeros,)

    def inputs(self, idx: Tensor) -> Tensor:
        """(...,) character ids -> (..., E) input vectors."""
        if self.embed is None:
            return F.one_hot(idx, self.config.vocab_size).to(self.head.weight.dtype)
        return self.embed(idx)

    def forward(self, idx: Tensor, state: State | None = None, fused: bool = True) -> tuple[Tensor, State]:
        """(B, T) ids -> (B, T, V) logits and the state after the last character. `fused`: the whole
        window at once where a cell has a way (a fused kernel, a parallel scan); else step by step."""
        if state is None:
            state = self.initial_state(idx.shape[0])
        x = self.inputs(idx)  # (B, T, E)
        if fused and self.config.cell in WINDOW_CELLS:
            out, state = window_sequence(self, x, state)  # (B, T, H)
            return self.head(self.drop(out)), state
        logits = []
        for x_t in x.unbind(1):  # unbind, not x[:, t]: each slice's backward would fill a (B, T, E) gradient
            step_logits, state, _ = self.step_inputs(x_t, state)
            logits.append(step_logits)
        return torch.stack(logits, dim=1), state

    def step(self, idx: Tensor, state: State) -> tuple[Tensor, State, list[Activations]]:
        """One character per stream: (B,) ids -> (B, V) logits, next state, activations per layer."""
        return self.step_inputs(self.inputs(idx), state)

    def step_inputs(self, x: Tensor, state: State) -> tuple[Tensor, State, list[Activations]]:
        if self.config.cell == "jordan":
            return self._step_jordan(x, state)
        layer_acts, new_states = [], []
        for k, cell in enumerate(self.cells):
            layer_state, acts = cell(x, tuple(s[k] for s in state))
            layer_acts.append(acts)
            new_states.append(layer_state)
            x = self.drop(acts["h"])
        state = tuple(torch.stack(parts) for parts in zip(*new_states))
        return self.head(x), state, layer_acts

    def _step_jordan(self, x: Tensor, state: State) -> tuple[Tensor, State, list[Activations]]:
        (y_prev,) = state
        layer_acts = []
        for cell in self.cells:
            acts = cell(x, y_prev)
            layer_acts.append(acts)
            x = self.drop(acts["h"])
        logits = self.head(x)
        return logits, (torch.softmax(logits, dim=-1),), layer_acts


TRANSFORMER = "transformer"
Model = CharRNN | TransformerLM  # what every caller of the engine steps, samples and inspects


def build_model(config: ModelConfig, context: int | None = None) -> Model:
    """The model of `config`: a CharRNN, or for the transformer a TransformerLM that sees `context`
    characters back (the run's sequence length)."""
    if config.cell != TRANSFORMER:
        return CharRNN(config)
    if context is None:
        raise ValueError("a transformer needs its context: the run's sequence length")
    return TransformerLM(config, context)


def context_of(weights: Mapping[str, Any]) -> int | None:
    """A transformer's context, from its weights (the rows of its position embedding); None for a cell."""
    position = weights.get("position.weight")
    return None if position is None else int(position.shape[0])


def model_for_weights(config: ModelConfig, weights: Mapping[str, Any]) -> Model:
    """An untrained model of the shape of `weights` (a state dict, tensors or arrays), to load them into."""
    return build_model(config, context_of(weights))


def select_streams(state: State, index: Tensor) -> State:
    """The state of the streams `index` (repeats allowed): Jordan's (B, V) and the transformer's
    (B, W) window along 0, the rest along 1."""
    return tuple(s.index_select(0 if s.dim() == 2 else 1, index) for s in state)


def detach_state(state: State) -> State:
    return tuple(s.detach() for s in state)
