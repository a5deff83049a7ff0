"""A redraw that follows changes at a bounded rate, with no timer while nothing changes."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from textual.widget import Widget


class Throttle:
    """Calls `draw` soon after it is called itself, at most once every `seconds`: numbers that change
    20 times a second are drawn 4 times, the first change after a quiet spell at once."""

    def __init__(self, owner: Widget, seconds: float, draw: Callable[[], None]) -> None:
        self.owner, self.seconds, self.draw = owner, seconds, draw
        self.pending = False
        self.last = -math.inf

    def __call__(self, *_: object) -> None:
        if self.pending:
            return
        self.pending = True
        wait = self.last + self.seconds - time.monotonic()
        if wait > 0:
            self.owner.set_timer(wait, self._fire)
        else:
            self.owner.call_later(self._fire)

    def _fire(self) -> None:
        self.pending = False
        self.last = time.monotonic()
        self.draw()
