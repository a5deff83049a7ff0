"""Where the loss goes: the surprisal of a passage split by the class of the character predicted,
as Karpathy, Johnson and Fei-Fei break down their models' errors. Each class's share of the
total, its mean bits per character, and how many characters it has."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnn_tui.engine.inspection import Inspection

CLASSES = ("in_word", "word_start", "space", "punctuation", "newline", "digit", "bracket")
BRACKETS = set("()[]{}")


def char_classes(text: str) -> list[str]:
    """The class of each character; digits and brackets are their own classes, before words."""
    out = []
    for t, ch in enumerate(text):
        if ch == "\n":
            out.append("newline")
        elif ch.isspace():
            out.append("space")
        elif ch in BRACKETS:
            out.append("bracket")
        elif ch.isdigit():
            out.append("digit")
        elif ch.isalpha() or ch == "_":
            previous = text[t - 1] if t else " "
            out.append("in_word" if previous.isalnum() or previous == "_" else "word_start")
        else:
            out.append("punctuation")
    return out


@dataclass(frozen=True)
class ClassLoss:
    name: str
    chars: int
    share: float  # of the passage's total surprisal
    bits_per_char: float

    def to_dict(self) -> dict[str, object]:
        return {"class": self.name, "chars": self.chars, "share": round(self.share, 4),
                "bits_per_char": round(self.bits_per_char, 4)}


def error_breakdown(inspection: Inspection) -> list[ClassLoss]:
    """Per class, in CLASSES order, over every predicted character (all but the first)."""
    bits = inspection.surprisal_bits()[1:]
    classes = np.array(char_classes(inspection.text)[1:])
    total = float(bits.sum()) if len(bits) else 0.0
    out = []
    for name in CLASSES:
        mine = bits[classes == name]
        chars = len(mine)
        out.append(ClassLoss(name, chars, float(mine.sum()) / total if total > 0 else 0.0,
                             float(mine.mean()) if chars else 0.0))
    return out
