import json
import math
import socket
import subprocess
import sys

import pytest

from rnn_tui.cli import build_parser, main
from rnn_tui.engine.checkpoint import load_checkpoint
from rnn_tui.run.spec import configs_from_args


@pytest.fixture
def text_file(tmp_path, small_text):
    path = tmp_path / "corpus.txt"
    path.write_text(small_text)
    return path


TINY = ["--hidden", "24", "--embed", "8", "--seq", "24", "--batch", "8"]


def test_train_json_then_sample(text_file, tmp_path, capsys):
    ckpt = tmp_path / "m.pt"
    assert main(["train", "--text", str(text_file), *TINY, "--steps", "30", "--eval-every", "10", "--json",
                 "--out", str(ckpt)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    start = lines.pop(0)
    vocab = load_checkpoint(ckpt)["vocab"]
    assert start["kind"] == "start" and start["text"] == "corpus.txt" and start["vocab_size"] == len(vocab)
    assert start["chars"] == len(text_file.read_text()) and start["uniform_loss"] == pytest.approx(math.log(len(vocab)))
    assert 0 < start["unigram_entropy"] < start["uniform_loss"] and start["device"] == "cpu"
    assert start["parameters"] > 0 and start["step"] == 0
    assert [e["kind"] for e in lines].count("step") == 30
    evals = [e for e in lines if e["kind"] == "eval"]
    assert len(evals) == 3 and all(e["val_bpc"] == pytest.approx(e["val_loss"] / 0.6931471805599453)
                                   for e in evals)
    last = lines[-1]
    assert last["kind"] == "stop" and last["train_loss"] > 0 and last["val_loss"] == evals[-1]["val_loss"]
    assert set(next(e for e in lines if e["kind"] == "step")) >= {"step", "epoch", "loss", "grad_norm", "lr",
                                                                  "chars_per_sec"}
    kinds = [e["kind"] for e in lines]
    assert kinds.count("baseline") == 1 and kinds.index("baseline") < kinds.index("stop")

    outputs = []
    for seed in (1, 1, 2):
        assert main(["sample", "--checkpoint", str(ckpt), "--seed-text", "# count\n", "--length", "40",
                     "--seed", str(seed)]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] != outputs[2]  # --seed makes a sample reproducible
    assert all(out.startswith("# count\n") and set(out) <= set(vocab) for out in outputs)


def test_a_one_step_run_prints_its_baseline_before_its_stop(text_file, tmp_path, capsys):
    assert main(["train", "--text", str(text_file), *TINY, "--steps", "1", "--json",
                 "--out", str(tmp_path / "m.pt")]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    kinds = [e["kind"] for e in lines]
    assert kinds[-1] == "stop" and kinds.count("baseline") == 1  # however soon the counting answers
    baseline = lines[kinds.index("baseline")]
    assert baseline["ngram_loss"] == baseline["ngram_losses"][baseline["ngram_order"] - 1] > 0


def test_resume_continues_the_step_count(text_file, tmp_path, capsys):
    ckpt = tmp_path / "m.pt"
    main(["train", "--text", str(text_file), *TINY, "--steps", "5", "--json", "--out", str(ckpt)])
    capsys.readouterr()
    assert main(["train", "--text", str(text_file), "--resume", str(ckpt), "--steps", "8", "--json",
                 "--out", str(ckpt)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[0]["kind"] == "start" and lines[0]["step"] == 5
    steps = [e["step"] for e in lines if e["kind"] == "step"]
    assert steps == [6, 7, 8]


def test_train_without_text_uses_the_apps_default(monkeypatch):
    from rnn_tui.run.spec import spec_from_args

    app_spec = spec_from_args(build_parser().parse_args([]))
    train_spec = spec_from_args(build_parser().parse_args(["train"]))
    assert app_spec.text == train_spec.text == "python"
    assert (app_spec.model, app_spec.train) == (train_spec.model, train_spec.train)


def test_train_takes_a_builtin_text_by_name(tmp_path, capsys):
    assert main(["train", "--text", "essay", *TINY, "--steps", "2", "--json", "--out", str(tmp_path / "e.pt")]) == 0
    start = json.loads(capsys.readouterr().out.splitlines()[0])
    assert start["text"] == "essay" and start["chars"] > 30_000


def test_presets_then_flags():
    args = build_parser().parse_args(["train", "--preset", "lecture", "--hidden", "64"])
    model, train = configs_from_args(args)
    assert (model.cell, model.embed, model.hidden) == ("lstm", 8, 64)
    args = build_parser().parse_args(["train", "--preset", "lecture"])
    assert configs_from_args(args)[0].hidden == 128


@pytest.mark.parametrize("argv, message", [
    (["train", "--text", "/no/such/file"], "no such file"),
    (["train", "--text", "EMPTY"], "is empty"),
    (["train", "--text", "BINARY"], "binary"),
    (["train", "--cell", "nosuch"], "invalid choice"),
    (["train", "--hidden", "-4"], "hidden must be a positive"),
    (["train", "--lr", "nan"], "learning rate"),
    (["sample", "--checkpoint", "CORRUPT"], "not a readable checkpoint"),
    (["sample", "--checkpoint", "FOREIGN"], "not an rnn-tui checkpoint"),
    (["sample", "--temperature", "-1"], "temperature"),
    (["sample", "--temperature", "nan"], "temperature"),
    (["sample", "--temperatures", "0.5,x"], "'x' is not a number"),
    (["sample", "--temperatures", "0.5,-2"], "temperature must be"),
    (["sample", "--temperatures", "0.5,,1"], "an empty item in '0.5,,1'"),
    (["sample", "--temperatures", ""], "give one or more numbers"),
    (["sample", "--min-p", "1.5"], "min-p must be in [0, 1]"),
    (["sample", "--beam", "65"], "beam: a width from 1 to 64 (empty or 0: off), not '65'"),
    (["sample", "--beam", "-1"], "beam: a width from 1 to 64"),
    (["sample", "--seed", "99999999999999999999"], "seed must be a whole number from 0 to 18446744073709551615"),
    (["train", "--seed", "99999999999999999999"], "seed must be a whole number from 0 to 18446744073709551615"),
    (["train", "--seed", "-1"], "seed must be a whole number from 0"),
    (["train", "--threads", "0"], "threads must be a positive whole number, not 0"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, argv, message):
    import torch

    files = {"EMPTY": b"", "BINARY": b"\x89PNG\r\n\x1a\n\x00\x00", "CORRUPT": b"PK\x03\x04garbage"}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    torch.save({"weights": torch.zeros(2)}, tmp_path / "FOREIGN")
    argv = [str(tmp_path / a) if a in (*files, "FOREIGN") else a for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_sample_json_a_temperature_fan_and_a_beam(text_file, tmp_path, capsys):
    ckpt = tmp_path / "m.pt"
    assert main(["train", "--text", str(text_file), *TINY, "--steps", "20", "--out", str(ckpt)]) == 0
    capsys.readouterr()
    common = ["sample", "--checkpoint", str(ckpt), "--seed-text", "# ", "--length", "50", "--seed", "3", "--json"]
    assert main([*common, "--temperatures", "0.5,1.0,1.0,1.5"]) == 0
    fan = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["temperature"] for row in fan] == [0.5, 1.0, 1.0, 1.5]
    assert fan[1] == fan[2] and len({row["text"] for row in fan}) >= 2  # one uniform number per position
    for row in fan:
        assert len(row["text"]) == 50 and row["log_prob"] < 0
        assert row["bits_per_char"] == pytest.approx(-row["log_prob"] / math.log(2) / 50)
    assert main([*common, "--temperature", "1.0"]) == 0
    alone = json.loads(capsys.readouterr().out)  # a row of the fan is the sample at its temperature
    assert alone["text"] == fan[1]["text"] and alone["log_prob"] == pytest.approx(fan[1]["log_prob"], abs=1e-3)
    assert main([*common, "--greedy"]) == 0
    greedy = json.loads(capsys.readouterr().out)
    assert main([*common, "--beam", "4"]) == 0
    beam = json.loads(capsys.readouterr().out)
    assert beam["beam"] == 4 and len(beam["text"]) == 50 and beam["log_prob"] >= greedy["log_prob"] - 1e-4
    assert main([*common, "--beam", "0"]) == 0  # 0 turns beam search off, as in the app
    assert json.loads(capsys.readouterr().out) == alone
    assert main([*common[:-1], "--temperatures", "0.5,1.5"]) == 0
    text = capsys.readouterr().out
    assert text.count("--- temperature") == 2 and "bits per character" in text


def test_the_installed_command_exits_2_without_a_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "rnn_tui", "sample", "--checkpoint", str(tmp_path / "none.pt")],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip() == f"rnn-tui: error: no such checkpoint: {tmp_path / 'none.pt'}"


def test_train_out_never_replaces_another_run_unless_forced(text_file, tmp_path, capsys):
    out = tmp_path / "run.pt"
    assert main(["train", "--text", str(text_file), *TINY, "--steps", "2", "--out", str(out)]) == 0
    theirs = load_checkpoint(out)["run_id"]
    capsys.readouterr()
    assert main(["train", "--text", str(text_file), *TINY, "--steps", "2", "--json", "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and f"{out} holds another run (an LSTM on corpus.txt, step 2)" in captured.err
    assert load_checkpoint(out)["run_id"] == theirs
    assert main(["train", "--text", str(text_file), *TINY, "--steps", "2", "--out", str(out), "--force"]) == 0
    assert load_checkpoint(out)["run_id"] != theirs
    resumed = main(["train", "--resume", str(out), "--steps", "3", "--out", str(out)])  # its own run: fine
    assert resumed == 0 and load_checkpoint(out)["step"] == 3


def test_an_unwritable_out_is_refused_before_the_first_step(text_file, tmp_path, capsys):
    (tmp_path / "blocked").write_text("a file where a folder should be")
    assert main(["train", "--text", str(text_file), *TINY, "--steps", "2", "--json",
                 "--out", str(tmp_path / "blocked" / "run.pt")]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "blocked is not a folder" in captured.err  # no step was printed


def test_resume_without_text_uses_the_recorded_text_and_says_when_it_changed(text_file, tmp_path, capsys):
    out = tmp_path / "run.pt"
    assert main(["train", "--text", str(text_file), *TINY, "--steps", "2", "--out", str(out)]) == 0
    assert main(["train", "--resume", str(out), "--steps", "3", "--out", str(out)]) == 0
    text_file.write_text(text_file.read_text() + "more")
    capsys.readouterr()
    assert main(["train", "--resume", str(out), "--steps", "4", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"was trained on {text_file.resolve()} (12,000 characters), which has changed since" in err
    assert main(["train", "--resume", str(out), "--text", "essay", "--steps", "4", "--out", str(out)]) == 2
    assert f"was trained on {text_file.resolve()}" in capsys.readouterr().err  # and essay does not fit it


def test_flags_given_with_resume_are_honoured_or_refused(text_file, tmp_path, capsys):
    out = tmp_path / "run.pt"
    assert main(["train", "--text", str(text_file), *TINY, "--steps", "10", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", str(out), "--hidden", "32", "--out", str(out)]) == 2
    assert "--hidden cannot change the model of a resumed run" in capsys.readouterr().err
    assert main(["train", "--resume", str(out), "--lr", "0.1", "--dropout", "0.2", "--seq", "12", "--batch", "4",
                 "--steps", "12", "--json", "--out", str(out)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(e["name"], e["value"]) for e in lines if e["kind"] == "setting"] == [("lr", 0.1), ("dropout", 0.2)]
    steps = [e for e in lines if e["kind"] == "step"]
    assert all(e["lr"] == 0.1 for e in steps)
    saved = load_checkpoint(out)
    assert (saved["train_config"]["seq"], saved["train_config"]["batch"]) == (12, 4)
    assert saved["model_config"]["dropout"] == 0.2
    # the epoch goes on from where the old geometry left it, in the new steps
    old_steps_per_epoch = (int(len(text_file.read_text()) * 0.9) - 1) // 8 // 24
    assert steps[0]["epoch"] > 10 / old_steps_per_epoch > steps[0]["epoch"] - 0.5


def test_a_refused_seed_prints_nothing_on_stdout(text_file, tmp_path, capsys):
    ckpt = tmp_path / "m.pt"
    assert main(["train", "--text", str(text_file), *TINY, "--steps", "2", "--out", str(ckpt)]) == 0
    capsys.readouterr()
    assert main(["sample", "--checkpoint", str(ckpt), "--seed-text", "Zürich", "--length", "5"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "U+00FC" in captured.err


def test_serve_on_a_busy_port_is_one_line_before_anything_is_announced(capsys):
    pytest.importorskip("textual_serve", reason="textual-serve is not installed (pip install -e '.[serve]')")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--host", "127.0.0.1", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err == f"rnn-tui: error: port {port} on 127.0.0.1 is in use: choose another with --port\n"


def test_train_measures_its_threads_unless_told(text_file, tmp_path, monkeypatch):
    import torch

    from rnn_tui.engine.threads import cores

    threads = []
    monkeypatch.setattr(torch, "set_num_threads", threads.append)
    for given in ([], ["--threads", "1"]):
        assert main(["train", "--text", str(text_file), *TINY, "--steps", "1", "--json", *given,
                     "--out", str(tmp_path / "t.pt"), "--force"]) == 0
    assert threads == [cores(), 1]  # every core first, then what the tuner measures; one thread when told
