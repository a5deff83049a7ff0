"""The views of what the model learned: which passage they read, the user's hypotheses, when
the passage is read again (only while a view that shows it is open, or the heatmap is ordered by
a feature), and the writer, whose model and cached states this controller owns."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

import numpy as np

from rnn_tui.engine.config import QUANTITIES
from rnn_tui.engine.errors import UserError
from rnn_tui.tui.messages import WriterReady

if TYPE_CHECKING:
    from rnn_tui.engine.insight.gradients import Horizon
    from rnn_tui.engine.insight.writer import Writer
    from rnn_tui.tui.app import PlaygroundApp
    from rnn_tui.tui.live_insight import Insight, LiveInsight
    from rnn_tui.tui.live_sampling import Weights

VIEWS = ("units", "factors", "gates", "surprisal", "gradients")  # the views that read the passage
HORIZONS_KEPT = 4  # the newest evaluation's horizon in colour, three earlier ones in grey
SOURCE_NAMES = {"validation": "the validation passage", "sample": "the latest sample", "yours": "your text"}
MAX_YOUR_TEXT = 20_000
WRITER_REFRESH_SECONDS = 3.0
READINGS = 6  # found units shown beside the writer


class InsightController:
    def __init__(self, app: PlaygroundApp):
        self.app = app
        self.state = app.state
        self.source = "validation"
        self.your_text = ""
        self.hypothesis: re.Pattern[str] | None = None
        self.view: str | None = None  # the open view: units, factors, gates, surprisal, write; None for others
        self.heatmap_feature: str | None = None  # the heatmap is ordered by this feature's units
        self.target: int | None = None  # the passage character whose connectivity is shown
        self.horizons: list[tuple[int, Horizon]] = []  # (step, horizon) at successive evaluations, oldest first
        self.live: LiveInsight | None = None
        self.last: Insight | None = None
        self.writer: Writer | None = None
        self.kept: Writer | None = None
        self.writer_built = 0.0  # when the writer last took new weights
        self.writer_step = 0  # the training step of those weights

    def engine_ready(self) -> None:
        from rnn_tui.tui.live_insight import LiveInsight

        self.live = LiveInsight(self.app.post_message)
        self.app.run_worker(self.live.run, thread=True, group="insight", exit_on_error=False)
        self.refresh(now=True)

    def stop(self) -> None:
        if self.live is not None:
            self.live.stop()

    # ---- what is wanted ----

    @property
    def wanted(self) -> bool:
        return self.view in VIEWS or self.heatmap_feature is not None

    def show_view(self, view: str | None) -> None:
        self.view = view
        if view == "write":
            self.refresh_writer(now=True)
        self.show_last()  # at once, from the last reading; the new one follows
        self.refresh(now=True)

    def passage(self) -> str:
        if self.source == "sample":
            sample = self.app.last_sample
            return "" if sample is None else sample.seed + sample.generated
        if self.source == "yours":
            return self.your_text
        ready = self.state.ready
        return "" if ready is None else ready.passage

    def refresh(self, now: bool = False) -> None:
        """Ask for the passage to be read with the weights the sampler reads (when a view needs it)."""
        from rnn_tui.tui.live_insight import InsightRequest

        if self.live is None or not self.wanted:  # on every new snapshot: nothing to do unless a view reads
            return
        weights, passage = self.app.sampling.current_weights(), self.passage()
        if weights is None:
            return
        if not passage:
            if self.app.units_view is not None:
                self.app.units_view.info(f"{SOURCE_NAMES[self.source]} is empty: choose another passage")
            return
        factors_view = self.app.factors_view
        factors = factors_view.asked if self.view == "factors" and factors_view is not None else None
        gradients = self.view == "gradients"
        self.live.request(InsightRequest(weights, passage, SOURCE_NAMES[self.source], self.hypothesis, factors,
                                         self.state.spec.train.seq if gradients else None,
                                         self.target if gradients else None), now=now)

    def weights_changed(self) -> None:
        self.refresh()
        if self.view == "write":
            self.refresh_writer()

    # ---- the user's choices ----

    def choose_source(self, source: str, text: str) -> None:
        if source == "yours":
            if not text:
                self.app.notify("type a passage first, then Enter", severity="warning")
                return
            if self.state.ready is not None:
                from rnn_tui.engine.data import Vocab

                try:
                    Vocab(self.state.ready.vocab).encode(text)
                except UserError as exc:
                    self.app.notify(f"passage refused: {exc}", severity="error")
                    return
            self.your_text = text[:MAX_YOUR_TEXT]
        self.source = source
        self.target = None
        self.horizons = []
        for controls in self.app.passage_controls():
            controls.show_source(source)
        self.refresh(now=True)

    def load_passage(self, path: str) -> None:
        from rnn_tui.engine.texts import load_text

        try:
            text = load_text(path)
        except UserError as exc:
            self.app.notify(f"passage not loaded: {exc}", severity="error")
            return
        if len(text) > MAX_YOUR_TEXT:
            self.app.notify(f"passage cut to its first {MAX_YOUR_TEXT:,} characters", severity="warning")
        self.choose_source("yours", text[:MAX_YOUR_TEXT])

    def set_hypothesis(self, pattern: str) -> None:
        from rnn_tui.engine.insight.features import compile_hypothesis

        try:
            self.hypothesis = compile_hypothesis(pattern) if pattern else None
        except UserError as exc:
            self.app.notify(str(exc), severity="error")
            return
        self.refresh(now=True)

    def ask_factors(self) -> None:
        self.refresh(now=True)

    def order_heatmap(self, feature: str | None) -> None:
        self.heatmap_feature = feature
        if feature is not None and self.last is not None:
            self.app.hidden_view.set_finding(self.last.finding)
        self.refresh(now=True)

    def ask_span(self, start: int, end: int, threshold_text: str) -> None:
        """LSTMVis's question: which units (of every layer's h) are on across the span, and where
        else are they all on together?"""
        from rnn_tui.engine.insight.units import units_on_span, where_units_fire

        insight, view = self.last, self.app.units_view
        if insight is None or view is None:
            return
        try:
            threshold = float(threshold_text)
            if not -1 < threshold < 1:
                raise ValueError
        except ValueError:
            self.app.notify(f"the threshold must be a number between -1 and 1, not {threshold_text!r}",
                            severity="error")
            return
        layers = insight.inspection.layers
        values = np.concatenate([layer["h"] for layer in layers], axis=1)
        size = layers[0]["h"].shape[1]
        units = units_on_span(values, start, end, threshold)
        span = insight.inspection.text[start:end]
        if len(units) == 0:
            view.show_span(f"no unit of any layer's h is above {threshold:g} across all of "
                           f"{span!r}: lower the threshold or choose a shorter span", None, None)
            return
        places = where_units_fire(values, units, threshold)
        marks = np.zeros(len(values), dtype=bool)
        for a, b in places:
            marks[a:b] = True
        names = ", ".join(f"L{u // size + 1} h[{u % size}]" for u in units[:8]) + (" …" if len(units) > 8 else "")
        others = [p for p in places if not (p[0] <= start < p[1])]
        view.show_span(
            f"{len(units)} units above {threshold:g} across {span!r}: {names}; on together at "
            f"{len(others)} other place{'s' if len(others) != 1 else ''} (underlined in yellow); colour: their mean",
            values[:, units].mean(axis=1), marks)

    def choose_target(self, target: int) -> None:
        self.target = target
        self.refresh(now=True)

    def receive(self, insight: Insight) -> None:
        self.last = insight
        if insight.horizon is not None:
            self.keep_horizon(insight.step, insight.horizon)
        self.show_last()
        if self.heatmap_feature is not None:
            self.app.hidden_view.set_finding(insight.finding)

    def keep_horizon(self, step: int, found: Horizon) -> None:
        """One horizon per evaluation: a newer one within an evaluation replaces the newest."""
        if self.horizons and step - self.horizons[-1][0] < self.state.spec.train.eval_every:
            self.horizons[-1] = (step, found)
        else:
            self.horizons = [*self.horizons, (step, found)][-HORIZONS_KEPT:]

    def show_last(self) -> None:
        """The open view shows the last reading; the others wait until they are opened."""
        insight, app = self.last, self.app
        if insight is None:
            return
        if self.view == "gradients" and app.gradients_view is not None:
            target = insight.request.target if insight.connectivity is not None else None
            app.gradients_view.show(self.horizons, insight.inspection.text, target, insight.connectivity,
                                    insight.request.source)
            return
        views = {"units": app.units_view, "gates": app.gates_view, "surprisal": app.surprisal_view,
                 "factors": app.factors_view if insight.factors is not None else None}
        view = views.get(self.view or "")
        if view is not None:
            view.show(insight)

    def run_ready(self) -> None:
        """A new run: its own passage, layers and quantities; the old writer is of another model."""
        self.last = None
        self.writer = self.kept = None
        self.target, self.horizons = None, []
        self.views_opened()
        self.refresh(now=True)
        if self.view == "write":
            self.refresh_writer(now=True)

    def views_opened(self) -> None:
        """The views were mounted (or a new run came): they offer the model's layers and quantities."""
        ready, factors_view = self.state.ready, self.app.factors_view
        if ready is not None and factors_view is not None:
            model = ready.spec.model
            factors_view.set_choices(model.layers, QUANTITIES[model.cell])

    # ---- the writer ----

    def refresh_writer(self, now: bool = False) -> None:
        """Re-read the writer's text with the newest weights, off the UI thread."""
        weights = self.app.sampling.current_weights()
        if weights is None or (not now and time.monotonic() - self.writer_built < WRITER_REFRESH_SECONDS):
            return
        self.writer_built = time.monotonic()
        text = self.writer.text if self.writer is not None else ""
        kept = self.kept.text if self.kept is not None else None
        self.app.run_worker(lambda: self._build_writer(weights, text, kept), thread=True, group="writer",
                            exclusive=True, exit_on_error=False)

    def _build_writer(self, weights: Weights, text: str, kept: str | None) -> None:
        from rnn_tui.engine.insight.writer import Writer
        from rnn_tui.tui.live_sampling import ModelCache

        # A model of its own: the writer in use keeps reading its model on the UI thread meanwhile.
        model, vocab = ModelCache().load(weights)
        try:
            writer = Writer(model, vocab, text)
            kept_writer = None if kept is None else Writer(model, vocab, kept)
        except UserError:  # the text was typed for another vocabulary: start again
            writer, kept_writer = Writer(model, vocab), None
        self.app.post_message(WriterReady(weights.run, weights.step, writer, kept_writer))

    def writer_ready(self, message: WriterReady) -> None:
        current = self.writer.text if self.writer is not None else ""
        if self.writer is not None and message.writer.text != current:
            self.refresh_writer(now=True)  # typed meanwhile: read the new text instead
            return
        self.writer, self.kept, self.writer_step = message.writer, message.kept, message.step
        self.show_writer()

    def type(self, text: str) -> None:
        if self.writer is None:
            if self.app.writer_view is not None:
                self.app.writer_view.show_message("the writer starts when the model has weights")
            return
        try:
            self.writer.type(text)
        except UserError as exc:
            self.app.notify(f"not typed: {exc}", severity="error")
            return
        self.show_writer()

    def accept(self, rank: int) -> None:
        if self.writer is not None:
            self.writer.accept(min(rank, len(self.writer.vocab) - 1))
            self.show_writer()

    def rewind(self) -> None:
        if self.writer is not None:
            self.writer.back()
            self.show_writer()

    def keep(self) -> None:
        """Keep the text beside, to write another continuation of the same prefix."""
        if self.writer is not None:
            self.kept = self.writer.fork()
            self.show_writer()

    def show_writer(self) -> None:
        from rnn_tui.tui.widgets.writer import Written

        writer = self.writer
        if writer is None or self.app.writer_view is None:
            return
        position = writer.current
        top_layer = position.activations[-1]["h"]
        readings = []
        if self.last is not None:
            from rnn_tui.engine.insight.features import DESCRIPTIONS

            finding = self.last.finding
            found = [(name, finding.best(name, 1)) for name in finding.r]
            found = sorted(((name, b[0]) for name, b in found if b), key=lambda item: -abs(item[1].r))
            for name, match in found[:READINGS]:
                unit = match.unit
                value = float(position.activations[unit.layer][unit.quantity][unit.unit])
                readings.append((f"{DESCRIPTIONS.get(name, 'your hypothesis')} ({unit.label()}, r {match.r:+.2f})",
                                 value))
        kept = None
        if self.kept is not None:
            kept = (self.kept.text, np.array([p.surprisal_bits for p in self.kept.positions]))
        self.app.writer_view.show(Written(writer.text, np.array([p.surprisal_bits for p in writer.positions]),
                                          writer.top(9), top_layer, readings, self.writer_step, kept))
