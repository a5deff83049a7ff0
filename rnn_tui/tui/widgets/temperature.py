"""A temperature dial: `temperature 0.80` and a bar; keys, clicks and the wheel change it."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

LOW, HIGH, STEP = 0.0, 2.0, 0.05
LABEL = "temperature "


class TemperatureControl(Widget, can_focus=True):
    BINDINGS = [
        Binding("left,minus", "nudge(-1)", "colder", show=False),
        Binding("right,plus,equals_sign", "nudge(1)", "hotter", show=False),
    ]
    value: reactive[float] = reactive(1.0)

    class Changed(Message):
        def __init__(self, control: TemperatureControl, value: float):
            super().__init__()
            self._control = control
            self.value = value

        @property
        def control(self) -> TemperatureControl:
            return self._control

    def render(self) -> Text:
        value = self.value
        width = max(5, self.size.width - len(LABEL) - 6)
        filled = round(width * (value - LOW) / (HIGH - LOW))
        text = Text(LABEL, style="bold")
        text.append(f"{value:.2f} ", style="bold")
        text.append("━" * filled, style="cyan")
        text.append("●", style="bold cyan" if self.has_focus else "cyan")
        text.append("─" * (width - filled), style="dim")
        if value == 0:
            text.append(" greedy", style="italic")
        return text

    def set_value(self, value: float) -> None:
        value = round(min(HIGH, max(LOW, value)) / STEP) * STEP
        if abs(value - self.value) > 1e-9:
            self.value = round(value, 2)
            self.post_message(self.Changed(self, self.value))

    def action_nudge(self, direction: int) -> None:
        self.set_value(self.value + direction * STEP)

    def on_click(self, event: events.Click) -> None:
        start = len(LABEL) + 5
        width = max(5, self.size.width - len(LABEL) - 6)
        if event.x >= start:
            self.set_value(LOW + (HIGH - LOW) * (event.x - start) / width)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.action_nudge(1)
        event.stop()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self.action_nudge(-1)
        event.stop()
