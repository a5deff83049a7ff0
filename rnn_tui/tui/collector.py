"""Python's cycle collector, paced for a screen that must answer a key at once.

Textual's rendering leaves reference cycles behind (a `Strip` keeps itself in its own caches), so the
collector has to run. Left to itself, CPython runs a full collection after some 70,000 allocations, at
whatever frame that happens to be, and walks every object the app holds: torch's modules, the widgets
of every view opened, the lines they cache. Measured with training on (issue 27, benchmarks/RESULTS.md):
100-250 ms at a time, the largest part of a slow tab switch. So, while the app runs, the automatic full
collection is off and the app's timer paces it instead:
- each second, a collection of what was made since the last one, and what survives it is frozen
  (`gc.freeze`: out of later walks): a few milliseconds;
- once a minute, a sweep of everything (what was frozen and has since become garbage, such as a
  line cache replaced, is freed there): the one long pause, once a minute instead of every few seconds.
The young generations are collected as CPython always does.
"""

from __future__ import annotations

import gc
import time

PASS_SECONDS = 1.0
SWEEP_SECONDS = 60.0
NEVER = 1 << 30  # a full-collection threshold no session reaches


class PacedCollector:
    def __init__(self) -> None:
        self.thresholds: tuple[int, int, int] | None = None  # CPython's, while paced
        self.swept = time.monotonic()

    def start(self) -> None:
        self.thresholds = gc.get_threshold()
        gc.set_threshold(self.thresholds[0], self.thresholds[1], NEVER)
        gc.freeze()  # what is there now (the imports, the first frame's widgets) waits for the first sweep
        self.swept = time.monotonic()

    def collect(self) -> None:
        """Every `PASS_SECONDS`: the objects made since the last pass, or all of them once a minute."""
        if time.monotonic() - self.swept >= SWEEP_SECONDS:
            gc.unfreeze()
            self.swept = time.monotonic()
        gc.collect()
        gc.freeze()

    def stop(self) -> None:
        """CPython's own pacing again. What is frozen stays frozen: thawed, torch's objects would be
        walked by every later full collection (the tests run hundreds of apps in one process, and
        there that cost 65% more CPU than the leak, this app's cycles frozen alive, costs in memory)."""
        if self.thresholds is not None:
            gc.set_threshold(*self.thresholds)
            self.thresholds = None
