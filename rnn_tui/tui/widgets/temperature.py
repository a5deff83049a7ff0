"""A temperature dial: `temperature 0.80` and a bar; keys, clicks and the wheel change it."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.reactive import reactive
from textual.widget import Widget

from rnn_tui.tui.messages import Routed

LOW, HIGH, STEP = 0.0, 2.0, 0.05
LABEL = "temperature "


class TemperatureControl(Widget, can_focus=True):
    BINDINGS = [
        Binding("left,minus", "nudge(-1)", "colder", show=False),
        Binding("right,plus,equals_sign", "nudge(1)", "hotter", show=False),
    ]
    value: reactive[float] = reactive(1.0)
    greedy: reactive[bool] = reactive(False)  # set by the app: the greedy switch overrides the dial

    class Changed(Routed):
        def __init__(self, control: TemperatureControl, value: float):
            super().__init__()
            self._control = control
            self.value = value

        @property
        def control(self) -> TemperatureControl:
            return self._control

    def render(self) -> Text:
        value, greedy = self.value, self.is_greedy
        note = " greedy" if greedy else ""
        width = self.bar_width()
        filled = round(width * (value - LOW) / (HIGH - LOW))
        dim = "dim " if greedy else ""  # greedy ignores the temperature: the dial says so
        text = Text(LABEL, style=dim + "bold")
        text.append(f"{value:.2f} ", style=dim + "bold")
        text.append("━" * filled, style=dim + "cyan")
        text.append("●", style=dim + ("bold cyan" if self.has_focus else "cyan"))
        text.append("─" * (width - filled), style="dim")
        text.append(note, style="bold italic")
        return text

    def set_value(self, value: float) -> None:
        value = round(min(HIGH, max(LOW, value)) / STEP) * STEP
        if abs(value - self.value) > 1e-9:
            self.value = round(value, 2)
            self.post_message(self.Changed(self, self.value))

    def action_nudge(self, direction: int) -> None:
        self.set_value(self.value + direction * STEP)

    @property
    def is_greedy(self) -> bool:
        return self.greedy or self.value == 0

    def bar_width(self) -> int:
        """Cells of the bar: what is left beside the label, the value and, when greedy, the note."""
        return max(3, self.size.width - len(LABEL) - 6 - (len(" greedy") if self.is_greedy else 0))

    def on_click(self, event: events.Click) -> None:
        start = len(LABEL) + 5
        width = self.bar_width()
        if event.x >= start:
            self.set_value(LOW + (HIGH - LOW) * (event.x - start) / width)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.action_nudge(1)
        event.stop()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self.action_nudge(-1)
        event.stop()
