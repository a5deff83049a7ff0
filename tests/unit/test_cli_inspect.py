"""`rnn-tui inspect`: the same numbers as the engine, as one JSON object; bad input is one line."""

import json

import numpy as np
import pytest

from rnn_tui.cli import main
from rnn_tui.engine.checkpoint import load_checkpoint, model_from_checkpoint
from rnn_tui.engine.insight.features import features_of
from rnn_tui.engine.insight.units import find_units
from rnn_tui.engine.inspection import inspect_text
from rnn_tui.run.spec import checkpoint_corpus


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory, structured_text):
    folder = tmp_path_factory.mktemp("inspect")
    text = folder / "corpus.txt"
    text.write_text(structured_text[:12_000])
    ckpt = folder / "m.pt"
    assert main(["train", "--text", str(text), "--cell", "gru", "--hidden", "16", "--layers", "2", "--embed", "8",
                 "--seq", "24", "--batch", "8", "--steps", "20", "--json", "--out", str(ckpt)]) == 0
    return ckpt


def run_json(capsys, *argv) -> dict:
    assert main(["inspect", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_units_are_the_engines_ranking_of_the_validation_passage(checkpoint, capsys):
    found = run_json(capsys, "units", "--checkpoint", str(checkpoint), "--hypothesis", "[0-9]+")
    data = load_checkpoint(checkpoint)
    model, vocab = model_from_checkpoint(data)
    passage = checkpoint_corpus(str(checkpoint), data, None).passage()
    expected = find_units(inspect_text(model, vocab, passage), features_of(passage))
    assert found["measure"] == "pearson_r"
    assert found["passage_chars"] == len(passage) > 1000  # the validation part is 1,200 characters here
    for name, matches in expected.items():
        assert [(m["layer"], m["quantity"], m["unit"]) for m in found[name]] == \
               [(m.unit.layer + 1, m.unit.quantity, m.unit.unit) for m in matches]
        assert [m["r"] for m in found[name]] == pytest.approx([m.r for m in matches], abs=1e-4)
    assert {m["quantity"] for m in found["hypothesis"]} <= {"h", "r", "z", "n"}
    assert len(found["hypothesis"]) == 5 and all(-1 <= m["r"] <= 1 for m in found["hypothesis"])


def test_saturation_factors_and_surprisal(checkpoint, capsys):
    saturation = run_json(capsys, "saturation", "--checkpoint", str(checkpoint), "--layer", "2")
    assert {(s["layer"], s["gate"]) for s in saturation["saturation"]} == {(2, "r"), (2, "z"), (2, "n")}
    for s in saturation["saturation"]:
        left, right = np.array(s["left"]), np.array(s["right"])
        assert len(left) == 16 and ((left >= 0) & (right >= 0) & (left + right <= 1)).all()
    factors = run_json(capsys, "factors", "--checkpoint", str(checkpoint), "--passage", "def f(x):\n    return x\n",
                       "--factors", "3")
    assert factors["layer"] == 2 and factors["quantity"] == "h" and len(factors["factors"]) == 3
    assert all(len(f["strength"]) == 23 for f in factors["factors"])
    surprisal = run_json(capsys, "surprisal", "--checkpoint", str(checkpoint), "--passage", "def f(x):\n")
    assert [c["char"] for c in surprisal["chars"]] == list("def f(x):\n") and surprisal["chars"][0]["bits"] is None
    assert sum(c["share"] for c in surprisal["breakdown"]) == pytest.approx(1.0, abs=1e-3)
    bits = [c["bits"] for c in surprisal["chars"][1:]]
    assert surprisal["bits_per_char"] == pytest.approx(np.mean(bits), abs=1e-3)


def test_gradients_give_every_layers_horizon_and_connectivity_a_targets_pull(checkpoint, capsys):
    found = run_json(capsys, "gradients", "--checkpoint", str(checkpoint))
    layers = found["horizon"]["layers"]
    assert [row["layer"] for row in layers] == [1, 2] and found["horizon"]["seq"] == 24  # the run's seq
    assert all(row["relative_norm"][0] == 1.0 and len(row["relative_norm"]) == 24 for row in layers)
    pull = run_json(capsys, "connectivity", "--checkpoint", str(checkpoint), "--target", "30")
    assert pull["target"] == 30 and len(pull["pull"]) == 30 and max(pull["pull"]) == 1.0
    assert main(["inspect", "gradients", "--checkpoint", str(checkpoint), "--layer", "2"]) == 0
    assert "layer 2" in capsys.readouterr().out


def test_the_text_report_names_the_measure(checkpoint, capsys):
    assert main(["inspect", "units", "--checkpoint", str(checkpoint), "--passage", "(x)\n"]) == 0
    out = capsys.readouterr().out
    assert "Pearson r" in out and "bracket_depth" in out and "not in this passage" in out  # no quotes in it


@pytest.mark.parametrize("argv, message", [
    (["units", "--hypothesis", "(oops"], "not a regular expression"),
    (["units", "--layer", "3"], "layer 3 does not exist: the model has 2"),
    (["units", "--passage", "caf\u00e9 \u2603"], "not in the model's vocabulary"),
    (["factors", "--quantity", "c"], "quantity 'c' is not one of this cell's"),
    (["units", "--text", "/no/such/file.txt"], "/no/such/file.txt"),
    (["connectivity", "--target", "0"], "target must be a whole number from 1, not 0"),
    (["connectivity", "--target", "100000"], "target must be a position from 1 to"),
    (["connectivity"], "the connectivity analysis needs --target"),
    (["attention", "--target", "5"], "a gru cell has no attention to show"),
    (["attention"], "the attention analysis needs --target"),
    (["gradients", "--target", "3"], "--target is for the connectivity analysis, not gradients"),
    (["units", "--hypothesis", ""], "the hypothesis is empty"),
    (["saturation", "--hypothesis", "[0-9]"], "--hypothesis is for the units analysis, not saturation"),
    (["surprisal", "--passage", "x"],
     "the passage given is too short for the surprisal analysis: 1 character, at least 2"),
    (["gradients", "--passage", "ab"], "too short for the gradients analysis: 2 characters, at least 3"),
    (["factors", "--factors", "21"], "factors must be a whole number from 1 to 20, not 21"),
    (["units", "--top", "0"], "top must be a whole number from 1, not 0"),
])
def test_bad_input_is_one_line_and_exit_2(checkpoint, capsys, argv, message):
    assert main(["inspect", *argv, "--checkpoint", str(checkpoint)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("argv", [["connectivity", "--target", "-1"], ["connectivity", "--target", "100000"],
                                  ["factors", "--quantity", "c"], ["units", "--layer", "0"]])
def test_every_flag_is_checked_before_the_passage_is_read(checkpoint, capsys, monkeypatch, argv):
    def no_work(*args, **kwargs):
        raise AssertionError("the passage was read through the model before every flag was checked")

    monkeypatch.setattr("rnn_tui.engine.inspection.inspect_text", no_work)
    assert main(["inspect", *argv, "--checkpoint", str(checkpoint)]) == 2
    assert "rnn-tui: error:" in capsys.readouterr().err


def test_flags_alone_are_checked_before_the_checkpoint_is_read(capsys):
    assert main(["inspect", "connectivity", "--checkpoint", "/no/such.pt", "--target", "-1"]) == 2
    assert "target must be" in capsys.readouterr().err


def test_the_text_report_counts_in_words_that_agree(checkpoint, capsys):
    assert main(["inspect", "surprisal", "--checkpoint", str(checkpoint), "--passage", "ab"]) == 0
    out = capsys.readouterr().out
    assert "(2 characters)" in out and "None" not in out
    assert "  1 char\n" in out and "1 chars" not in out  # the one character scored, in its class


def test_errors_and_longrange_are_the_engines_onion_and_edge_against_the_best_ngram(checkpoint, capsys):
    from rnn_tui.engine.checkpoint import configs_from_checkpoint
    from rnn_tui.engine.counting import CountingModel
    from rnn_tui.engine.data import evaluated_targets
    from rnn_tui.engine.insight.edge import closers
    from rnn_tui.engine.insight.onion import onion_of

    data = load_checkpoint(checkpoint)
    model, vocab = model_from_checkpoint(data)
    corpus = checkpoint_corpus(str(checkpoint), data, None)
    passage = corpus.passage()
    counting = CountingModel(corpus)
    baseline = counting.baseline(evaluated_targets(corpus, configs_from_checkpoint(data)[1]))
    expected = onion_of(inspect_text(model, vocab, passage), counting.passage(passage))

    errors = run_json(capsys, "errors", "--checkpoint", str(checkpoint))
    assert (errors["ngram_order"], errors["ngram_loss"]) == (baseline.order, round(baseline.loss, 4))
    assert (errors["errors"], errors["chars"]) == (expected.errors, len(passage) - 1)
    assert [layer["count"] for layer in errors["layers"]] == expected.counts()
    assert sum(layer["share"] for layer in errors["layers"]) == pytest.approx(1.0, abs=1e-3)

    longrange = run_json(capsys, "longrange", "--checkpoint", str(checkpoint))
    buckets = longrange["buckets"]
    assert [(b["from"], b["to"]) for b in buckets] == [(1, 5), (6, 10), (11, 20), (21, 50), (51, None)]
    assert sum(b["count"] for b in buckets) == len(closers(passage)) > 0
    assert all(0 <= b["network_p"] <= 1 and 0 <= b["ngram_p"] <= 1 for b in buckets if b["count"])

    assert main(["inspect", "longrange", "--checkpoint", str(checkpoint)]) == 0
    assert "closers" in capsys.readouterr().out
