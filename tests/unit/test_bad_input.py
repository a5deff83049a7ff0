"""Bad input of every kind: what can be served is served, what cannot is one clear line."""

import os
import stat

import numpy as np
import pytest
import torch

from rnn_tui.engine.config import ModelConfig, TrainConfig
from rnn_tui.engine.data import Corpus
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.sampling import Sampler, SampleSettings
from rnn_tui.engine.texts import read_text
from rnn_tui.engine.training import Trainer

from .helpers import tiny_trainer


def trainer_for(text: str, **train) -> Trainer:
    train = {"seq": 16, "batch": 4, **train}
    return Trainer(ModelConfig(hidden=16, embed=4), TrainConfig(**train), Corpus.from_text(text), "cpu")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file; the next test covers it")
def test_unreadable_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("hello")
    path.chmod(0)
    with pytest.raises(UserError, match="permission denied"):
        read_text(path)


def test_unreadable_file_even_as_root(tmp_path, monkeypatch):
    path = tmp_path / "secret.txt"
    path.write_text("hello")

    def deny(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(type(path), "open", deny)
    with pytest.raises(UserError, match="permission denied reading"):
        read_text(path)


def test_one_character_repeated_trains_to_zero_loss():
    trainer = trainer_for("a" * 2000)
    events = [trainer.train_step() for _ in range(5)]
    assert all(e.kind == "step" and e.loss == pytest.approx(0, abs=1e-6) for e in events)


def test_text_shorter_than_one_batch_says_so():
    with pytest.raises(UserError, match="too short for batch 4 x seq 16"):
        trainer_for("abcdefgh" * 8)


def test_sequence_longer_than_the_text_says_so():
    with pytest.raises(UserError, match="too short .* lower the batch or the sequence length"):
        trainer_for("some text " * 30, seq=500, batch=1)


def test_a_vocabulary_of_thousands_of_characters(tmp_path):
    rng = np.random.default_rng(0)
    chars = [chr(0x4E00 + i) for i in range(3000)]  # CJK ideographs
    text = "".join(rng.choice(chars, size=60_000))
    path = tmp_path / "cjk.txt"
    path.write_text(text, encoding="utf-8")
    corpus = Corpus.load(path)
    assert len(corpus.vocab) > 2900 and corpus.train.dtype == np.uint16
    trainer = Trainer(ModelConfig(hidden=16, embed=8), TrainConfig(seq=16, batch=4), corpus, "cpu")
    assert trainer.train_step().kind == "step"
    assert len(Sampler(trainer.snapshot_model(), corpus.vocab, seed=0).text(text[:3], 5)) == 5


def test_latin1_file_is_named_and_a_conversion_suggested(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("naïve café\n".encode("latin-1") * 100)
    with pytest.raises(UserError, match=r"not UTF-8 \(byte 0xEF at offset 2\); convert it, e.g. iconv"):
        read_text(path)


@pytest.mark.parametrize("lr", [0.0, -1e-3, float("nan"), float("inf")])
def test_bad_learning_rates(lr):
    with pytest.raises(UserError, match="learning rate"):
        trainer_for("abc " * 500, lr=lr)


@pytest.mark.parametrize("dropout", [-0.1, 1.0, 2.0, float("nan")])
def test_dropout_outside_zero_one(dropout):
    with pytest.raises(UserError, match=r"dropout must be in \[0, 1\)"):
        ModelConfig(vocab_size=5, dropout=dropout).validate()


@pytest.mark.parametrize("seed", [-1, 2**64, 99999999999999999999])
def test_a_seed_torch_cannot_take_is_refused_as_a_setting(seed, small_text):
    with pytest.raises(UserError, match=f"seed must be a whole number from 0 to {2**64 - 1}, not {seed}"):
        TrainConfig(seed=seed).validate()
    trainer = tiny_trainer(small_text, seed=2**64 - 1)  # the largest is taken
    with pytest.raises(UserError, match="seed must be a whole number"):
        Sampler(trainer.model, trainer.corpus.vocab, seed=seed)


@pytest.mark.parametrize("field", ["hidden", "layers", "seq", "batch"])
@pytest.mark.parametrize("value", [0, -2])
def test_zero_or_negative_sizes(field, value):
    is_model = field in ("hidden", "layers")
    config = ModelConfig(vocab_size=5, **{field: value}) if is_model else TrainConfig(**{field: value})
    with pytest.raises(UserError, match=f"{field} must be a positive whole number"):
        config.validate()


def test_huge_learning_rate_stops_training_and_keeps_good_weights(small_text):
    trainer = tiny_trainer(small_text, lr=1e4, steps=200)
    events = []
    stop = trainer.run(events.append)
    assert stop.reason == "diverged" and ("exploded" in stop.message or "became" in stop.message)
    assert all(torch.isfinite(p).all() for p in trainer.model.parameters())
    sample = Sampler(trainer.snapshot_model(), trainer.corpus.vocab, seed=0).text("# ", 20)
    assert len(sample) == 20  # the kept weights still sample


def test_seed_made_only_of_unknown_characters_and_an_empty_seed(small_text):
    trainer = tiny_trainer(small_text)
    sampler = Sampler(trainer.snapshot_model(), trainer.corpus.vocab, seed=0)
    with pytest.raises(UserError, match="not in the model's vocabulary: 'Ж'"):
        sampler.text("ЖЖЖ", 5)
    assert len(sampler.text("", 5)) == 5


def test_a_seed_of_100000_characters_is_read(small_text):
    trainer = tiny_trainer(small_text)
    sampler = Sampler(trainer.snapshot_model(), trainer.corpus.vocab, seed=0)
    seed = (small_text * 10)[:100_000]
    assert len(sampler.text(seed, 10)) == 10


@pytest.mark.parametrize("settings", [SampleSettings(top_k=0), SampleSettings(temperature=0.0),
                                      SampleSettings(temperature=100.0)])
def test_edge_settings_that_are_served(small_text, settings):
    trainer = tiny_trainer(small_text)
    assert len(Sampler(trainer.snapshot_model(), trainer.corpus.vocab, settings, seed=0).text("#", 8)) == 8


def test_read_only_output_folder_is_one_line_and_keeps_the_old_file(small_text, tmp_path, monkeypatch):
    from rnn_tui.engine.checkpoint import save_checkpoint, trainer_state

    trainer = tiny_trainer(small_text)
    folder = tmp_path / "out"
    folder.mkdir()
    path = save_checkpoint(folder / "run.pt", trainer_state(trainer))
    before = path.read_bytes()
    real_open = os.open

    def read_only(file, flags, *args, **kwargs):  # as root, chmod does not stop writes: simulate EROFS
        if str(file).startswith(str(folder)) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(30, "Read-only file system")
        return real_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    trainer.train_step()
    with pytest.raises(UserError, match="cannot save checkpoint .*Read-only file system") as err:
        save_checkpoint(path, trainer_state(trainer))
    assert "\n" not in str(err.value)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert stat.S_ISREG(path.stat().st_mode)


def test_a_200_mb_text_loads_without_exhausting_memory(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "huge.txt"
    line = b"the quick brown fox jumps over the lazy dog 0123456789\n"
    with open(path, "wb") as f:
        f.write(line * (200_000_000 // len(line)))
    size = path.stat().st_size
    code = ("import resource, sys; import rnn_tui.engine.data as d;"
            "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss;"
            "c = d.Corpus.load(sys.argv[1]);"
            "print(len(c.train) + len(c.val), base * 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
    chars, base, peak = map(int, out.stdout.split())
    assert chars == size
    assert peak - base < 4 * size, f"loading took {(peak - base) / size:.1f}x the file's size"
