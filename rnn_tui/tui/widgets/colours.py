"""Colour scales shared by the views of activations: one meaning per colour across the app."""

from __future__ import annotations

NEGATIVE, ZERO, POSITIVE = (59, 130, 246), (38, 38, 38), (239, 68, 68)
NGRAM = (175, 135, 255)  # the counting baseline: its line on the loss plot, its bars, its layer of the onion
SURPRISAL_BITS = 8.0  # the top of the surprisal scale: a 1-in-256 character


def diverging(value: float) -> str:
    """A colour for a value in [-1, 1] (clipped): blue below zero, red above, dark at zero."""
    v = max(-1.0, min(1.0, float(value)))
    end = POSITIVE if v > 0 else NEGATIVE
    r, g, b = (round(z + abs(v) * (e - z)) for z, e in zip(ZERO, end))
    return f"rgb({r},{g},{b})"


def surprisal_colour(bits: float) -> str:
    """Dark for an expected character, red for one the model gave 1 in 256 or less."""
    return diverging(min(bits, SURPRISAL_BITS) / SURPRISAL_BITS)


def rgb(colour: tuple[int, int, int]) -> str:
    """An RGB triple as a Rich colour."""
    return "rgb({},{},{})".format(*colour)
