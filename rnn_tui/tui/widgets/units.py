"""The unit finder: which units track which feature of the passage, and the passage coloured by
the unit the user picks; a regular expression or a selected span asks the user's own question."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Label, Static

from rnn_tui.engine.insight.features import DESCRIPTIONS
from rnn_tui.engine.insight.registry import UNITS
from rnn_tui.tui.channels import channels_of
from rnn_tui.tui.labels import NO_STATE
from rnn_tui.tui.messages import Routed
from rnn_tui.tui.widgets.field import Field
from rnn_tui.tui.widgets.passage import Painting, PassageView

if TYPE_CHECKING:
    from rnn_tui.engine.insight.units import Finding, Match, Unit
    from rnn_tui.tui.results import Insight, SpanAnswer

DEFAULT_THRESHOLD = 0.3  # as LSTMVis starts
COLUMNS = ("feature", "best unit", "r", "runner-up")


def short(unit: Unit) -> str:
    return f"L{unit.layer + 1} {unit.quantity}[{unit.unit}]"


def scaled(values: np.ndarray) -> np.ndarray:
    """Values for the [-1, 1] colour scale: h and the gates as they are, c shrunk to fit."""
    peak = float(np.abs(values).max()) if values.size else 0.0
    return values / peak if peak > 1 else values


def feature_row(finding: Finding, name: str) -> tuple[str | Text, ...]:
    """A feature's row: its best unit with its r, and the runner-up."""
    best = finding.best(name, 2)
    label = DESCRIPTIONS.get(name, "your hypothesis")
    if not best:
        return label, Text("-", style="dim"), "", Text("not in this passage", style="dim")
    runner_up = f"{short(best[1].unit)} {best[1].r:+.2f}" if len(best) > 1 else ""
    return label, short(best[0].unit), f"{best[0].r:+.2f}", runner_up


