"""Row 5: time to quality on tinyshakespeare: the best validation loss within a wall-time budget.

A: the engine's own loop (`Trainer.run`, as `rnn-tui train --preset NAME` runs it) with a named
   preset (--preset; by default "shakespeare-5min" when rnn_tui.engine.config.PRESETS has it, else the
   reference's shape below), its stop point set to the budget (`minutes`), so a schedule that
   anneals over the run's minutes sees the budget. Its training time is the engine's own count
   (`Trainer.run_minutes`: steps only, evaluations excluded).
B: plain PyTorch (benchmarks/reference.py): a 1 x 512 LSTM, embed 64, seq 100, batch 32,
   Adam 2e-3, clip 5.
Both use 2 torch threads and the same 90/10 split. Each trains for --budget-minutes of training
time; every 30 seconds of it (and at the end) the model is evaluated on the same fixed subset of
the validation split (its first EVAL_STREAMS x EVAL_CHARS characters as contiguous streams,
state carried over chunks of 100), and evaluation time is not charged to the budget.
Figure: A's best loss over B's (nats per character), with both. Takes 2 x the budget, so it is
not in the default suite: `--only shakespeare --shakespeare PATH`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from benchmarks.common import Options, Result, torch_threads
from benchmarks.reference import ReferenceLoop, streams
from benchmarks.timing import timed
from rnn_tui.engine.config import PRESETS, ModelConfig, TrainConfig, apply_overrides
from rnn_tui.engine.data import Corpus
from rnn_tui.engine.events import Event, StepEvent, StopEvent
from rnn_tui.engine.texts import read_text
from rnn_tui.engine.training import Trainer

DEFAULT_PRESET = "shakespeare-5min"
THREADS = 2
EVAL_EVERY = 30.0  # seconds of training
EVAL_STREAMS, EVAL_CHARS, EVAL_SEQ = 32, 1000, 100
REFERENCE = dict(cell="lstm", hidden=512, layers=1, embed=64, seq=100, batch=32, lr=2e-3, clip=5.0)


@dataclass
class Outcome:
    best: float = math.inf
    steps: int = 0
    note: str = ""

    def record(self, loss: float) -> None:
        self.best = min(self.best, loss)


def run(options: Options) -> list[Result]:
    if options.shakespeare is None:
        raise ValueError("the shakespeare row needs --shakespeare PATH (e.g. /work/shared/data/tinyshakespeare.txt)")
    text = read_text(options.shakespeare)
    budget = 12.0 if options.quick else options.budget_minutes * 60
    every = budget / 4 if options.quick else EVAL_EVERY
    with torch_threads(THREADS):
        name, model_config, train_config = engine_setup(options.preset, Corpus.from_text(text, "tinyshakespeare"))
        reference = ReferenceLoop(text, **REFERENCE)
        subset = eval_subset(reference.val_ids, 100 if options.quick else EVAL_CHARS)
        plain = train_for(reference.step, reference.model, subset, budget, every)
        trainer = Trainer(model_config, replace(train_config, minutes=budget / 60, steps=None, epochs=None),
                          Corpus.from_text(text, "tinyshakespeare"), "cpu")
        if trainer.corpus.vocab.chars != reference.vocab:
            raise RuntimeError("the engine and the reference read different vocabularies")
        engine = run_engine(trainer, subset, every)
    ratio = engine.best / plain.best
    figure = (f"{ratio:.3f} (engine {name} {engine.best:.3f} in {engine.steps} steps{engine.note} vs plain 1x512 "
              f"{plain.best:.3f} in {plain.steps} steps; {budget / 60:g} min each, t{THREADS})")
    return [Result("5 shakespeare best val loss", figure, "<= 1.00", ratio <= 1.0)]


def engine_setup(preset: str | None, corpus: Corpus) -> tuple[str, ModelConfig, TrainConfig]:
    """The preset's settings; a fitted preset measures its candidates on this machine first (the
    fitting's seconds are not charged to the budget; the chosen shape is named in the figure)."""
    name = preset or (DEFAULT_PRESET if DEFAULT_PRESET in PRESETS else None)
    if name is None:
        model = {k: REFERENCE[k] for k in ("cell", "hidden", "layers", "embed")}
        train = {k: REFERENCE[k] for k in ("seq", "batch", "lr", "clip")}
        return "(reference shape)", ModelConfig(**model), TrainConfig(**train)
    if name not in PRESETS:
        raise ValueError(f"no preset {name!r}: choose one of {', '.join(sorted(PRESETS))}")
    chosen = PRESETS[name]
    model, train = apply_overrides(ModelConfig(), chosen.model), apply_overrides(TrainConfig(), chosen.train)
    if chosen.fit is not None:
        from rnn_tui.engine.fit import fit

        model, train, measured = fit(model, train, chosen.fit, corpus, "cpu")
        tried = ", ".join(f"{c.hidden} {c.precision} {c.steps_in(train.minutes or 5):,}" for c in measured)
        name = f"{name} = 1x{model.hidden} {train.precision} (steps in the budget: {tried})"
    return name, model, train


def run_engine(trainer: Trainer, subset: tuple[Tensor, Tensor], every: float) -> Outcome:
    """`Trainer.run` to its time limit, evaluating on the subset every `every` seconds of training."""
    outcome, next_eval = Outcome(), [every]

    def emit(event: Event) -> None:
        if isinstance(event, StepEvent) and trainer.run_minutes * 60 >= next_eval[0]:
            outcome.record(evaluate(trainer.model, subset))
            next_eval[0] += every
        elif isinstance(event, StopEvent) and event.reason == "diverged":
            outcome.note = f" (diverged: {event.message})"

    stop = trainer.run(emit)
    outcome.steps = stop.step
    outcome.record(evaluate(trainer.model, subset))
    return outcome


def eval_subset(val_ids: Tensor, chars: int) -> tuple[Tensor, Tensor]:
    """The first `chars` characters of each of EVAL_STREAMS streams cut from the start of the split."""
    return streams(val_ids[: EVAL_STREAMS * chars + 1], EVAL_STREAMS)


@torch.no_grad()
def evaluate(model: nn.Module, subset: tuple[Tensor, Tensor]) -> float:
    """Mean cross-entropy (nats per character) over the subset, state carried across chunks."""
    was_training, state, total = model.training, None, 0.0
    model.eval()
    x, y = subset
    for start in range(0, x.shape[1], EVAL_SEQ):
        logits, state = model(x[:, start : start + EVAL_SEQ], state)
        total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y[:, start : start + EVAL_SEQ].reshape(-1),
                                 reduction="sum").item()
    model.train(was_training)
    return total / y.numel()


def train_for(step: Callable[[], object], model: nn.Module, subset: tuple[Tensor, Tensor], budget: float,
              every: float) -> Outcome:
    """Call `step` until its time adds up to `budget`, evaluating every `every` seconds of it."""
    outcome, trained, next_eval = Outcome(), 0.0, every
    while trained < budget:
        trained += timed(step)
        outcome.steps += 1
        if trained >= next_eval or trained >= budget:
            outcome.record(evaluate(model, subset))
            next_eval += every
    return outcome
