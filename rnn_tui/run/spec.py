"""What a run is and how it is built: `RunSpec`, from command-line flags, into a Trainer.

The CLI's `train`, the app's training process and the tests all build through `build_trainer`.
Importing this module does not import torch; building does.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from rnn_tui.engine.config import PRESETS, ModelConfig, TrainConfig, apply_overrides
from rnn_tui.engine.splits import check_fits
from rnn_tui.engine.texts import DEFAULT_TEXT, text_length, text_name

if TYPE_CHECKING:
    from rnn_tui.engine.training import Trainer

DEFAULT_CHECKPOINT = "rnn-tui.pt"
DEFAULT_PRESET = "tiny"  # a model that visibly learns within a minute on a laptop CPU
MODEL_FLAGS = ("cell", "hidden", "layers", "embed", "dropout")
TRAIN_FLAGS = ("seq", "batch", "lr", "optimizer", "schedule", "clip", "steps", "epochs", "minutes",
               "eval_every", "seed")


@dataclass(frozen=True)
class RunSpec:
    """What the training process builds: a fresh model on a text, or a checkpoint continued on it."""

    text: str  # a built-in text's name or a file's path
    model: ModelConfig
    train: TrainConfig
    checkpoint: str | None = None
    device: str | None = None
    threads: int = 1
    paused: bool = False


def configs_from_args(args: argparse.Namespace) -> tuple[ModelConfig, TrainConfig]:
    """Defaults, then the preset (the default preset when no model flag is given), then explicit flags."""
    given = vars(args)
    preset = given.get("preset")
    if preset is None and not any(given.get(k) is not None for k in ("cell", "hidden", "layers", "embed")):
        preset = DEFAULT_PRESET
    model, train = ModelConfig(), TrainConfig()
    if preset:
        model, train = apply_overrides(model, PRESETS[preset].model), apply_overrides(train, PRESETS[preset].train)
    return (apply_overrides(model, {k: given.get(k) for k in MODEL_FLAGS}),
            apply_overrides(train, {k: given.get(k) for k in TRAIN_FLAGS}))


def explicit_train_flags(args: argparse.Namespace) -> dict[str, Any]:
    return {k: getattr(args, k) for k in TRAIN_FLAGS if getattr(args, k, None) is not None}


def spec_from_args(args: argparse.Namespace, checkpoint: str | None = None) -> RunSpec:
    """A checked RunSpec: a bad text or setting is a UserError here, before anything starts."""
    text = args.text or DEFAULT_TEXT
    chars = text_length(text)
    model, train = configs_from_args(args)
    train.validate()
    if not checkpoint:  # a checkpoint brings its own batch and sequence length
        check_fits(chars, train.batch, train.seq, text_name(text))
    replace(model, vocab_size=1).validate()  # the vocabulary comes from the text later
    return RunSpec(text=text, model=model, train=train, checkpoint=checkpoint, device=args.device,
                   threads=getattr(args, "threads", None) or 1, paused=getattr(args, "paused", False))


def build_trainer(spec: RunSpec, train_overrides: dict[str, Any] | None = None) -> Trainer:
    """A fresh Trainer for the spec, or the checkpointed run continued on the spec's text."""
    from rnn_tui.engine.checkpoint import load_checkpoint, trainer_from_checkpoint
    from rnn_tui.engine.data import Corpus, Vocab
    from rnn_tui.engine.training import Trainer

    if spec.checkpoint:
        data = load_checkpoint(spec.checkpoint)
        corpus = Corpus.load(spec.text, vocab=Vocab(data["vocab"]))
        return trainer_from_checkpoint(data, corpus, spec.device, train_overrides)
    return Trainer(spec.model, spec.train, Corpus.load(spec.text), spec.device)
