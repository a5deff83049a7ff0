"""Gradients through time: how far back the last step's loss reaches (the horizon, one line per
layer on a log scale, earlier evaluations fainter), and which earlier characters a picked
character's prediction leans on (Madsen's connectivity, shaded over the passage).

A transformer has no state to carry a gradient through time; in the horizon's place it shows what
one head of its attention weighs as it predicts the picked character (`a` steps through the heads)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Static
from textual_plotext import PlotextPlot

from rnn_tui.engine.insight.registry import ATTENTION, CONNECTIVITY
from rnn_tui.tui.channels import channels_of
from rnn_tui.tui.labels import NO_HORIZON
from rnn_tui.tui.messages import Routed
from rnn_tui.tui.widgets.passage import Painting, PassageView

if TYPE_CHECKING:
    from rnn_tui.engine.insight.attention import Attention
    from rnn_tui.engine.insight.gradients import Horizon
    from rnn_tui.tui.results import Horizons

LAYER_COLOURS = [(0, 175, 215), (95, 175, 0), (255, 135, 0), (215, 0, 215)]
FAINT = [(150, 150, 150), (110, 110, 110), (80, 80, 80)]  # earlier evaluations, newest first
FLOOR = 1e-12  # below this a gradient is gone; drawn at the floor
TABLE_STEPS = (1, 10, 20, 40, 100)  # with the layer column, 48 cells: within the side panel (50, less its padding)


TICKS = [float(k) for k in range(0, int(math.log10(FLOOR)) - 1, -2)]  # 1, 1e-2, ... 1e-12: log10 values
PLOT_MARGIN_ROWS = 4  # the plot's rows that are not its y range: the frame's two, the x ticks, the x label


def horizon_table(horizon: Horizon) -> Table:
    steps = [k for k in TABLE_STEPS if k < horizon.relative.shape[1]]
    table = Table.grid()
    table.add_column(no_wrap=True, width=8)
    for _ in steps:
        table.add_column(justify="right", no_wrap=True, width=8)
    table.add_row(Text("k", style="bold"), *(Text(str(k), style="bold") for k in steps))
    for layer, row in enumerate(horizon.relative):
        colour = "rgb({},{},{})".format(*LAYER_COLOURS[layer % len(LAYER_COLOURS)])
        table.add_row(Text(f"layer {layer + 1}", style=colour), *(f"{row[k]:.1e}" for k in steps))
    return table


class GradientsView(Vertical):
    DEFAULT_CSS = """
    GradientsView {
        padding: 0 1;
    }
    GradientsView #horizon-row {
        height: 1fr;
    }
    GradientsView #horizon-plot {
        width: 1fr;
    }
    GradientsView #horizon-side {
        width: 50;
        padding-left: 1;
    }
    GradientsView #connectivity-info {
        height: auto;  /* wraps at 80 columns rather than losing its end */
        color: $text-muted;
    }
    GradientsView #connectivity-passage {
        height: 10;
    }
    GradientsView #attention-pane {
        display: none;
        height: 1fr;
    }
    GradientsView #attention-info {
        height: auto;
    }
    GradientsView.stateless #attention-pane {
        display: block;
    }
    GradientsView.stateless #connectivity-passage {
        height: 1fr;
    }
    """
    BINDINGS = [Binding("a", "next_head", "next head")]

    @dataclass
    class TargetChosen(Routed):
        target: int

    def compose(self) -> ComposeResult:
        with Horizontal(id="horizon-row", classes="reads-state"):
            yield PlotextPlot(id="horizon-plot")
            yield Static("", id="horizon-side")
        with Vertical(id="attention-pane"):
            yield Static(NO_HORIZON, id="attention-info")
            yield PassageView("", id="attention-passage")
        yield Static("pick a character (arrows or a click), then Enter: earlier characters are shaded by their pull "
                     "on its prediction", id="connectivity-info")
        yield PassageView("the passage appears while this tab is open and the model has weights",
                          id="connectivity-passage")

    def on_mount(self) -> None:
        self.drawn: tuple[list[tuple[int, Horizon]], str] | None = None  # what the plot shows, to draw again
        self.attention: tuple[str, Attention | None] | None = None  # the passage and its attention: another head
        self.head = -1  # of the flattened (layer, head) list; -1: the last layer's first head, until one is picked
        self.heads_shape: tuple[int, int] | None = None  # (layers, heads) the index above counts in
        self.picked: int | None = None  # the character last brought into view in both passages
        channels_of(self).horizons.watch(self, self.show_horizons)

    def on_resize(self) -> None:
        if self.drawn is not None:  # its ticks follow its height
            self.draw(*self.drawn)

    def show_horizons(self, horizons: Horizons | None) -> None:
        if horizons is None:
            return
        insight = horizons.insight
        transformer = not insight.inspection.layers
        if transformer != self.has_class("stateless"):  # no horizon: attention in its place, and its key
            self.set_class(transformer, "stateless")
            self.refresh_bindings()
        self.attention = (insight.inspection.text, insight.of(ATTENTION)) if transformer else None
        self.show_attention()
        pull = insight.of(CONNECTIVITY)
        target = insight.request.questions.target if pull is not None else None
        self.show(horizons.found, insight.inspection.text, target, pull, insight.request.source)
        if target is not None and target != self.picked:  # a new pick, once: a newer reading of the same
            # character leaves the cursor where the user has moved it since
            self.picked = target
            for passage in self.query(PassageView):
                passage.show_at(target)

    def show(self, horizons: list[tuple[int, Horizon]], text: str, target: int | None,
             pull: np.ndarray | None, source: str) -> None:
        """`horizons`: (step, horizon), oldest first; the newest is drawn in colour."""
        if horizons:
            self.draw(horizons, source)
        values = np.full(len(text), np.nan)
        marks = np.zeros(len(text), dtype=bool)
        if target is not None and pull is not None and target < len(text):
            values[: len(pull)] = pull
            marks[target] = True
        self.query_one("#connectivity-passage", PassageView).paint(Painting(text, values, marks=marks))
        if target is not None and pull is not None:
            strongest = np.argsort(-pull, kind="stable")[:3]
            leans = ", ".join(f"{text[s]!r} at {s} ({pull[s]:.2f})" for s in strongest)
            self.query_one("#connectivity-info", Static).update(
                f"{text[target]!r} at {target} (underlined) leans most on {leans} (red: the strongest, 1)")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.has_class("stateless") if action == "next_head" else True

    def action_next_head(self) -> None:
        if self.attention is not None and self.attention[1] is not None:
            layers, heads, _ = self.attention[1].weights.shape
            self.head = (self.chosen_head(layers, heads) + 1) % (layers * heads)
            self.show_attention()

    def chosen_head(self, layers: int, heads: int) -> int:
        return (layers - 1) * heads if self.head < 0 else self.head % (layers * heads)

    def show_attention(self) -> None:
        """One head's weights over the window before the picked character, red the heaviest."""
        if self.attention is None:
            return
        info, passage = self.query_one("#attention-info", Static), self.query_one("#attention-passage", PassageView)
        text, found = self.attention
        if found is None:  # no character picked yet: the passage plain, to pick one in
            info.update(NO_HORIZON)
            passage.paint(Painting(text, None))
            return
        layers, heads, _ = found.weights.shape
        if (layers, heads) != self.heads_shape:  # another model: its own default head
            self.heads_shape, self.head = (layers, heads), -1
        layer, head = divmod(self.chosen_head(layers, heads), heads)
        row = found.weights[layer, head]
        values = np.full(len(text), np.nan)
        values[found.start:found.target] = row / row.max()
        marks = np.zeros(len(text), dtype=bool)
        marks[found.target] = True
        passage.paint(Painting(text, values, marks=marks))
        heaviest = ", ".join(f"{text[t]!r} at {t} ({row[t - found.start]:.2f})"
                             for t in found.strongest(layer, head))
        info.update(Text.assemble(
            (f"layer {layer + 1} of {layers}, head {head + 1} of {heads}", "bold"), (" · a: next head\n", "dim"),
            f"predicting {text[found.target]!r} at {found.target} (underlined), it weighs most {heaviest}; "
            f"its window is the {found.target - found.start} characters before it, shaded by weight "
            "(red: its heaviest)"))

    def draw(self, horizons: list[tuple[int, Horizon]], source: str) -> None:
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        for position, (_, found) in enumerate(horizons):  # oldest first, so the newest is drawn on top
            age = len(horizons) - 1 - position
            for layer, row in enumerate(found.relative):
                logs = np.log10(np.maximum(row, FLOOR))
                colour = LAYER_COLOURS[layer % len(LAYER_COLOURS)] if age == 0 else FAINT[min(age, len(FAINT)) - 1]
                # No legend: it would hide the top of the plot, where a gated cell's line runs; the
                # table beside names each layer in its colour.
                plt.plot(list(range(len(row))), logs.tolist(), color=colour, marker="braille")
        # One fixed range for every run and cell, so that two screens compare: an Elman horizon
        # plunges to the floor where a GRU's stays near the top.
        plt.ylim(math.log10(FLOOR) - 0.5, 0.5)  # margins: plotext draws a line on a limit past the frame
        # As many ticks as the plot has rows (plotext, given more, kept a different few on each run).
        # One width: plotext sizes its left margin from the labels, and unequal ones pushed the
        # curves past the frame.
        ticks = TICKS[:: math.ceil(len(TICKS) / max(1, plot.size.height - PLOT_MARGIN_ROWS))]
        plt.yticks(ticks, [(f"1e{int(t)}" if t else "1").rjust(5) for t in ticks])
        seq = horizons[-1][1].relative.shape[1]
        plt.xlim(0, seq)  # a unit of margin: plotext draws the last braille dots past a limit at the data
        plt.xticks(list(range(0, seq, 10)))
        plt.xlabel("k: steps back from the last character")
        plot.refresh()
        self.drawn = (horizons, source)
        newest_step, newest = horizons[-1]
        self.query_one("#horizon-side", Static).update(horizon_side(newest, newest_step, source))

    def on_passage_view_picked(self, event: PassageView.Picked) -> None:
        event.stop()
        if event.position > 0:
            self.post_message(self.TargetChosen(event.position))


def horizon_side(horizon: Horizon, step: int, source: str) -> Table:
    grid = Table.grid()
    grid.add_row(horizon_table(horizon))
    grid.add_row(Text("\nthe gradient of the last step's loss reaching each layer's h k steps back, relative to k = 0, "
                      "on a log scale; grey: earlier evaluations", style="dim"))
    grid.add_row(Text(f"\nstep {step:,}; {horizon.streams} windows of {horizon.relative.shape[1]} characters of "
                      f"{source}. Below about 1e-3 a step's loss no longer teaches the state that far back: "
                      "that is the horizon back-propagation can train.", style="dim"))
    return grid
