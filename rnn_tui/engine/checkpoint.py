"""Checkpoints: one file of plain data (tensors, numbers, strings, lists, dicts).

Written atomically (a temporary file in the same folder, fsync, rename), so a crash mid-write
leaves the previous checkpoint whole. Read with `torch.load(weights_only=True)`, which refuses
anything that would run code when unpickled.
"""

from __future__ import annotations

import glob
import os
import pickle
import tempfile
import time
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import torch

from rnn_tui.engine.config import CELL_NAMES, ModelConfig, TrainConfig
from rnn_tui.engine.data import Corpus, Streams, Vocab
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.history import History
from rnn_tui.engine.models import TRANSFORMER, Model, context_of, model_for_weights
from rnn_tui.engine.texts import TextId
from rnn_tui.engine.training import BestWeights, Trainer

STALE_SECONDS = 60.0
FORMAT = "rnn-tui/2"  # 2: the set learning rate lives in train_config; best weights; setting changes


def trainer_state(trainer: Trainer) -> dict[str, Any]:
    """Everything needed to resume a run exactly, as plain data."""
    with trainer.lock:
        return {
            "format": FORMAT,
            "model_config": asdict(trainer.model_config),
            "train_config": asdict(trainer.train_config),
            "run_id": trainer.run_id,
            "epoch": {"step_base": trainer.step_base, "epoch_base": trainer.epoch_base},
            "seconds": trainer.seconds,
            "vocab": trainer.corpus.vocab.chars,
            "corpus_name": trainer.corpus.name,
            "text": None if trainer.corpus.text_id is None else asdict(trainer.corpus.text_id),
            "model": {k: v.detach().cpu().clone() for k, v in trainer.model.state_dict().items()},
            "optimizer": _to_cpu(trainer.optimizer.state_dict()),
            "step": trainer.step,
            "best": None if trainer.best is None else {
                "step": trainer.best.step, "val_loss": trainer.best.val_loss, "model": trainer.best.weights},
            "carried_state": None if trainer.state is None else [s.detach().cpu().clone() for s in trainer.state],
            "rng": {"torch": torch.get_rng_state(),
                    "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []},
            "metrics": {
                "train": trainer.train_history.to_dict(),
                "val": trainer.val_history.to_dict(),
                "setting_changes": [list(c) for c in trainer.setting_changes],
                "val_points": [list(p) for p in trainer.val_points],
                "timeline": [list(entry) for entry in trainer.timeline],
                "recent_losses": list(trainer.recent_losses),
            },
        }


def save_checkpoint(path: str | os.PathLike[str], data: dict[str, Any]) -> Path:
    """Write `data` to `path` atomically; on failure the old file is untouched and UserError says why."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    tmp_name = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{path.name}.", suffix=".tmp", delete=False) as f:
            tmp_name = f.name
            torch.save(data, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_name, path)
        tmp_name = None
        _fsync_dir(folder)
    except OSError as exc:
        raise UserError(f"cannot save checkpoint {path}: {exc.strerror or exc}") from None
    finally:
        if tmp_name is not None:
            Path(tmp_name).unlink(missing_ok=True)
    return path


def remove_stale_temporaries(path: Path) -> None:
    """Delete what saves of `path` killed mid-write left behind (`.NAME.XXXX.tmp`). A save still
    under way in another process is younger than `STALE_SECONDS`, so it is left alone."""
    now = time.time()
    for tmp in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        try:
            if now - tmp.stat().st_mtime > STALE_SECONDS:
                tmp.unlink()
        except OSError:
            pass  # gone already, or not ours to remove: the save itself goes on


def load_checkpoint(path: str | os.PathLike[str], map_location: str | torch.device = "cpu",
                    mmap: bool = False) -> dict[str, Any]:
    """Read and check a checkpoint; any problem becomes a one-line UserError. With `mmap` the
    tensors stay on disk until touched: enough to read what run a file holds."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"no such checkpoint: {path}")
    if path.is_dir():
        raise UserError(f"{path} is a directory, not a checkpoint")
    try:
        data = torch.load(path, map_location=map_location, weights_only=True, mmap=mmap)
    except pickle.UnpicklingError as exc:
        if "Unsupported global" in str(exc):
            raise UserError(f"refused {path}: it holds objects other than plain data "
                            "(a pickle that could run code), so it is not loaded") from None
        raise UserError(f"{path} is not a readable checkpoint (corrupt or truncated)") from None
    except PermissionError:
        raise UserError(f"permission denied reading {path}") from None
    except Exception:  # torch reports truncated and foreign files with many exception types
        raise UserError(f"{path} is not a readable checkpoint (corrupt or truncated)") from None
    if isinstance(data, dict) and str(data.get("format", "")).startswith("rnn-tui/") and data["format"] != FORMAT:
        raise UserError(f"{path} was written by another version of rnn-tui (format {data['format']}); "
                        f"this one reads {FORMAT}")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UserError(f"{path} is not an rnn-tui checkpoint (expected format {FORMAT})")
    missing = [k for k in ("model_config", "train_config", "vocab", "model", "step", "run_id") if k not in data]
    if missing:
        raise UserError(f"{path} is an incomplete checkpoint: missing {', '.join(missing)}")
    return data


def checkpoint_text(data: dict[str, Any]) -> TextId | None:
    """The text a checkpointed run was trained on, as recorded."""
    text = data.get("text")
    return None if text is None else TextId(str(text["source"]), int(text["chars"]), str(text["sha256"]))


def describe_run(data: dict[str, Any]) -> str:
    """A checkpointed run in a few words: 'an LSTM on essay, step 1,400'."""
    cell, text = CELL_NAMES.get(data["model_config"]["cell"], "model"), data.get("corpus_name", "a text")
    return f"{'an' if cell[0] in 'AEILMNORS' else 'a'} {cell} on {text}, step {int(data['step']):,}"


def other_run_at(path: str | os.PathLike[str], run_id: str) -> str | None:
    """Why saving run `run_id` to `path` would replace something else, or None when it would not:
    the file is missing or holds an earlier save of the same run."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        data = load_checkpoint(path, mmap=True)  # every save asks: do not read the weights for it
    except UserError as exc:
        return f"{path} is there and is not a checkpoint of this run ({exc})"
    if data["run_id"] == run_id:
        return None
    return f"{path} holds another run ({describe_run(data)})"


def free_path(path: str | os.PathLike[str], run_id: str) -> Path:
    """`path`, or the first of NAME-1.pt, NAME-2.pt, ... that another run does not hold."""
    path = Path(path)
    candidate, k = path, 0
    while other_run_at(candidate, run_id):
        k += 1
        candidate = path.with_name(f"{path.stem}-{k}{path.suffix}")
    return candidate


def check_writable(path: str | os.PathLike[str]) -> None:
    """Refuse, before a run starts, a checkpoint path that no save could write."""
    path = Path(path).absolute()
    folder = path.parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise UserError(f"cannot save checkpoint {path}: {folder} is not a folder")
    if path.is_dir():
        raise UserError(f"cannot save checkpoint {path}: it is a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"cannot save checkpoint {path}: {folder} is not writable")


def configs_from_checkpoint(data: dict[str, Any]) -> tuple[ModelConfig, TrainConfig]:
    """The checkpointed run's model and training settings, checked."""
    return _dataclass_from(ModelConfig, data["model_config"]), _dataclass_from(TrainConfig, data["train_config"])


def model_from_checkpoint(data: dict[str, Any]) -> tuple[Model, Vocab]:
    vocab = Vocab(data["vocab"])
    config = _dataclass_from(ModelConfig, data["model_config"])
    if config.vocab_size != len(vocab):
        raise UserError(f"checkpoint is inconsistent: {config.vocab_size} outputs for {len(vocab)} characters")
    model = model_for_weights(config, data["model"])  # a transformer: the context its weights were made for
    try:
        model.load_state_dict(data["model"])
    except RuntimeError as exc:
        raise UserError(f"checkpoint weights do not fit a {config.cell} model: {str(exc).splitlines()[0]}") from None
    return model.eval(), vocab


def trainer_from_checkpoint(data: dict[str, Any], corpus: Corpus, device: str | torch.device | None = None,
                            train_overrides: dict[str, Any] | None = None) -> Trainer:
    """A Trainer that continues exactly where the checkpointed one stopped."""
    vocab = Vocab(data["vocab"])
    if corpus.vocab != vocab:
        raise UserError(explain_vocab_mismatch(vocab, corpus.vocab))
    model_config = _dataclass_from(ModelConfig, data["model_config"])
    train_config = _dataclass_from(TrainConfig, {**data["train_config"], **(train_overrides or {})})
    context = context_of(data["model"])
    if model_config.cell == TRANSFORMER and context is not None and train_config.seq != context:
        raise UserError(f"a transformer's context is the sequence length it was made with, {context}: "
                        f"it cannot resume with --seq {train_config.seq}")
    trainer = Trainer(model_config, train_config, corpus, device)
    model, _ = model_from_checkpoint(data)
    trainer.model.load_state_dict(model.state_dict())
    trainer.optimizer.load_state_dict(data["optimizer"])
    trainer.step = int(data["step"])
    saved = _dataclass_from(TrainConfig, data["train_config"])
    same_geometry = (saved.batch, saved.seq) == (train_config.batch, train_config.seq)
    trainer.step_base, trainer.epoch_base = int(data["epoch"]["step_base"]), float(data["epoch"]["epoch_base"])
    if not same_geometry:  # another batch or sequence length: the epoch count goes on, the streams restart
        steps_per_epoch = Streams(corpus.train, saved.batch, saved.seq).steps_per_epoch
        trainer.epoch_base += (trainer.step - trainer.step_base) / steps_per_epoch
        trainer.step_base = trainer.step
    trainer.run_id = str(data["run_id"])
    trainer.seconds = float(data["seconds"])
    if (best := data.get("best")) is not None:
        trainer.best = BestWeights(int(best["step"]), float(best["val_loss"]), best["model"])
    carried = data.get("carried_state") if same_geometry else None  # the old streams' state fits no new one
    trainer.state = None if carried is None else tuple(s.to(trainer.device) for s in carried)
    metrics = data.get("metrics", {})
    if metrics:
        trainer.train_history = History.from_dict(metrics["train"])
        trainer.val_history = History.from_dict(metrics["val"])
        trainer.setting_changes = [(int(s), str(name), float(v)) for s, name, v in metrics["setting_changes"]]
        trainer.val_points = [(int(s), float(v)) for s, v in metrics["val_points"]]
        trainer.timeline = [(int(s), float(v), str(text)) for s, v, text in metrics.get("timeline", [])]
        trainer.recent_losses.extend(float(x) for x in metrics["recent_losses"])
    rng = data.get("rng", {})
    if "torch" in rng:
        torch.set_rng_state(rng["torch"])
    if rng.get("cuda") and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(rng["cuda"])
    return trainer


def explain_vocab_mismatch(expected: Vocab, found: Vocab) -> str:
    extra = sorted(set(found.chars) - set(expected.chars))
    gone = sorted(set(expected.chars) - set(found.chars))
    parts = [f"the checkpoint's vocabulary ({len(expected)} characters) differs from the text's ({len(found)})"]
    if extra:
        parts.append(f"new: {''.join(extra[:10])!r}")
    if gone:
        parts.append(f"missing: {''.join(gone[:10])!r}")
    return "; ".join(parts)


def _dataclass_from(cls: type, values: dict[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    unknown = set(values) - names
    if unknown:
        raise UserError(f"checkpoint has unknown {cls.__name__} fields: {', '.join(sorted(unknown))}")
    try:
        return cls(**values).validate()
    except TypeError as exc:
        raise UserError(f"checkpoint has a bad {cls.__name__}: {exc}") from None


def _to_cpu(obj: Any) -> Any:
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu().clone()
    if isinstance(obj, dict):
        return {k: _to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_cpu(v) for v in obj)
    return obj


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
