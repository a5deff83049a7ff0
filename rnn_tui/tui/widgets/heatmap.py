"""The hidden state, character by character.

A heatmap with one column per character (printed under it) and one row per unit, on a
diverging scale for [-1, 1]; below it the text coloured by the picked unit, as in Karpathy,
Johnson and Fei-Fei's "Visualizing and Understanding Recurrent Networks". Units are ordered by
variance, by index, or by how well they track a feature the unit finder measured. Arrow keys
move along the text (left/right) and between units (up/down, or the mouse wheel).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Select, Static

from rnn_tui.engine.insight.features import DESCRIPTIONS
from rnn_tui.engine.insight.registry import UNITS
from rnn_tui.tui.channels import channels_of
from rnn_tui.tui.labels import NO_STATE, show_char
from rnn_tui.tui.messages import Routed
from rnn_tui.tui.widgets.colours import Scale, scale_of

if TYPE_CHECKING:
    from rnn_tui.tui.results import Insight

GUTTER = 6  # "▶ 127 "
ORDERS = ([("by variance", "variance"), ("by index", "index")]
          + [(f"by {text}", name) for name, text in DESCRIPTIONS.items()] + [("by your hypothesis", "hypothesis")])


WIDE = "▪"  # stands in for a character two cells wide (CJK, emoji), so the columns stay in line


def column_char(ch: str) -> str:
    """A character as one cell of the heatmap's character row."""
    shown = show_char(ch)
    return shown if cell_len(shown) == 1 else WIDE


@dataclass
class HeatmapData:
    text: str
    values: np.ndarray  # (T, units)
    surprisal_bits: np.ndarray  # (T,)
    order: np.ndarray  # units, top row first
    scale: Scale = Scale()


