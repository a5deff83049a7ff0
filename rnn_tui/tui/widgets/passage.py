"""A passage of text, wrapped to the width, each character on a background that shows one value
(a unit, a factor, the surprisal), with a cursor and a selection.

Keys: arrows move the cursor (up/down by line), shift+arrows select, Home/End go to the ends,
Enter asks about the selected span; a click puts the cursor on a character, shift+click selects
up to it. The widget sits in a scrolling container and keeps the cursor in view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, Label, Select

from rnn_tui.tui.widgets.colours import diverging

SOURCES = [("validation passage", "validation"), ("latest sample", "sample"), ("your text", "yours")]
MARK = "rgb(250,204,21)"  # where the units of a span fire together: yellow, bold, underlined


def shown(ch: str) -> str:
    return {"\n": "⏎", "\t": "⇥"}.get(ch, ch)


def wrap(text: str, width: int) -> list[tuple[int, int]]:
    """(start, end) of each screen line: a line end closes its line; a line fills `width` cells."""
    lines, start, used = [], 0, 0
    for t, ch in enumerate(text):
        cells = cell_len(shown(ch))
        if used + cells > width and t > start:
            lines.append((start, t))
            start, used = t, 0
        used += cells
        if ch == "\n":
            lines.append((start, t + 1))
            start, used = t + 1, 0
    if start < len(text) or not lines:
        lines.append((start, len(text)))
    return lines


@dataclass(frozen=True)
class Painting:
    text: str
    values: np.ndarray | None  # (T,) one value per character; None: plain text
    colour: Callable[[float], str] = diverging
    marks: np.ndarray | None = None  # (T,) bool: characters to underline


class PassageView(Widget, can_focus=True):
    DEFAULT_CSS = """
    PassageView {
        height: auto;
        width: 1fr;
    }
    PassageView:focus {
        background: $boost;
    }
    """
    BINDINGS = [
        Binding("left", "move(-1)", show=False),
        Binding("right", "move(1)", show=False),
        Binding("up", "line(-1)", show=False),
        Binding("down", "line(1)", show=False),
        Binding("shift+left", "move(-1, True)", show=False),
        Binding("shift+right", "move(1, True)", show=False),
        Binding("shift+up", "line(-1, True)", show=False),
        Binding("shift+down", "line(1, True)", show=False),
        Binding("home", "move(-1000000)", show=False),
        Binding("end", "move(1000000)", show=False),
        Binding("enter", "ask", "units on the span", show=False),
    ]
    cursor: reactive[int] = reactive(0)
    painting: reactive[Painting | None] = reactive(None, always_update=True, layout=True)

    def __init__(self, placeholder: str = "", **kwargs):
        super().__init__(**kwargs)
        self.placeholder = placeholder
        self.anchor: int | None = None  # the other end of the selection, when there is one
        self.show_cursor = True

    @dataclass
    class Moved(Message):
        passage: PassageView

    @dataclass
    class SpanChosen(Message):
        passage: PassageView
        start: int
        end: int

    @property
    def text(self) -> str:
        return "" if self.painting is None else self.painting.text

    @property
    def selection(self) -> tuple[int, int] | None:
        if self.anchor is None or self.anchor == self.cursor:
            return None
        return min(self.anchor, self.cursor), max(self.anchor, self.cursor) + 1

    def paint(self, painting: Painting) -> None:
        if painting.text != self.text:
            self.anchor = None
            self.cursor = min(self.cursor, max(0, len(painting.text) - 1))
        self.painting = painting
        self.post_message(self.Moved(self))

    def _lines(self) -> list[tuple[int, int]]:
        return wrap(self.text, max(1, self.size.width or 80))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(wrap(self.text, max(1, width))) if self.text else 1

    def _go(self, t: int, select: bool) -> None:
        if not self.text:
            return
        if select and self.anchor is None:
            self.anchor = self.cursor
        elif not select:
            self.anchor = None
        self.cursor = max(0, min(len(self.text) - 1, t))
        self._keep_in_view()
        self.post_message(self.Moved(self))
        self.refresh()

    def action_move(self, delta: int, select: bool = False) -> None:
        self._go(self.cursor + delta, select)

    def action_line(self, delta: int, select: bool = False) -> None:
        lines = self._lines()
        row = next(k for k, (a, b) in enumerate(lines) if a <= self.cursor < b or k == len(lines) - 1)
        target = max(0, min(len(lines) - 1, row + delta))
        column = self.cursor - lines[row][0]
        start, end = lines[target]
        self._go(min(start + column, max(start, end - 1)), select)

    def action_ask(self) -> None:
        if self.selection is not None:
            self.post_message(self.SpanChosen(self, *self.selection))

    def on_click(self, event: events.Click) -> None:
        lines = self._lines()
        if not self.text or event.y >= len(lines):
            return
        start, end = lines[event.y]
        t, used = start, 0
        while t < end - 1 and used + cell_len(shown(self.text[t])) <= event.x:
            used += cell_len(shown(self.text[t]))
            t += 1
        self.focus()
        self._go(t, select=event.shift)

    def _keep_in_view(self) -> None:
        parent = self.parent
        row = next((k for k, (a, b) in enumerate(self._lines()) if a <= self.cursor < b), 0)
        if parent is not None and hasattr(parent, "scroll_to"):
            top, height = parent.scroll_y, parent.size.height
            if row < top or row >= top + height:
                parent.scroll_to(y=max(0, row - height // 2), animate=False)

    def render(self) -> Text:
        painting = self.painting
        if painting is None or not painting.text:
            return Text(self.placeholder, style="dim italic")
        selection = self.selection or ((self.cursor, self.cursor + 1) if self.show_cursor else (0, 0))
        out = Text(no_wrap=True, overflow="crop")
        for start, end in self._lines():
            for t in range(start, end):
                value = None if painting.values is None else painting.values[t]
                bgcolor = None if value is None or np.isnan(value) else painting.colour(float(value))
                marked = painting.marks is not None and bool(painting.marks[t])
                chosen = selection[0] <= t < selection[1]
                colour = MARK if marked else "white" if bgcolor else None
                style = Style(bgcolor=bgcolor, color=colour, reverse=chosen, bold=chosen or marked, underline=marked)
                out.append(shown(painting.text[t]), style=style)
            out.append("\n")
        out.rstrip()
        return out


class PassageControls(Horizontal):
    """Which passage the views read: one choice for all of them, held by the insight controller."""

    DEFAULT_CSS = """
    PassageControls {
        height: 1;
    }
    PassageControls Label {
        padding: 0 1;
    }
    PassageControls Select {
        width: 24;
    }
    PassageControls SelectCurrent {
        border: none;
        height: 1;
        padding: 0 1;
    }
    PassageControls Input {
        border: none;
        height: 1;
        padding: 0 1;
        background: $boost;
    }
    """

    @dataclass
    class SourceChosen(Message):
        source: str
        text: str  # the user's own text, for "yours"

    def compose(self) -> ComposeResult:
        yield Label("passage")
        yield Select(SOURCES, value="validation", allow_blank=False, classes="passage-source")
        yield Input(placeholder="your text, then Enter", classes="your-text")

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.post_message(self.SourceChosen(str(event.value), self.query_one(".your-text", Input).value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(".passage-source", Select).value = "yours"
        self.post_message(self.SourceChosen("yours", event.value))

    def show_source(self, source: str) -> None:
        select = self.query_one(".passage-source", Select)
        if select.value != source:
            with select.prevent(Select.Changed):
                select.value = source
