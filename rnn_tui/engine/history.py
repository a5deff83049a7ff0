"""Bounded records of a run: the (x, y) series of its curves, and its timeline of samples."""

from __future__ import annotations


class History:
    """Points in order of x. When full, neighbouring pairs are averaged, halving the count,
    and from then on that many raw points are averaged into each stored one."""

    def __init__(self, capacity: int = 4096):
        if capacity < 2 or capacity % 2:
            raise ValueError("capacity must be an even number >= 2")
        self.capacity = capacity
        self.xs: list[float] = []
        self.ys: list[float] = []
        self._span = 1  # raw points per stored point
        self._pending: list[tuple[float, float]] = []

    def __len__(self) -> int:
        return len(self.xs)

    def append(self, x: float, y: float) -> None:
        self._pending.append((x, y))
        if len(self._pending) < self._span:
            return
        self.xs.append(sum(p[0] for p in self._pending) / self._span)
        self.ys.append(sum(p[1] for p in self._pending) / self._span)
        self._pending.clear()
        if len(self.xs) >= self.capacity:
            self.xs = [(a + b) / 2 for a, b in zip(self.xs[::2], self.xs[1::2])]
            self.ys = [(a + b) / 2 for a, b in zip(self.ys[::2], self.ys[1::2])]
            self._span *= 2

    def last(self) -> float | None:
        if self._pending:
            return self._pending[-1][1]
        return self.ys[-1] if self.ys else None

    def to_dict(self) -> dict:
        return {"capacity": self.capacity, "xs": list(self.xs), "ys": list(self.ys), "span": self._span,
                "pending": [list(p) for p in self._pending]}

    @classmethod
    def from_dict(cls, data: dict) -> History:
        h = cls(int(data["capacity"]))
        h.xs, h.ys, h._span = [float(x) for x in data["xs"]], [float(y) for y in data["ys"]], int(data["span"])
        h._pending = [(float(x), float(y)) for x, y in data["pending"]]
        return h


TIMELINE_CHARS, TIMELINE_TEMPERATURE, TIMELINE_SEED = 160, 0.8, 1234  # what each timeline sample is
TIMELINE_MAX = 256  # samples kept: beyond, every other older one goes, so the whole run stays in view


def thin(timeline: list[tuple[int, float, str]]) -> list[tuple[int, float, str]]:
    """A run's sample timeline at most TIMELINE_MAX long: when over, the older half keeps every
    other entry, so early and recent samples both stay."""
    if len(timeline) <= TIMELINE_MAX:
        return timeline
    half = len(timeline) // 2
    return timeline[:half:2] + timeline[half:]
