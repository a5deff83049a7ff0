"""Fitted time-budget presets: the largest model that gets the steps it needs in the budget on
this machine, in bf16 where bf16 runs faster here. Speeds are stand-ins (tests never time)."""

import pytest

from rnn_tui.cli import build_parser
from rnn_tui.engine import fit as fitting
from rnn_tui.engine.config import PRESETS, FitSpace, ModelConfig, TrainConfig
from rnn_tui.engine.data import Corpus
from rnn_tui.run.spec import preset_spec, spec_from_args

SPACE = FitSpace(hidden=(64, 128, 256, 512), min_steps=600)  # 600 steps in 1 minute: 10 steps/s


def machine(rates: dict[tuple[int, str], float]):
    def steps_per_second(model, train, corpus, device):
        return rates[model.hidden, train.precision], model.hidden * 1000

    return steps_per_second


@pytest.mark.parametrize("rates, chosen", [
    ({(64, "fp32"): 40, (64, "bf16"): 30, (128, "fp32"): 20, (256, "fp32"): 9, (512, "fp32"): 3}, (128, "fp32")),
    ({(64, "fp32"): 40, (64, "bf16"): 60, (128, "bf16"): 30, (256, "bf16"): 14, (512, "bf16"): 5}, (256, "bf16")),
    ({(64, "fp32"): 8, (64, "bf16"): 8}, (64, "fp32")),  # nothing fits: the smallest, as fast as it goes
])
def test_the_largest_model_that_gets_its_steps_is_chosen(monkeypatch, small_text, rates, chosen):
    monkeypatch.setattr(fitting, "steps_per_second", machine(rates))
    model, train, measured = fitting.fit(ModelConfig(cell="lstm"), TrainConfig(minutes=1.0), SPACE,
                                         Corpus.from_text(small_text, "t"))
    assert (model.hidden, train.precision) == chosen
    assert all((c.hidden, c.precision) in rates for c in measured)


def test_the_fit_sizes_every_layer_of_a_stacked_preset(monkeypatch, small_text):
    """The 10min preset stacks two layers: the fit changes their width, never their number."""
    monkeypatch.setattr(fitting, "steps_per_second", machine({(64, "fp32"): 40, (64, "bf16"): 30, (128, "fp32"): 20,
                                                              (256, "fp32"): 9, (512, "fp32"): 3}))
    stacked = ModelConfig(**PRESETS["10min"].model)
    model, _, _ = fitting.fit(stacked, TrainConfig(minutes=1.0), SPACE, Corpus.from_text(small_text, "t"))
    assert stacked.layers == model.layers == 2 and model.hidden == 128


def test_a_model_is_fed_the_characters_a_parameter_its_budget_asks_for(monkeypatch, small_text):
    """At 1,000 parameters a unit (the stand-in machine) and 100 characters a step, a minute at 20
    steps/s feeds a 128-unit model 0.94 characters a parameter, one at 10 steps/s a 256-unit one 0.23."""
    monkeypatch.setattr(fitting, "steps_per_second", machine({(64, "fp32"): 40, (64, "bf16"): 30, (128, "fp32"): 20,
                                                              (256, "fp32"): 10, (512, "fp32"): 5}))
    space = FitSpace(hidden=(64, 128, 256, 512), min_steps=0, chars_per_parameter=0.5)
    model, _, measured = fitting.fit(ModelConfig(cell="lstm"), TrainConfig(minutes=1.0, batch=10, seq=10), space,
                                     Corpus.from_text(small_text, "t"))
    assert model.hidden == 128 and max(c.hidden for c in measured) == 256  # measured, and found short