class UnitsView(Vertical):
    DEFAULT_CSS = """
    UnitsView {
        padding: 0 1;
    }
    UnitsView #hypothesis-row {
        height: 1;
    }
    UnitsView #hypothesis-row Label {
        padding: 0 1;
    }
    UnitsView #hypothesis, UnitsView #threshold {
        border: none;
        height: 1;
        padding: 0 1;
        background: $boost;
    }
    UnitsView #hypothesis {
        width: 1fr;
    }
    UnitsView #threshold {
        width: 8;
    }
    UnitsView #finder-body {
        height: 1fr;
        margin-top: 1;
    }
    UnitsView #features {
        width: auto;
        max-width: 60%;
        height: 100%;
    }
    UnitsView #units-passage {
        margin-left: 1;
    }
    UnitsView #units-info {
        height: 2;
        color: $text-muted;
    }
    """

    @dataclass
    class HypothesisSubmitted(Routed):
        pattern: str

    @dataclass
    class SpanAsked(Routed):
        start: int
        end: int
        threshold: str

    class SpanCleared(Routed):
        """The user looks at a feature again: the span's answer is no longer asked for."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="hypothesis-row", classes="reads-state"):
            yield Label("hypothesis")
            yield Field(placeholder="a regular expression, e.g. \\d+ or \\(.*?\\), then Enter", id="hypothesis")
            yield Label("span threshold")
            yield Field(str(DEFAULT_THRESHOLD), id="threshold", restrict=r"-?[0-9.]*", max_length=6)
        with Horizontal(id="finder-body", classes="reads-state"):
            yield DataTable(id="features", cursor_type="row", zebra_stripes=True)
            yield PassageView("the passage appears when the model has weights", id="units-passage")
        yield Static("", id="units-info")

    def on_mount(self) -> None:
        self.set_columns([len(label) for label in COLUMNS])
        self.insight: Insight | None = None  # the reading on screen, and the units found in it
        self.finding: Finding | None = None
        self.span: SpanAnswer | None = None  # shown instead of the feature until the user moves on
        channels_of(self).insight.watch(self, self.show)
        channels_of(self).insight_note.watch(self, lambda note: note is not None and self.info(note))
        channels_of(self).span.watch(self, self.show_span)
        channels_of(self).source.watch(self, lambda _: self.clear_span())

    def show(self, insight: Insight | None) -> None:
        if insight is None:
            return
        self.set_class(not insight.inspection.layers, "stateless")
        if not insight.inspection.layers:  # a transformer: no units to find
            self.insight = self.finding = None
            self.query_one("#features", DataTable).clear()
            self.query_one("#units-passage", PassageView).paint(Painting(insight.inspection.text, None))
            self.info(NO_STATE)
            return
        if (finding := insight.of(UNITS)) is None:  # a reading for another view
            return
        self.insight, self.finding = insight, finding
        rows = [(name, feature_row(finding, name)) for name in finding.r]
        table = self.query_one("#features", DataTable)
        row = table.cursor_row
        old = [column.width for column in table.columns.values()]
        widths = [max([width] + [cell_len(str(cells[k])) for _, cells in rows]) for k, width in enumerate(old)]
        if widths != old:  # only ever wider: the passage beside the table stays put between readings
            self.set_columns(widths)
        else:
            table.clear()
        for name, cells in rows:
            table.add_row(*cells, key=name)
        table.move_cursor(row=min(row, table.row_count - 1))
        self.paint_feature()

    def set_columns(self, widths: list[int]) -> None:
        """Columns as wide as their widest cell so far, set before the rows come. Left to widen by
        themselves, they widen when the table is next idle, and a frame drawn before that keeps
        its narrow cells: Textual caches a cell by row, not by width."""
        table = self.query_one("#features", DataTable)
        table.clear(columns=True)
        for label, width in zip(COLUMNS, widths, strict=True):
            table.add_column(label, width=width)

    @property
    def feature(self) -> str | None:
        table = self.query_one("#features", DataTable)
        if self.finding is None or table.row_count == 0:
            return None
        return list(self.finding.r)[table.cursor_row]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if self.span is not None and event.cursor_row != self.span_row:
            self.clear_span()
        self.paint_feature()

    def clear_span(self) -> None:
        if self.span is not None:
            self.span = None
            self.post_message(self.SpanCleared())

    def paint_feature(self) -> None:
        insight, finding, feature = self.insight, self.finding, self.feature
        if insight is None or finding is None or feature is None or self.span is not None:  # the span's answer stays
            return
        passage = self.query_one("#units-passage", PassageView)
        best = finding.best(feature, 1)
        if not best:
            passage.paint(Painting(insight.inspection.text, None))
            self.info(f"{DESCRIPTIONS.get(feature, 'your hypothesis')}: nothing to track in this passage")
            return
        match: Match = best[0]
        unit = match.unit
        values = insight.inspection.layers[unit.layer][unit.quantity][:, unit.unit]
        passage.paint(Painting(insight.inspection.text, scaled(values)))
        sign = "high (red)" if match.r > 0 else "low (blue)"
        self.info(f"{DESCRIPTIONS.get(feature, 'your hypothesis')}: {unit.label()} is {sign} where it holds; "
                  f"Pearson r = {match.r:+.2f} over {len(insight.inspection.text):,} characters of "
                  f"{insight.request.source}, step {insight.step:,}")

    def show_span(self, span: SpanAnswer | None) -> None:
        """The units on across a selected span, and the other places they fire together."""
        if self.insight is None or span is None:
            return
        self.span, self.span_row = span, self.query_one("#features", DataTable).cursor_row
        if span.values is not None:
            self.query_one("#units-passage", PassageView).paint(Painting(self.insight.inspection.text, span.values,
                                                                         marks=span.marks))
        self.info(span.summary)

    def info(self, text: str) -> None:
        self.query_one("#units-info", Static).update(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "hypothesis":
            event.stop()
            self.post_message(self.HypothesisSubmitted(event.value))

    def on_passage_view_span_chosen(self, event: PassageView.SpanChosen) -> None:
        event.stop()
        self.post_message(self.SpanAsked(event.start, event.end, self.query_one("#threshold", Input).value))