class Heatmap(Widget, can_focus=True):
    DEFAULT_CSS = """
    Heatmap {
        height: 1fr;
        min-height: 3;
    }
    Heatmap:focus {
        background: $boost;
    }
    """
    BINDINGS = [
        Binding("left", "move(-1)", "earlier char", show=False),
        Binding("right", "move(1)", "later char", show=False),
        Binding("up", "unit(-1)", "unit up", show=False),
        Binding("down", "unit(1)", "unit down", show=False),
        Binding("home", "move(-100000)", show=False),
        Binding("end", "move(100000)", show=False),
    ]
    cursor: reactive[int] = reactive(0)
    unit_rank: reactive[int] = reactive(0)  # position of the picked unit in the current variance order
    data: reactive[HeatmapData | None] = reactive(None, always_update=True)
    chosen: int | None = None  # the unit the user picked: it stays picked when a new sample reorders the units
    pinned = False  # the user moved the cursor: it stays where it is; else it follows the newest character

    @dataclass
    class Moved(Message):
        heatmap: Heatmap

    def set_data(self, data: HeatmapData) -> None:
        self.data = data
        last = len(data.text) - 1
        self.cursor = min(self.cursor, last) if self.pinned else last
        units = data.values.shape[1]
        if self.chosen is not None and self.chosen < units:
            self.unit_rank = int(np.flatnonzero(data.order == self.chosen)[0])
        else:
            self.chosen, self.unit_rank = None, min(self.unit_rank, units - 1)
        self.post_message(self.Moved(self))

    @property
    def picked_unit(self) -> int | None:
        return None if self.data is None else int(self.data.order[self.unit_rank])

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.action_unit(1)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.action_unit(-1)

    def action_move(self, delta: int) -> None:
        if self.data is not None:
            last = len(self.data.text) - 1
            self.cursor = max(0, min(last, self.cursor + delta))
            self.pinned = self.cursor != last  # End lets it follow the newest character again
            self.post_message(self.Moved(self))

    def action_unit(self, delta: int) -> None:
        if self.data is not None:
            self.unit_rank = max(0, min(self.data.values.shape[1] - 1, self.unit_rank + delta))
            self.chosen = int(self.data.order[self.unit_rank])
            self.post_message(self.Moved(self))

    def window(self, columns: int) -> range:
        assert self.data is not None
        n = len(self.data.text)
        start = max(0, min(self.cursor - columns // 2, n - columns))
        return range(start, min(n, start + columns))

    def render(self) -> Text:
        data = self.data
        if data is None:
            return Text("hidden states appear after the first sample", style="dim italic")
        height, width = self.size.height, self.size.width
        rows = max(1, height - 1)
        cols = self.window(max(1, width - GUTTER))
        first_rank = max(0, min(self.unit_rank - rows // 2, len(data.order) - rows))
        out = Text(no_wrap=True, overflow="crop")
        for rank in range(first_rank, min(len(data.order), first_rank + rows)):
            unit = int(data.order[rank])
            picked = rank == self.unit_rank
            out.append(f"{'▶' if picked else ' '}{unit:>4} ", style="bold" if picked else "dim")
            for t in cols:
                mark = "▏" if t == self.cursor else " "
                out.append(mark, style=Style(bgcolor=data.scale.colour(data.values[t, unit]), color="white"))
            out.append("\n")
        out.append(" " * GUTTER)
        for t in cols:
            out.append(column_char(data.text[t]), style="reverse bold" if t == self.cursor else "")
        return out


class HiddenStateView(Vertical):
    """Layer and quantity pickers, the heatmap, the coloured text and the values at the cursor."""

    DEFAULT_CSS = """
    HiddenStateView {
        height: 1fr;
        padding: 0 1;
    }
    HiddenStateView #heatmap-controls {
        height: 1;
    }
    HiddenStateView #heatmap-controls Select {
        width: 16;
    }
    HiddenStateView #heatmap-controls #order {
        width: 26;
    }
    HiddenStateView #heatmap-controls SelectCurrent {
        border: none;
        height: 1;
        padding: 0 1;
    }
    HiddenStateView #heatmap-info {
        width: 1fr;
        padding: 0 1;
    }
    HiddenStateView #unit-text {
        height: 3;
        margin-top: 1;
    }
    HiddenStateView #no-state {
        display: none;
        color: $text-muted;
    }
    HiddenStateView.stateless #no-state {
        display: block;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(NO_STATE, id="no-state")  # shown instead of the rest for a transformer
        with Horizontal(id="heatmap-controls", classes="reads-state"):
            yield Select([("layer 1", 0)], value=0, allow_blank=False, id="layer")
            yield Select([("h", "h")], value="h", allow_blank=False, id="quantity")
            yield Select(ORDERS, value="variance", allow_blank=False, id="order")
            yield Static("", id="heatmap-info")
        yield Heatmap(id="heatmap", classes="reads-state")
        yield Static("", id="unit-text", classes="reads-state")

    def on_mount(self) -> None:
        self.inspection = None  # rnn_tui.engine.inspection.Inspection, once the sampler has one
        self.waiting = None  # the newest inspection, held back while the view is frozen
        self.frozen = False
        self.order_note = ""
        self.finding = None  # rnn_tui.engine.insight.units.Finding of the passage, for ordering by a feature
        self.choices: tuple[int, tuple[str, ...]] = (1, ("h",))
        channels_of(self).inspection.watch(self, lambda read: read is not None and self.set_inspection(read.inspection))
        channels_of(self).insight.watch(self, self.insight_read)
        channels_of(self).ready.watch(self, self.new_run)

    def new_run(self, ready) -> None:
        """A new run: a frozen view of the old run's sample would show another model's units."""
        if ready is not None and self.frozen:
            self.toggle_freeze()
        self.finding = None

    def toggle_freeze(self) -> None:
        """Hold the text and its activations still to read them; thawing shows the newest."""
        self.frozen = not self.frozen
        if not self.frozen and self.waiting is not None:
            self.set_inspection(self.waiting)
        self.border_subtitle = "frozen: f to follow the sampler again" if self.frozen else ""

    def set_inspection(self, inspection) -> None:
        if self.frozen:
            self.waiting = inspection
            return
        self.waiting = None
        self.set_class(not inspection.layers, "stateless")
        if not inspection.layers:  # a transformer: no hidden state to show, said in one line instead
            self.inspection = None
            return
        self.inspection = inspection
        choices = (len(inspection.layers), inspection.quantities())
        if choices != self.choices:
            self.choices = choices
            layer_select = self.query_one("#layer", Select)
            quantity_select = self.query_one("#quantity", Select)
            layer, quantity = layer_select.value, quantity_select.value
            layer_select.set_options([(f"layer {k + 1}", k) for k in range(choices[0])])
            quantity_select.set_options([(q, q) for q in choices[1]])
            layer_select.value = layer if layer in range(choices[0]) else 0
            quantity_select.value = quantity if quantity in choices[1] else "h"
        self.refresh_heatmap()

    @dataclass
    class OrderChosen(Routed):
        feature: str | None  # None: by variance or index, which need no finder

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id == "order":
            self.post_message(self.OrderChosen(None if event.value in ("variance", "index") else str(event.value)))
        self.refresh_heatmap()

    def insight_read(self, insight: Insight | None) -> None:
        """The units found in the passage, to order the heatmap by a feature (a reading for another view
        that found none leaves the last finding)."""
        if insight is None or (finding := insight.of(UNITS)) is None:
            return
        self.finding = finding
        if self.query_one("#order", Select).value not in ("variance", "index"):
            self.refresh_heatmap()

    def unit_order(self, layer: int, quantity: str) -> tuple[np.ndarray, str]:
        """The units top to bottom, and a note when the order asked for cannot be had yet."""
        assert self.inspection is not None
        order = self.query_one("#order", Select).value
        if order == "index":
            return np.arange(self.inspection.layers[layer][quantity].shape[1]), ""
        if order != "variance":
            ranked = None if self.finding is None else self.finding.order(order, layer, quantity)
            if ranked is not None:
                return ranked, ""
            note = "waiting for the unit finder" if self.finding is None else "not in the finder's passage"
            return self.inspection.unit_order(layer, quantity), f" ({note}: by variance)"
        return self.inspection.unit_order(layer, quantity), ""

    def refresh_heatmap(self) -> None:
        if self.inspection is None:
            return
        layer = self.query_one("#layer", Select).value
        quantity = self.query_one("#quantity", Select).value
        values = self.inspection.layers[layer][quantity]
        order, self.order_note = self.unit_order(layer, quantity)
        self.query_one(Heatmap).set_data(HeatmapData(self.inspection.text, values, self.inspection.surprisal_bits(),
                                                     order, scale_of(values)))

    def on_heatmap_moved(self, event: Heatmap.Moved) -> None:
        heatmap = event.heatmap
        data, unit, t = heatmap.data, heatmap.picked_unit, heatmap.cursor
        if data is None or unit is None:
            return
        quantity = self.query_one("#quantity", Select).value
        surprisal = data.surprisal_bits[t]
        # the value first: a narrow panel cuts the end of the line (the layer is in its own box)
        info = (f"{quantity}[{unit}] = {data.values[t, unit]:+.2f} at t={t} {show_char(data.text[t])!r}"
                + ("" if np.isnan(surprisal) else f" · surprisal {surprisal:.2f} bits") + self.order_note
                + (f" · colours {scale}" if (scale := data.scale.describe()) else ""))
        self.query_one("#heatmap-info", Static).update(info, layout=False)
        coloured = Text()
        for k, ch in enumerate(data.text):
            style = Style(bgcolor=data.scale.colour(data.values[k, unit]), color="white", underline=k == t, bold=k == t)
            coloured.append("⏎" if ch == "\n" else ch, style=style)
        self.query_one("#unit-text", Static).update(coloured, layout=False)
