"""A passage of text, wrapped to the width, each character on a background that shows one value
(a unit, a factor, the surprisal), with a cursor and a selection.

Keys: arrows move the cursor (up/down by line), shift+arrows select, Home/End go to the ends,
Enter asks about the selected span; a click puts the cursor on a character, shift+click selects
up to it. The widget scrolls itself and keeps the cursor in view.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Input, Label, Select

from rnn_tui.tui.channels import channels_of
from rnn_tui.tui.messages import Routed
from rnn_tui.tui.widgets.colours import diverging
from rnn_tui.tui.widgets.field import Field

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


@lru_cache(maxsize=4096)
def char_style(bgcolor: str | None, marked: bool, chosen: bool) -> Style:
    colour = MARK if marked else "white" if bgcolor else None
    return Style(bgcolor=bgcolor, color=colour, reverse=chosen, bold=chosen or marked, underline=marked)


class PassageView(ScrollView, can_focus=True):
    """Drawn line by line (Textual's line API): only the lines in view are built, and each is
    kept until the painting, the width, or the cursor on it changes. They are kept per base style:
    a view switch moves the focus away and back, and the lines of both are drawn again at once."""

    DEFAULT_CSS = """
    PassageView {
        height: 1fr;
        width: 1fr;
        background: transparent;
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
        Binding("enter", "ask", "ask about the span or the character", show=False),
    ]

    def __init__(self, placeholder: str = "", **kwargs):
        super().__init__(**kwargs)
        self.placeholder = placeholder
        self.painting: Painting | None = None
        self.cursor = 0
        self.anchor: int | None = None  # the other end of the selection, when there is one
        self.show_cursor = True
        self._lines: list[tuple[int, int]] = []
        self._width = 0
        self._strips: dict[tuple[Style, int], Strip] = {}  # by the base style (focused or not) and row

    @dataclass
    class Moved(Message):
        passage: PassageView

    @dataclass
    class SpanChosen(Message):
        passage: PassageView
        start: int
        end: int

    @dataclass
    class Picked(Message):
        """Enter with no selection: the character under the cursor."""

        passage: PassageView
        position: int

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
        same_text = self.painting is not None and painting.text == self.painting.text
        self.painting = painting
        self._layout(keep_lines=same_text)
        self.post_message(self.Moved(self))

    def _layout(self, keep_lines: bool = False) -> None:
        width = max(1, self.scrollable_content_region.width or self.size.width or 80)
        if not (keep_lines and width == self._width):
            self._lines = wrap(self.text, width) if self.text else []
            self._width = width
        self._strips.clear()
        self.virtual_size = Size(width, len(self._lines))
        self.refresh()

    def on_resize(self) -> None:
        self._layout()

    def _row_of(self, t: int) -> int:
        starts = [start for start, _ in self._lines]
        return max(0, bisect_right(starts, t) - 1)

    def _go(self, t: int, select: bool) -> None:
        if not self.text:
            return
        before = self.selection
        if select and self.anchor is None:
            self.anchor = self.cursor
        elif not select:
            self.anchor = None
        old = self._row_of(self.cursor)
        self.cursor = max(0, min(len(self.text) - 1, t))
        if before is not None or self.selection is not None:
            self._strips.clear()  # a selection can span many lines
        else:
            changed = {old, self._row_of(self.cursor)}
            self._strips = {key: strip for key, strip in self._strips.items() if key[1] not in changed}
        self.scroll_to_region(Region(0, self._row_of(self.cursor), 1, 1), animate=False, immediate=True)
        self.post_message(self.Moved(self))
        self.refresh()

    def show_at(self, t: int) -> None:
        """The cursor on character t, scrolled into view (a view that shows one character in two passages)."""
        if t != self.cursor:
            self._go(t, select=False)

    def action_move(self, delta: int, select: bool = False) -> None:
        self._go(self.cursor + delta, select)

    def action_line(self, delta: int, select: bool = False) -> None:
        if not self._lines:
            return
        row = self._row_of(self.cursor)
        target = max(0, min(len(self._lines) - 1, row + delta))
        start, end = self._lines[target]
        self._go(min(start + self.cursor - self._lines[row][0], max(start, end - 1)), select)

    def action_ask(self) -> None:
        if self.selection is not None:
            self.post_message(self.SpanChosen(self, *self.selection))
        elif self.text:
            self.post_message(self.Picked(self, self.cursor))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        row = None if offset is None else offset.y + int(self.scroll_offset.y)
        if row is None or not self.text or row >= len(self._lines):
            return
        start, end = self._lines[row]
        t, used = start, 0
        while t < end - 1 and used + cell_len(shown(self.text[t])) <= offset.x:
            used += cell_len(shown(self.text[t]))
            t += 1
        self.focus()
        self._go(t, select=event.shift)

    def render_line(self, y: int) -> Strip:
        row = y + int(self.scroll_offset.y)
        painting = self.painting
        if painting is None or not painting.text:
            return Strip([Segment(self.placeholder, Style(dim=True, italic=True))] if y == 0 else [])
        if row >= len(self._lines):
            return Strip.blank(self.size.width, self.rich_style)
        key = (self.rich_style, row)
        if key not in self._strips:
            self._strips[key] = self._build(row, painting)
        return self._strips[key].crop(int(self.scroll_offset.x), int(self.scroll_offset.x) + self.size.width)

    def _build(self, row: int, painting: Painting) -> Strip:
        start, end = self._lines[row]
        selection = self.selection or ((self.cursor, self.cursor + 1) if self.show_cursor else (0, 0))
        segments = []
        for t in range(start, end):
            value = None if painting.values is None else painting.values[t]
            bgcolor = None if value is None or np.isnan(value) else painting.colour(float(value))
            marked = painting.marks is not None and bool(painting.marks[t])
            chosen = selection[0] <= t < selection[1]
            segments.append(Segment(shown(painting.text[t]), char_style(bgcolor, marked, chosen)))
        return Strip(segments).apply_style(self.rich_style)


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
    PassageControls Input, PassageControls Input:focus {
        border: none;  /* one row high: a focused field's border would leave only its top line */
        height: 1;
        padding: 0 1;
        background: $boost;
    }
    """

    @dataclass
    class SourceChosen(Routed):
        source: str
        text: str  # the user's own text, for "yours"

    def __init__(self, source: str = "validation", **kwargs):
        super().__init__(**kwargs)
        self.source = source

    def compose(self) -> ComposeResult:
        yield Label("passage")
        yield Select(SOURCES, value=self.source, allow_blank=False, classes="passage-source")
        yield Field(placeholder="your text, then Enter", classes="your-text")

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.post_message(self.SourceChosen(str(event.value), self.query_one(".your-text", Input).value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # the choice shows "your text" once the controller takes it (a refused text changes nothing)
        self.post_message(self.SourceChosen("yours", event.value))

    def on_mount(self) -> None:
        channels_of(self).source.watch(self, self.show_source)

    def show_source(self, source: str) -> None:
        select = self.query_one(".passage-source", Select)
        if select.value != source:
            with select.prevent(Select.Changed):
                select.value = source
