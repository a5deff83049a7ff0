import os
import pickle
import random

import pytest
import torch

from rnn_tui.engine.checkpoint import (
    STALE_SECONDS,
    load_checkpoint,
    model_from_checkpoint,
    save_checkpoint,
    trainer_from_checkpoint,
    trainer_state,
)
from rnn_tui.engine.data import Corpus
from rnn_tui.engine.errors import UserError

from .helpers import losses, tiny_trainer


def test_resume_continues_exactly_where_it_stopped(small_text, tmp_path):
    reference = losses(tiny_trainer(small_text, layers=2), 30)
    first = tiny_trainer(small_text, layers=2)
    part = losses(first, 17)
    path = save_checkpoint(tmp_path / "run.pt", trainer_state(first))
    resumed = trainer_from_checkpoint(load_checkpoint(path), first.corpus, "cpu")
    part += losses(resumed, 13)
    assert part == reference
    assert resumed.train_history.xs[-1] == 30 and len(resumed.train_history) == 30


def test_resume_with_dropout_is_exact(small_text, tmp_path):
    from rnn_tui.engine.config import ModelConfig, TrainConfig
    from rnn_tui.engine.training import Trainer

    def make():
        return Trainer(ModelConfig(cell="gru", hidden=32, layers=2, embed=8, dropout=0.3),
                       TrainConfig(seq=24, batch=8, seed=5), Corpus.from_text(small_text), "cpu")

    a = make()  # the trainer draws dropout masks from torch's global RNG: one run at a time
    reference = losses(a, 12)
    b = make()
    part = losses(b, 5)
    path = save_checkpoint(tmp_path / "d.pt", trainer_state(b))
    torch.manual_seed(999)  # whatever happened to the global RNG meanwhile
    resumed = trainer_from_checkpoint(load_checkpoint(path), b.corpus, "cpu")
    part += losses(resumed, 7)
    assert part == reference


def test_checkpoint_holds_plain_data_only(small_text, tmp_path):
    trainer = tiny_trainer(small_text)
    trainer.train_step()
    path = save_checkpoint(tmp_path / "c.pt", trainer_state(trainer))
    data = torch.load(path, weights_only=True)  # would raise on any non-plain object
    assert data["vocab"] == trainer.corpus.vocab.chars and data["step"] == 1
    model, vocab = model_from_checkpoint(data)
    assert vocab == trainer.corpus.vocab
    for k, v in model.state_dict().items():
        assert torch.equal(v, trainer.model.state_dict()[k])


def test_a_failed_write_leaves_the_old_checkpoint_whole(small_text, tmp_path, monkeypatch):
    trainer = tiny_trainer(small_text)
    path = save_checkpoint(tmp_path / "c.pt", trainer_state(trainer))
    before = path.read_bytes()

    def broken_save(obj, f):
        f.write(b"half a checkpoint")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", broken_save)
    trainer.train_step()
    with pytest.raises(UserError, match="No space left on device"):
        save_checkpoint(path, trainer_state(trainer))
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["c.pt"]  # no temporary file left behind


class CreatesAFile:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_a_pickle_with_code_is_refused_and_never_run(tmp_path):
    target = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"format": "rnn-tui/1", "payload": CreatesAFile(str(target))}, path)
    target.unlink(missing_ok=True)  # torch.save itself does not run it, but be sure
    with pytest.raises(UserError, match="refused"):
        load_checkpoint(path)
    assert not target.exists()


@pytest.mark.parametrize("content, message", [
    (b"", "not a readable checkpoint"),
    (random.Random(0).randbytes(4096), "not a readable checkpoint"),
    (pickle.dumps([1, 2, 3], protocol=2), "not a readable checkpoint"),
], ids=["empty", "random-bytes", "plain-pickle"])
def test_corrupt_files_are_refused_with_one_line(tmp_path, content, message):
    path = tmp_path / "bad.pt"
    path.write_bytes(content)
    with pytest.raises(UserError, match=message) as err:
        load_checkpoint(path)
    assert "\n" not in str(err.value)


def test_truncated_checkpoint_is_refused(small_text, tmp_path):
    path = save_checkpoint(tmp_path / "c.pt", trainer_state(tiny_trainer(small_text)))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(UserError, match="corrupt or truncated"):
        load_checkpoint(path)


def test_foreign_checkpoint_is_refused(tmp_path):
    path = tmp_path / "foreign.pt"
    torch.save(torch.nn.LSTM(4, 4).state_dict(), path)
    with pytest.raises(UserError, match="not an rnn-tui checkpoint"):
        load_checkpoint(path)


def test_other_vocabulary_is_explained(small_text, tmp_path):
    path = save_checkpoint(tmp_path / "c.pt", trainer_state(tiny_trainer(small_text)))
    other = Corpus.from_text("completely different text, with letters QXZ!" * 100)
    with pytest.raises(UserError, match="vocabulary .* differs .* new: .*missing"):
        trainer_from_checkpoint(load_checkpoint(path), other, "cpu")


def test_other_architecture_is_explained(small_text, tmp_path):
    data = trainer_state(tiny_trainer(small_text, cell="lstm"))
    data["model_config"]["cell"] = "gru"
    with pytest.raises(UserError, match="do not fit a gru model"):
        model_from_checkpoint(data)


def test_the_set_lr_best_weights_and_setting_changes_survive_a_checkpoint(small_text, tmp_path):
    trainer = tiny_trainer(small_text)
    losses(trainer, 10)
    trainer.evaluate()
    trainer.set_lr(7e-4)
    trainer.set_dropout(0.2)
    losses(trainer, 5)
    path = save_checkpoint(tmp_path / "run.pt", trainer_state(trainer))
    resumed = trainer_from_checkpoint(load_checkpoint(path), trainer.corpus, "cpu")
    assert resumed.train_config.lr == 7e-4 and resumed.model_config.dropout == 0.2
    assert resumed.model.drop.p == 0.2
    assert resumed.setting_changes == [(10, "lr", 7e-4), (10, "dropout", 0.2)]
    assert resumed.best.step == 10 and resumed.best.val_loss == trainer.best.val_loss
    assert all(torch.equal(resumed.best.weights[k], v) for k, v in trainer.best.weights.items())
    assert resumed.val_points == trainer.val_points
    assert resumed.train_step().lr == 7e-4


def test_a_save_removes_what_killed_saves_left_behind(small_text, tmp_path):
    trainer = tiny_trainer(small_text)
    stale, fresh, other = (tmp_path / ".run.pt.abc123.tmp", tmp_path / ".run.pt.def456.tmp",
                           tmp_path / ".other.pt.abc123.tmp")
    for path in (stale, fresh, other):
        path.write_bytes(b"half a checkpoint")
    old = os.path.getmtime(stale) - STALE_SECONDS - 1
    for path in (stale, other):
        os.utime(path, (old, old))
    save_checkpoint(tmp_path / "run.pt", trainer_state(trainer))
    assert not stale.exists()  # a save of run.pt killed long ago
    assert fresh.exists()  # maybe a save under way in another process
    assert other.exists()  # not ours


def test_a_checkpoint_of_another_format_version_says_so(tmp_path):
    path = tmp_path / "old.pt"
    torch.save({"format": "rnn-tui/1", "model": {}}, path)
    with pytest.raises(UserError, match=r"another version of rnn-tui \(format rnn-tui/1\); this one reads rnn-tui/2"):
        load_checkpoint(path)
