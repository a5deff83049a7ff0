"""Lessons: the verdict is computed from the run's numbers, and says so both ways."""

import json
from dataclasses import replace

from rnn_tui.cli import main
from rnn_tui.engine.lessons import (
    CLOSE,
    LESSONS,
    judge_attention_on,
    judge_best_of,
    judge_better_second,
    judge_cells,
    judge_dropout,
    judge_gradients,
    judge_learns,
    judge_min_cells,
    judge_sampling,
    judge_truncation,
)
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


def test_a_difference_under_a_hundredth_of_a_nat_is_too_close_to_call_either_way():
    for without, with_ in ((1.800, 1.797), (1.797, 1.800)):
        close = judge_dropout([run("dropout=0", without), run("dropout=0.3", with_)])
        assert not close.held and close.text.endswith("too close to call")
    assert not judge_better_second("depth")([run("layers=1", 1.505), run("layers=2", 1.5)]).held
    assert not judge_best_of("x")([run("embed=4", 1.7), run("embed=16", 1.5), run("embed=64", 1.505)]).held


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
    assert found["held"] == (best[0] - best[1] >= CLOSE)  # the verdict follows the numbers of this run
    assert found["verdict"].endswith("the claim held") == found["held"]


def test_lesson_alone_lists_every_lesson_and_steps_alone_is_one_line(capsys):
    assert main(["lesson"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].startswith(f"{len(LESSONS)} lessons")
    for name, lesson in LESSONS.items():
        assert any(line.split()[0] == name and lesson.title in line and lesson.text in line for line in listed[1:])
    assert main(["lesson", "--json"]) == 0
    assert [row["lesson"] for row in json.loads(capsys.readouterr().out)["lessons"]] == list(LESSONS)
    assert main(["lesson", "--steps", "3"]) == 2
    err = capsys.readouterr().err
    assert "--steps needs a lesson to run" in err and len(err.strip().splitlines()) == 1


def measured(name: str, best: float, curve: tuple = (), cell: str = "lstm", speed: float | None = None,
             **figures: float) -> Entrant:
    return Entrant(cell, 64, 20_000, name=name, best_val=best, val_curve=curve, chars_per_sec=speed,
                   measures=figures)


def test_learning_holds_only_below_both_lines():
    lines = {"unigram": 3.0, "ngram": 1.0, "ngram_order": 4}
    held = judge_learns([measured("run", 0.9, ((100, 2.5), (900, 0.9)), **lines)])
    assert held.held and "at step 100" in held.text and "4-gram's 1.000 at step 900" in held.text
    short = judge_learns([measured("run", 1.2, ((100, 2.5), (900, 1.2)), **lines)])
    assert not short.held and "0.200 nats above" in short.text
    nothing = judge_learns([measured("run", 3.1, ((100, 3.1),), **lines)])
    assert not nothing.held and "never went below the unigram line" in nothing.text


def test_sampling_holds_when_heat_brings_more_distinct_trigrams():
    assert judge_sampling([measured("run", 1.0, distinct_cold=20, distinct_hot=60, greedy_loop=37)]).held
    cold_wild = judge_sampling([measured("run", 1.0, distinct_cold=60, distinct_hot=20, greedy_loop=0)])
    assert not cold_wild.held and "did not loop" in cold_wild.text


def test_gradients_hold_when_every_gated_cell_reaches_further_than_elman():
    def runs(elman: int, gru: int, lstm: int) -> list[Entrant]:
        return [measured(f"cell={c}", 1.5, cell=c, horizon=k, window=100)
                for c, k in (("elman", elman), ("gru", gru), ("lstm", lstm))]

    held = judge_gradients(runs(12, 40, 100))
    assert held.held and "beyond 100 characters back in the LSTM" in held.text
    assert held.numbers["horizon_elman"] == 12
    assert not judge_gradients(runs(30, 40, 25)).held


def test_cells_hold_when_a_gated_cell_does_best_and_name_the_fastest():
    runs = [measured("cell=elman", 1.6, cell="elman", speed=9e4), measured("cell=gru", 1.4, cell="gru", speed=5e4)]
    held = judge_cells(runs)
    assert held.held and held.text.startswith("best validation loss: GRU 1.400, Elman 1.600")
    assert "Elman ran fastest (90,000" in held.text
    assert not judge_cells([replace(runs[0], best_val=1.3), runs[1]]).held


def test_truncation_holds_when_the_longer_window_closes_far_brackets_better():
    def runs(short: float, long_: float) -> list[Entrant]:
        return [measured(name, 1.0, p_far=p, p_near=0.5, far=49, near=200)
                for name, p in (("seq=8", short), ("seq=64", long_))]

    held = judge_truncation(runs(0.05, 0.3))
    assert held.held and "p 0.30 after seq=64 against 0.05 after seq=8 (49 such closers)" in held.text
    assert not judge_truncation(runs(0.3, 0.05)).held


def test_min_cells_hold_when_each_keeps_within_a_twentieth_of_a_nat_of_its_full_cell():
    def runs(mingru: float, minlstm: float) -> list[Entrant]:
        return [measured("cell=gru", 1.50, cell="gru", speed=4e4),
                measured("cell=mingru", mingru, cell="mingru", speed=8e4),
                measured("cell=lstm", 1.45, cell="lstm", speed=3e4),
                measured("cell=minlstm", minlstm, cell="minlstm", speed=9e4)]

    held = judge_min_cells(runs(1.52, 1.40))
    assert held.held and "minGRU 1.520 against the GRU's 1.500 (0.020 nats behind, 2.00x its characters" in held.text
    assert "minLSTM 1.400 against the LSTM's 1.450 (0.050 nats ahead, 3.00x" in held.text
    assert held.numbers["chars_per_sec_minlstm"] == 9e4
    assert not judge_min_cells(runs(1.56, 1.40)).held  # the minGRU fell 0.06 behind


def test_attention_holds_when_the_lstm_closes_brackets_beyond_the_window_better():
    def runs(lstm_beyond: float, beyond: int = 12) -> list[Entrant]:
        figures = dict(window=64, inside=300, beyond=beyond)
        return [measured("cell=lstm", 1.30, cell="lstm", p_inside=0.6, p_beyond=lstm_beyond, **figures),
                measured("cell=transformer", 1.25, cell="transformer", p_inside=0.7, p_beyond=0.2, **figures)]

    judge = judge_attention_on("structured")
    held = judge(runs(0.35))
    assert held.held and held.text.startswith("on structured the transformer did better overall (1.300 against 1.250)")
    assert "beyond the window (12 closers) 0.35 against 0.20" in held.text
    assert not judge(runs(0.15)).held
    none_far = judge(runs(0.35, beyond=0))
    assert not none_far.held and "no closer in the passage was opened further back than 64" in none_far.text


def test_the_attention_verdict_says_where_by_distance_each_gave_closers_more():
    lstm = {"p 1-5": 0.6, "p 6-10": 0.5, "p 11-20": 0.4, "p 21-50": 0.3, "p 51+": 0.2}
    transformer = {"p 1-5": 0.7, "p 6-10": 0.505, "p 11-20": 0.2, "p 21-50": 0.1, "p 51+": 0.0}
    counts = {"n 1-5": 40, "n 6-10": 20, "n 11-20": 10, "n 21-50": 5, "n 51+": 0}  # none opened 51+ back
    figures = dict(window=16, inside=60, beyond=15, p_inside=0.5, p_beyond=0.3, **counts)
    runs = [measured("cell=lstm", 1.3, cell="lstm", **figures, **lstm),
            measured("cell=transformer", 1.4, cell="transformer", **{**figures, "p_beyond": 0.1}, **transformer)]
    found = judge_attention_on("python")(runs)
    assert found.text.endswith("; by distance to the opener the LSTM at 11-20 and 21-50, the transformer at 1-5, "
                               "even at 6-10: the claim held")
    assert found.numbers["p 11-20_transformer"] == 0.2 and found.numbers["best_val_lstm"] == 1.3
    runs[0].measures["p 51+"] = float("nan")  # no closer that far back: left out, so the JSON stays strict
    assert "p 51+_lstm" not in judge_attention_on("python")(runs).numbers


