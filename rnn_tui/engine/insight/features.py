"""Named features of a text, one number per character, for units to be compared with.

Each value describes the state after reading that character, as a hidden state does: the
opening quote is inside the quotes, the closing one is not; bracket depth counts the bracket
just read.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from rnn_tui.engine.errors import UserError

OPENERS, CLOSERS = "([{", ")]}"


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def double_quote(text: str) -> np.ndarray:
    inside, out = False, np.zeros(len(text))
    for t, ch in enumerate(text):
        if ch == '"':
            inside = not inside
        out[t] = inside
    return out


def single_quote(text: str) -> np.ndarray:
    """Inside '...' on one line; an apostrophe within a word (don't) neither opens nor closes."""
    inside, out = False, np.zeros(len(text))
    for t, ch in enumerate(text):
        if ch == "\n":
            inside = False
        elif ch == "'" and (inside or t == 0 or not _is_word(text[t - 1])):
            inside = not inside
        out[t] = inside
    return out


def bracket_depth(text: str) -> np.ndarray:
    depth, out = 0, np.zeros(len(text))
    for t, ch in enumerate(text):
        if ch in OPENERS:
            depth += 1
        elif ch in CLOSERS:
            depth = max(0, depth - 1)
        out[t] = depth
    return out


def line_position(text: str) -> np.ndarray:
    """Characters read since the last line end (0 on the line end itself)."""
    position, out = 0, np.zeros(len(text))
    for t, ch in enumerate(text):
        position = 0 if ch == "\n" else position + 1
        out[t] = position
    return out


def word_position(text: str) -> np.ndarray:
    """1 on a word's first character, 2 on its second, ...; 0 outside words."""
    position, out = 0, np.zeros(len(text))
    for t, ch in enumerate(text):
        position = position + 1 if _is_word(ch) else 0
        out[t] = position
    return out


def word_start(text: str) -> np.ndarray:
    return (word_position(text) == 1).astype(float)


def line_start(text: str) -> np.ndarray:
    """The first character of each line."""
    return np.array([t == 0 or text[t - 1] == "\n" for t in range(len(text))], dtype=float)


def comment(text: str) -> np.ndarray:
    """From a `#` outside quotes to the end of its line."""
    quoted = np.maximum(double_quote(text), single_quote(text))
    inside, out = False, np.zeros(len(text))
    for t, ch in enumerate(text):
        if ch == "\n":
            inside = False
        elif ch == "#" and not quoted[t]:
            inside = True
        out[t] = inside
    return out


def char_class(test: Callable[[str], bool]) -> Callable[[str], np.ndarray]:
    return lambda text: np.array([test(ch) for ch in text], dtype=float)


FEATURES: dict[str, Callable[[str], np.ndarray]] = {
    "double_quote": double_quote,
    "single_quote": single_quote,
    "bracket_depth": bracket_depth,
    "line_position": line_position,
    "word_position": word_position,
    "word_start": word_start,
    "line_start": line_start,
    "comment": comment,
    "upper_case": char_class(str.isupper),
    "digit": char_class(str.isdigit),
    "whitespace": char_class(str.isspace),
}

DESCRIPTIONS = {
    "double_quote": 'inside "double quotes"',
    "single_quote": "inside 'single quotes'",
    "bracket_depth": "depth of (), [] and {}",
    "line_position": "position in the line",
    "word_position": "position in the word",
    "word_start": "first letter of a word",
    "line_start": "first character of a line",
    "comment": "inside a # comment",
    "upper_case": "upper-case letter",
    "digit": "digit",
    "whitespace": "space, tab or line end",
}


def features_of(text: str) -> dict[str, np.ndarray]:
    return {name: feature(text) for name, feature in FEATURES.items()}


def compile_hypothesis(pattern: str) -> re.Pattern[str]:
    if not pattern:
        raise UserError("the hypothesis is empty: give a regular expression")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise UserError(f"the hypothesis {pattern!r} is not a regular expression: {exc}") from None


def regex_feature(text: str, pattern: str | re.Pattern[str]) -> np.ndarray:
    """1 on every character inside a match of the regular expression, 0 elsewhere."""
    regex = compile_hypothesis(pattern) if isinstance(pattern, str) else pattern
    out = np.zeros(len(text))
    for match in regex.finditer(text):
        out[match.start():match.end()] = 1
    return out
