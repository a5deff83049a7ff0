"""Timing shared by every row: time a call, alternate candidates round by round, summarise.

On a shared two-core machine absolute speeds drift with other work, so every figure in the
suite is a ratio against a reference measured in the same run: `alternate` runs the candidates
in turn (A B, then B A, ...), so drift hits both alike, and rows quote medians over rounds;
`interleave` does the same call by call within a round, for training steps.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


def timed(fn: Callable[[], object]) -> float:
    """Wall seconds one call of `fn` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


@dataclass(frozen=True)
class Span:
    """Wall and process CPU seconds of some work. With one torch thread the CPU time is the work's
    own, untouched by time spent descheduled while other processes run; with more threads it
    also counts their spin-waits."""

    wall: float
    cpu: float

    def __add__(self, other: Span) -> Span:
        return Span(self.wall + other.wall, self.cpu + other.cpu)

    def __truediv__(self, n: float) -> Span:
        return Span(self.wall / n, self.cpu / n)


def measure(fn: Callable[[], object]) -> Span:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return Span(time.perf_counter() - wall, time.process_time() - cpu)


def walls(spans: list[Span]) -> list[float]:
    return [s.wall for s in spans]


def cpus(spans: list[Span]) -> list[float]:
    return [s.cpu for s in spans]


def alternate(candidates: Mapping[str, Callable[[], T]], rounds: int) -> dict[str, list[T]]:
    """Call each candidate once per round, reversing the order every other round (ABBA...).

    Each candidate measures itself (usually `timed(...)`) and returns its measurement."""
    names = list(candidates)
    results: dict[str, list[T]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names if r % 2 == 0 else reversed(names):
            results[name].append(candidates[name]())
    return results


def interleave(steps: Mapping[str, Callable[[], object]], counts: Mapping[str, int],
               rounds: int) -> dict[str, list[Span]]:
    """Mean time per call of each step, per round, with the calls interleaved one by one.

    Each round calls every step `counts[name]` times, taking turns call by call with the order
    reversed on every turn (A B, B A, A B, ...), so a change in the machine's speed hits all
    steps alike."""
    names = list(steps)
    results: dict[str, list[Span]] = {name: [] for name in names}
    turn = 0  # counted across rounds, so rounds of one call each still alternate the order
    for _ in range(rounds):
        totals = {name: Span(0.0, 0.0) for name in names}
        left = dict(counts)
        while any(left.values()):
            for name in names if turn % 2 == 0 else reversed(names):
                if left[name]:
                    totals[name] += measure(steps[name])
                    left[name] -= 1
            turn += 1
        for name in names:
            results[name].append(totals[name] / counts[name])
    return results


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def paired_ratio(a: list[float], b: list[float]) -> float:
    """Median over rounds of a[i] / b[i]: robust to drift between rounds."""
    return median([x / y for x, y in zip(a, b)])


def repeats_for(seconds_per_call: float, window: float, least: int = 1) -> int:
    """How many calls fill a window of `window` seconds (at least `least`)."""
    return max(least, round(window / max(seconds_per_call, 1e-9)))
