"""Surprisal: the passage coloured by how unexpected each character was, the model's predictions
at the cursor, and where the loss goes by class of character, as a live bar chart."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from rnn_tui.tui.labels import show_char
from rnn_tui.tui.widgets.colours import SURPRISAL_BITS, surprisal_colour
from rnn_tui.tui.widgets.passage import Painting, PassageView
from rnn_tui.tui.widgets.renderables import stack

if TYPE_CHECKING:
    from rnn_tui.engine.insight.breakdown import ClassLoss
    from rnn_tui.tui.results import Insight

CLASS_NAMES = {"in_word": "inside a word", "word_start": "word start", "space": "space", "punctuation": "punctuation",
               "newline": "line end", "digit": "digit", "bracket": "bracket"}
BAR_WIDTH = 20


def breakdown_table(found: list[ClassLoss]) -> Table:
    table = Table.grid(padding=(0, 1))
    for justify in ("left", "left", "right", "right", "right"):
        table.add_column(justify=justify, no_wrap=True)
    table.add_row(Text("class", style="bold"), Text("share of the loss", style="bold"), "", Text("bits", style="bold"),
                  Text("chars", style="bold"))
    for c in found:
        bar = "█" * round(c.share * BAR_WIDTH) or ("▏" if c.share > 0 else "")
        table.add_row(CLASS_NAMES[c.name], Text(bar.ljust(BAR_WIDTH), style="rgb(239,68,68)"), f"{c.share:.0%}",
                      f"{c.bits_per_char:.2f}" if c.chars else "-", f"{c.chars:,}")
    return table


class SurprisalView(Horizontal):
    DEFAULT_CSS = """
    SurprisalView {
        padding: 0 1;
    }
    SurprisalView #surprisal-side {
        width: 50;
        height: 100%;
        padding-left: 1;
    }
    SurprisalView #surprisal-cursor {
        height: auto;
    }
    SurprisalView #breakdown {
        height: auto;
        margin-top: 1;
    }
    """

    def compose(self) -> ComposeResult:
        yield PassageView("surprisal appears while this tab is open and the model has weights",
                          id="surprisal-passage")
        with VerticalScroll(id="surprisal-side"):  # a scrollbar says there is more in a small terminal
            yield Static("", id="surprisal-cursor")
            yield Static("", id="breakdown")

    def on_mount(self) -> None:
        self.insight: Insight | None = None
        self.watch(self.app, "insight", self.show)

    def show(self, insight: Insight | None) -> None:
        if insight is None:
            return
        self.insight = insight
        inspection = insight.inspection
        self.query_one(PassageView).paint(Painting(inspection.text, inspection.surprisal_bits(), surprisal_colour))
        bits = inspection.surprisal_bits()[1:]
        title = Text.assemble((f"where the loss goes, step {insight.step:,}\n", "bold"),
                              (f"{insight.request.source}: {bits.mean():.2f} bits per character\n"
                               if len(bits) else "", "dim"))
        table = breakdown_table(insight.breakdown)
        self.query_one("#breakdown", Static).update(stack(title, table))

    def on_passage_view_moved(self, event: PassageView.Moved) -> None:
        event.stop()
        insight, t = self.insight, event.passage.cursor
        if insight is None or t >= len(insight.inspection.text):
            return
        inspection = insight.inspection
        bits = inspection.surprisal_bits()[t]
        lines = Text()
        lines.append(f"at {t}: {show_char(inspection.text[t])!r}", style="bold")
        lines.append("  the first character: nothing predicts it\n" if np.isnan(bits) else
                     f"  {bits:.2f} bits (p = {2 ** -bits:.1%})\n")
        lines.append(f"then the model expects (colour: dark 0 bits, red {SURPRISAL_BITS:g}+)\n", style="dim")
        table = Table.grid(padding=(0, 1))
        for _ in range(3):
            table.add_column(no_wrap=True)
        for ch, p in inspection.predictions(t, 6):
            table.add_row(show_char(ch), f"{p:6.1%}", Text("█" * round(p * 20), style="cyan"))
        self.query_one("#surprisal-cursor", Static).update(stack(lines, table))

