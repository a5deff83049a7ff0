"""One step, with its numbers: which character of the passage the One step view reads, and its
reading (engine/insight/step.py) on the weights the sampler reads, computed off the UI thread
whenever the cursor moves or the weights change while the view is open."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from rnn_tui.engine.errors import UserError
from rnn_tui.tui.messages import StepReady
from rnn_tui.tui.widgets.step import StepView

if TYPE_CHECKING:
    from rnn_tui.tui.controllers.host import Host
    from rnn_tui.tui.results import Weights

START = 40  # the first character read: far enough in for the state to hold something


class StepController:
    def __init__(self, host: Host, passage: Callable[[], str], temperature: Callable[[], float]):
        self.host = host
        self.passage = passage
        self.temperature = temperature
        self.position = START
        self.layer = 0
        self.units: tuple[int, ...] | None = None  # None: those whose h changed most
        self.open = False
        self.lock = threading.Lock()  # one reading at a time: they share the model cache
        self.models = None
        host.channels.weights.follow(lambda _: self.refresh())
        host.channels.source.follow(lambda _: self.refresh())  # another passage
        host.route(StepReady, self.ready)
        host.route(StepView.Move, lambda m: self.move(m.delta))
        host.route(StepView.PickUnits, lambda _: self.pick_units())

    def show_view(self, open_: bool) -> None:
        """Opened: the step is read once the view's first frame is drawn (the key waits for the frame)."""
        self.open = open_
        self.host.call_after_refresh(self.refresh)

    def move(self, delta: int) -> None:
        self.position = max(0, self.position + delta)
        self.refresh()

    def pick_units(self) -> None:
        from rnn_tui.tui.screens.dialogs import PromptScreen

        chosen = "" if self.units is None else f"{self.layer + 1}: {', '.join(map(str, self.units))}"
        self.host.push_screen(PromptScreen("Units to read, e.g. 12, 40 (2: 12, 40 for layer 2; empty: the 6 whose h "
                                           "changed most):", chosen), self.set_units)

    def set_units(self, text: str | None) -> None:
        """"12, 40" (layer 1), "2: 12, 40" (layer 2), or nothing: the units that changed most. A choice
        refused leaves the last one in force."""
        from rnn_tui.engine.insight.step import check_units

        layer, units = 0, None
        if text:
            head, colon, tail = text.rpartition(":")
            try:
                layer = int(head) - 1 if colon else 0
                units = tuple(int(u) for u in tail.replace(",", " ").split())
                if not units:
                    raise ValueError
            except ValueError:
                self.host.notify(f"units: whole numbers such as 12, 40 (2: 12, 40 for layer 2), not {text!r}",
                                 severity="error")
                return
        if (weights := self.host.channels.weights.value) is not None:
            try:
                check_units(weights.config, layer, units)
            except UserError as exc:
                self.host.notify(f"one step: {exc}", severity="error")
                return
        self.layer, self.units = layer, units
        self.refresh()

    def refresh(self) -> None:
        """Read the step again (while the view is open)."""
        weights, passage = self.host.channels.weights.value, self.passage()
        if not self.open or weights is None or not passage:
            return
        self.position = min(self.position, len(passage) - 1)
        position, layer, units, temperature = self.position, self.layer, self.units, self.temperature()
        self.host.run_worker(lambda: self.read(weights, passage, position, layer, units, temperature), thread=True,
                             group="one-step", exclusive=True, exit_on_error=False)

    def read(self, weights: Weights, passage: str, position: int, layer: int, units: tuple[int, ...] | None,
             temperature: float) -> None:
        from rnn_tui.engine.insight.step import one_step
        from rnn_tui.tui.live_sampling import ModelCache

        with self.lock:
            if self.models is None:
                self.models = ModelCache()
            model, vocab = self.models.load(weights)
            try:
                reading = one_step(model, vocab, passage, position, layer, units, temperature=temperature)
            except UserError as exc:
                self.host.post_message(StepReady(weights.run, None, f"one step: {exc}"))
                return
        self.host.post_message(StepReady(weights.run, reading))

    def ready(self, message: StepReady) -> None:
        if message.refused is not None:  # a choice the model read lacks (a new run's): back to the default
            self.layer, self.units = 0, None
            self.host.notify(message.refused, severity="error")
        else:
            self.host.channels.step_reading.publish(message.reading)
