"""Messages that carry work done off the UI thread back to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from textual.message import Message

from rnn_tui.run.protocol import Message as TrainerMessage

if TYPE_CHECKING:
    from rnn_tui.engine.insight.writer import Writer
    from rnn_tui.engine.inspection import Inspection
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
    """The sampler's text so far; `probs` is the distribution the newest character came from."""

    run: int  # the run whose weights wrote it
    vocab: str  # the characters `probs` is indexed by
    seed: str
    generated: str
    probs: np.ndarray | None  # (V,)
    step: int  # training step of the weights that wrote it
    done: bool = False


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