def test_a_model_has_the_training_text_a_parameter_its_space_asks_for(monkeypatch, small_text):
    """Steps and characters enough for every size (the stand-in machine is fast), but a text with
    room for 200 units at its characters a parameter: 128 units are chosen, 256 measured and refused."""
    monkeypatch.setattr(fitting, "steps_per_second", machine({(64, "fp32"): 400, (64, "bf16"): 300,
                                                              (128, "fp32"): 200, (256, "fp32"): 100,
                                                              (512, "fp32"): 50}))
    corpus = Corpus.from_text(small_text, "t")
    space = FitSpace(hidden=(64, 128, 256, 512), min_steps=0, chars_per_parameter=0.5,
                     text_chars_per_parameter=len(corpus.train) / (200 * 1000))
    model, _, measured = fitting.fit(ModelConfig(cell="lstm"), TrainConfig(minutes=1.0, batch=10, seq=10), space,
                                     corpus)
    assert model.hidden == 128 and max(c.hidden for c in measured) == 256
    unbounded = fitting.fit(ModelConfig(cell="lstm"), TrainConfig(minutes=1.0, batch=10, seq=10),
                            FitSpace(hidden=space.hidden, min_steps=0, chars_per_parameter=0.5), corpus)
    assert unbounded[0].hidden == 512  # without the text's bound the same machine feeds the largest


def test_a_size_given_by_hand_is_kept():
    parser = build_parser()
    assert spec_from_args(parser.parse_args(["--preset", "shakespeare-5min"])).fit is not None
    assert spec_from_args(parser.parse_args(["--preset", "shakespeare-5min", "--hidden", "200"])).fit is None
    assert spec_from_args(parser.parse_args(["--preset", "tiny"])).fit is None


def test_a_real_measurement_is_a_positive_rate(monkeypatch, small_text):
    monkeypatch.setattr(fitting, "MEASURE_SECONDS", 0.05)
    rate, parameters = fitting.steps_per_second(ModelConfig(cell="gru", hidden=16, embed=8),
                                                TrainConfig(seq=16, batch=4), Corpus.from_text(small_text, "t"), "cpu")
    assert rate > 0 and parameters > 0


def test_the_default_run_is_sized_to_its_text_and_measured_here_only_where_nothing_is_given(tmp_path):
    parser = build_parser()
    large = spec_from_args(parser.parse_args([]))  # the default text, 4 MB
    assert large.model == spec_from_args(parser.parse_args(["train", "--minutes", "3"])).model
    assert (large.model.hidden, large.train.schedule, large.fit) == (384, "anneal", PRESETS["default"].fit)
    small = spec_from_args(parser.parse_args(["--text", "essay"]))  # 32 K characters
    assert (small.model.hidden, small.train.step_back, small.fit) == (PRESETS["small"].model["hidden"],
                                                                       PRESETS["small"].train["step_back"], None)
    assert small.train.step_back > 0 and large.train.step_back == 0
    assert spec_from_args(parser.parse_args(["--precision", "fp32"])).fit is None
    assert spec_from_args(parser.parse_args(["--hidden", "200"])).model.embed == ModelConfig().embed  # no preset


def test_choosing_a_preset_in_the_app_follows_the_same_rule(tmp_path):
    spec = spec_from_args(build_parser().parse_args(["--preset", "tiny"]))
    assert preset_spec(spec, "default").model.hidden == 384
    essay = spec_from_args(build_parser().parse_args(["--text", "essay", "--preset", "lecture"]))
    assert preset_spec(essay, "default").model.hidden == PRESETS["tiny"].model["hidden"]
    assert preset_spec(spec, "shakespeare-5min").fit is PRESETS["shakespeare-5min"].fit  # measured here first


def test_the_ten_minute_preset_on_a_small_text_is_the_small_model_for_ten_minutes():
    """The fitted size takes a 50 K text in by heart within a minute; its stand-in keeps the budget."""
    parser = build_parser()
    large = spec_from_args(parser.parse_args(["train", "--preset", "10min"]))
    small = spec_from_args(parser.parse_args(["train", "--preset", "10min", "--text", "structured"]))
    assert (large.train.minutes, large.fit) == (10.0, PRESETS["10min"].fit)
    assert (small.model.hidden, small.train.step_back, small.train.minutes, small.fit) == (
        PRESETS["small"].model["hidden"], PRESETS["small"].train["step_back"], 10.0, None)
    assert spec_from_args(parser.parse_args(["train", "--text", "structured"])).train.minutes is None  # no budget
    assert spec_from_args(parser.parse_args(["train", "--preset", "10min", "--text", "structured", "--minutes",
                                             "2"])).train.minutes == 2.0  # a flag given wins
