"""Messages that carry work done off the UI thread back to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from textual.message import Message

from rnn_tui.run.protocol import Message as TrainerMessage

if TYPE_CHECKING:
    from rnn_tui.engine.beam import Beam
    from rnn_tui.engine.insight.writer import Writer
    from rnn_tui.engine.inspection import Inspection
    from rnn_tui.engine.sampling import SweepPoint
    from rnn_tui.tui.live_insight import Insight


@dataclass
class TrainerMessages(Message):
    """A batch of what the training process sent."""

    items: list[TrainerMessage]


@dataclass
class EngineLoaded(Message):
    """torch and the sampling engine are imported in the UI process."""

    error: str | None = None


@dataclass
class SampleUpdate(Message):
    """The sampler's rows so far; `probs` and `shaped` are the distributions the first row's newest
    character came from: the model's (T = 1) and the one drawn from (after T, top-k, top-p, min-p)."""

    run: int  # the run whose weights wrote it
    vocab: str  # the characters `probs` is indexed by
    seed: str
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


@dataclass
class FanUpdate(SampleUpdate):
    """The temperature fan's rows so far."""


@dataclass
class BeamReady(Message):
    """Beam search's continuation of the fan's seed text (with greedy's score)."""

    run: int
    step: int
    beam: Beam


@dataclass
class SweepReady(Message):
    """What each temperature does to samples of the current weights (the trade-off chart)."""

    run: int
    step: int
    points: list[SweepPoint]


@dataclass
class InspectionReady(Message):
    run: int
    inspection: Inspection
    step: int


@dataclass
class SamplerFailed(Message):
    """A sample failed; the sampler tries again with the next weights or settings."""

    run: int
    error: str


@dataclass
class InsightReady(Message):
    """A passage read with one snapshot: units, saturation, loss breakdown (and factors)."""

    run: int
    insight: Insight


@dataclass
class InsightFailed(Message):
    run: int
    error: str


@dataclass
class WriterReady(Message):
    """The writer's text (and the kept continuation) re-read with newer weights."""

    run: int
    step: int
    writer: Writer
    kept: Writer | None
