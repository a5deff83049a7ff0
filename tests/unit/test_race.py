"""The cell race: equal parameter budgets, and a report with every cell."""

import json

import pytest

from rnn_tui.cli import build_parser, main
from rnn_tui.cli.race import train_config
from rnn_tui.engine.config import CELLS, PRESETS, ModelConfig, TrainConfig, apply_overrides
from rnn_tui.engine.events import EvalEvent, StepEvent
from rnn_tui.engine.models import build_model
from rnn_tui.engine.race import MIN_TIMED_STEPS, WARMUP_STEPS, Speed, count_parameters, hidden_for


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("embed, layers", [(16, 1), (0, 2)])
def test_the_parameter_count_formula_is_the_models(cell, embed, layers):
    model = build_model(ModelConfig(cell=cell, hidden=13, layers=layers, embed=embed, vocab_size=29), context=20)
    assert count_parameters(cell, 13, 29, embed, layers, context=20) == model.num_parameters()


@pytest.mark.parametrize("params", [20_000, 100_000])
def test_every_cell_gets_within_five_percent_of_the_budget(params):
    for cell in CELLS:
        hidden = hidden_for(cell, params, vocab_size=65, embed=16, layers=1, context=64)
        count = build_model(ModelConfig(cell=cell, hidden=hidden, embed=16, vocab_size=65), 64).num_parameters()
        assert abs(count - params) / params <= 0.05, (cell, hidden, count)


def test_a_race_reports_every_cell(tmp_path, small_text, capsys):
    text = tmp_path / "corpus.txt"
    text.write_text(small_text)
    assert main(["race", "--text", str(text), "--params", "5000", "--steps", "6", "--eval-every", "3",
                 "--seq", "16", "--batch", "4", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [entry["cell"] for entry in report["cells"]] == list(CELLS)
    for entry in report["cells"]:
        assert abs(entry["parameters"] - 5000) / 5000 <= 0.05 and entry["steps"] == 6
        assert entry["chars_per_sec"] is None  # 6 steps are too few to time
        assert entry["best_val"] > 0 and len(entry["val_curve"]) == 2
        assert len(entry["sample"]) == 200


@pytest.mark.parametrize("argv, message", [(["--cells", "lstm,tree"], "not tree"),
                                           (["--params", "10"], "at least 1,000"),
                                           (["--seed", "99999999999999999999"], "seed must be a whole number"),
                                           (["--threads", "0"], "threads must be a positive")])
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys):
    assert main(["race", "--steps", "1", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def step(n: int, seconds: float) -> StepEvent:
    return StepEvent(n, 0.0, 1.0, 1.0, 1e-3, 0.0, seconds)


def test_speed_is_timed_after_the_warm_up_and_without_the_steps_after_an_evaluation():
    speed, steps = Speed(chars_per_step=100), iter(range(1, 1000))
    for _ in range(WARMUP_STEPS):
        speed.hear(step(next(steps), 2.0))  # lazy imports and first allocations: seconds per step
    for k in range(MIN_TIMED_STEPS):
        speed.hear(step(n := next(steps), 0.01))
        if k == 10:
            speed.hear(EvalEvent(n, 0.0, 1.0, 1.4, 1.0, n))
            speed.hear(step(next(steps), 0.5))  # the step after an evaluation carries the evaluation's time
    assert speed.chars_per_sec == pytest.approx(100 / 0.01)


def test_a_race_too_short_to_time_says_so(tmp_path, small_text, capsys):
    speed = Speed(chars_per_step=100)
    for n in range(1, WARMUP_STEPS + MIN_TIMED_STEPS):
        speed.hear(step(n, 0.01))
    assert speed.chars_per_sec is None  # one timed step short
    text = tmp_path / "corpus.txt"
    text.write_text(small_text)
    assert main(["race", "--text", str(text), "--cells", "gru,transformer", "--params", "5000", "--steps", "3",
                 "--seq", "16", "--batch", "4"]) == 0
    out = capsys.readouterr().out
    assert "too short to measure" in out
    table = [line for line in out.splitlines() if line.startswith(("cell ", "gru ", "transformer "))]
    assert len(table) == 3 and len({len(line) for line in table}) == 1  # the longest name keeps the columns in line


def test_the_race_defaults_are_the_tiny_presets():
    args = build_parser().parse_args(["race", "--steps", "50"])
    tiny = PRESETS["tiny"]
    assert (args.embed, args.layers) == (tiny.model["embed"], tiny.model["layers"])
    assert train_config(args) == apply_overrides(TrainConfig(), {**tiny.train, "steps": 50})
