"""The compare engine: one run per value of one setting, everything else held equal."""

import json

import pytest

from rnn_tui.cli import main
from rnn_tui.engine.compare import (
    CURVE_POINTS,
    EQUAL_WITHIN,
    MIN_EVAL_EVERY,
    contenders,
    eval_every_for,
    parse_vary,
    run_compare,
    run_dict,
)
from rnn_tui.engine.config import ModelConfig, TrainConfig
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.race import Entrant
from rnn_tui.engine.training import Trainer

MODEL = ModelConfig(cell="lstm", hidden=24, embed=8)
TRAIN = TrainConfig(seq=16, batch=4, steps=6, eval_every=3, seed=7)


def test_only_the_varied_setting_differs_and_the_data_order_is_the_same(corpus):
    runs = contenders(parse_vary("dropout=0,0.3"), MODEL, TRAIN, len(corpus.vocab))
    assert [c.model.dropout for c in runs] == [0.0, 0.3]
    assert runs[0].train == runs[1].train and runs[0].model == ModelConfig(**{**vars(runs[1].model), "dropout": 0.0})
    first, second = (Trainer(c.model, c.train, corpus, "cpu") for c in runs)
    for k in range(3):  # the same batches in the same order
        assert all((a == b).all() for a, b in zip(first.train_streams.get(k), second.train_streams.get(k)))
    assert all((a == b).all() for a, b in zip(first.model.state_dict().values(), second.model.state_dict().values()))


def test_equal_params_solves_each_hidden_size_within_five_percent(corpus):
    for vary in ("layers=1,2,3", "embed=4,16,64", "cell=elman,jordan,lstm,gru"):
        runs = contenders(parse_vary(vary), MODEL, TRAIN, len(corpus.vocab), equal_params=20_000)
        assert len({c.model.hidden for c in runs}) > 1, vary
        for c in runs:
            assert abs(c.parameters - 20_000) <= EQUAL_WITHIN * 20_000, (vary, c)


def test_a_comparison_trains_every_run_on_the_same_budget(corpus):
    vary = parse_vary("lr=0.01,0.002")
    finished = run_compare(contenders(vary, MODEL, TRAIN, len(corpus.vocab)), corpus, "cpu")
    assert [r.name for r in finished] == ["lr=0.01", "lr=0.002"]
    assert [r.steps for r in finished] == [6, 6] and all(len(r.val_curve) == 2 for r in finished)
    assert finished[0].best_val != finished[1].best_val  # the learning rate is all that differs, and it shows


@pytest.mark.parametrize("vary, message", [
    ("speed=1,2", "--vary takes NAME=V1,V2"),
    ("dropout", "--vary takes NAME=V1,V2"),
    ("cell=lstm", "give 2 to 7 different values"),
    ("seq=8,16,32,64,128,256,512,1024", "give 2 to 7 different values"),  # the six cells and the transformer
    ("cell=lstm,tree", "--vary cell=tree: unknown cell"),
    ("dropout=0,1.5", "--vary dropout=1.5:"),
    ("hidden=8,x", "'x' is not a whole number"),
])
def test_a_bad_vary_is_one_line_and_exit_status_2(vary, message, capsys):
    assert main(["compare", "--vary", vary, "--text", "essay", "--steps", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err


def test_equal_params_cannot_vary_the_hidden_size(corpus):
    with pytest.raises(UserError, match="cannot be the setting varied"):
        contenders(parse_vary("hidden=8,16"), MODEL, TRAIN, len(corpus.vocab), equal_params=5000)


def test_the_json_has_every_runs_figures_and_curves(tmp_path, small_text, capsys):
    text = tmp_path / "corpus.txt"
    text.write_text(small_text)
    assert main(["compare", "--vary", "dropout=0,0.25", "--text", str(text), "--hidden", "16", "--embed", "8",
                 "--seq", "16", "--batch", "4", "--steps", "6", "--eval-every", "3", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["vary"] == "dropout" and [r["value"] for r in found["runs"]] == ["0", "0.25"]
    for run in found["runs"]:
        assert {"value", "parameters", "hidden", "steps", "chars_per_sec", "best_val", "best_step", "final_val",
                "final_train", "curve", "sample"} <= set(run)
        assert run["steps"] == 6 and [point[0] for point in run["curve"]] == [3, 6]
        assert all(val > 0 and train > 0 for _, val, train in run["curve"])


def test_equal_time_gives_every_run_the_same_minutes_and_nothing_else(monkeypatch, capsys):
    given = []

    def run_compare(runs, corpus, device, report):
        given.extend(runs)
        raise SystemExit(0)  # what each run was given is the point here, not the training

    monkeypatch.setattr("rnn_tui.engine.compare.run_compare", run_compare)
    with pytest.raises(SystemExit):
        main(["compare", "--vary", "cell=lstm,mingru", "--equal-time", "0.25", "--equal-params", "20000",
              "--text", "essay", "--json"])
    assert [c.model.cell for c in given] == ["lstm", "mingru"]
    assert all((c.train.minutes, c.train.steps, c.train.epochs) == (0.25, None, None) for c in given)


@pytest.mark.parametrize("extra, message", [
    (["--equal-time", "1", "--steps", "5"], "without --steps, --epochs or --minutes"),
    (["--equal-time", "0"], "positive number of minutes"),
])
def test_equal_time_refuses_a_second_budget_or_no_time(extra, message, capsys):
    assert main(["compare", "--vary", "cell=lstm,gru", "--text", "essay", *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


def test_a_timed_comparison_evaluates_often_enough_to_draw_a_curve():
    train = TrainConfig(seq=128, batch=32, eval_every=250)
    steps_per_second = 7.0  # the default run on one thread
    every = eval_every_for(train, 0.5, steps_per_second * 128 * 32)
    assert every < 250 and abs(210 / every - CURVE_POINTS) <= 1  # 210 steps in 30 s: about 8 points
    assert eval_every_for(train, 60.0, steps_per_second * 128 * 32) == 250  # never less often than the run's
    assert eval_every_for(train, 0.05, 100.0) == MIN_EVAL_EVERY  # nor so often that evaluating is all it does
    assert eval_every_for(train, 0.5, None) == 250  # no speed measured yet: the run's own


def test_a_measure_with_nothing_to_measure_is_null_in_the_json_not_nan():
    run = Entrant("lstm", 8, 1_000, name="cell=lstm", measures={"p 1-5": 0.5, "p 51+": float("nan")})
    line = json.dumps(run_dict("lstm", run), allow_nan=False)  # strict JSON: NaN would raise
    assert json.loads(line)["measures"] == {"p 1-5": 0.5, "p 51+": None}
