"""Python's cycle collector, paced for a screen that must answer a key at once.

Textual's rendering leaves reference cycles behind (`Strip.divide` caches `[self]` in the strip), so
the collector has to run. Left to itself, CPython runs a full collection after some 70,000
allocations, at whatever frame that happens to be, and walks every object the app holds: torch's
modules, the widgets of every view opened, the lines they cache. Measured with training on (issue 27,
benchmarks/RESULTS.md): 100-250 ms at a time, the largest part of a slow tab switch. So, while the
app runs:
- what lasts is frozen (`gc.freeze`: out of later walks) when it is made: the first frame's widgets,
  torch and the sampling engine once loaded, a view when it is first mounted; after one collection,
  so that no garbage is frozen with it;
- the automatic full collection is off, and the app's timer offers one every `PASS_SECONDS` over what
  is not frozen (the last seconds' garbage and the lines the views cache), taken when the last one
  cost at most `SHARE` of the time since it began. What is not frozen grows with the views opened
  (their cached lines: 100,000-150,000 objects with all of them open, 60-300 ms a walk with training
  on), so a pass every second took 15% of the UI thread; a pass as its cost allows, 2-3%.
Freezing after every pass would make each pass shorter still, but the caches frozen alive die
later, unwalked: measured, 100,000 objects a minute that only a full thaw and walk could free.
From Python 3.14 the collector is incremental and has no third threshold to turn off: there CPython
paces itself, and this does nothing.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable

PASS_SECONDS = 1.0  # how often the app offers the collector a turn
SHARE = 0.02  # the most of the UI thread's time the full collections may take
NEVER = 1 << 30  # a full-collection threshold no session reaches
PACED = sys.version_info < (3, 14)


class PacedCollector:
    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.thresholds: tuple[int, int, int] | None = None  # CPython's, while paced
        self.last_cost = 0.0  # seconds the last full collection took
        self.last_end = 0.0  # when it ended, by `clock`

    def start(self) -> None:
        if not PACED:
            return
        self.thresholds = gc.get_threshold()
        gc.set_threshold(self.thresholds[0], self.thresholds[1], NEVER)
        self.settle()

    def settle(self) -> None:
        """What is alive now will last (the widgets drawn, torch loaded, a view mounted): out of later walks."""
        if self.thresholds is not None:
            gc.collect()
            gc.freeze()

    def collect(self) -> None:
        """The full collection, at a time the app chooses, over what is not frozen; skipped until the
        last one is at most `SHARE` of the time since it began."""
        if self.thresholds is None:
            return
        start = self.clock()
        if start - self.last_end < self.last_cost * (1 / SHARE - 1):
            return
        gc.collect()
        self.last_end = self.clock()
        self.last_cost = self.last_end - start

    def stop(self) -> None:
        """CPython's own pacing again. What is frozen stays frozen: thawed, torch's objects would be
        walked by every later full collection in this process. The tests run hundreds of apps in one
        process: thawing at each stop took the full collections of two test files from 0.6 to 5.0
        CPU-seconds, where keeping each app's frozen cycles raised their peak memory from 445 to 526 MB."""
        if self.thresholds is not None:
            gc.set_threshold(*self.thresholds)
            self.thresholds = None
