"""The lessons: each starts as a comparison (run/compare_process.py) on its own screen while the
user's run waits; the last lesson's runs and verdict are kept (until another lesson starts), so
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
        self.kept: LessonRun | None = None

    def request(self, name: str) -> CompareRequest:
        """A new start of the lesson: the runs kept of the last lesson are dropped."""
        self.keep(None)
        return lesson_request(name, self.steps)

    def keep(self, run: LessonRun | None) -> None:
        self.kept = run
        self.host.channels.lesson_run.publish(run)

    def kept_of(self, name: str) -> LessonRun | None:
        return self.kept if self.kept is not None and self.kept.lesson == name else None
