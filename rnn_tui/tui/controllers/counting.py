"""The counting side of the app: one counting process per text (run/counting.py), the baseline
of each run sent to the training process (which reports it as an event, and its coach reads it),
and the answers the sampler's and the insight views' threads ask of it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from rnn_tui.engine.errors import UserError
from rnn_tui.engine.texts import is_builtin
from rnn_tui.run.counting import CountBaseline, Counted, Counting, CountingProcess, Request
from rnn_tui.tui.messages import TrainerMessages

if TYPE_CHECKING:
    from rnn_tui.run.protocol import Ready
    from rnn_tui.tui.controllers.host import Host


ASK_SECONDS = 1.0  # the longest a sampler or a reading waits for counting's answer; it goes on without


class CountingController:
    def __init__(self, host: Host, counter: Callable[[str, str], Counting] = CountingProcess):
        """`counter` makes the counting of a text and vocabulary: a process of its own unless told."""
        self.host = host
        self.counter = counter
        self.process: Counting | None = None
        self.baselines: dict[tuple, Counted] = {}  # by text, vocabulary and what an evaluation scores
        host.channels.ready.follow(lambda ready: ready is not None and self.run_ready(ready))

    def run_ready(self, ready: Ready) -> None:
        """Count the new run's text (unless it is the text counted already) and its baseline."""
        text = ready.spec.text
        if text is None or not (is_builtin(text) or Path(text).is_file()):  # a watched run's text may be elsewhere
            return
        key = (text, ready.vocab)
        starting = self.process is None or self.process.key != key
        if starting:
            old, self.process = self.process, self.counter(text, ready.vocab)
            if old is not None:
                self.host.run_worker(old.close, thread=True, group="counting-close", exit_on_error=False)
        train, process = ready.spec.train, self.process
        scored = (*key, train.batch, train.seq, train.eval_batches)

        def count() -> None:
            if starting:  # off the UI thread: the first process of a session waits for the forkserver
                try:
                    process.start()
                except OSError as exc:
                    process.failure = f"the counting process could not start: {exc}"
            found = self.baselines.get(scored)
            if found is None:
                try:
                    baseline = process.ask(CountBaseline(train))
                except UserError as exc:
                    found = Counted(ready.run, 0, (), failure=str(exc))
                else:
                    found = self.baselines[scored] = Counted(ready.run, baseline.order,
                                                             tuple(baseline.losses.values()), note=baseline.note)
            self.host.post_message(TrainerMessages([replace(found, run=ready.run)]))

        self.host.run_worker(count, thread=True, group="counting", exit_on_error=False)

    def ask(self, request: Request) -> object | None:
        """For a worker thread: the answer, or None when nothing is counted (yet), counting failed, or
        the process is busy (building a large text's suffix array takes it tens of seconds). It never
        waits for the counting itself, nor long for an answer: the sampler would stall."""
        process = self.process
        if process is None or not process.answered.is_set():
            return None
        try:
            return process.ask(request, timeout=ASK_SECONDS)
        except UserError:
            return None

    def stop(self) -> None:
        if self.process is not None:
            self.process.close()
            self.process = None
