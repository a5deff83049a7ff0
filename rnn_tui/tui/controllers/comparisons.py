"""Comparisons and lessons: one run per value of a setting (the race of the cells is the comparison
of `cell` at this run's parameter count), or a lesson's runs, on the comparison screen while the
user's run waits (published on `comparing`, which the training controller follows). The last
lesson's runs and verdict are remembered until another lesson starts, so a lesson can be left and
come back to without training again."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rnn_tui.engine.compare import eval_every_for, parse_vary
from rnn_tui.engine.errors import UserError
from rnn_tui.run.compare_process import RACE, CompareRequest, lesson_request
from rnn_tui.tui.screens.compare import CompareScreen
from rnn_tui.tui.screens.dialogs import PromptScreen

if TYPE_CHECKING:
    from rnn_tui.tui.controllers.host import Host
    from rnn_tui.tui.results import LessonRun

EQUAL_PARAMETERS = ("cell", "layers", "embed")  # compared at this run's parameter count, so none is simply bigger
WINDOWS = ("seq", "batch")  # varied, they change the characters each run is scored on


class ComparisonsController:
    def __init__(self, host: Host, steps: int | None = None):
        self.host = host
        self.state = host.state
        self.steps = steps  # a step budget per lesson run instead of each lesson's minutes (tests)
        self.last: LessonRun | None = None  # the last lesson's runs, as far as they went
        host.route(CompareScreen.Reached, lambda m: self.remember(m.run))

    def race_cells(self, minutes: float) -> None:
        """Every cell at this run's parameter count and text: the comparison of the cell."""
        self.compare_setting(RACE, minutes)

    def ask_setting(self) -> None:
        self.host.push_screen(PromptScreen("Compare a setting, NAME=V1,V2 (e.g. dropout=0,0.3 or layers=1,2), "
                                           "30 s a run:"), lambda vary: vary and self.compare_setting(vary))

    def compare_setting(self, vary: str, minutes: float = 0.5) -> None:
        """One run per value on this run's text and settings."""
        ready, spec = self.state.ready, self.state.spec
        if ready is None:
            self.host.notify("no run yet: a comparison uses its text and settings", severity="warning")
            return
        try:
            name = parse_vary(vary).name
        except UserError as exc:
            self.host.notify(str(exc), severity="error")
            return
        equal = max(1000, ready.start.parameters) if name in EQUAL_PARAMETERS else None
        train = replace(spec.train, steps=None, epochs=None, minutes=minutes,
                        eval_every=eval_every_for(spec.train, minutes, self.state.chars_per_sec))
        self.open(CompareRequest(ready.spec.text, spec.model, train, vary, equal))

    def saved_runs(self) -> None:
        """The comparison screen with saved runs only: nothing trains."""
        self.host.push_screen(CompareScreen())

    def start_lesson(self, name: str, again: bool) -> None:
        """A lesson's runs from before, unless asked again; else a new start (the last lesson's runs
        are forgotten)."""
        earlier = None if again else self.earlier_runs(name)
        if earlier is not None:
            self.open(earlier=earlier)
        else:
            self.remember(None)
            self.open(lesson_request(name, self.steps))

    def open(self, request: CompareRequest | None = None, earlier: LessonRun | None = None) -> None:
        """The comparison's screen; the user's run waits while anything trains there."""
        trains = earlier is None
        if trains:
            self.host.channels.comparing.publish(True)
        floor = self.floor(earlier.request if earlier is not None else request)
        self.host.push_screen(CompareScreen(request, earlier=earlier, floor=floor),
                              lambda _: trains and self.host.channels.comparing.publish(False))

    def floor(self, request: CompareRequest | None) -> tuple[str, float] | None:
        """The user's run's counting baseline, when the comparison's runs are scored on the same
        characters (the same text, windows and evaluation batches; a lesson has its own text and
        windows); else no line is drawn."""
        baseline, ready = self.state.baseline, self.state.ready
        if (request is None or request.lesson or baseline is None or ready is None or request.text != ready.spec.text
                or request.setting in WINDOWS):
            return None
        mine, theirs = ready.spec.train, request.train
        if (theirs.seq, theirs.batch, theirs.eval_batches) != (mine.seq, mine.batch, mine.eval_batches):
            return None
        return baseline.name, baseline.ngram_loss

    def remember(self, run: LessonRun | None) -> None:
        self.last = run
        self.host.channels.lesson_run.publish(run)

    def earlier_runs(self, name: str) -> LessonRun | None:
        """The lesson's runs from before, when it was the last one run."""
        return self.last if self.last is not None and self.last.lesson == name else None
