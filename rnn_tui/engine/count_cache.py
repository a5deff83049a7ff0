"""A text's n-gram counts, counted once: saved under the user's cache folder, named by a hash of
what they were counted on, and read back by every later run, window and `rnn-tui ngram`.

The file holds plain arrays (np.savez, read with allow_pickle=False), written to a temporary file
and renamed into place, so a reader never sees half a file. Nothing in it is trusted: a file that
does not load, lacks an array, has one of the wrong type or shape, unsorted grams, counts that do
not add up to the text's length, or the hash of another text, is counted again and replaced.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from rnn_tui.engine.ngram import LEVELS_BYTES, Level, NGrams, discount

FORMAT = 1  # bumped whenever the arrays or their meaning change
KEPT_BYTES = 2 << 30  # the folder's size at most: the least recently used files go first
RAW = ("grams", "counts", "raw_totals", "raw_types")  # per order k: its grams and raw level
CONTINUED = ("preceded", "continued_totals", "continued_types")  # per order k below the top: its continuation level


def cache_folder() -> Path:
    """$XDG_CACHE_HOME/rnn-tui, else ~/.cache/rnn-tui."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rnn-tui"


def fingerprint(ids: np.ndarray, vocab: str, max_order: int) -> str:
    """A hash of the counted characters (so of any cap on them too), their vocabulary, the orders
    asked for, the memory they may take and the file format."""
    ids = np.ascontiguousarray(ids)
    h = hashlib.blake2b(f"ngrams {FORMAT} {max_order} {LEVELS_BYTES} {ids.dtype.str} {len(ids)} {vocab}".encode(),
                        digest_size=20)
    h.update(memoryview(ids).cast("B"))
    return h.hexdigest()


def counted(ids: np.ndarray, vocab: str, max_order: int) -> NGrams:
    """The counts of orders 1 to `max_order` on `ids` (indices into `vocab`): from the cache when
    it holds them, else counted and saved there."""
    key = fingerprint(ids, vocab, max_order)
    path = cache_folder() / f"ngrams-{key}.npz"
    found = read(path, key, len(ids), len(vocab), max_order)
    if found is not None:
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept longest
        return found
    ngrams = NGrams.count(ids, len(vocab), max_order)
    write(path, key, ngrams)
    return ngrams


def read(path: Path, key: str, n: int, vocab_size: int, max_order: int) -> NGrams | None:
    """The counts in `path` if it holds exactly what `key` names, else None."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            if "key" not in stored.files or stored["key"].shape != () or str(stored["key"]) != key:
                return None
            orders = sum(f"grams{k}" in stored.files for k in range(1, max_order + 1))
            raw = [[stored[f"{name}{k}"] for name in RAW] for k in range(1, orders + 1)]
            continued = [[stored[f"{name}{k}"] for name in CONTINUED] for k in range(1, orders)]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    if not raw:
        return None
    levels: tuple[list[Level], list[Level]] = ([], [])
    below = np.zeros(1, dtype=np.uint64)  # the empty gram
    for k, ((grams, counts, totals, types), further) in enumerate(zip(raw, [*continued, None]), start=1):
        if not raw_consistent(k, n, below, grams, counts, totals, types):
            return None
        levels[0].append(Level(grams, counts, below, totals, types, discount(counts)))
        if further is not None:
            if not continued_consistent(grams, below, *further):
                return None
            preceded, totals, types = further
            levels[1].append(Level(grams, preceded, below, totals, types, discount(preceded)))
        below = grams
    return NGrams(vocab_size, *levels)


def shaped(arrays: tuple[np.ndarray, ...], length: int) -> bool:
    return all(a.ndim == 1 and a.dtype.kind == "u" and len(a) == length for a in arrays)


def raw_consistent(k: int, n: int, below: np.ndarray, grams: np.ndarray, counts: np.ndarray, totals: np.ndarray,
                   types: np.ndarray) -> bool:
    """Whether these can be the raw counts of the k-grams of a text of n characters."""
    if grams.dtype != np.uint64 or not shaped((grams, counts), len(grams)) or not shaped((totals, types), len(below)):
        return False
    total = counts.sum(dtype=np.uint64)
    return bool((grams[1:] > grams[:-1]).all() and (counts > 0).all() and int(total) == max(n - k + 1, 0)
                and totals.sum(dtype=np.uint64) == total and int(types.sum(dtype=np.uint64)) == len(grams))


def continued_consistent(grams: np.ndarray, below: np.ndarray, preceded: np.ndarray, totals: np.ndarray,
                         types: np.ndarray) -> bool:
    """Whether these can be the continuation counts of `grams` (contexts: `below`)."""
    return bool(shaped((preceded,), len(grams)) and shaped((totals, types), len(below))
                and totals.sum(dtype=np.uint64) == preceded.sum(dtype=np.uint64)
                and int(types.sum(dtype=np.uint64)) == int((preceded > 0).sum()))


def write(path: Path, key: str, ngrams: NGrams) -> None:
    """Save the counts atomically; a cache that cannot be written (a read-only home, a full disk)
    only means counting again next time."""
    arrays: dict[str, np.ndarray] = {"key": np.array(key)}
    for k, level in enumerate(ngrams.raw, start=1):
        arrays.update(zip((f"{name}{k}" for name in RAW), (level.grams, level.counts, level.totals, level.types)))
    for k, level in enumerate(ngrams.continuation, start=1):
        arrays.update(zip((f"{name}{k}" for name in CONTINUED), (level.counts, level.totals, level.types)))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".ngrams-", suffix=".npz", delete=False) as f:
            temporary = Path(f.name)
            try:
                np.savez(f, **arrays)
            except BaseException:
                temporary.unlink()
                raise
        os.replace(temporary, path)
    except OSError:
        return
    forget_least_used(path.parent)


def forget_least_used(folder: Path) -> None:
    """Remove the least recently used count files until the folder holds KEPT_BYTES at most."""
    files = []
    for file in folder.glob("ngrams-*.npz"):
        with contextlib.suppress(OSError):  # another process may remove one meanwhile
            files.append((file.stat(), file))
    kept = 0
    for stat, file in sorted(files, key=lambda found: found[0].st_mtime, reverse=True):
        kept += stat.st_size
        if kept > KEPT_BYTES:
            with contextlib.suppress(OSError):
                file.unlink()
