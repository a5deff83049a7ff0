"""rnn-tui ngram: each order's validation loss from counting, as a line per order or as JSON."""

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from rnn_tui.cli import main
from rnn_tui.engine.data import Corpus
from rnn_tui.engine.ngram import COUNTED_CHARS, NGrams


def test_each_order_is_scored_on_the_validation_split(tmp_path, small_text, capsys):
    path = tmp_path / "text.txt"
    path.write_text(small_text)
    assert main(["ngram", "--text", str(path), "--orders", "1-3,5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    corpus = Corpus.load(str(path))
    model = NGrams.count(corpus.train, len(corpus.vocab), max_order=5)
    assert [row["order"] for row in out["orders"]] == [1, 2, 3, 5]
    for row in out["orders"]:
        assert row["val_loss"] == pytest.approx(model.loss(corpus.val, row["order"]), rel=1e-12)
        assert row["val_bpc"] == pytest.approx(row["val_loss"] / math.log(2))
    best = min(out["orders"], key=lambda row: row["val_loss"])["order"]
    assert out["best_order"] == best and out["chars"] == len(small_text)
    assert main(["ngram", "--text", str(path), "--orders", "2"]) == 0
    table = capsys.readouterr().out
    assert "order  val loss  bits/char" in table and "best" in table


@pytest.mark.parametrize("orders", ["3-x", "0", "5-2", "21", ""])
def test_a_bad_order_list_is_one_line_and_exit_2(orders, capsys):
    assert main(["ngram", "--orders", orders]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rnn-tui: error: --orders") and "\n" not in err


MEMORY_BOUND = 1.5 * 2**30  # the bound for a 100 MB text; a 20 MB one is counted on as many characters


def test_a_20_mb_text_is_counted_within_the_memory_bound(tmp_path):
    """In a process of its own, whose peak resident size the kernel reports when it ends. Counting
    every order of all its 18 M training characters at once took about 2.5 GB; it counts the last
    COUNTED_CHARS, one order at a time, and says so."""
    rng = np.random.default_rng(0)
    words = ["".join(rng.choice(list("etaoinshrdlcumwfgypbvkjxqz"), int(rng.integers(1, 9)))) for _ in range(20_000)]
    picks = rng.zipf(1.2, 4_000_000) % len(words)
    text = " ".join(words[i] + ("\n" if i % 11 == 0 else "") for i in picks)[:20_000_000]
    path = tmp_path / "large.txt"
    path.write_text(text)
    with (tmp_path / "stderr").open("w") as stderr:
        child = subprocess.Popen([sys.executable, "-m", "rnn_tui", "ngram", "--json", "--text", str(path)],
                                 stdout=subprocess.PIPE, stderr=stderr, text=True)
        with child.stdout:
            out = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak, not the largest of the session's children
    assert len(text) == 20_000_000 and os.waitstatus_to_exitcode(status) == 0, (tmp_path / "stderr").read_text()
    found = json.loads(out)
    assert found["counted_chars"] == COUNTED_CHARS
    assert found["best"].endswith(f"(counted on the last {COUNTED_CHARS / 1e6:.1f} M of 18.0 M training characters)")
    assert usage.ru_maxrss * 1024 < MEMORY_BOUND, f"{usage.ru_maxrss / 2**20:.2f} GiB"
