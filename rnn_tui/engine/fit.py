"""Time-budget presets fitted to the machine they run on.

A fixed shape is tuned to one machine: on one CPU a 1x384 LSTM beat a 1x512 in five minutes (it
took 46% more steps), on a faster one the 1x512 won. So a fitted preset measures first: each
candidate (hidden sizes, and bf16 autocast where this device runs it faster than fp32) trains for
a moment on the run's own text, and the largest model that still takes `min_steps` steps in the
budget (the steps a five-minute run needed here to beat the larger, slower model), sees
`chars_per_parameter` characters a parameter, and has `text_chars_per_parameter` characters of
training text a parameter is chosen: the loss at the end of the budget is what counts, and a model
starved of characters, or one large enough to learn its text by heart in the passes the budget
makes over it, ends it behind a smaller one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from rnn_tui.engine.config import FitSpace, ModelConfig, TrainConfig
from rnn_tui.engine.data import Corpus

MEASURE_SECONDS = 1.5  # per candidate, after its warm-up steps
WARMUP_STEPS = 3
BF16_GAIN = 1.15  # bf16 is tried for larger models only where it ran this much faster than fp32


@dataclass(frozen=True)
class Candidate:
    hidden: int
    precision: str
    parameters: int
    steps_per_second: float

    def steps_in(self, minutes: float) -> int:
        return int(self.steps_per_second * minutes * 60)

    def fits(self, minutes: float, space: FitSpace, chars_per_step: int, text_chars: int) -> bool:
        """It gets the steps, sees the characters per parameter, and has the training text per parameter,
        that the space asks for in the budget."""
        steps = self.steps_in(minutes)
        return (steps >= space.min_steps and steps * chars_per_step >= space.chars_per_parameter * self.parameters
                and text_chars >= space.text_chars_per_parameter * self.parameters)


def steps_per_second(model: ModelConfig, train: TrainConfig, corpus: Corpus, device: str | None) -> tuple[float, int]:
    """Training steps per second of this shape here, and its parameter count."""
    from rnn_tui.engine.training import Trainer

    trainer = Trainer(model, replace(train, steps=None, epochs=None, minutes=None), corpus, device)
    for _ in range(WARMUP_STEPS):
        trainer.train_step()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < MEASURE_SECONDS or count < 2:
        trainer.train_step()
        count += 1
    return count / (time.perf_counter() - start), trainer.model.num_parameters()


def fit(model: ModelConfig, train: TrainConfig, space: FitSpace, corpus: Corpus, device: str | None = None,
        report: Callable[[Candidate], None] | None = None) -> tuple[ModelConfig, TrainConfig, list[Candidate]]:
    """The preset's model and training settings with the hidden size (and precision) that fit the
    budget on this machine, and every candidate measured."""
    minutes = train.minutes or 5.0
    measured: list[Candidate] = []

    def measure(hidden: int, precision: str) -> Candidate:
        rate, parameters = steps_per_second(replace(model, hidden=hidden), replace(train, precision=precision),
                                            corpus, device)
        candidate = Candidate(hidden, precision, parameters, rate)
        measured.append(candidate)
        if report is not None:
            report(candidate)
        return candidate

    smallest = min(space.hidden)
    fp32 = measure(smallest, "fp32")
    precisions = ["fp32"]
    if measure(smallest, "bf16").steps_per_second >= BF16_GAIN * fp32.steps_per_second:
        precisions = ["bf16"]  # it runs faster here: the larger models are measured in it only
    chosen = max((c for c in measured if c.precision in precisions), key=lambda c: c.steps_per_second)
    chars_per_step, text_chars = train.batch * train.seq, len(corpus.train)
    for hidden in sorted(space.hidden)[1:]:
        if not chosen.fits(minutes, space, chars_per_step, text_chars):
            break  # even this one falls short: a larger one would more so
        candidate = measure(hidden, precisions[0])
        if not candidate.fits(minutes, space, chars_per_step, text_chars):
            break  # larger ones are slower still, and have more parameters to feed and to fill
        chosen = candidate
    return replace(model, hidden=chosen.hidden), replace(train, precision=chosen.precision), measured
