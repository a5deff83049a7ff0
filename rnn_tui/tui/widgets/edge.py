"""Where the edge lies: the probability the network and the best n-gram give each closing
bracket or quote of the passage, by how far back its opener is. Past the n-gram's reach only a
network that carries the opener in its state can know a closer is due: that is where it should
win, and when it does not, that is the lesson."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from rnn_tui.engine.insight.registry import LONGRANGE
from rnn_tui.tui.channels import channels_of
from rnn_tui.tui.widgets.colours import NGRAM as NGRAM_RGB
from rnn_tui.tui.widgets.colours import rgb
from rnn_tui.tui.widgets.renderables import stack

if TYPE_CHECKING:
    from rnn_tui.engine.insight.edge import Bucket
    from rnn_tui.tui.results import Insight

BAR = 30
NETWORK, NGRAM = "rgb(95,175,0)", rgb(NGRAM_RGB)


def bar(p: float, colour: str) -> Text:
    if math.isnan(p):
        return Text("")
    return Text("█" * round(p * BAR) or "▏", style=colour).append(f" {p:.2f}", style="default")


def edge_table(buckets: list[Bucket], ngram: str) -> Table:
    table = Table.grid(padding=(0, 2))
    for justify in ("right", "right", "left", "right"):
        table.add_column(justify=justify, no_wrap=True)
    legend = Text("mean p: ", style="bold")
    legend.append("network", style=f"bold {NETWORK}").append(" and ").append(ngram, style=f"bold {NGRAM}")
    table.add_row(Text("distance", style="bold"), Text("closers", style="bold"), legend,
                  Text("difference", style="bold"))
    for b in buckets:
        gap = b.network_p - b.ngram_p
        table.add_row(b.label, f"{b.count:,}", stack(bar(b.network_p, NETWORK), bar(b.ngram_p, NGRAM)),
                      Text("" if math.isnan(gap) else f"{gap:+.2f}", style="green" if gap > 0 else "yellow"))
        table.add_row("", "", "", "")
    return table


def verdict(buckets: list[Bucket], reach: int) -> str:
    """What this passage shows: who wins beyond the n-gram's sight (its order - 1 characters).
    Every bucket reaching past it counts in full, so one that straddles it moves the distance the
    headline names down to that bucket's start."""
    far = [b for b in buckets if b.count and (b.end is None or b.end > reach)]
    if not far:
        return f"no closer in this passage is further from its opener than the n-gram sees ({reach} characters)"
    count = sum(b.count for b in far)
    gap = sum((b.network_p - b.ngram_p) * b.count for b in far) / count
    where = f"on closers {far[0].start}+ characters from their opener ({count} closers; the n-gram sees {reach} back)"
    if gap > 0:
        return f"the network wins {where} by {gap:+.2f}: it carries the opener where counting cannot see it"
    return (f"the network does not win {where} ({gap:+.2f}): it has not learned to carry the opener yet; "
            "train longer, or with longer sequences")


class EdgeView(VerticalScroll):
    DEFAULT_CSS = """
    EdgeView {
        padding: 0 2;
    }
    EdgeView #edge-chart {
        height: auto;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(Text("the chart appears once the model has weights and the text is counted",
                          style="dim italic"), id="edge-chart")

    def on_mount(self) -> None:
        self.insight: Insight | None = None  # the reading on screen
        channels_of(self).insight.watch(self, self.show)

    def show(self, insight: Insight | None) -> None:
        if insight is None or insight.counts is None or (buckets := insight.of(LONGRANGE)) is None:
            return
        self.insight = insight
        order = insight.counts.best_order
        title = Text.assemble(
            (f"closing brackets and quotes by distance to their opener, step {insight.step:,}\n", "bold"),
            (f"{insight.request.source}; the {order}-gram sees {order - 1} characters back\n", "dim"))
        parts = [title]
        from rnn_tui.engine.models import context_of  # torch is loaded by now: there are weights

        if (context := context_of(insight.request.weights.tensors)) is not None:  # above the chart: in view at 80x24
            parts.append(Text(f"a transformer with a context of {context} characters cannot know a closer's opener "
                              f"further back than {context}: past that row it guesses as if the opener never came\n",
                              style="italic"))
        parts += [edge_table(buckets, f"{order}-gram"), Text(verdict(buckets, order - 1), style="italic")]
        self.query_one("#edge-chart", Static).update(stack(*parts))
