"""Compare one setting: a run per value, with everything else the same (text, seed, data order,
budget and every other setting), one after the other as the cell race runs (engine/race.py says
why). The race of the cells is the comparison of `cell` at equal parameters.

With `equal_params`, each run's hidden size is solved so that its parameter count is the closest
to the budget, so that a deeper or wider-input model is not simply a bigger one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rnn_tui.engine.config import ModelConfig, TrainConfig
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.race import Entrant, count_parameters, hidden_for, train_model

if TYPE_CHECKING:
    from rnn_tui.engine.data import Corpus
    from rnn_tui.engine.events import Event
    from rnn_tui.engine.race import Measure

# the settings a comparison may vary: where each lives and what its values are
SETTINGS: dict[str, tuple[str, type]] = {
    "cell": ("model", str), "hidden": ("model", int), "layers": ("model", int), "embed": ("model", int),
    "dropout": ("model", float), "seq": ("train", int), "batch": ("train", int), "lr": ("train", float),
    "optimizer": ("train", str), "clip": ("train", float), "precision": ("train", str)}
MAX_VALUES = 7  # the race of the six cells and the transformer
EQUAL_WITHIN = 0.05  # parameter counts solved for --equal-params stay this close to the budget
CURVE_POINTS = 8  # evaluations a timed comparison's run at the speed of the run on screen gets
MIN_EVAL_EVERY = 10  # an evaluation (40 batches) costs about 9 training steps of the default model


def eval_every_for(train: TrainConfig, minutes: float, chars_per_sec: float | None) -> int:
    """How often a run of `minutes` at `chars_per_sec` evaluates, so that its validation curve has
    about CURVE_POINTS points: the run on screen evaluates every 250 steps, which a 30-second run
    of its size never reaches (one point at the end is not a curve). Never less often than the run
    on screen; the evaluations count in each run's minutes alike."""
    if not chars_per_sec:
        return train.eval_every
    steps = chars_per_sec * minutes * 60 / (train.batch * train.seq)
    return max(MIN_EVAL_EVERY, min(train.eval_every, round(steps / CURVE_POINTS)))


@dataclass(frozen=True)
class Vary:
    name: str
    values: tuple[str, ...]


def parse_vary(text: str) -> Vary:
    """`NAME=V1,V2[,V3,V4]`: a setting and two to four values for it."""
    name, sep, rest = text.partition("=")
    name = name.strip().replace("-", "_")
    values = tuple(v.strip() for v in rest.split(",") if v.strip())
    if not sep or name not in SETTINGS:
        raise UserError(f"--vary takes NAME=V1,V2 with NAME one of {', '.join(SETTINGS)}, not {text!r}")
    if not 2 <= len(values) <= MAX_VALUES or len(set(values)) != len(values):
        raise UserError(f"--vary {name}: give 2 to {MAX_VALUES} different values, not {rest!r}")
    return Vary(name, values)


@dataclass(frozen=True)
class Contender:
    value: str
    model: ModelConfig
    train: TrainConfig
    name: str  # "dropout=0.3": the run's name in tables and on the plot

    @property
    def parameters(self) -> int:
        m = self.model
        return count_parameters(m.cell, m.hidden, m.vocab_size, m.embed, m.layers, self.train.seq)


def convert(name: str, value: str) -> object:
    kind = SETTINGS[name][1]
    try:
        converted = kind(value)
    except ValueError:
        raise UserError(f"--vary {name}: {value!r} is not {'a whole number' if kind is int else 'a number'}") from None
    if isinstance(converted, float) and not math.isfinite(converted):
        raise UserError(f"--vary {name}: {value!r} is not a finite number")
    return converted


def contenders(vary: Vary, model: ModelConfig, train: TrainConfig, vocab_size: int,
               equal_params: int | None = None) -> list[Contender]:
    """One run per value, each checked as a run of its own would be; with `equal_params`, each
    at the hidden size that brings it nearest that many parameters."""
    if equal_params is not None and vary.name == "hidden":
        raise UserError("--equal-params solves the hidden size: it cannot be the setting varied")
    if equal_params is not None and equal_params < 1000:
        raise UserError(f"the parameter budget must be at least 1,000, not {equal_params}")
    out = []
    model = replace(model, vocab_size=vocab_size)
    for value in vary.values:
        where, _ = SETTINGS[vary.name]
        changed = {vary.name: convert(vary.name, value)}
        m = replace(model, **changed) if where == "model" else model
        t = replace(train, **changed) if where == "train" else train
        try:  # before solving the hidden size, which needs a known cell
            m.validate()
            t.validate()
        except UserError as exc:
            raise UserError(f"--vary {vary.name}={value}: {exc}") from None
        if equal_params is not None:
            m = replace(m, hidden=hidden_for(m.cell, equal_params, vocab_size, m.embed, m.layers, t.seq))
        out.append(Contender(value, m, t, f"{vary.name}={value}"))
    if equal_params is not None:
        off = [c for c in out if abs(c.parameters - equal_params) > EQUAL_WITHIN * equal_params]
        if off:
            c = off[0]
            raise UserError(f"--equal-params {equal_params:,}: {vary.name}={c.value} cannot come within "
                            f"{EQUAL_WITHIN:.0%} of it ({c.parameters:,} parameters at hidden {c.model.hidden})")
    return out


def entrant_of(c: Contender) -> Entrant:
    """A contender before it trains: its name and size, for a table that fills as the runs go."""
    return Entrant(c.model.cell, c.model.hidden, c.parameters, name=c.name)


def run_compare(runs: list[Contender], corpus: Corpus, device: str | None = None,
                report: Callable[[str, Event, float], None] | None = None, sample_seed: int = 0,
                done: Callable[[Entrant], None] | None = None, measure: Measure | None = None) -> list[Entrant]:
    """Train each contender in turn from scratch; `report` hears each event (with the run's name,
    "dropout=0.3", and its training seconds), `done` each run as it finishes, `measure` (a lesson's)
    reads each trained model."""
    if any(not c.train.has_stop_point for c in runs):
        raise UserError("a comparison needs a budget: --steps, --epochs or --minutes")
    finished = []
    for c in runs:
        finished.append(train_model(entrant_of(c), c.model, c.train, corpus, device, report, sample_seed, measure))
        if done is not None:
            done(finished[-1])
    return finished


def run_dict(value: str, run: Entrant) -> dict[str, object]:
    """One run of a comparison as JSON: what `rnn-tui compare --json` lists."""
    trains = dict(run.train_curve)
    return {"value": value, "parameters": run.parameters, "hidden": run.hidden, "steps": run.steps,
            "chars_per_sec": None if run.chars_per_sec is None else round(run.chars_per_sec, 1),
            "best_val": run.best_val, "best_step": run.best_step, "final_val": run.final_val,
            "final_train": run.final_train,
            "curve": [[step, val, trains.get(step)] for step, val in run.val_curve], "sample": run.sample,
            **({"measures": {key: figure if math.isfinite(figure) else None for key, figure in run.measures.items()}}
               if run.measures else {})}  # None: nothing to measure (no closer that far back), not NaN
