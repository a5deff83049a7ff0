"""Activation factors (NMF, as Ecco draws them): each factor a sparkline over the passage, and the
passage coloured by the factor the user picks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from rnn_tui.engine.config import QUANTITIES
from rnn_tui.engine.insight.factors import DEFAULT_FACTORS, sparkline
from rnn_tui.engine.insight.registry import FACTORS
from rnn_tui.tui.channels import channels_of
from rnn_tui.tui.labels import NO_STATE
from rnn_tui.tui.messages import Routed
from rnn_tui.tui.widgets.colours import diverging
from rnn_tui.tui.widgets.passage import Painting, PassageView

if TYPE_CHECKING:
    from rnn_tui.tui.results import Insight

FACTOR_CHOICES = (3, 4, 5, 6, 8)
SPARK_WIDTH = 80
OPTION_CHROME = 4  # the factor list's border and padding, before it is laid out


class FactorsView(Vertical):
    DEFAULT_CSS = """
    FactorsView {
        padding: 0 1;
    }
    FactorsView #factor-controls {
        height: 1;
    }
    FactorsView #factor-controls Label {
        padding: 0 1;
    }
    FactorsView #factor-controls Select {
        width: 14;
    }
    FactorsView #factor-controls SelectCurrent {
        border: none;
        height: 1;
        padding: 0 1;
    }
    FactorsView #factor-list {
        height: auto;
        max-height: 10;
        margin-top: 1;
    }
    FactorsView #factor-info {
        height: auto;  /* wraps at 80 columns rather than losing its end */
        color: $text-muted;
    }
    """

    @dataclass
    class Asked(Routed):
        """The user chose what to factorise."""

        choice: tuple[int, str, int]  # (layer, quantity, k)

    def compose(self) -> ComposeResult:
        with Horizontal(id="factor-controls", classes="reads-state"):
            yield Label("factorise")
            yield Select([("layer 1", 0)], value=0, allow_blank=False, id="factor-layer")
            yield Select([("h", "h")], value="h", allow_blank=False, id="factor-quantity")
            yield Label("into")
            yield Select([(f"{k} factors", k) for k in FACTOR_CHOICES], value=DEFAULT_FACTORS, allow_blank=False,
                         id="factor-count")
        yield OptionList(id="factor-list", classes="reads-state")
        yield Static("", id="factor-info")
        yield PassageView("factors appear while this tab is open and the model has weights", id="factor-passage",
                          classes="reads-state")

    def on_mount(self) -> None:
        self.insight: Insight | None = None
        self.choices: tuple[int, tuple[str, ...]] = (1, ("h",))
        channels_of(self).ready.watch(self, self.new_run)
        channels_of(self).insight.watch(self, self.show)
        self.post_message(self.Asked(self.asked))

    def new_run(self, ready) -> None:
        """The new model's layers and quantities; a transformer has none (its reading says so in one line)."""
        if ready is not None and QUANTITIES[ready.spec.model.cell]:
            model = ready.spec.model
            self.set_choices(model.layers, QUANTITIES[model.cell])

    @property
    def asked(self) -> tuple[int, str, int]:
        return (self.query_one("#factor-layer", Select).value, self.query_one("#factor-quantity", Select).value,
                self.query_one("#factor-count", Select).value)

    def set_choices(self, layers: int, quantities: tuple[str, ...]) -> None:
        """The model's layers and quantities (a new model starts from its top layer's h)."""
        if (layers, quantities) == self.choices:
            return
        self.choices = (layers, quantities)
        layer, quantity = self.query_one("#factor-layer", Select), self.query_one("#factor-quantity", Select)
        with layer.prevent(Select.Changed), quantity.prevent(Select.Changed):
            layer.set_options([(f"layer {k + 1}", k) for k in range(layers)])
            quantity.set_options([(q, q) for q in quantities])
            layer.value, quantity.value = layers - 1, "h"
        self.post_message(self.Asked(self.asked))

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.post_message(self.Asked(self.asked))

    def show(self, insight: Insight | None) -> None:
        factors = None if insight is None else insight.of(FACTORS)
        if insight is not None:
            self.set_class(not insight.inspection.layers, "stateless")
        if insight is not None and not insight.inspection.layers:  # a transformer: no state to factorise
            self.query_one("#factor-list", OptionList).clear_options()
            self.query_one("#factor-info", Static).update(NO_STATE)
            return
        if factors is None:
            return
        self.insight = insight
        options = self.query_one("#factor-list", OptionList)
        highlighted = options.highlighted or 0
        options.clear_options()
        named = ["  " + "  ".join(f"{sign}{unit} {share:.0%}" for unit, sign, share in units)
                 for units in factors.units]
        # the sparklines take what the longest list of units leaves of the row: a row that did not fit
        # wrapped its last share onto a line of its own (3-digit units at 80 columns)
        room = options.scrollable_content_region.width or self.size.width - OPTION_CHROME
        width = max(10, min(SPARK_WIDTH, room - len(f"{len(named)} ") - max(map(len, named))))
        for k, (column, units) in enumerate(zip(factors.strength.T, named)):
            line = Text(f"{k + 1} ")
            line.append(sparkline(column, width), style=diverging(0.8))
            line.append(units, style="dim")
            options.add_option(Option(line))
        options.highlighted = min(highlighted, options.option_count - 1)
        self.paint(options.highlighted)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self.paint(event.option_index)

    def paint(self, k: int | None) -> None:
        insight = self.insight
        if insight is None or (factors := insight.of(FACTORS)) is None or k is None:
            return
        self.query_one("#factor-passage", PassageView).paint(Painting(insight.inspection.text,
                                                                       factors.strength[:, k]))
        self.query_one("#factor-info", Static).update(
            f"factor {k + 1} of layer {factors.layer + 1} {factors.quantity}, over {insight.request.source} "
            f"(step {insight.step:,}): units with their share, + above their mean, - below")
