"""Counted once per text: the counts cached under the user's cache folder, reused, and never trusted
when the file is broken or holds another text's counts."""

import os

import numpy as np
import pytest

from rnn_tui.engine import count_cache
from rnn_tui.engine.count_cache import cache_folder, counted, fingerprint
from rnn_tui.engine.ngram import NGrams

ORDERS = 5


@pytest.fixture(autouse=True)
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "rnn-tui"


def cached_file(corpus):
    return cache_folder() / f"ngrams-{fingerprint(corpus.train, corpus.vocab.chars, ORDERS)}.npz"


def counting_forbidden(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("counted again: the cache was not read")

    monkeypatch.setattr(NGrams, "count", refuse)


def counting_watched(monkeypatch) -> list[int]:
    """How many times the text is counted from here on."""
    times, count = [], NGrams.count.__func__

    def watched(cls, *args, **kwargs):
        times.append(1)
        return count(cls, *args, **kwargs)

    monkeypatch.setattr(NGrams, "count", classmethod(watched))
    return times


def same_counts(a: NGrams, b: NGrams, corpus) -> bool:
    return all(np.array_equal(a.log_probs(corpus.val, k), b.log_probs(corpus.val, k)) for k in range(1, ORDERS + 1))


def test_the_second_build_reads_the_counts_the_first_saved(corpus, cache_home, monkeypatch):
    first = counted(corpus.train, corpus.vocab.chars, ORDERS)
    assert cached_file(corpus).parent == cache_home and cached_file(corpus).is_file()
    counting_forbidden(monkeypatch)
    again = counted(corpus.train, corpus.vocab.chars, ORDERS)
    assert same_counts(first, again, corpus)
    assert [level.discount for level in again.raw] == [level.discount for level in first.raw]


def test_without_xdg_cache_home_the_folder_is_in_the_home(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_folder() == tmp_path / ".cache" / "rnn-tui"


def test_a_corrupt_file_is_counted_again_and_replaced(corpus, monkeypatch):
    expected = counted(corpus.train, corpus.vocab.chars, ORDERS)
    path = cached_file(corpus)
    whole = path.read_bytes()
    times = counting_watched(monkeypatch)
    for broken in (b"not a zip file at all", whole[:len(whole) // 2]):
        path.write_bytes(broken)
        assert same_counts(counted(corpus.train, corpus.vocab.chars, ORDERS), expected, corpus)
    assert len(times) == 2
    counted(corpus.train, corpus.vocab.chars, ORDERS)  # the file was replaced by a good one
    assert len(times) == 2


@pytest.mark.parametrize("damage", ["unsorted grams", "a count too many", "an array missing", "a wrong shape",
                                    "a float array", "another key"])
def test_a_file_whose_arrays_do_not_add_up_is_not_trusted(corpus, monkeypatch, damage):
    expected = counted(corpus.train, corpus.vocab.chars, ORDERS)
    path = cached_file(corpus)
    with np.load(path) as stored:
        arrays = dict(stored)
    match damage:
        case "unsorted grams":
            arrays["grams3"] = arrays["grams3"][::-1].copy()
        case "a count too many":
            arrays["counts2"][0] += 1
        case "an array missing":
            del arrays["raw_types4"]
        case "a wrong shape":
            arrays["preceded2"] = arrays["preceded2"][:-1]
        case "a float array":
            arrays["raw_totals1"] = arrays["raw_totals1"].astype(np.float64)
        case "another key":
            arrays["key"] = np.array("0" * 40)
    with path.open("wb") as f:
        np.savez(f, **arrays)
    times = counting_watched(monkeypatch)
    assert same_counts(counted(corpus.train, corpus.vocab.chars, ORDERS), expected, corpus)
    assert len(times) == 1


def test_another_texts_counts_under_this_texts_name_are_not_used(corpus, monkeypatch):
    other = corpus.train[::-1].copy()  # the same characters, so the same length and vocabulary
    counted(other, corpus.vocab.chars, ORDERS)
    other_file = cache_folder() / f"ngrams-{fingerprint(other, corpus.vocab.chars, ORDERS)}.npz"
    cached_file(corpus).write_bytes(other_file.read_bytes())
    times = counting_watched(monkeypatch)
    got = counted(corpus.train, corpus.vocab.chars, ORDERS)
    assert len(times) == 1
    assert same_counts(got, NGrams.count(corpus.train, len(corpus.vocab), ORDERS), corpus)


def test_a_cache_that_cannot_be_written_only_means_counting_again(corpus, tmp_path, monkeypatch):
    (tmp_path / "a file").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a file"))  # its rnn-tui folder cannot be made
    times = counting_watched(monkeypatch)
    for _ in range(2):
        assert counted(corpus.train, corpus.vocab.chars, ORDERS).max_order == ORDERS
    assert len(times) == 2


def test_the_least_recently_used_file_goes_when_the_folder_is_full(corpus, monkeypatch):
    parts = [corpus.train[start:start + 3000] for start in (0, 3000, 6000)]
    files = []
    for part in parts[:2]:
        counted(part, corpus.vocab.chars, ORDERS)
        files.append(cache_folder() / f"ngrams-{fingerprint(part, corpus.vocab.chars, ORDERS)}.npz")
    for age, file in enumerate(files):
        os.utime(file, (age, age))  # the first used longest ago (the clock may not tell files written at once apart)
    counted(parts[0], corpus.vocab.chars, ORDERS)  # read again: now the second is the least recently used
    monkeypatch.setattr(count_cache, "KEPT_BYTES", 2.5 * max(f.stat().st_size for f in files))
    counted(parts[2], corpus.vocab.chars, ORDERS)
    assert files[0].exists() and not files[1].exists() and len(list(cache_folder().glob("ngrams-*.npz"))) == 2
