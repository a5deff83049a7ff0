"""Generate ``structured.txt``: synthetic text a char-RNN can visibly learn.

The output is a sequence of short blocks, each introduced by a header line
(``# count``, ``# brackets`` ...) and separated by blank lines. Every block
kind exercises a different kind of memory in a recurrent network:

``# count``
    Lines such as ``7: * * * * * * *``. The number of stars must match the
    number at the start of the line, and consecutive lines count upwards by
    one, so the network has to count stars and to increment a number.

``# brackets``
    Lines of balanced, nested brackets such as ``([{<>}]())``. Closing the
    right bracket at the right time requires tracking a small stack: the
    nesting depth and the kind of every bracket still open.

``# quotes``
    Lines like ``name = "the red cat"`` or ``say 'hello' to "it's me"``. A
    string must be closed with the same quote character that opened it, and
    a double-quoted string may contain an apostrophe that does *not* close
    it, so the network must remember which quote is open.

``# wrap 40``
    Prose-like word soup wrapped to exactly 40 columns: each line is padded
    with dots and ended with ``|``. The network has to track the column
    position to know where the padding stops and where the newline goes.

``# ticks``
    A four-digit counter that increases by a fixed step on every line
    (``t=0398 +3``), including carries into the higher digits.

The script uses only the standard library and a fixed seed, so running it
twice produces byte-identical output. The character set is kept small:
lowercase letters, digits, space, newline and ``()[]{}<>"'#:=*.|+``.
"""

from __future__ import annotations

import random
import textwrap
from collections.abc import Callable
from pathlib import Path

SEED = 20240607
TARGET_BYTES = 50_000
WRAP_WIDTH = 40
OUTPUT = Path(__file__).resolve().with_name("structured.txt")

WORDS: tuple[str, ...] = (
    "the", "a", "cat", "dog", "sat", "ran", "on", "in", "under", "over",
    "red", "blue", "green", "small", "large", "old", "new", "quiet", "fast",
    "slow", "river", "hill", "house", "tree", "light", "stone", "bird",
    "fish", "sees", "finds", "keeps", "takes", "and", "but", "then", "with",
    "from", "into", "every", "some", "one", "two", "three", "many", "day",
    "night", "rain", "wind", "song", "road", "door", "window", "garden",
    "table", "book", "letter", "sings", "waits", "opens", "closes",
)
CONTRACTIONS: tuple[str, ...] = ("it's", "don't", "can't", "i'm", "won't")
NAMES: tuple[str, ...] = ("name", "title", "label", "word", "key", "text")
BRACKETS: tuple[tuple[str, str], ...] = (
    ("(", ")"), ("[", "]"), ("{", "}"), ("<", ">"),
)


def words(rng: random.Random, low: int, high: int) -> str:
    """Return between ``low`` and ``high`` random words joined by spaces."""
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def count_block(rng: random.Random) -> list[str]:
    """Lines ``n: * * ...`` with n stars, n increasing by one per line."""
    start = rng.randint(1, 6)
    stop = rng.randint(start + 3, 16)
    return [f"{n}: " + " ".join("*" * n) for n in range(start, stop + 1)]


def bracket_group(rng: random.Random, depth: int, max_depth: int) -> str:
    """Return one balanced bracket group, nested at most ``max_depth`` deep."""
    left, right = rng.choice(BRACKETS)
    inner = ""
    if depth < max_depth:
        for _ in range(rng.choice((0, 1, 1, 1, 2, 2, 3))):
            inner += bracket_group(rng, depth + 1, max_depth)
    return left + inner + right


def bracket_line(rng: random.Random, max_len: int = 60) -> str:
    """Return one to four balanced groups, at most ``max_len`` chars."""
    max_depth = rng.randint(2, 6)
    line = ""
    for _ in range(rng.randint(1, 4)):
        group = bracket_group(rng, 1, max_depth)
        while len(group) > max_len:
            group = bracket_group(rng, 1, max_depth)
        if len(line) + len(group) > max_len:
            break
        line += group
    return line


def _balanced(text: str) -> bool:
    """True if every bracket in ``text`` is closed in the right order."""
    closer = {left: right for left, right in BRACKETS}
    stack: list[str] = []
    for ch in text:
        if ch in closer:
            stack.append(closer[ch])
        elif not stack or stack.pop() != ch:
            return False
    return not stack


def bracket_block(rng: random.Random) -> list[str]:
    """Several lines of balanced nested brackets."""
    lines = [bracket_line(rng) for _ in range(rng.randint(4, 9))]
    assert all(_balanced(line) for line in lines)
    return lines


def quoted(rng: random.Random) -> str:
    """Return a quoted string; double quotes may contain an apostrophe."""
    if rng.random() < 0.5:
        body = words(rng, 1, 4)
        if rng.random() < 0.4:
            body = f"{rng.choice(CONTRACTIONS)} {body}"
        return f'"{body}"'
    return f"'{words(rng, 1, 3)}'"


def quote_line(rng: random.Random) -> str:
    """Return an assignment or a sentence containing quoted strings."""
    kind = rng.randrange(3)
    if kind == 0:
        return f"{rng.choice(NAMES)} = {quoted(rng)}"
    if kind == 1:
        return f"say {quoted(rng)} to {quoted(rng)}"
    return f"{words(rng, 1, 3)} {quoted(rng)} {words(rng, 1, 3)}"


def quote_block(rng: random.Random) -> list[str]:
    """Several lines with strings whose closing quote must be remembered."""
    return [quote_line(rng) for _ in range(rng.randint(4, 9))]


def wrap_block(rng: random.Random) -> list[str]:
    """Word soup wrapped and dot-padded to exactly ``WRAP_WIDTH`` columns."""
    text = words(rng, 18, 45)
    lines = textwrap.wrap(text, width=WRAP_WIDTH - 1)
    return [line.ljust(WRAP_WIDTH - 1, ".") + "|" for line in lines]


def tick_block(rng: random.Random) -> list[str]:
    """A four-digit counter stepping by a fixed amount on every line."""
    step = rng.choice((1, 1, 1, 2, 3, 5, 10))
    value = rng.randrange(0, 9000)
    lines = []
    for _ in range(rng.randint(5, 12)):
        lines.append(f"t={value:04d} +{step}")
        value = (value + step) % 10_000
    return lines


BLOCKS: tuple[tuple[str, Callable[[random.Random], list[str]]], ...] = (
    ("count", count_block),
    ("brackets", bracket_block),
    ("quotes", quote_block),
    (f"wrap {WRAP_WIDTH}", wrap_block),
    ("ticks", tick_block),
)


def generate(seed: int = SEED, target_bytes: int = TARGET_BYTES) -> str:
    """Build the text: random blocks until ``target_bytes`` is reached."""
    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    while size < target_bytes:
        title, make = rng.choice(BLOCKS)
        block = "\n".join([f"# {title}", *make(rng)]) + "\n\n"
        parts.append(block)
        size += len(block)
    return "".join(parts).rstrip("\n") + "\n"


def main() -> None:
    """Write ``structured.txt`` next to this script."""
    text = generate()
    OUTPUT.write_text(text, encoding="ascii", newline="\n")
    chars = len(set(text))
    print(f"wrote {len(text)} bytes, {chars} distinct chars to {OUTPUT}")


if __name__ == "__main__":
    main()
