"""What a day of use found (issue 27, section 4): each a traceback or a silent misfire, now one line
and exit status 2, or the flags honoured."""

import pytest

from rnn_tui.cli import main
from rnn_tui.engine import memory
from rnn_tui.engine.config import ModelConfig, TrainConfig
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.race import count_parameters

GB = 10**9


class Built(Exception):
    """Raised where the run would be built: nothing past it trains or allocates."""


@pytest.fixture
def nothing_builds(monkeypatch):
    """The specs `train` would build, instead of building them."""
    specs = []

    def build(spec, overrides=None):
        specs.append(spec)
        raise Built

    monkeypatch.setattr("rnn_tui.cli.train.build_trainer", build)
    return specs


@pytest.fixture
def nothing_trains(monkeypatch):
    def run_compare(*args, **kwargs):
        raise Built

    monkeypatch.setattr("rnn_tui.engine.compare.run_compare", run_compare)


@pytest.fixture
def memory_of_120_gb(monkeypatch):
    monkeypatch.setattr(memory, "memory_available", lambda: 120 * GB)


def one_line_refusal(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_a_model_too_big_for_memory_is_refused_before_it_is_built(nothing_builds, memory_of_120_gb, tmp_path,
                                                                   capsys):
    assert main(["train", "--hidden", "100000", "--steps", "1", "--text", "essay", "--device", "cpu",
                 "--out", str(tmp_path / "m.pt")]) == 2
    line = one_line_refusal(capsys)
    assert "1x100000 lstm model needs about" in line and "120 GB is available" in line and "--hidden" in line
    assert nothing_builds == []


def test_a_comparison_too_big_for_memory_is_refused_before_it_trains(nothing_trains, memory_of_120_gb, capsys):
    assert main(["compare", "--vary", "layers=1,2", "--hidden", "100000", "--steps", "1", "--text", "essay",
                 "--device", "cpu"]) == 2
    assert "needs about" in one_line_refusal(capsys)


def test_the_estimate_counts_the_weights_their_gradients_and_adams_moments():
    model = ModelConfig(cell="gru", hidden=64, layers=2, embed=8, vocab_size=50)
    weights, activations = memory.training_bytes(model, TrainConfig(batch=4, seq=10))
    assert weights == 4 * 4 * count_parameters("gru", 64, 50, 8, 2)
    assert activations == 4 * 4 * 10 * (2 * 64 * (3 + 2) + 2 * 50)
    rmsprop, _ = memory.training_bytes(model, TrainConfig(optimizer="rmsprop"))
    assert rmsprop == weights * 3 // 4


def test_the_memory_check_reads_memavailable_and_passes_where_it_cannot(monkeypatch, tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       16000000 kB\nMemFree:  100 kB\nMemAvailable:    2000000 kB\n")
    monkeypatch.setattr(memory, "MEMINFO", meminfo)
    assert memory.memory_available() == 2_048_000_000
    big, train = ModelConfig(hidden=10_000, vocab_size=80), TrainConfig()  # about 7 GB to train
    with pytest.raises(UserError, match="needs about 7.2 GB to train on cpu; 2.0 GB is available"):
        memory.check_memory(big, train, "cpu")
    monkeypatch.setattr(memory, "MEMINFO", tmp_path / "absent")
    assert memory.memory_available() is None
    memory.check_memory(big, train, "cpu")  # nothing to compare with: no refusal


def test_run_flags_before_the_command_are_the_commands_own(nothing_builds, tmp_path, capsys):
    out = str(tmp_path / "pre.pt")
    with pytest.raises(Built):
        main(["--steps", "5", "--text", "structured", "train", "--out", out])
    assert nothing_builds[0].train.steps == 5 and nothing_builds[0].text == "structured"
    with pytest.raises(Built):
        main(["--steps", "5", "--seed", "3", "train", "--seed", "4", "--out", out])  # after wins, as twice after
    assert nothing_builds[1].train.steps == 5 and nothing_builds[1].train.seed == 4


@pytest.mark.parametrize("argv, named", [
    (["--paused", "train"], "--paused"),  # the app's own flag
    (["--steps", "5", "train", "--minutes", "2"], "--minutes"),  # one stop point, wherever it is given
])
def test_flags_before_a_command_that_does_not_take_them_are_refused(argv, named, nothing_builds, capsys):
    assert main(argv) == 2
    assert named in one_line_refusal(capsys) and nothing_builds == []


def test_an_unknown_value_with_equal_params_is_one_line_before_any_training(nothing_trains, capsys):
    assert main(["compare", "--vary", "cell=lstm,nosuch", "--equal-params", "50000", "--text", "essay",
                 "--steps", "1"]) == 2
    assert "nosuch" in one_line_refusal(capsys)
