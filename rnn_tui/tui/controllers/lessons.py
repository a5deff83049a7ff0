"""The lessons: each starts as a comparison (run/compare_process.py) on its own screen while the
user's run waits; the last lesson's runs and verdict are remembered (until another lesson starts), so
a lesson can be left and come back to without training again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rnn_tui.run.compare_process import CompareRequest, lesson_request

if TYPE_CHECKING:
    from rnn_tui.tui.controllers.host import Host
    from rnn_tui.tui.results import LessonRun


class LessonsController:
    def __init__(self, host: Host, steps: int | None = None):
        self.host = host
        self.steps = steps  # a step budget per run instead of each lesson's minutes (tests)
        self.last: LessonRun | None = None  # the last lesson's runs, as far as they went

    def request(self, name: str) -> CompareRequest:
        """A new start of the lesson: the runs of the last lesson are forgotten."""
        self.remember(None)
        return lesson_request(name, self.steps)

    def remember(self, run: LessonRun | None) -> None:
        self.last = run
        self.host.channels.lesson_run.publish(run)

    def earlier_runs(self, name: str) -> LessonRun | None:
        """The lesson's runs from before, when it was the last one run."""
        return self.last if self.last is not None and self.last.lesson == name else None
