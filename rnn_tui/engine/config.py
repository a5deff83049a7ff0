"""Every size and setting in one place: the model, the training run, and named presets."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from rnn_tui.engine.errors import UserError

CELLS = ("elman", "jordan", "lstm", "gru", "mingru", "minlstm", "transformer")
CELL_NAMES = {"elman": "Elman", "jordan": "Jordan", "lstm": "LSTM", "gru": "GRU", "mingru": "minGRU",
              "minlstm": "minLSTM", "transformer": "transformer"}  # as the papers write them, in every table and line
# What each cell computes per unit, in the order its class reports them: its state, then its gates.
QUANTITIES = {"elman": ("h",), "jordan": ("h",), "lstm": ("h", "c", "i", "f", "g", "o"), "gru": ("h", "r", "z", "n"),
              "mingru": ("h", "z"), "minlstm": ("h", "f", "i"), "transformer": ()}  # transformer: no recurrent state
OPTIMIZERS = ("adam", "adamw", "rmsprop")
# cosine: down to a tenth of the rate at the run's first stop point (constant without one); anneal:
# the same with a stop point, else 1/sqrt(step) from step ANNEAL_AFTER on, for a run of no set length.
SCHEDULES = ("constant", "cosine", "anneal", "char-rnn")
ANNEAL_AFTER = 500


@dataclass(frozen=True)
class ModelConfig:
    cell: str = "lstm"
    vocab_size: int = 0  # set from the corpus
    hidden: int = 128
    layers: int = 1
    embed: int = 8  # input projection size; 0 feeds one-hot vectors
    dropout: float = 0.0  # between layers and before the output projection
    nonlinearity: str = "tanh"  # Elman and Jordan only: tanh or relu

    def validate(self) -> ModelConfig:
        if self.cell not in CELLS:
            raise UserError(f"unknown cell {self.cell!r}: choose one of {', '.join(CELLS)}")
        if self.nonlinearity not in ("tanh", "relu"):
            raise UserError(f"nonlinearity must be tanh or relu, not {self.nonlinearity!r}")
        _positive("hidden", self.hidden)
        _positive("layers", self.layers)
        _positive("vocab_size", self.vocab_size)
        if self.embed < 0:
            raise UserError(f"embed must be 0 (one-hot) or more, not {self.embed}")
        check_dropout(self.dropout)
        return self


PRECISIONS = ("fp32", "bf16")


@dataclass(frozen=True)
class TrainConfig:
    seq: int = 100  # characters per stream per step (the truncation length of BPTT)
    batch: int = 32  # parallel streams
    lr: float = 2e-3
    optimizer: str = "adam"
    schedule: str = "constant"
    clip: float = 5.0  # global gradient-norm clip; 0 turns it off
    weight_decay: float = 0.0  # adam and rmsprop: an L2 term in the gradient; adamw: decoupled, w -= lr * decay * w
    steps: int | None = None  # stop points: the first one reached ends the run
    epochs: float | None = None
    minutes: float | None = None
    eval_every: int = 100  # steps between validation passes
    eval_batches: int = 20  # cap on validation batches per pass; 0 means the whole split
    seed: int = 1337
    precision: str = "fp32"  # bf16: the training step's forward pass under bf16 autocast (CUDA, or a CPU with bf16)
    step_back: float = 0.0  # when val rises this far above its best: back to the best weights at half the rate (0: off)

    def validate(self) -> TrainConfig:
        _positive("seq", self.seq)
        _positive("batch", self.batch)
        check_lr(self.lr)
        if self.optimizer not in OPTIMIZERS:
            raise UserError(f"unknown optimizer {self.optimizer!r}: choose {' or '.join(OPTIMIZERS)}")
        if self.schedule not in SCHEDULES:
            raise UserError(f"unknown schedule {self.schedule!r}: choose one of {', '.join(SCHEDULES)}")
        if not (math.isfinite(self.clip) and self.clip >= 0):
            raise UserError(f"clip must be 0 (off) or a positive number, not {self.clip}")
        if not (math.isfinite(self.weight_decay) and self.weight_decay >= 0):
            raise UserError(f"weight decay must be 0 or more, not {self.weight_decay}")
        for name in ("steps", "epochs", "minutes"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value > 0):
                raise UserError(f"--{name} must be a positive number, not {value}")
        _positive("eval_every", self.eval_every)
        if self.eval_batches < 0:
            raise UserError(f"eval_batches must be 0 (all) or more, not {self.eval_batches}")
        if not (math.isfinite(self.step_back) and self.step_back >= 0):
            raise UserError(f"step_back must be 0 (off) or a positive margin in nats, not {self.step_back}")
        if self.precision not in PRECISIONS:
            raise UserError(f"unknown precision {self.precision!r}: choose {' or '.join(PRECISIONS)}")
        check_seed(self.seed)
        return self

    @property
    def has_stop_point(self) -> bool:
        return any(v is not None for v in (self.steps, self.epochs, self.minutes))


@dataclass(frozen=True)
class FitSpace:
    """What a time-budget preset measures before it starts (see engine/fit.py)."""

    hidden: tuple[int, ...]
    min_steps: int  # the steps the budget must allow; the largest model that gets them is chosen
    # and the characters it must see per parameter: a larger model given too few of them ends the
    # budget worse off than a smaller one that saw more (issue 26: 2.6 M parameters, 1.8 a parameter)
    chars_per_parameter: float = 0.0
    # and the distinct training characters it must have per parameter: where the budget passes over a
    # text many times, a model with more parameters than that learns the training split by heart
    text_chars_per_parameter: float = 0.0


@dataclass(frozen=True)
class Preset:
    description: str
    model: dict[str, Any]
    train: dict[str, Any]
    fit: FitSpace | None = None  # measured on the machine first: the hidden size and precision that fit
    small_text: str | None = None  # the preset that stands in for this one on a text under SMALL_TEXT_CHARS


# Below this many characters a text is small: the default model would take it in by heart within a
# minute or two (the default run on `python` sees 4 M characters a minute), and a smaller model,
# with dropout, keeps teaching for longer.
SMALL_TEXT_CHARS = 500_000

TINY = Preset(
    "small LSTM that visibly learns within a minute on a laptop CPU, and on a small text learns it by heart",
    model=dict(cell="lstm", hidden=128, layers=1, embed=16, dropout=0.1),
    train=dict(seq=64, batch=16, lr=3e-3, eval_every=100, eval_batches=40),
)

PRESETS: dict[str, Preset] = {
    "default": Preset(
        "an LSTM that passes counting on the default text in two to two and a half minutes here (the app's "
        "default; the small preset on a text under 500 K characters)",
        model=dict(cell="lstm", hidden=384, layers=1, embed=32, dropout=0.0),
        train=dict(seq=128, batch=32, lr=4e-3, schedule="anneal", eval_every=250, eval_batches=40),
        fit=FitSpace(hidden=(384,), min_steps=0),  # the size is kept; bf16 is measured against fp32 here
        small_text="small",
    ),
    "small": Preset(
        "the default on a text under 500 K characters: the tiny model, which goes back to its best weights "
        "at half the rate whenever validation rises 0.02 above its best",
        model=TINY.model,
        train={**TINY.train, "step_back": 0.02},
    ),
    "tiny": TINY,
    "lecture": Preset(
        "the lecture's example: LSTM, 128 hidden, input projection to 8 dims",
        model=dict(cell="lstm", hidden=128, layers=1, embed=8),
        train=dict(seq=64, batch=16, lr=3e-3, eval_every=50),
    ),
    "10min": Preset(
        "ten minutes to show what a network can do here: the largest two-layer LSTM, with dropout, that this "
        "machine feeds 5 characters a parameter in the budget (measured first) and whose text holds 1.25 characters "
        "a parameter, annealed to the end (the small preset, for ten minutes, on a text under 500 K characters)",
        # two layers: a 2x448 ended 0.018 and 0.006 below a 1x768 of as many parameters (two seeds) at its
        # speed (issue 26)
        model=dict(cell="lstm", hidden=448, layers=2, embed=32, dropout=0.2),
        train=dict(seq=128, batch=32, lr=3e-3, schedule="cosine", minutes=10.0, eval_every=250, eval_batches=20),
        fit=FitSpace(hidden=(192, 256, 320, 384, 448), min_steps=0, chars_per_parameter=5.0,
                     text_chars_per_parameter=1.25),
        small_text="small",  # the fitted size takes a 50 K text in by heart within a minute (issue 26)
    ),
    "shakespeare-5min": Preset(
        "a 5-minute budget: the largest 1-layer LSTM this machine trains 1,500 steps of in it (measured first)",
        model=dict(cell="lstm", hidden=384, layers=1, embed=64),
        train=dict(seq=100, batch=32, lr=3e-3, minutes=5.0, eval_every=500),
        fit=FitSpace(hidden=(256, 384, 512, 640, 768), min_steps=1500),
    ),
}


def apply_overrides(config: Any, overrides: dict[str, Any]) -> Any:
    """A copy of a config dataclass with the non-None overrides applied."""
    names = {f.name for f in fields(config)}
    return replace(config, **{k: v for k, v in overrides.items() if k in names and v is not None})


def config_to_dict(config: Any) -> dict[str, Any]:
    return asdict(config)


def _positive(name: str, value: int) -> None:
    if not (isinstance(value, int) and value > 0):
        raise UserError(f"{name} must be a positive whole number, not {value}")


def check_lr(lr: float) -> float:
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise UserError(f"learning rate must be a positive number, not {lr}")
    return float(lr)


MAX_SEED = 2**64 - 1  # torch's generators take 64 bits (a negative seed wraps onto a positive one)


def check_seed(seed: int) -> int:
    """A random seed torch accepts: a whole number from 0 to 2^64 - 1."""
    if not (isinstance(seed, int) and 0 <= seed <= MAX_SEED):
        raise UserError(f"seed must be a whole number from 0 to {MAX_SEED}, not {seed}")
    return seed


def check_dropout(dropout: float) -> float:
    if not (isinstance(dropout, (int, float)) and math.isfinite(dropout) and 0 <= dropout < 1):
        raise UserError(f"dropout must be in [0, 1), not {dropout}")
    return float(dropout)
