"""Figures the app and README state are the true ones (issue 27, section 4): the built-in texts'
sizes, the closers the edge headline counts, and a sampling rate never rounded to zero."""

import math
import re
from pathlib import Path

import pytest

from rnn_tui.engine.insight.edge import Bucket
from rnn_tui.engine.lessons import judge_sampling
from rnn_tui.engine.race import Entrant
from rnn_tui.engine.texts import BUILTIN_TEXTS, sample_texts_dir, size_label
from rnn_tui.tui.widgets.edge import verdict

README = Path(__file__).resolve().parents[2] / "README.md"
BUNDLED = {"essay": "recurrent_networks.txt", "structured": "structured.txt", "source": "rnn_tui_source.txt"}


def test_size_labels_round_to_whole_decimal_units():
    assert [size_label(n) for n in (999, 50_212, 138_149, 4_000_000)] == ["999 bytes", "50 KB", "138 KB", "4 MB"]


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_the_palette_states_each_bundled_texts_size_from_its_file(name):
    size = (sample_texts_dir() / BUNDLED[name]).stat().st_size
    assert BUILTIN_TEXTS[name].size() == size
    assert f"{round(size / 1000)} KB" in BUILTIN_TEXTS[name].description


def test_the_palette_reads_the_size_when_shown(monkeypatch, tmp_path):
    (tmp_path / "structured.txt").write_text("x" * 7_000)
    monkeypatch.setattr("rnn_tui.engine.texts.sample_texts_dir", lambda: tmp_path)
    assert BUILTIN_TEXTS["structured"].description.endswith(", 7 KB")


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_the_readme_states_each_bundled_texts_size_within_rounding(name):
    rows = [line for line in README.read_text(encoding="utf-8").splitlines() if line.startswith(f"| `{name}` |")]
    assert len(rows) == 1, f"the README's table of built-in texts has no single row for {name}"
    stated = re.match(r"\s*(\d+) KB", rows[0].rstrip(" |").rsplit("|", 1)[1])
    assert stated, rows[0]
    size = (sample_texts_dir() / BUNDLED[name]).stat().st_size
    assert abs(int(stated[1]) * 1000 - size) <= 500


def buckets(reach_row: tuple[int, float, float]) -> list[Bucket]:
    """The five distance buckets, with 6-10 given as (count, network p, n-gram p)."""
    rows = ((1, 5, 10, 0.9, 0.9), (6, 10, *reach_row), (11, 20, 5, 0.5, 0.3), (21, 50, 6, 0.4, 0.2),
            (51, None, 10, 0.3, 0.1))
    return [Bucket(start, end, count, network, ngram) for start, end, count, network, ngram in rows]


def test_the_edge_headline_counts_the_closers_of_a_bucket_straddling_the_ngrams_reach():
    said = verdict(buckets((4, 0.8, 0.2)), reach=8)
    assert "6+ characters from their opener (25 closers; the n-gram sees 8 back)" in said
    gap = (4 * 0.6 + 5 * 0.2 + 6 * 0.2 + 10 * 0.2) / 25
    assert said.startswith("the network wins") and f"by {gap:+.2f}" in said


def test_the_edge_headline_names_the_reach_when_no_bucket_straddles_it():
    said = verdict(buckets((4, 0.8, 0.2)), reach=10)
    assert "11+ characters from their opener (21 closers; the n-gram sees 10 back)" in said


def test_the_edge_headline_can_say_the_network_loses_past_the_reach():
    said = verdict(buckets((40, 0.1, 0.9)), reach=8)
    assert said.startswith("the network does not win on closers 6+") and "(61 closers;" in said


def test_the_edge_headline_says_so_when_no_closer_is_beyond_the_reach():
    near = [Bucket(1, 5, 10, 0.9, 0.9), *(Bucket(s, e, 0, math.nan, math.nan)
                                          for s, e in ((6, 10), (11, 20), (21, 50), (51, None)))]
    assert verdict(near, reach=8).startswith("no closer in this passage is further")


@pytest.mark.parametrize(("cold", "hot", "said"), [
    (0.25, 38.4, "0.25 distinct 3-grams per 100 characters at T 0.2 against 38 at T 1.0"),
    (4.76, 61.0, "4.8 distinct 3-grams per 100 characters at T 0.2 against 61 at T 1.0"),
    (0.0, 12.4, "0 distinct 3-grams per 100 characters at T 0.2 against 12 at T 1.0"),
])
def test_the_sampling_verdict_never_rounds_a_rate_of_distinct_3grams_to_zero(cold, hot, said):
    run = Entrant("lstm", 64, 20_000, name="run", best_val=1.0,
                  measures={"distinct_cold": cold, "distinct_hot": hot, "greedy_loop": 0})
    assert judge_sampling([run]).text.startswith(said)
