"""The sampler's settings typed as text, a command-line flag or a field in the app: one parser
for both, so a value means the same everywhere. No torch: the app parses before torch loads."""

from __future__ import annotations

import math
import re

from rnn_tui.engine.errors import UserError

MAX_TEMPERATURE = 100.0
MAX_BEAM = 64


def check_temperature(t: float) -> float:
    if not (isinstance(t, (int, float)) and math.isfinite(t) and 0 <= t <= MAX_TEMPERATURE):
        raise UserError(f"temperature must be a number from 0 to {MAX_TEMPERATURE:g}, not {t}")
    return float(t)


def parse_temperatures(text: str, most: int | None = None) -> list[float]:
    """Temperatures separated by commas or spaces ("0.5, 1 1.5"), each from 0 (greedy) to 100;
    `most` bounds how many. An empty text or an empty item ("0.5,,1") is refused."""
    if not text.strip():
        raise UserError(f"temperatures: give one or more numbers from 0 to {MAX_TEMPERATURE:g}, separated by commas")
    values = []
    for item in re.split(r"\s*,\s*|\s+", text.strip()):
        if not item:
            raise UserError(f"temperatures: an empty item in {text!r}: give numbers separated by commas")
        try:
            value = float(item)
        except ValueError:
            raise UserError(f"temperatures: {item!r} is not a number") from None
        values.append(check_temperature(value))
    if most is not None and len(values) > most:
        raise UserError(f"temperatures: at most {most} numbers, not {len(values)}")
    return values


def parse_beam(text: str) -> int:
    """A beam search's width from 1 to MAX_BEAM; empty or 0 turns beam search off (0)."""
    try:
        width = int(text.strip() or "0")
        if not 0 <= width <= MAX_BEAM:
            raise ValueError
    except ValueError:
        raise UserError(f"beam: a width from 1 to {MAX_BEAM} (empty or 0: off), not {text!r}") from None
    return width
