"""Colour scales shared by the views of activations: one meaning per colour across the app."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NEGATIVE, ZERO, POSITIVE = (59, 130, 246), (38, 38, 38), (239, 68, 68)
NGRAM = (175, 135, 255)  # the counting baseline: its line on the loss plot, its bars, its layer of the onion
SURPRISAL_BITS = 8.0  # the top of the surprisal scale: a 1-in-256 character


def diverging(value: float) -> str:
    """A colour for a value in [-1, 1] (clipped): blue below zero, red above, dark at zero."""
    v = max(-1.0, min(1.0, float(value)))
    end = POSITIVE if v > 0 else NEGATIVE
    r, g, b = (round(z + abs(v) * (e - z)) for z, e in zip(ZERO, end))
    return f"rgb({r},{g},{b})"


@dataclass(frozen=True)
class Scale:
    """How a view colours one quantity's activations. Within [-1, 1] (tanh's h, a sigmoid gate) the
    fixed diverging scale, so colours mean the same from sample to sample; beyond it (an LSTM's c)
    the same scale stretched to the 99th percentile of |v|; and a quantity that is never negative
    but passes 1 (minGRU's and minLSTM's h, whose g(x) has no top) dark to red from its 1st to its
    99th percentile, since on the stretched scale it would be red everywhere."""

    low: float = 0.0
    high: float = 1.0
    one_sided: bool = False

    def colour(self, value: float) -> str:
        if self.one_sided:
            return diverging(max(0.0, (value - self.low) / (self.high - self.low)))
        return diverging(value / self.high)

    def describe(self) -> str:
        if self.one_sided:
            return f"dark {self.low:.2g} to red {self.high:.2g}"
        return "" if self.high == 1.0 else f"blue -{self.high:.2g} to red +{self.high:.2g}"


def scale_of(values: np.ndarray) -> Scale:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return Scale()
    top = float(np.percentile(np.abs(finite), 99))
    if top <= 1.0:
        return Scale()
    if finite.min() >= 0:
        low = float(np.percentile(finite, 1))
        return Scale(low, top, one_sided=True) if top > low else Scale(0.0, top)
    return Scale(0.0, top)


def surprisal_colour(bits: float) -> str:
    """Dark for an expected character, red for one the model gave 1 in 256 or less."""
    return diverging(min(bits, SURPRISAL_BITS) / SURPRISAL_BITS)


def rgb(colour: tuple[int, int, int]) -> str:
    """An RGB triple as a Rich colour."""
    return "rgb({},{},{})".format(*colour)
