"""Texts with more characters than the vocabulary keeps, and texts large enough that copies of them
matter: the rare symbol, how the run says so, and the memory a large text costs."""

import json
import subprocess
import sys

import numpy as np
import pytest
from rich.console import Console

from rnn_tui.cli import main
from rnn_tui.engine.checkpoint import load_checkpoint, save_checkpoint, trainer_state
from rnn_tui.engine.config import ModelConfig, TrainConfig
from rnn_tui.engine.data import MAX_VOCAB, RARE, Corpus, Rare, Vocab
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.events import event_to_dict
from rnn_tui.engine.training import Trainer
from rnn_tui.run.protocol import Ready
from rnn_tui.run.spec import RunSpec
from rnn_tui.tui.state import RunState
from rnn_tui.tui.widgets.status import TrainingStatus

from .helpers import quoted_capitals

COMMON = [chr(0x100 + i) for i in range(250)]  # each seen 500 times: the vocabulary keeps them
SCARCE = [chr(0x4E00 + i) for i in range(20)]  # each seen once, under RARE_SHARE: read as the rare symbol


def many_characters_text(scarce: int = len(SCARCE)) -> str:
    import random

    chars = COMMON * 500 + SCARCE[:scarce]
    random.Random(0).shuffle(chars)
    return "".join(chars)


def test_a_text_with_too_many_characters_reads_the_scarcest_as_one_symbol():
    text = many_characters_text()
    corpus = Corpus.from_text(text)
    vocab = corpus.vocab
    assert len(vocab) == len(COMMON) + 1 and RARE in vocab.chars
    assert set(vocab.chars) == set(COMMON) | {RARE}
    ids = np.concatenate([corpus.train, corpus.val])
    assert ids.dtype == np.uint8
    scarce = np.array([ch in SCARCE for ch in text])
    assert (ids[scarce] == vocab.rare).all() and (ids[~scarce] != vocab.rare).all()
    assert corpus.rare == Rare(20, 20 / len(text))
    read = "".join(RARE if ch in SCARCE else ch for ch in text)
    assert vocab.decode(ids) == read and (vocab.encode_array(read) == ids).all()
    assert vocab.encode("☃" + SCARCE[0]) == [vocab.rare, vocab.rare]  # a character never seen is rare too
    assert vocab.unknown("☃") == []


def test_a_vocabulary_that_fits_keeps_even_its_scarcest_and_still_refuses_a_stranger():
    corpus = Corpus.from_text(many_characters_text(scarce=MAX_VOCAB - len(COMMON)))
    vocab = corpus.vocab
    assert len(vocab) == MAX_VOCAB and RARE not in vocab.chars and vocab.rare is None and corpus.rare == Rare()
    with pytest.raises(UserError, match=r"not in the model's vocabulary: '☃' \(U\+2603\)"):
        vocab.encode_array(COMMON[0] + "☃")


def test_a_checkpoints_vocabulary_string_rebuilds_the_same_mapping(tmp_path):
    path = tmp_path / "many.txt"
    path.write_text(many_characters_text(), encoding="utf-8")
    corpus = Corpus.load(path)
    trainer = Trainer(ModelConfig(hidden=16, embed=4), TrainConfig(seq=16, batch=4), corpus, "cpu")
    trainer.train_step()
    save_checkpoint(tmp_path / "m.pt", trainer_state(trainer))
    again = Corpus.load(path, vocab=Vocab(load_checkpoint(tmp_path / "m.pt")["vocab"]))
    assert again.vocab == corpus.vocab and again.rare == corpus.rare
    assert (again.train == corpus.train).all() and (again.val == corpus.val).all()
    assert again.text_id == corpus.text_id


def test_the_start_line_the_json_start_event_and_the_status_table_say_how_many_are_rare(tmp_path, capsys):
    path = tmp_path / "many.txt"
    path.write_text(many_characters_text(), encoding="utf-8")
    said = "20 rare characters, 0.02% of the text, as one symbol"

    assert main(["train", "--text", str(path), "--hidden", "16", "--embed", "4", "--seq", "16", "--batch", "4",
                 "--steps", "1", "--out", str(tmp_path / "m.pt")]) == 0
    assert f"vocabulary {len(COMMON) + 1} ({said})" in capsys.readouterr().err

    trainer = Trainer(ModelConfig(hidden=16, embed=4), TrainConfig(seq=16, batch=4), Corpus.load(path), "cpu")
    start = trainer.start_event()
    assert json.loads(json.dumps(event_to_dict(start)))["rare_chars"] == 20 and start.rare == said

    spec = RunSpec(str(path), trainer.model_config, trainer.train_config)
    state = RunState(spec)
    state.on_ready(Ready(0, spec, start, trainer.corpus.vocab.chars, steps_per_epoch=len(trainer.train_streams)))
    console = Console(width=46, record=True)
    console.print(TrainingStatus.render_table(state))
    shown = " ".join(console.export_text().split())
    assert f"V {len(COMMON) + 1}" in shown and said in shown


MEMORY_PROBE = """
import resource, sys
from rnn_tui.engine.config import ModelConfig, TrainConfig
from rnn_tui.engine.data import Corpus
from rnn_tui.engine.training import Trainer
from rnn_tui.run.spec import RunSpec, build_trainer

model, train = ModelConfig(hidden=32, embed=8), TrainConfig(seq=32, batch=8)
Trainer(model, train, Corpus.from_text("warm up torch " * 200), "cpu").train_step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
trainer = build_trainer(RunSpec(sys.argv[1], model, train, threads=1))
step = trainer.train_step()
start = trainer.start_event()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before, step.step, start.chars, start.vocab_size,
      start.rare_chars)
"""


def test_a_large_text_trains_a_step_in_little_more_than_its_own_size(tmp_path):
    """A text of code with a few emoji (which make a Python str 4 bytes a character) and more
    characters than the vocabulary keeps. Measured in a process of its own, beyond what torch and a
    first step already took: reading it as one str took 9.6 times its size, now 2.3."""
    block = quoted_capitals(lines=2000) + "🙂\n"
    text = block * (6_000_000 // len(block)) + "".join(SCARCE) + "".join(COMMON)
    path = tmp_path / "large.txt"
    path.write_text(text, encoding="utf-8")
    size = path.stat().st_size
    probe = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(path)], capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr
    grown_kb, step, chars, vocab_size, rare = map(int, probe.stdout.split())
    assert (step, chars, rare) == (1, len(text), len(SCARCE) + len(COMMON)) and vocab_size == len(set(block)) + 1
    assert grown_kb * 1024 < 3 * size, f"{grown_kb * 1024 / size:.1f} times the text's size"
