"""What a training run reports, as plain dataclasses: no torch, no UI types.

The CLI prints them (as JSON with --json); the app turns them into its state and widgets.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

LN2 = math.log(2)


@dataclass(frozen=True)
class StartEvent:
    """What a script needs to judge the losses that follow, without reading the text."""

    text: str  # a built-in name or a file name
    chars: int  # size of the whole text in characters (train + validation)
    vocab_size: int
    uniform_loss: float  # ln V: the loss of a uniform guess
    unigram_entropy: float  # nats: the loss of a model that knows only how common each character is
    parameters: int
    device: str
    step: int  # 0 for a fresh run, more for a resumed one
    seconds: float = 0.0  # training time before this start (a resumed run brings its own)
    note: str | None = None  # what reading the text changed (line ends), for the user
    world_size: int = 1  # processes training together (torchrun); the batch is per process
    rare_chars: int = 0  # distinct characters of a large vocabulary read as one rare symbol (data.Vocab)
    rare_share: float = 0.0  # their share of the text's characters
    kind: str = "start"

    @property
    def rare(self) -> str | None:
        """'3,173 rare characters, 0.02% of the text, as one symbol', when the text has them."""
        if not self.rare_chars:
            return None
        share = f"{self.rare_share:.2%}" if self.rare_share >= 1e-4 else "under 0.01%"
        return f"{self.rare_chars:,} rare characters, {share} of the text, as one symbol"


@dataclass(frozen=True)
class StepEvent:
    step: int  # steps completed so far
    epoch: float  # passes over the training text, fractional
    loss: float  # mean cross-entropy of this step's batch, nats per character
    grad_norm: float  # global gradient norm before clipping
    lr: float  # the rate this step used (the schedule applied to the set rate)
    chars_per_sec: float
    seconds: float  # wall time of this step, from the end of the previous one (0 for a first step)
    kind: str = "step"


@dataclass(frozen=True)
class EvalEvent:
    step: int
    epoch: float
    val_loss: float  # nats per character on the validation split
    train_loss: float  # mean of the recent training steps, nats per character
    best_val: float  # the lowest val_loss of the run so far (this one included)
    best_step: int
    advice: str | None = None  # the coach's one line: overfitting or a plateau
    sample: str | None = None  # the timeline's sample at this step: same seed text, temperature, random seed
    kind: str = "eval"

    @property
    def val_bpc(self) -> float:
        return self.val_loss / LN2


@dataclass(frozen=True)
class SettingEvent:
    """A setting of the run changed from `step` on: the learning rate, dropout, or its stop points
    cleared (the run goes on past them)."""

    step: int
    name: str  # "lr", "dropout" or "stop_points"
    value: float
    kind: str = "setting"


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


@dataclass(frozen=True)
class BaselineEvent:
    """The counting baseline of the run's text became known: the best interpolated Kneser-Ney
    n-gram's loss on the validation characters the evaluations score."""

    step: int
    ngram_order: int
    ngram_loss: float  # nats per character
    ngram_losses: tuple[float, ...]  # of orders 1, 2, ...
    kind: str = "baseline"

    @property
    def name(self) -> str:
        return f"{self.ngram_order}-gram"


Event = StartEvent | StepEvent | EvalEvent | SettingEvent | StopEvent | BaselineEvent


def event_to_dict(event: Event) -> dict:
    """The event as a JSON-ready dict; evaluations also carry val_bpc."""
    data = asdict(event)
    if isinstance(event, (EvalEvent, StopEvent)):
        data["val_bpc"] = event.val_bpc
    return data


EVENT_TYPES: dict[str, type] = {"start": StartEvent, "step": StepEvent, "eval": EvalEvent, "setting": SettingEvent,
                                 "stop": StopEvent, "baseline": BaselineEvent}


def event_from_dict(data: dict) -> Event:
    """An event from its JSON form (what `event_to_dict` wrote); extra fields such as val_bpc are dropped."""
    cls = EVENT_TYPES[data["kind"]]
    names = cls.__dataclass_fields__
    fields = {k: v for k, v in data.items() if k in names}
    if cls is BaselineEvent:
        fields["ngram_losses"] = tuple(fields["ngram_losses"])
    return cls(**fields)
