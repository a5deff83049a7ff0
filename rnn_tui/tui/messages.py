"""Messages that carry work done off the UI thread back to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from rnn_tui.run.counting import Counted
from rnn_tui.run.protocol import Message as TrainerMessage

if TYPE_CHECKING:
    from rnn_tui.engine.beam import Beam
    from rnn_tui.engine.insight.step import StepReading
    from rnn_tui.engine.insight.writer import Writer
    from rnn_tui.engine.inspection import Inspection
    from rnn_tui.engine.sampling import SweepPoint
    from rnn_tui.tui.results import Insight, Sample, SampleCounts


@dataclass
class TrainerMessages(Message):
    """A batch of what the training process sent (and the counting baseline of a run)."""

    items: list[TrainerMessage | Counted]


@dataclass
class EngineLoaded(Message):
    """torch and the sampling engine are imported in the UI process."""

    error: str | None = None


@dataclass
class SampleUpdate(Message):
    """The playground's sampler wrote more (or finished)."""

    sample: Sample


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
    """The writer's text (and the continuation put beside it) re-read with newer weights."""

    run: int
    step: int
    writer: Writer
    beside: Writer | None  # the continuation kept beside it
    lost: str | None = None  # why the text typed could not be read again (a new vocabulary)


@dataclass
class StepReady(Message):
    """One step of the cell read at the One step view's character; or why it could not be."""

    run: int
    reading: StepReading | None
    refused: str | None = None


@dataclass
class CountedReady(Message):
    """What counting says of a finished sample (the playground's or the fan's)."""

    run: int
    fan: bool
    counted: SampleCounts
