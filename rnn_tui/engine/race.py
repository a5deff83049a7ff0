"""One run of a comparison and its figures: the parameter count of a cell and the hidden size
that brings it nearest a budget, training a run from scratch on its budget (its curves, speed,
sample and a lesson's measures), and a saved run read back to overlay. The comparison itself,
one run after the other so each has the machine to itself, is engine/compare.py; the race of
the cells is its comparison of `cell` at one parameter count."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rnn_tui.engine.config import CELLS, ModelConfig, TrainConfig
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.events import EvalEvent, Event, StepEvent

if TYPE_CHECKING:  # torch is loaded by the functions that train, not by importing the results
    from rnn_tui.engine.data import Corpus
    from rnn_tui.engine.models import CharRNN

    Measure = Callable[[CharRNN, Corpus, TrainConfig], dict[str, float]]  # a figure of a trained model

BLOCKS = {"elman": 1, "jordan": 1, "lstm": 4, "gru": 3, "mingru": 2, "minlstm": 3}  # blocks of rows per weight matrix
# the transformer's counts are its own (engine/transformer.py); for memory.py's estimate of the activations
# training keeps, about 16 numbers per unit of width and character in each block (q, k, v, the MLP's 4H twice, ...)
BLOCKS["transformer"] = 16
SAMPLE_CHARS = 200
WARMUP_STEPS = 5  # not timed: the first steps pay for allocations and lazy imports (up to seconds)
MIN_TIMED_STEPS = 20  # fewer timed steps give no speed worth comparing


def count_parameters(cell: str, hidden: int, vocab_size: int, embed: int, layers: int, context: int = 0) -> int:
    """What build_model(ModelConfig(...), context).num_parameters() gives, without building the model.
    `context` (the sequence length) counts for the transformer only (its position embeddings); it
    has no input projection of its own, so `embed` counts for the cells only."""
    if cell == "transformer":
        return transformer_parameters(hidden, vocab_size, layers, context)
    blocks, inputs = BLOCKS[cell], embed or vocab_size
    # W_hh's columns and b_hh: Jordan feeds back the output distribution; minGRU and minLSTM have neither
    recurrent = {"jordan": vocab_size + 1, "mingru": 0, "minlstm": 0}.get(cell, hidden + 1)
    total = vocab_size * embed + hidden * vocab_size + vocab_size  # input projection, output projection
    for layer in range(layers):
        size_in = inputs if layer == 0 else hidden
        total += blocks * hidden * (size_in + 1 + recurrent)  # W_ih, b_ih, and the recurrent weights
    return total


def transformer_parameters(width: int, vocab_size: int, layers: int, context: int) -> int:
    """What TransformerLM (engine/transformer.py) of this shape has: token and position embeddings,
    per block two LayerNorms, q k v, the output projection and the 4x MLP, a final LayerNorm, the head."""
    block = 2 * width + 3 * width * (width + 1) + (width + 1) * width + 2 * width \
        + (4 * width) * (width + 1) + (4 * width + 1) * width
    return (vocab_size + context) * width + layers * block + 2 * width + (width + 1) * vocab_size


def hidden_for(cell: str, params: int, vocab_size: int, embed: int, layers: int, context: int = 0) -> int:
    """The hidden size (the transformer's width) whose parameter count is closest to `params`."""
    best, hidden = 1, 1
    while hidden < 1 << 14:
        if count_parameters(cell, hidden, vocab_size, embed, layers, context) > params:
            below = count_parameters(cell, hidden - 1, vocab_size, embed, layers, context) if hidden > 1 else 0
            above = count_parameters(cell, hidden, vocab_size, embed, layers, context)
            return hidden if hidden == 1 or above - params < params - below else hidden - 1
        best, hidden = hidden, hidden + 1
    return best


@dataclass(frozen=True)
class Entrant:
    """A cell in a race, or a saved run compared with it: its size and, once trained, its figures."""

    cell: str
    hidden: int
    parameters: int
    name: str = ""  # the cell's name in a race, the file's for a saved run
    steps: int = 0
    seconds: float = 0.0
    chars_per_sec: float | None = None  # None: too short to measure
    best_val: float | None = None
    best_step: int | None = None
    final_val: float | None = None
    final_train: float | None = None  # the mean of the last training steps' losses
    val_curve: tuple[tuple[int, float], ...] = ()
    train_curve: tuple[tuple[int, float], ...] = ()  # the training loss at each evaluation
    val_seconds: tuple[float, ...] = ()  # training seconds at each point of val_curve
    sample: str = ""
    measures: dict[str, float] = field(default_factory=dict)  # what a lesson measured of the trained model

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "cell": self.cell, "hidden": self.hidden, "parameters": self.parameters,
                "steps": self.steps,
                "seconds": round(self.seconds, 3),
                "chars_per_sec": None if self.chars_per_sec is None else round(self.chars_per_sec, 1),
                "best_val": self.best_val, "best_step": self.best_step, "final_val": self.final_val,
                "val_curve": [list(point) for point in self.val_curve], "sample": self.sample}


