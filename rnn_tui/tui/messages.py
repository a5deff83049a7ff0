"""Messages that carry work done off the UI thread back to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from textual.message import Message

from rnn_tui.run.protocol import Message as TrainerMessage

if TYPE_CHECKING:
    from rnn_tui.engine.inspection import Inspection


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
