"""Lessons: the verdict is computed from the run's numbers, and says so both ways."""

import json

from rnn_tui.cli import main
from rnn_tui.engine.lessons import LESSONS, judge_best_of, judge_better_second, judge_dropout
from rnn_tui.engine.race import Entrant


def run(name: str, best: float, final_val: float | None = None, final_train: float | None = None) -> Entrant:
    return Entrant("lstm", 64, 20_000, name=name, best_val=best, final_val=final_val or best,
                   final_train=final_train or best)


def test_dropout_held_when_it_kept_the_validation_loss_lower_and_not_otherwise():
    held = judge_dropout([run("dropout=0", 1.80, 1.85, 0.76), run("dropout=0.3", 1.77, 1.78, 1.11)])
    assert held.held and held.text.endswith("the claim held") and "0.030 nats lower" in held.text
    assert held.numbers["gap_without"] == 1.85 - 0.76
    failed = judge_dropout([run("dropout=0", 2.18, 2.2, 2.1), run("dropout=0.3", 2.215, 2.3, 2.25)])
    assert not failed.held and failed.text.startswith("it did not hold this time") and "higher" in failed.text


def test_the_second_value_wins_or_the_verdict_says_it_did_not():
    judge = judge_better_second("depth")
    assert judge([run("layers=1", 1.6), run("layers=2", 1.5)]).held
    lost = judge([run("layers=1", 1.5), run("layers=2", 1.6)])
    assert not lost.held and "layers=2 reached 1.600" in lost.text


def test_a_middle_size_doing_best_is_the_claim_and_an_extreme_is_not():
    judge = judge_best_of("the input projection")
    assert judge([run("embed=4", 1.7), run("embed=16", 1.5), run("embed=64", 1.6)]).held
    extreme = judge([run("embed=4", 1.7), run("embed=16", 1.6), run("embed=64", 1.5)])
    assert not extreme.held and "embed=64 did best" in extreme.text


def test_a_lesson_runs_headless_to_its_verdict_on_a_tiny_budget(capsys):
    assert main(["lesson", "dropout", "--steps", "3", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["lesson"] == "dropout" and found["claim"] == LESSONS["dropout"].claim
    assert [r["value"] for r in found["runs"]] == ["0", "0.3"] and all(r["steps"] == 3 for r in found["runs"])
    best = [r["best_val"] for r in found["runs"]]
    assert found["held"] == (best[1] < best[0])  # the verdict follows the numbers of this run
    assert found["verdict"].endswith("the claim held") == found["held"]
