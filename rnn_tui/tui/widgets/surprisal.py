"""Surprisal: the passage coloured by how unexpected each character was, the model's predictions
at the cursor, where the loss goes by class of character, and the error onion: which errors
simpler explanations (counting, memory, rare words...) account for, now and at the first
evaluation, so its layers visibly shrink as training goes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from rnn_tui.engine.insight.registry import ERRORS, SURPRISAL
from rnn_tui.tui.channels import channels_of
from rnn_tui.tui.labels import show_char
from rnn_tui.tui.widgets.colours import NGRAM, SURPRISAL_BITS, rgb, surprisal_colour
from rnn_tui.tui.widgets.passage import Painting, PassageView
from rnn_tui.tui.widgets.renderables import stack

if TYPE_CHECKING:
    from rnn_tui.engine.counting import PassageCounts
    from rnn_tui.engine.insight.breakdown import ClassLoss
    from rnn_tui.engine.insight.onion import Onion
    from rnn_tui.tui.results import Insight

CLASS_NAMES = {"in_word": "inside a word", "word_start": "word start", "space": "space", "punctuation": "punctuation",
               "newline": "line end", "digit": "digit", "bracket": "bracket"}
BAR_WIDTH = 20
ONION_WIDTH = 34
ONION_COLOURS = {"n-gram": rgb(NGRAM), "dynamic memory": "rgb(0,175,215)", "rare words": "rgb(215,175,0)",
                 "word start": "rgb(95,175,0)", "punctuation": "rgb(255,135,0)", "boost": "rgb(95,135,255)",
                 "unexplained": "rgb(239,68,68)"}


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


def onion_bar(onion: Onion, grey: bool = False) -> Text:
    """The errors as one bar, a segment per layer, on the scale of every character scored: fewer
    errors, a shorter bar."""
    from rnn_tui.engine.insight.onion import ORACLES

    bar = Text()
    scale = ONION_WIDTH / max(1, onion.chars)
    for name, count in zip(ORACLES, onion.counts()):
        cells = round(count * scale) or (1 if count else 0)
        bar.append("█" * cells, style="grey46" if grey else ONION_COLOURS[name])
    return bar


def onion_table(onion: Onion, first: Onion | None) -> Table:
    """The bar now and (grey) at the first evaluation, then each layer's errors now and then."""
    from rnn_tui.engine.insight.onion import ORACLES

    bars = Table.grid(padding=(0, 1))
    for justify in ("left", "left", "right"):
        bars.add_column(justify=justify, no_wrap=True)
    bars.add_row("now", onion_bar(onion), f"{onion.errors / max(1, onion.chars):.0%}")
    if first is not None:
        bars.add_row(Text("first", style="dim"), onion_bar(first, grey=True),
                     Text(f"{first.errors / max(1, first.chars):.0%}", style="dim"))
    legend = Table.grid(padding=(0, 1))
    for justify in ("left", "right", "right", "right"):
        legend.add_column(justify=justify, no_wrap=True)
    legend.add_row(Text("layer", style="bold"), Text("errors", style="bold"), Text("share", style="bold"),
                   Text("first", style="dim"))
    before = first.counts() if first is not None else None
    for k, (name, count) in enumerate(zip(ORACLES, onion.counts())):
        legend.add_row(Text("■ ", style=ONION_COLOURS[name]).append(name, style="default"), f"{count:,}",
                       f"{count / max(1, onion.errors):.0%}", Text(f"{before[k]:,}" if before else "", style="dim"))
    return stack(bars, legend)


class SurprisalView(Horizontal):
    DEFAULT_CSS = """
    SurprisalView {
        padding: 0 1;
    }
    SurprisalView #surprisal-side {
        width: 54;
        height: 100%;
        padding-left: 1;
    }
    SurprisalView #surprisal-cursor {
        height: auto;
    }
    SurprisalView #breakdown, SurprisalView #onion {
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
            yield Static("", id="onion")

    def on_mount(self) -> None:
        self.insight: Insight | None = None
        channels_of(self).insight.watch(self, self.show)

    def show(self, insight: Insight | None) -> None:
        if insight is None or (breakdown := insight.of(SURPRISAL)) is None:  # None: a reading for another view
            return
        self.insight = insight
        inspection = insight.inspection
        self.query_one(PassageView).paint(Painting(inspection.text, inspection.surprisal_bits(), surprisal_colour))
        bits = inspection.surprisal_bits()[1:]
        title = Text.assemble((f"where the loss goes, step {insight.step:,}\n", "bold"),
                              (f"{insight.request.source}: {bits.mean():.2f} bits per character\n"
                               if len(bits) else "", "dim"))
        table = breakdown_table(breakdown)
        self.query_one("#breakdown", Static).update(stack(title, table))
        onion = self.query_one("#onion", Static)
        if (onions := insight.of(ERRORS)) is None:
            onion.update(Text("the error onion follows once the text is counted (n-grams)", style="dim italic"))
            return
        now, first = onions
        first_step = insight.request.first.step if first is not None and insight.request.first else None
        head = Text.assemble((f"the error onion, step {insight.step:,}\n", "bold"),
                             (f"{now.errors:,} errors (p < 0.5), each peeled by the first layer that explains it"
                              + (f"; first: step {first_step:,}" if first_step is not None else ""), "dim"))
        onion.update(stack(head, onion_table(now, first)))

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
        if insight.counts is not None and (onions := insight.of(ERRORS)) is not None:
            lines.append(peeled(insight.counts, onions[0], t))
        lines.append(f"then the model expects (colour: dark 0 bits, red {SURPRISAL_BITS:g}+)\n", style="dim")
        table = Table.grid(padding=(0, 1))
        for _ in range(3):
            table.add_column(no_wrap=True)
        for ch, p in inspection.predictions(t, 6):
            table.add_row(show_char(ch), f"{p:6.1%}", Text("█" * round(p * 20), style="cyan"))
        self.query_one("#surprisal-cursor", Static).update(stack(lines, table))



def peeled(counts: PassageCounts, onion: Onion, t: int) -> Text:
    """Which layer of the onion the character at t fell into, and what counting gave it."""
    from rnn_tui.engine.insight.onion import ORACLES

    layer = int(onion.layer[t])
    ngram = f"the {counts.best_order}-gram gave it {counts.best[t]:.0%}"
    if t == 0:
        return Text("")
    if layer < 0:
        return Text(f"no error (p >= 0.5); {ngram}\n", style="dim")
    name = ORACLES[layer]
    return Text.assemble(("error, peeled by ", "dim"), (name, f"bold {ONION_COLOURS[name]}"), (f"; {ngram}\n", "dim"))