class Speed:
    """Characters per second over the steps after the warm-up, leaving out each step that follows
    an evaluation (the trainer's clock counts the evaluation into it)."""

    def __init__(self, chars_per_step: int):
        self.chars_per_step = chars_per_step
        self.steps, self.seconds = 0, 0.0
        self.after_eval = False

    def hear(self, event: Event) -> None:
        if isinstance(event, StepEvent):
            if event.step > WARMUP_STEPS and not self.after_eval:
                self.steps += 1
                self.seconds += event.seconds
            self.after_eval = False
        elif isinstance(event, EvalEvent):
            self.after_eval = True

    @property
    def chars_per_sec(self) -> float | None:
        if self.steps < MIN_TIMED_STEPS or not self.seconds:
            return None
        return self.steps * self.chars_per_step / self.seconds


def check_entries(cells: list[str], params: int) -> None:
    unknown = [cell for cell in cells if cell not in CELLS]
    if unknown or not cells:
        raise UserError(f"cells must be some of {', '.join(CELLS)}, not {', '.join(unknown) or 'none'}")
    if params < 1000:
        raise UserError(f"the parameter budget must be at least 1,000, not {params}")


def train_model(entrant: Entrant, model: ModelConfig, train: TrainConfig, corpus: Corpus, device: str | None,
                report: Callable[[str, Event, float], None] | None, sample_seed: int,
                measure: Measure | None = None) -> Entrant:
    """Train one run from scratch on its budget: the entrant with its figures, curves, a sample and
    what `measure` finds in the trained model."""
    from rnn_tui.engine.sampling import Sampler, SampleSettings
    from rnn_tui.engine.training import Trainer

    trainer = Trainer(model, train, corpus, device)
    speed, seconds, train_curve = Speed(train.batch * train.seq), [], []

    def emit(event: Event) -> None:
        speed.hear(event)
        if isinstance(event, EvalEvent):
            seconds.append(trainer.seconds)
            train_curve.append((event.step, event.train_loss))
        if report is not None:
            report(entrant.name or entrant.cell, event, trainer.seconds)

    stop = trainer.run(emit)
    sampler = Sampler(trainer.model, corpus.vocab, SampleSettings(temperature=0.8), seed=sample_seed)
    best = trainer.best
    return replace(
        entrant, parameters=trainer.model.num_parameters(), steps=trainer.step, seconds=trainer.seconds,
        chars_per_sec=speed.chars_per_sec,
        best_val=None if best is None else best.val_loss, best_step=None if best is None else best.step,
        final_val=stop.val_loss, final_train=trainer.train_loss(), val_curve=tuple(trainer.val_points),
        train_curve=tuple(train_curve), val_seconds=tuple(seconds),
        sample=sampler.text("", SAMPLE_CHARS),
        measures={} if measure is None else measure(trainer.model.eval(), corpus, train))


def saved_run(data: dict[str, Any], path: str) -> Entrant:
    """A checkpointed run as an entrant, to overlay on a race as TensorBoard overlays runs. Its
    curve's times are spread evenly over its training time (checkpoints keep the total only)."""
    model, metrics = data["model_config"], data.get("metrics") or {}
    points = tuple((int(step), float(val)) for step, val in metrics.get("val_points", []))
    steps, seconds = int(data["step"]), float(data.get("seconds") or 0.0)
    train = data["train_config"]
    best = data.get("best") or {}
    parameters = sum(int(t.numel()) for t in data["model"].values())
    return Entrant(
        model["cell"], int(model["hidden"]), parameters, name=Path(path).name, steps=steps, seconds=seconds,
        chars_per_sec=steps * int(train["batch"]) * int(train["seq"]) / seconds if seconds else None,
        best_val=best.get("val_loss"), best_step=best.get("step"), final_val=points[-1][1] if points else None,
        val_curve=points, val_seconds=tuple(step / steps * seconds if steps else 0.0 for step, _ in points))
