"""What the app's background work produces, as plain data: no threads and no Textual here, so a
view can name what it shows without importing the thread that made it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from rnn_tui.engine.config import ModelConfig
from rnn_tui.engine.insight.registry import Analysis, Questions

if TYPE_CHECKING:
    from rnn_tui.engine.copying import Copying
    from rnn_tui.engine.counting import PassageCounts
    from rnn_tui.engine.insight.gradients import Horizon
    from rnn_tui.engine.inspection import Inspection
    from rnn_tui.engine.lessons import Verdict
    from rnn_tui.engine.race import Entrant
    from rnn_tui.engine.sampling import SweepPoint
    from rnn_tui.run.compare_process import CompareRequest

T = TypeVar("T")


@dataclass(frozen=True)
class Weights:
    """A model's weights as the app's threads read them: the live ones, the best, or a replayed moment."""

    run: int  # the run they belong to (TrainingController.run)
    config: ModelConfig
    vocab: str
    tensors: dict[str, np.ndarray]
    step: int


@dataclass(frozen=True)
class Sample:
    """A sampler's rows so far; `probs` and `shaped` are the distributions the first row's newest
    character came from: the model's (T = 1) and the one drawn from (after T, top-k, top-p, min-p)."""

    run: int  # the run whose weights wrote it
    vocab: str  # the characters `probs` is indexed by
    seed_text: str  # what the model read first (the random seed is random_seed)
    rows: tuple[str, ...]  # what each row wrote after the seed text
    log_probs: tuple[float, ...]  # of each row's text under the model (natural log, summed)
    probs: np.ndarray | None  # (V,)
    shaped: np.ndarray | None  # (V,)
    step: int  # training step of the weights that wrote it
    random_seed: int  # the seed of the uniform numbers every row drew from
    done: bool = False
    settings: tuple[str, ...] = ()  # each row's decoding rule in words, as it was at the last character

    @property
    def generated(self) -> str:
        return self.rows[0]


@dataclass(frozen=True)
class Fan:
    """The temperature fan: one row per temperature, on common random numbers."""

    sample: Sample
    temperatures: tuple[float, ...]
    note: str  # which weights wrote it, with which random seed


@dataclass(frozen=True)
class SampleCounts:
    """What counting says of a finished sample: the best n-gram's own row, written with the same
    uniform numbers (the fan's), and how much of each row is copied from the training text."""

    random_seed: int  # of the sample it belongs to
    step: int
    copies: tuple[Copying, ...]  # one per row of the sample
    ngram: str | None = None  # "9-gram"; None: no n-gram row (the playground's sampler)
    settings: str = ""  # its decoding rule in words
    text: str = ""
    log_prob: float = 0.0  # of its text under itself at T = 1
    ngram_copy: Copying | None = None


@dataclass(frozen=True)
class Sweep:
    """What each temperature does to samples of one set of weights (the trade-off chart)."""

    points: list[SweepPoint]
    step: int


@dataclass(frozen=True)
class Inspected:
    """The hidden states of the playground's last sample, for the heatmap."""

    inspection: Inspection
    step: int  # of the weights that wrote and read it


@dataclass(frozen=True)
class InsightRequest:
    weights: Weights
    passage: str
    source: str  # where the passage came from, in words
    analyses: tuple[Analysis[Any], ...]  # what the open view shows (the registry's entries)
    questions: Questions = Questions()
    first: Weights | None = None  # the weights of the run's first evaluation, for the onion it started from


@dataclass(frozen=True)
class Insight:
    """A passage read with one set of weights, and what the open view's analyses found in it."""

    request: InsightRequest
    inspection: Inspection
    found: Mapping[str, Any]  # analysis name -> its result; absent: it did not apply or was not asked
    counts: PassageCounts | None = None  # what counting gives each character, when an analysis compared

    def of(self, analysis: Analysis[T]) -> T | None:
        return self.found.get(analysis.name)

    @property
    def step(self) -> int:
        return self.request.weights.step


@dataclass(frozen=True)
class Horizons:
    """The gradient horizon at successive evaluations, oldest first, and the reading it came with."""

    found: list[tuple[int, Horizon]]  # (step, horizon)
    insight: Insight


@dataclass(frozen=True)
class SpanAnswer:
    """The units on across a selected span, and where else they are on together."""

    summary: str
    values: np.ndarray | None  # (T,) their mean, to colour the passage
    marks: np.ndarray | None  # (T,) True where they are all on


@dataclass(frozen=True)
class Written:
    """What the writer shows: plain data, made by the controller from its Writer."""

    text: str
    bits: np.ndarray  # (T,) surprisal of each typed character
    top: list[tuple[str, float]]  # the likeliest next characters
    state: np.ndarray | None  # (H,) the top layer's h after the last character; None: a transformer has none
    readings: list[tuple[str, float]]  # (what a found unit tracks, its value now)
    step: int
    beside: tuple[str, np.ndarray] | None = None  # the continuation kept beside, with its surprisal


@dataclass(frozen=True)
class LessonRun:
    """A lesson's comparison as far as it went: kept until the next lesson starts."""

    request: CompareRequest
    runs: tuple[Entrant, ...]
    done: frozenset[str]  # the names of the runs that finished
    verdict: Verdict | None  # None until every run is over
    over: bool

    @property
    def lesson(self) -> str:
        return self.request.lesson or ""
