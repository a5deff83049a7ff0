"""Gate saturation drawn as Karpathy, Johnson and Fei-Fei draw it: one point per unit, the fraction
of time it is right-saturated against the fraction left-saturated, one colour per gate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Select, Static
from textual_plotext import PlotextPlot

from rnn_tui.engine.insight.registry import SATURATION
from rnn_tui.tui.channels import channels_of
from rnn_tui.tui.labels import NO_STATE

if TYPE_CHECKING:
    from rnn_tui.engine.insight.saturation import Saturation
    from rnn_tui.tui.results import Insight

GATE_COLOURS = {"i": (0, 175, 215), "f": (95, 175, 0), "o": (215, 0, 215), "g": (255, 135, 0),
                "r": (0, 175, 215), "z": (95, 175, 0), "n": (255, 135, 0), "h": (215, 175, 0)}
GATE_NAMES = {"i": "input", "f": "forget", "o": "output", "g": "candidate", "r": "reset", "z": "update",
              "n": "candidate", "h": "hidden"}


def summary(found: list[Saturation]) -> str:
    """A line per gate: how many units are mostly shut, mostly open, or working in between."""
    lines = []
    for s in found:
        units = len(s.left)
        lines.append(f"{s.quantity} ({GATE_NAMES[s.quantity]}): {int((s.right > 0.5).sum())}/{units} mostly open, "
                     f"{int((s.left > 0.5).sum())}/{units} mostly shut, mean open {s.right.mean():.2f}, "
                     f"shut {s.left.mean():.2f}")
    return "\n".join(lines)


class GatesView(Vertical):
    DEFAULT_CSS = """
    GatesView {
        padding: 0 1;
    }
    GatesView #gate-controls {
        height: 1;
    }
    GatesView #gate-controls Label {
        padding: 0 1;
    }
    GatesView #gate-layer {
        width: 14;
    }
    GatesView #gate-layer SelectCurrent {
        border: none;
        height: 1;
        padding: 0 1;
    }
    GatesView #gate-plot {
        height: 1fr;
    }
    GatesView #gate-legend {
        height: 1;
    }
    GatesView #gate-summary {
        height: 4;  /* a line per gate: four for an LSTM */
        color: $text-muted;
    }
    """

    def compose(self) -> ComposeResult:
        with Horizontal(id="gate-controls", classes="reads-state"):
            yield Label("layer")
            yield Select([("layer 1", 0)], value=0, allow_blank=False, id="gate-layer")
            yield Static("", id="gate-note")
        # beside the plot, not on it: a legend inside covered points
        yield Static("", id="gate-legend", classes="reads-state")
        yield PlotextPlot(id="gate-plot", classes="reads-state")
        yield Static("saturation appears while this tab is open and the model has weights", id="gate-summary")

    def on_mount(self) -> None:
        self.insight: Insight | None = None
        self.layer_count = 1
        channels_of(self).insight.watch(self, self.show)

    def show(self, insight: Insight | None) -> None:
        if insight is None:
            return
        self.set_class(not insight.inspection.layers, "stateless")
        if not insight.inspection.layers:  # a transformer: no gates
            self.insight = None
            self.query_one("#gate-summary", Static).update(NO_STATE)
            return
        if insight.of(SATURATION) is None:  # a reading for another view
            return
        self.insight = insight
        layers = len(insight.inspection.layers)
        if layers != self.layer_count:
            self.layer_count = layers
            select = self.query_one("#gate-layer", Select)
            with select.prevent(Select.Changed):
                select.set_options([(f"layer {k + 1}", k) for k in range(layers)])
                select.value = 0
        self.draw()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.draw()

    def draw(self) -> None:
        insight = self.insight
        if insight is None:
            return
        layer = self.query_one("#gate-layer", Select).value
        found = [s for s in insight.of(SATURATION) or () if s.layer == layer]
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.plot([0, 1], [1, 0], color=(90, 90, 90), marker="braille")  # left + right = 1: always saturated
        legend = Text("  ")
        for s in found:
            plt.scatter(s.left.tolist(), s.right.tolist(), color=GATE_COLOURS[s.quantity], marker="dot")
            legend.append("● ", style="rgb({},{},{})".format(*GATE_COLOURS[s.quantity]))
            legend.append(f"{s.quantity} {GATE_NAMES[s.quantity]}   ")
        self.query_one("#gate-legend", Static).update(legend)
        plt.xlim(0, 1)
        plt.ylim(0, 1)
        ticks = [0, 0.25, 0.5, 0.75, 1]
        plt.xticks(ticks, [f"{t:g}" for t in ticks])
        plt.yticks(ticks, [f"{t:g}" for t in ticks])
        # The axes' meaning in the title: plotext prints a y label on the x label's line.
        plt.title(f"layer {layer + 1}, a point per unit: x the time it is shut, y the time it is open")
        plot.refresh()
        self.query_one("#gate-summary", Static).update(summary(found) or "no bounded gates in this cell")
        self.query_one("#gate-note", Static).update(
            f"  over {insight.request.source}, step {insight.step:,}; thresholds 0.1 / 0.9 (tanh: -0.9 / 0.9)")
