"""What the app's controllers publish and its views watch, one typed channel per kind of result.

A controller publishes with `host.channels.sample.publish(sample)`; a view subscribes from its own
`on_mount` with `channels_of(self).sample.watch(self, self.show)`, which calls it at once with the
newest value (so a view mounted late starts from the latest) and on every publication after, even of
an equal value. A misspelled channel is an AttributeError where it is written, and a type checker
sees what each one carries. Underneath is Textual's `Signal`, which forgets a view once it is removed.
A controller, which lives as long as the app, follows a channel with `follow`: called on every
publication after, in the order they followed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from textual.signal import Signal

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from rnn_tui.engine.beam import Beam
    from rnn_tui.engine.insight.step import StepReading
    from rnn_tui.engine.sampling import SampleSettings
    from rnn_tui.run.protocol import Ready, Snapshot
    from rnn_tui.run.spec import RunSpec
    from rnn_tui.tui.results import (
        Fan,
        Horizons,
        Insight,
        Inspected,
        LessonRun,
        Sample,
        SampleCounts,
        SpanAnswer,
        Sweep,
        Weights,
        Written,
    )
    from rnn_tui.tui.state import FinishedSample, RunState

T = TypeVar("T")


class Channel(Generic[T]):
    """One kind of result: the newest value, and the views that watch it."""

    def __init__(self, owner: DOMNode, name: str, initial: T) -> None:
        self.name = name
        self.value = initial
        self._signal: Signal[T] = Signal(owner, name)
        self._followers: list[Callable[[T], Any]] = []

    def publish(self, value: T) -> None:
        self.value = value
        for follower in self._followers:
            follower(value)
        self._signal.publish(value)

    def follow(self, callback: Callable[[T], Any]) -> None:
        """Call `callback` with each value published from now on (for controllers, which are not mounted)."""
        self._followers.append(callback)

    def watch(self, node: DOMNode, callback: Callable[[T], Any]) -> None:
        """Call `callback` with the newest value now and with each one published while `node` is mounted."""
        callback(self.value)
        self._signal.subscribe(node, callback, immediate=True)


class Channels:
    """Every channel of the app, owned by it (`PlaygroundApp.channels`)."""

    def __init__(self, owner: DOMNode) -> None:
        def channel(name: str, initial: Any = None) -> Any:
            return Channel(owner, name, initial)

        self.run: Channel[RunState | None] = channel("run")  # the run's state changed (steps, evaluations, a pause)
        self.ready: Channel[Ready | None] = channel("ready")  # the run on screen (its vocabulary, layers, parameters)
        self.run_asked: Channel[int] = channel("run_asked", 0)  # a new run was asked for: the old one is gone
        self.snapshot: Channel[Snapshot | None] = channel("snapshot")  # the newest weights the process sent
        self.weights: Channel[Weights | None] = channel("weights")  # what every view reads (controllers/weights.py)
        self.settings_form: Channel[RunSpec | None] = channel("settings_form")  # the settings the form shows again
        self.sample: Channel[Sample | None] = channel("sample")  # the playground's sample so far
        self.sample_note: Channel[str] = channel("sample_note", "")  # which weights wrote it, with which seed
        self.sampler_message: Channel[str | None] = channel("sampler_message")  # instead of a sample: why not
        self.rules: Channel[SampleSettings | None] = channel("rules")  # the playground's decoding rules in force
        self.fan: Channel[Fan | None] = channel("fan")  # the temperature fan so far
        self.fan_counted: Channel[SampleCounts | None] = channel("fan_counted")  # its n-gram row and copy meters
        self.beam: Channel[Beam | None] = channel("beam")  # beam search beside the fan; None: off
        self.sweep: Channel[Sweep | None] = channel("sweep")  # what temperature does to samples of these weights
        self.history: Channel[tuple[FinishedSample, ...]] = channel("history", ())  # finished samples, newest first
        self.inspection: Channel[Inspected | None] = channel("inspection")  # the hidden states of the last sample
        self.insight: Channel[Insight | None] = channel("insight")  # the passage read with the current weights
        self.insight_note: Channel[str | None] = channel("insight_note")  # why the passage could not be read
        self.horizons: Channel[Horizons | None] = channel("horizons")  # the gradient horizon at the last evaluations
        self.span: Channel[SpanAnswer | None] = channel("span")  # the units on across a selected span
        self.source: Channel[str] = channel("source", "validation")  # which passage the views read
        self.written: Channel[Written | None] = channel("written")  # the writer's text, read by the model
        self.writer_note: Channel[str | None] = channel("writer_note")  # what the writer waits for
        self.step_reading: Channel[StepReading | None] = channel("step_reading")  # One step at its character
        self.lesson_run: Channel[LessonRun | None] = channel("lesson_run")  # the last lesson's runs and verdict
        self.comparing: Channel[bool] = channel("comparing", False)  # a comparison trains: the user's run waits


def channels_of(node: DOMNode) -> Channels:
    """The channels of the app `node` is mounted in."""
    return cast(Channels, node.app.channels)  # type: ignore[attr-defined]
