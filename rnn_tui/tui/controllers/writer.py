"""The Write view's controller: it owns the writer (the model and its cached states), answers each
key, re-reads the text with newer weights every few seconds while the view is open, and keeps the
text across a new run when the new vocabulary allows it (and says so when it does not)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from rnn_tui.engine.errors import UserError
from rnn_tui.engine.insight.registry import UNITS
from rnn_tui.tui.messages import WriterReady
from rnn_tui.tui.results import Insight, Weights, Written
from rnn_tui.tui.widgets.writer import WriterView

if TYPE_CHECKING:
    from rnn_tui.engine.insight.writer import Writer
    from rnn_tui.tui.controllers.host import Host

REFRESH_SECONDS = 3.0
READINGS = 6  # found units shown beside the writer
WAITING_FOR_WEIGHTS = "the writer starts when the model has weights"


class WriterController:
    def __init__(self, host: Host, insight: Callable[[], Insight | None]):
        self.host = host
        self.insight = insight  # the last reading of the passage: its found units are read at the cursor
        self.open = False
        self.writer: Writer | None = None
        self.beside: Writer | None = None
        self.text = ""  # what was typed, kept across a new run until a new writer reads it
        self.beside_text: str | None = None
        self.built = 0.0  # when the writer last took new weights
        self.stale = False  # a refresh is owed (asked for before there were weights)
        self.step = 0  # the training step of those weights
        host.channels.ready.follow(lambda ready: ready is not None and self.run_ready())
        host.channels.weights.follow(lambda _: self.weights_changed())
        host.route(WriterReady, self.ready)
        host.route(WriterView.Typed, lambda m: self.type(m.text))
        host.route(WriterView.Accepted, lambda m: self.accept(m.rank))
        host.route(WriterView.Rewound, lambda _: self.rewind())
        host.route(WriterView.PutBeside, lambda _: self.put_beside())

    def show_view(self, open_: bool) -> None:
        """Opened: the text is read again once the view's first frame is drawn (the key waits for the frame)."""
        self.open = open_
        if open_:
            self.host.call_after_refresh(lambda: self.open and self.refresh(now=True))

    def weights_changed(self) -> None:
        if self.open:
            self.refresh()

    def run_ready(self) -> None:
        """A new run: the old writer is of another model; its text is read again by the new one."""
        if self.writer is not None:
            self.text, self.beside_text = self.writer.text, self.beside.text if self.beside is not None else None
        self.writer = self.beside = None
        if self.open:
            self.refresh(now=True)

    def refresh(self, now: bool = False) -> None:
        """Re-read the writer's text with the newest weights, off the UI thread."""
        weights = self.host.channels.weights.value
        if weights is None:
            self.stale = True  # asked for with no weights to read: the first weights that come are read at once
            return
        if not (now or self.stale) and time.monotonic() - self.built < REFRESH_SECONDS:
            return
        self.built, self.stale = time.monotonic(), False
        text = self.writer.text if self.writer is not None else self.text
        beside = self.beside.text if self.beside is not None else self.beside_text
        self.host.run_worker(lambda: self._build(weights, text, beside), thread=True, group="writer", exclusive=True,
                             exit_on_error=False)

    def _build(self, weights: Weights, text: str, beside: str | None) -> None:
        from rnn_tui.engine.insight.writer import Writer
        from rnn_tui.tui.live_sampling import ModelCache

        # A model of its own: the writer in use keeps reading its model on the UI thread meanwhile.
        model, vocab = ModelCache().load(weights)
        lost = None
        try:
            writer = Writer(model, vocab, text)
            beside_writer = None if beside is None else Writer(model, vocab, beside)
        except UserError as exc:  # typed for another vocabulary
            writer, beside_writer, lost = Writer(model, vocab), None, str(exc)
        self.host.post_message(WriterReady(weights.run, weights.step, writer, beside_writer, lost))

    def ready(self, message: WriterReady) -> None:
        current = self.writer.text if self.writer is not None else self.text
        if message.writer.text != current and message.lost is None:
            self.refresh(now=True)  # typed meanwhile: read the new text instead
            return
        if message.lost is not None:
            self.host.notify(f"the text in Write was cleared: {message.lost}", severity="warning", timeout=10)
        self.writer, self.beside, self.step = message.writer, message.beside, message.step
        self.text, self.beside_text = "", None
        self.show()

    # ---- keys ----

    def type(self, text: str) -> None:
        if self.writer is None:
            self.host.channels.writer_note.publish(WAITING_FOR_WEIGHTS)
            return
        try:
            self.writer.type(text)
        except UserError as exc:
            self.host.notify(f"not typed: {exc}", severity="error")
            return
        self.show()

    def accept(self, rank: int) -> None:
        if self.writer is not None:
            self.writer.accept(min(rank, len(self.writer.vocab) - 1))
            self.show()

    def rewind(self) -> None:
        if self.writer is not None:
            self.writer.back()
            self.show()

    def put_beside(self) -> None:
        """Keep the text beside, to write another continuation of the same prefix."""
        if self.writer is not None:
            self.beside = self.writer.fork()
            self.show()

    def show(self) -> None:
        writer = self.writer
        if writer is None:
            return
        position = writer.current
        readings = []
        if (insight := self.insight()) is not None and (finding := insight.of(UNITS)) is not None:
            from rnn_tui.engine.insight.features import DESCRIPTIONS

            found = [(name, finding.best(name, 1)) for name in finding.r]
            found = sorted(((name, b[0]) for name, b in found if b), key=lambda item: -abs(item[1].r))
            for name, match in found[:READINGS]:
                unit = match.unit
                value = float(position.activations[unit.layer][unit.quantity][unit.unit])
                readings.append((f"{DESCRIPTIONS.get(name, 'your hypothesis')} ({unit.label()}, r {match.r:+.2f})",
                                 value))
        beside = None
        if self.beside is not None:
            beside = (self.beside.text, np.array([p.surprisal_bits for p in self.beside.positions]))
        self.host.channels.written.publish(Written(writer.text, np.array([p.surprisal_bits for p in writer.positions]),
                                             writer.top(9),
                                             position.activations[-1]["h"] if position.activations else None,
                                             readings, self.step,
                                             beside))
