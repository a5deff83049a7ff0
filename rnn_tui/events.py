"""What a training run reports, as plain dataclasses: no torch, no UI types.

The CLI prints them (as JSON with --json); the app turns them into widget updates.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

LN2 = math.log(2)


@dataclass(frozen=True)
class StepEvent:
    step: int  # steps completed so far
    epoch: float  # passes over the training text, fractional
    loss: float  # mean cross-entropy of this step's batch, nats per character
    grad_norm: float  # global gradient norm before clipping
    lr: float
    chars_per_sec: float
    seconds: float  # wall time of this step, from the end of the previous one (0 for a first step)
    kind: str = "step"


@dataclass(frozen=True)
class EvalEvent:
    step: int
    epoch: float
    val_loss: float  # nats per character on the validation split
    train_loss: float  # mean of the recent training steps, nats per character

    kind: str = "eval"

    @property
    def val_bpc(self) -> float:
        return self.val_loss / LN2


@dataclass(frozen=True)
class StopEvent:
    step: int
    epoch: float
    reason: str  # "steps", "epochs", "minutes", "stopped", "diverged"
    message: str
    train_loss: float | None
    val_loss: float | None
    kind: str = "stop"

    @property
    def val_bpc(self) -> float | None:
        return None if self.val_loss is None else self.val_loss / LN2


Event = StepEvent | EvalEvent | StopEvent


def event_to_dict(event: Event) -> dict:
    """The event as a JSON-ready dict; evaluations also carry val_bpc."""
    data = asdict(event)
    if isinstance(event, (EvalEvent, StopEvent)):
        data["val_bpc"] = event.val_bpc
    return data
