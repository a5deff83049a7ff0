"""The views of what the model learned: which passage they read, the user's hypotheses and
questions, and when the passage is read again (only while a view that reads it is open, or the
heatmap is ordered by a feature). What is read is published; the views watch it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from rnn_tui.engine.errors import UserError
from rnn_tui.engine.insight.registry import FACTORS, HORIZON, UNITS, Analysis, Questions
from rnn_tui.tui.messages import InsightFailed, InsightReady
from rnn_tui.tui.results import Horizons, Insight, InsightRequest, SpanAnswer, Weights
from rnn_tui.tui.views import BY_ID
from rnn_tui.tui.widgets.factors import FactorsView
from rnn_tui.tui.widgets.gradients import GradientsView
from rnn_tui.tui.widgets.heatmap import HiddenStateView
from rnn_tui.tui.widgets.passage import PassageControls
from rnn_tui.tui.widgets.units import UnitsView

if TYPE_CHECKING:
    from rnn_tui.engine.insight.gradients import Horizon
    from rnn_tui.tui.controllers.host import Host
    from rnn_tui.tui.live_insight import LiveInsight
    from rnn_tui.tui.results import Sample

HORIZONS_KEPT = 4  # the newest evaluation's horizon in colour, three earlier ones in grey
SOURCE_NAMES = {"validation": "the validation passage", "sample": "the latest sample", "yours": "your text"}
MAX_YOUR_TEXT = 20_000


class InsightController:
    def __init__(self, host: Host, latest_sample: Callable[[], Sample | None],
                 count: Callable[[object], object | None] | None = None):
        self.host = host
        self.count = count  # asks the run's counting process (the onion, the edge chart)
        self.state = host.state
        self.latest_sample = latest_sample
        self.source = "validation"
        self.your_text = ""
        self.hypothesis: re.Pattern[str] | None = None
        self.view: str | None = None  # the open view's id, when it is one of the app's views
        self.factors: tuple[int, str, int] | None = None  # (layer, quantity, k) the factors view asks for
        self.heatmap_feature: str | None = None  # the heatmap is ordered by this feature's units
        self.target: int | None = None  # the passage character whose connectivity is shown
        self.span: tuple[int, int, float] | None = None  # the span asked about, answered again on each reading
        self.horizons: list[tuple[int, Horizon]] = []  # (step, horizon) at successive evaluations, oldest first
        self.live: LiveInsight | None = None
        self.last: Insight | None = None
        host.channels.ready.follow(lambda ready: ready is not None and self.run_ready())
        host.channels.weights.follow(lambda _: self.refresh())  # the views read the weights the sampler reads
        host.route(InsightReady, lambda m: self.insight_read(m.insight))
        host.route(InsightFailed, lambda m: host.notify(f"reading the passage failed: {m.error}", severity="error",
                                                        timeout=8))
        host.route(PassageControls.SourceChosen, lambda m: self.choose_source(m.source, m.text))
        host.route(UnitsView.HypothesisSubmitted, lambda m: self.set_hypothesis(m.pattern))
        host.route(UnitsView.SpanAsked, lambda m: self.ask_span(m.start, m.end, m.threshold))
        host.route(UnitsView.SpanCleared, lambda _: self.clear_span())
        host.route(FactorsView.Asked, lambda m: self.ask_factors(m.choice))
        host.route(GradientsView.TargetChosen, lambda m: self.choose_target(m.target))
        host.route(HiddenStateView.OrderChosen, lambda m: self.order_heatmap(m.feature))

    def engine_ready(self) -> None:
        from rnn_tui.tui.live_insight import LiveInsight

        self.live = LiveInsight(self.host.post_message, count=self.count)
        self.host.run_worker(self.live.run, thread=True, group="insight", exit_on_error=False)
        self.refresh(now=True)

    def stop(self) -> None:
        if self.live is not None:
            self.live.stop()

    # ---- what is wanted ----

    @property
    def analyses(self) -> tuple[Analysis[Any], ...]:
        """What the open view shows (the views table says), and the unit finder while the heatmap
        is ordered by a feature."""
        view = BY_ID.get(self.view or "")
        shown = view.analyses if view is not None else ()
        return (*shown, UNITS) if self.heatmap_feature is not None and UNITS not in shown else shown

    def show_view(self, view: str | None) -> None:
        """Another view is open: the reading under way was for the last one; the new one's starts once its
        first frame is drawn (the two would share the cores, and the key waits for the frame)."""
        self.view = view
        if self.live is not None:
            self.live.give_up()
        self.host.call_after_refresh(self.refresh, True)

    def passage(self) -> str:
        if self.source == "sample":
            sample = self.latest_sample()
            return "" if sample is None else sample.seed_text + sample.generated
        if self.source == "yours":
            return self.your_text
        ready = self.state.ready
        return "" if ready is None else ready.passage

    def refresh(self, now: bool = False) -> None:
        """Ask for the passage to be read with the weights the sampler reads (when a view needs it)."""
        analyses = self.analyses
        if self.live is None or not analyses:  # on every new snapshot: nothing to do unless a view reads
            return
        weights, passage = self.host.channels.weights.value, self.passage()
        if weights is None:
            return
        if not passage:
            self.host.channels.insight_note.publish(f"{SOURCE_NAMES[self.source]} is empty: choose another passage")
            return
        questions = Questions(self.hypothesis, factors=self.factors, seq=self.state.spec.train.seq,
                              target=self.target)
        first = self.first_weights() if any(analysis.counts for analysis in analyses) else None
        self.live.request(InsightRequest(weights, passage, SOURCE_NAMES[self.source], analyses, questions, first),
                          now=now)

    def first_weights(self) -> Weights | None:
        """The weights of the run's first evaluation (its first kept moment), for the onion it began with."""
        moments, ready = self.state.moments, self.state.ready
        if not moments or ready is None:
            return None
        return Weights(self.state.run, self.state.spec.model, ready.vocab, moments[0].weights, moments[0].step)

    # ---- the user's choices ----

    def choose_source(self, source: str, text: str) -> None:
        """Read another passage; a refused one leaves the passage (and its name on screen) as it was."""
        if source == "yours":
            refused = self.refusal(text)
            if refused:
                self.host.notify(refused, severity="error" if text else "warning")
                self.host.channels.source.publish(self.source)
                return
            self.your_text = text[:MAX_YOUR_TEXT]
        self.source = source
        self.target, self.span, self.horizons = None, None, []
        self.host.channels.source.publish(source)
        self.refresh(now=True)

    def refusal(self, text: str) -> str | None:
        if not text:
            return "type a passage first, then Enter"
        if self.state.ready is not None:
            from rnn_tui.engine.data import Vocab

            try:
                Vocab(self.state.ready.vocab).encode(text)
            except UserError as exc:
                return f"passage refused: {exc}"
        return None

    def ask_passage(self) -> None:
        from rnn_tui.tui.screens.dialogs import PromptScreen

        self.host.push_screen(PromptScreen("Passage to read (a UTF-8 file or a built-in text):"),
                              lambda path: path and self.load_passage(path))

    def load_passage(self, path: str) -> None:
        from rnn_tui.engine.texts import load_text

        try:
            text = load_text(path)
        except UserError as exc:
            self.host.notify(f"passage not loaded: {exc}", severity="error")
            return
        if len(text) > MAX_YOUR_TEXT:
            self.host.notify(f"passage cut to its first {MAX_YOUR_TEXT:,} characters", severity="warning")
        self.choose_source("yours", text[:MAX_YOUR_TEXT])

    def set_hypothesis(self, pattern: str) -> None:
        """A regular expression as the user's own feature; a bad one removes the last one's row, so
        no row shows the result of a pattern that is no longer asked."""
        from rnn_tui.engine.insight.features import compile_hypothesis

        try:
            self.hypothesis = compile_hypothesis(pattern) if pattern else None
        except UserError as exc:
            self.hypothesis = None
            self.host.notify(str(exc), severity="error")
        self.refresh(now=True)

    def ask_factors(self, choice: tuple[int, str, int]) -> None:
        """The factors view asks as it mounts and as its choices fill in: read again only for a new
        choice while it is open (other views' readings do not factorise)."""
        if choice != self.factors:
            self.factors = choice
            if FACTORS in self.analyses:
                self.refresh(now=True)

    def order_heatmap(self, feature: str | None) -> None:
        self.heatmap_feature = feature
        self.refresh(now=True)

    def ask_span(self, start: int, end: int, threshold_text: str) -> None:
        """LSTMVis's question: which units (of every layer's h) are on across the span, and where
        else are they all on together? Answered again with every new reading, until cleared."""
        try:
            threshold = float(threshold_text)
            if not -1 < threshold < 1:
                raise ValueError
        except ValueError:
            self.host.notify(f"the threshold must be a number between -1 and 1, not {threshold_text!r}",
                             severity="error")
            return
        self.span = (start, end, threshold)
        self.answer_span()

    def clear_span(self) -> None:
        self.span = None

    def answer_span(self) -> None:
        from rnn_tui.engine.insight.units import units_on_span, where_units_fire

        insight = self.last
        if insight is None or self.span is None:
            return
        start, end, threshold = self.span
        if end > len(insight.inspection.text):
            self.span = None
            return
        layers = insight.inspection.layers
        values = np.concatenate([layer["h"] for layer in layers], axis=1)
        size = layers[0]["h"].shape[1]
        units = units_on_span(values, start, end, threshold)
        span = insight.inspection.text[start:end]
        if len(units) == 0:
            self.host.channels.span.publish(SpanAnswer(f"no unit of any layer's h is above {threshold:g} across all of "
                                                 f"{span!r}: lower the threshold or choose a shorter span", None, None))
            return
        places = where_units_fire(values, units, threshold)
        marks = np.zeros(len(values), dtype=bool)
        for a, b in places:
            marks[a:b] = True
        names = ", ".join(f"L{u // size + 1} h[{u % size}]" for u in units[:8]) + (" …" if len(units) > 8 else "")
        others = [p for p in places if not (p[0] <= start < p[1])]
        self.host.channels.span.publish(SpanAnswer(
            f"{len(units)} units above {threshold:g} across {span!r}: {names}; on together at "
            f"{len(others)} other place{'s' if len(others) != 1 else ''} (underlined in yellow); colour: their mean "
            f"(step {insight.step:,})", values[:, units].mean(axis=1), marks))

    def choose_target(self, target: int) -> None:
        self.target = target
        self.refresh(now=True)

    # ---- readings ----

    def insight_read(self, insight: Insight) -> None:
        self.last = insight
        self.host.channels.insight_note.publish(None)
        self.host.channels.insight.publish(insight)
        if (found := insight.of(HORIZON)) is not None:
            self.keep_horizon(insight.step, found)
        if HORIZON in insight.request.analyses:
            self.host.channels.horizons.publish(Horizons(list(self.horizons), insight))
        self.answer_span()

    def keep_horizon(self, step: int, found: Horizon) -> None:
        """One horizon per evaluation: a newer one within an evaluation replaces the newest."""
        if self.horizons and step - self.horizons[-1][0] < self.state.spec.train.eval_every:
            self.horizons[-1] = (step, found)
        else:
            self.horizons = [*self.horizons, (step, found)][-HORIZONS_KEPT:]

    def run_ready(self) -> None:
        """A new run: its own passage, layers and quantities."""
        self.last = None
        self.target, self.span, self.horizons = None, None, []
        if self.source == "yours" and (refused := self.refusal(self.your_text)):
            self.host.notify(f"back to the validation passage: {refused}", severity="warning")
            self.source = "validation"
            self.host.channels.source.publish(self.source)
        self.refresh(now=True)
