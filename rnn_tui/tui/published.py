"""What the app's controllers publish and its views watch: the newest result of each kind of
background work. A view subscribes from its own `on_mount` with `self.watch(self.app, name,
self.show)`, which calls it at once with the current value (so a view mounted late starts from the
latest) and on every publication after, even of an equal value."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.reactive import var

if TYPE_CHECKING:
    from rnn_tui.engine.beam import Beam
    from rnn_tui.engine.insight.step import StepReading
    from rnn_tui.engine.sampling import SampleSettings
    from rnn_tui.run.protocol import Ready
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
        Written,
    )
    from rnn_tui.tui.state import FinishedSample


def published(default: object = None) -> var:
    return var(default, always_update=True, init=False)


class Published:
    """The app's published results. Each name is set only through `publish`."""

    ready: var[Ready | None] = published()  # the run on screen (its vocabulary, layers, parameters)
    settings_form: var[RunSpec | None] = published()  # the settings the form shows again (a change refused)
    sample: var[Sample | None] = published()  # the playground's sample so far
    sample_note: var[str] = published("")  # which weights wrote it, with which random seed
    sampler_message: var[str | None] = published()  # instead of a sample: what the sampler waits for, or why it failed
    rules: var[SampleSettings | None] = published()  # the playground's decoding rules in force
    fan: var[Fan | None] = published()  # the temperature fan so far
    fan_counted: var[SampleCounts | None] = published()  # the fan's n-gram row and copy meters, once it is done
    beam: var[Beam | None] = published()  # beam search beside the fan; None: off
    sweep: var[Sweep | None] = published()  # what temperature does to samples of these weights
    history: var[tuple[FinishedSample, ...]] = published(())  # the playground's finished samples, newest first
    inspection: var[Inspected | None] = published()  # the hidden states of the last sample
    insight: var[Insight | None] = published()  # the passage read with the current weights
    insight_note: var[str | None] = published()  # why the passage could not be read
    horizons: var[Horizons | None] = published()  # the gradient horizon at the last evaluations
    span: var[SpanAnswer | None] = published()  # the units on across a selected span
    source: var[str] = published("validation")  # which passage the views read
    written: var[Written | None] = published()  # the writer's text, read by the model
    writer_note: var[str | None] = published()  # what the writer waits for
    step_reading: var[StepReading | None] = published()  # one step of the cell, at the One step view's character
    lesson_run: var[LessonRun | None] = published()  # the last lesson's runs and verdict, kept until the next

    def publish(self, name: str, value: object) -> None:
        if not isinstance(getattr(type(self), name, None), var):
            raise AttributeError(f"{name!r} is not a published result")
        setattr(self, name, value)
