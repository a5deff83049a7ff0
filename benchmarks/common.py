"""What the rows share: run options, a result line, torch thread settings, the engine's setup."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import torch

from benchmarks.timing import Span, interleave, repeats_for, timed
from rnn_tui.engine.config import ModelConfig, TrainConfig
from rnn_tui.engine.data import Corpus
from rnn_tui.engine.training import Trainer

APP_TRAINING_THREADS = 1  # what BackgroundTrainer's child sets (RunSpec.threads) unless --threads is given


@dataclass(frozen=True)
class Options:
    quick: bool = False  # seconds instead of minutes: for checking that the suite runs
    shakespeare: Path | None = None
    budget_minutes: float = 5.0
    preset: str | None = None

    @property
    def rounds(self) -> int:
        """Rounds of A/B alternation for rows with a target; medians are taken over them."""
        return 2 if self.quick else 9

    @property
    def report_rounds(self) -> int:
        """Rounds for rows that only report, and for slow ones."""
        return 2 if self.quick else 4

    @property
    def window(self) -> float:
        """Seconds of work per candidate per round."""
        return 0.2 if self.quick else 0.4


@dataclass(frozen=True)
class Result:
    row: str
    figure: str
    target: str
    met: bool | None  # None: the target is to report the figure


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@functools.cache
def default_corpus() -> Corpus:
    """The bundled text the app trains on when given none."""
    return Corpus.load("essay")  # the figures in RESULTS.md were measured on it


def engine_trainer(cell: str, hidden: int, layers: int = 1, embed: int = 8, seq: int = 100, batch: int = 32,
                   corpus: Corpus | None = None) -> Trainer:
    model = ModelConfig(cell=cell, hidden=hidden, layers=layers, embed=embed)
    return Trainer(model, TrainConfig(seq=seq, batch=batch), corpus or default_corpus(), "cpu")


def kilo(x: float) -> str:
    return f"{x / 1000:.1f}k"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def step_windows(steppers: dict[str, Callable[[], object]], options: Options, warmup: int = 2,
                 same_steps: bool = True, rounds: int | None = None) -> dict[str, list[Span]]:
    """Seconds per step (wall and CPU) of each loop, per round, steps interleaved one by one.

    Each loop is warmed up, then timed over as many steps again to size the rounds: with
    `same_steps` every loop runs the step count that fills `options.window` for the slowest;
    otherwise each loop runs as many steps as fill the window on its own."""
    for step in steppers.values():
        for _ in range(warmup):
            step()
    per_step = {name: timed(lambda s=step: [s() for _ in range(warmup)]) / warmup for name, step in steppers.items()}
    slowest = max(per_step.values())
    counts = {name: repeats_for(slowest if same_steps else t, options.window) for name, t in per_step.items()}
    return interleave(steppers, counts, rounds or options.rounds)
