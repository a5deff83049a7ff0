"""Messages that carry work done off the UI thread back to it, and the two kinds the app routes to
the controller that registered for them (`Host.route`): a view's request, and a run's result."""

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


class Routed(Message):
    """Handed by the app to the one controller that registered for its type (`Host.route`)."""


class RunResult(Routed):
    """What background work made for one run: dropped when another run is on screen by the time it
    comes, or when the app is closing."""

    run: int


@dataclass
class TrainerMessages(Routed):
    """A batch of what the training process sent (and the counting baseline of a run)."""

    items: list[TrainerMessage | Counted]


@dataclass
class EngineLoaded(Message):
    """torch and the sampling engine are imported in the UI process."""

    error: str | None = None


@dataclass
class SampleUpdate(RunResult):
    """The playground's sampler wrote more (or finished)."""

    sample: Sample

    @property
    def run(self) -> int:  # type: ignore[override]
        return self.sample.run


@dataclass
class FanUpdate(SampleUpdate):
    """The temperature fan's rows so far."""


@dataclass
class BeamReady(RunResult):
    """Beam search's continuation of the fan's seed text (with greedy's score)."""

    run: int
    step: int
    beam: Beam


@dataclass
class SweepReady(RunResult):
    """What each temperature does to samples of the current weights (the trade-off chart)."""

    run: int
    step: int
    points: list[SweepPoint]


@dataclass
class InspectionReady(RunResult):
    run: int
    inspection: Inspection
    step: int


@dataclass
class SamplerFailed(RunResult):
    """A sample failed; the sampler tries again with the next weights or settings."""

    run: int
    error: str


@dataclass
class InsightReady(RunResult):
    """A passage read with one snapshot: units, saturation, loss breakdown (and factors)."""

    run: int
    insight: Insight


@dataclass
class InsightFailed(RunResult):
    run: int
    error: str


@dataclass
class WriterReady(RunResult):
    """The writer's text (and the continuation put beside it) re-read with newer weights."""

    run: int
    step: int
    writer: Writer
    beside: Writer | None  # the continuation kept beside it
    lost: str | None = None  # why the text typed could not be read again (a new vocabulary)


@dataclass
class StepReady(RunResult):
    """One step of the cell read at the One step view's character; or why it could not be."""

    run: int
    reading: StepReading | None
    refused: str | None = None


@dataclass
class CountedReady(RunResult):
    """What counting says of a finished sample (the playground's or the fan's)."""

    run: int
    fan: bool
    counted: SampleCounts
