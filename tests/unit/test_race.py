"""The cell race: equal parameter budgets, and a report with every cell."""

import json

import pytest

from rnn_tui.cli import main
from rnn_tui.engine.config import CELLS, ModelConfig
from rnn_tui.engine.models import CharRNN
from rnn_tui.engine.race import count_parameters, hidden_for


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("embed, layers", [(16, 1), (0, 2)])
def test_the_parameter_count_formula_is_the_models(cell, embed, layers):
    model = CharRNN(ModelConfig(cell=cell, hidden=13, layers=layers, embed=embed, vocab_size=29))
    assert count_parameters(cell, 13, 29, embed, layers) == model.num_parameters()


@pytest.mark.parametrize("params", [20_000, 100_000])
def test_every_cell_gets_within_five_percent_of_the_budget(params):
    for cell in CELLS:
        hidden = hidden_for(cell, params, vocab_size=65, embed=16, layers=1)
        count = CharRNN(ModelConfig(cell=cell, hidden=hidden, embed=16, vocab_size=65)).num_parameters()
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
        assert entry["chars_per_sec"] > 0 and entry["best_val"] > 0 and len(entry["val_curve"]) == 2
        assert len(entry["sample"]) == 200


@pytest.mark.parametrize("argv, message", [(["--cells", "lstm,tree"], "not tree"),
                                           (["--params", "10"], "at least 1,000")])
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys):
    assert main(["race", "--steps", "1", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
