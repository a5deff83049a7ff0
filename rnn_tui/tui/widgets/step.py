"""One step, with its numbers: the cell's update rule, then a column per unit with the value of every
part of the rule at the character under the cursor, then what the model predicts next. The
reading is computed elsewhere (rnn_tui.engine.insight.step); this view only draws it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from rnn_tui.tui.channels import channels_of
from rnn_tui.tui.labels import CELL_NAMES, show_char
from rnn_tui.tui.messages import Routed
from rnn_tui.tui.widgets.colours import NEGATIVE, POSITIVE, rgb
from rnn_tui.tui.widgets.renderables import stack

if TYPE_CHECKING:
    from rnn_tui.engine.insight.step import StepReading

GREY = (200, 200, 200)
BAR = 5
EIGHTHS = " ▏▎▍▌▋▊▉"


def tint(value: float) -> str:
    """Grey near zero, towards blue below and red above: enough to see the sign at a glance."""
    v = max(-1.0, min(1.0, value))
    end = POSITIVE if v > 0 else NEGATIVE
    return rgb(tuple(round(g + 0.7 * abs(v) * (e - g)) for g, e in zip(GREY, end)))


def gate_bar(value: float) -> Text:
    """A value in 0..1 as a bar on a dotted track BAR cells long, to an eighth of a cell."""
    cells = max(0.0, min(1.0, value)) * BAR
    full = int(cells)
    bar = "█" * full + (EIGHTHS[int((cells - full) * 8)] if full < BAR else "")
    return Text(bar.rstrip(), style="cyan").append("·" * (BAR - len(bar.rstrip())), style="dim")


def quoted(ch: str) -> str:
    return f"'{show_char(ch)}'"


def title(reading: StepReading, shown: int | None = None) -> Text:
    following = f"next {quoted(reading.next_char)}" if reading.next_char is not None else "the last character"
    text = Text(f"one step · reading {quoted(reading.char)} at position {reading.position} ({following}) · ← → move\n",
                style="bold")
    chosen = (f"the {len(reading.units)} whose h changed most (u: choose)" if reading.most_changed
              else f"{', '.join(map(str, reading.units))}, chosen (u: change)")
    text.append(f"{CELL_NAMES.get(reading.cell, reading.cell)}, layer {reading.layer + 1}; units: {chosen}",
                style="dim")
    if shown is not None and shown < len(reading.units):
        text.append(f"; {shown} shown (a wider terminal shows them all)", style="dim")
    return text


UNIT_COLUMN, PART_COLUMN = 14, 10  # cells: a gate's bar, a space and "-0.123", with padding; "(1-z)*n"


def columns_for(width: int, parts: Iterable[str] = ()) -> int:
    """How many unit columns fit in `width` cells without cutting a number, beside the names of `parts`."""
    part_column = max([PART_COLUMN, *(cell_len(name) + 3 for name in parts)])
    return max(1, (width - part_column) // UNIT_COLUMN)


def parts_table(reading: StepReading, columns: int | None = None) -> Table:
    """A row per part of the rule, a column per unit (the first `columns` of them)."""
    table = Table(box=None, padding=(0, 1), header_style="bold", show_edge=False)
    table.add_column("part", no_wrap=True)
    for unit in reading.units[:columns]:
        table.add_column(f"unit {unit}", justify="right", no_wrap=True)
    for name, values in reading.parts.items():
        gate = name in reading.gates
        cells = []
        for v in values[:columns]:
            cell = gate_bar(v).append(" ") if gate else Text()
            cells.append(cell.append(f"{v:.3f}", style=tint(v)))
        table.add_row(Text(name, style="bold" if name in ("h", "c") else "default"), *cells)
    return table


def output_table(reading: StepReading) -> Table:
    """The likeliest next characters: a column each, with logit and p at T = 1 and at the reading's T."""
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="left", no_wrap=True)
    for _ in reading.top:
        table.add_column(justify="right", no_wrap=True)
    t = reading.temperature
    table.add_row(Text("next", style="bold"), *(Text(quoted(g.char), style="bold") for g in reading.top))
    table.add_row("logit", *(f"{g.logit:.3f}" for g in reading.top))
    table.add_row("p at T = 1", *(f"{g.p:.3f}" for g in reading.top))
    if t != 1:  # the sampler's own temperature, when it is not 1
        table.add_row(f"p at T = {t:g}" if t > 0 else "p greedy", *(f"{g.p_at_t:.3f}" for g in reading.top))
    return table


class StepView(VerticalScroll, can_focus=True):
    """Shows a StepReading; left and right ask the app to move the cursor a character."""

    BINDINGS = [
        Binding("left", "move(-1)", "previous character", show=False, id="step.previous"),
        Binding("right", "move(1)", "next character", show=False, id="step.next"),
        Binding("u", "pick_units", "units to read", id="step.units"),
    ]
    DEFAULT_CSS = """
    StepView {
        padding: 0 1;
    }
    StepView #step-body {
        height: auto;
    }
    """

    @dataclass
    class Move(Routed):
        delta: int  # characters: -1 back, +1 on

    class PickUnits(Routed):
        """The user wants to choose the units (and layer) read."""

    def compose(self) -> ComposeResult:
        yield Static(Text("one step appears once the model has weights and a character is chosen",
                          style="dim italic"), id="step-body")

    def on_mount(self) -> None:
        self.reading: StepReading | None = None
        channels_of(self).step_reading.watch(self, self.show)

    def show(self, reading: StepReading | None) -> None:
        if reading is None:
            return
        self.reading = reading
        equations = Text("\n".join(reading.equations), style="italic rgb(175,175,215)")
        output = Text("the prediction" + (f" ('{show_char(reading.next_char)}' had p = {reading.next_p:.3f})"
                                          if reading.next_char is not None and reading.next_p is not None else ""),
                      style="dim")
        columns = columns_for(self.scrollable_content_region.width, reading.parts)
        self.query_one("#step-body", Static).update(
            stack(title(reading, columns), Text(""), equations, Text(""), parts_table(reading, columns), Text(""),
                  output, output_table(reading)))

    def on_resize(self) -> None:
        if self.reading is not None:
            self.show(self.reading)

    def action_move(self, delta: int) -> None:
        self.post_message(self.Move(delta))

    def action_pick_units(self) -> None:
        self.post_message(self.PickUnits())
