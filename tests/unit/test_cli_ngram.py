"""rnn-tui ngram: each order's validation loss from counting, as a line per order or as JSON."""

import json
import math

import pytest

from rnn_tui.cli import main
from rnn_tui.engine.data import Corpus
from rnn_tui.engine.ngram import NGrams


def test_each_order_is_scored_on_the_validation_split(tmp_path, small_text, capsys):
    path = tmp_path / "text.txt"
    path.write_text(small_text)
    assert main(["ngram", "--text", str(path), "--orders", "1-3,5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    corpus = Corpus.load(str(path))
    model = NGrams(corpus.train, len(corpus.vocab), max_order=5)
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
