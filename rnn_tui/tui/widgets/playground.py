"""The Playground tab: training status beside the loss plot, the sampler beside the next
character's distribution, and the hidden state below (app.tcss sizes them per terminal)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical

from rnn_tui.tui.state import RunState
from rnn_tui.tui.widgets.heatmap import HiddenStateView
from rnn_tui.tui.widgets.loss_plot import LossPlot
from rnn_tui.tui.widgets.sampler import Distribution, SamplerPanel
from rnn_tui.tui.widgets.status import TrainingStatus

TITLES = {"status": "Training", "plot": "Loss", "sampler": "Sampling", "distribution": "Next character",
          "hidden": "Hidden state"}


class Playground(Vertical):
    DEFAULT_CSS = """
    Playground {
        height: 1fr;
    }
    """

    def __init__(self, state: RunState, id: str | None = None):
        super().__init__(id=id)
        self.state = state

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield TrainingStatus(self.state, id="status", classes="panel")
            yield LossPlot(self.state, id="plot", classes="panel")
        with Horizontal(id="middle"):
            yield SamplerPanel(id="sampler", classes="panel")
            yield Distribution(id="distribution", classes="panel")
        yield HiddenStateView(id="hidden", classes="panel")

    def on_mount(self) -> None:
        for widget_id, title in TITLES.items():
            self.query_one(f"#{widget_id}").border_title = title
