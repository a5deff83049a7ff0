"""How many CPU threads a training step should use, measured while it trains.

On an idle 2-core machine two torch threads make a step about 1.4x faster than one; beside one
busy process the same two threads wait for each other at every operation and the step takes
3 to 5 times as long as with one (benchmarks/threads.py). Neither count is right for a whole run
on a machine whose load changes, so the tuner measures: it trains on one count, and every
`PROBE_SECONDS` of training it tries the other for a few steps and keeps whichever was faster.
"""

from __future__ import annotations

import os
import statistics
from collections import deque

PROBE_SECONDS = 20.0  # training time between two probes of the other thread count
FIRST_PROBE_SECONDS = 2.0  # the first comes early: beside a busy core, every core is the slow choice
PROBE_STEPS = 4  # steps timed on the other count (after one to warm its threads)
RECENT = 8  # steps of the current count whose median is compared
GAIN = 1.05  # the other count is kept only when this much faster: noise does not flip it


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class ThreadTuner:
    """Chooses between one thread and every core from the measured seconds of each step."""

    def __init__(self, most: int | None = None):
        self.choices = sorted({1, most or cores()})
        self.threads = self.choices[-1]  # every core until a probe says otherwise
        self.recent: deque[float] = deque(maxlen=RECENT)
        self.since_probe = PROBE_SECONDS - FIRST_PROBE_SECONDS
        self.probe: list[float] | None = None  # the other count's step times while it is tried
        self.switches = 0

    @property
    def other(self) -> int:
        return self.choices[0] if self.threads == self.choices[-1] else self.choices[-1]

    def observe(self, seconds: float) -> int | None:
        """One step's compute time on the count given last; the count to use from the next step on,
        when it changes."""
        if len(self.choices) == 1:
            return None
        if self.probe is not None:
            self.probe.append(seconds)
            if len(self.probe) <= PROBE_STEPS:  # the first step on a new count warms its threads
                return None
            tried, self.probe = statistics.median(self.probe[1:]), None
            if tried * GAIN < statistics.median(self.recent):
                self.threads, self.recent = self.other, deque([tried], maxlen=RECENT)
                self.switches += 1
            return self.threads
        self.recent.append(seconds)
        self.since_probe += seconds
        if self.since_probe >= PROBE_SECONDS and len(self.recent) >= 3:
            self.since_probe, self.probe = 0.0, []
            return self.other
        return None
