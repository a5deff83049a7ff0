"""What a run is and how it is built: `RunSpec`, from command-line flags, into a Trainer.

The CLI's `train`, the app's training process and the tests all build through `build_trainer`.
Importing this module does not import torch; building does.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from rnn_tui.engine.config import PRESETS, SMALL_TEXT_CHARS, FitSpace, ModelConfig, TrainConfig, apply_overrides
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.splits import check_fits
from rnn_tui.engine.texts import DEFAULT_TEXT, is_builtin, text_length, text_name

if TYPE_CHECKING:
    from rnn_tui.engine.data import Corpus
    from rnn_tui.engine.training import Trainer

DEFAULT_CHECKPOINT = "rnn-tui.pt"
DEFAULT_PRESET = "default"  # sized to the text: passes counting in about two and a half minutes on the default text
COMPARE_PRESET = "tiny"  # a compare or a lesson trains several runs in its budget: small ones
# A compare or a lesson trains several models in one process on one thread each. A single run's
# threads are measured while it trains instead (engine/threads.py): None.
DEFAULT_THREADS = 1
MODEL_FLAGS = ("cell", "hidden", "layers", "embed", "dropout")
TRAIN_FLAGS = ("seq", "batch", "lr", "optimizer", "weight_decay", "schedule", "clip", "steps", "epochs", "minutes",
               "eval_every", "seed", "precision")


@dataclass(frozen=True)
class RunSpec:
    """What the training process builds: a fresh model on a text, or a checkpoint continued on it."""

    text: str | None  # a built-in text's name or a file's path; None: the text the checkpoint was trained on
    model: ModelConfig
    train: TrainConfig
    checkpoint: str | None = None
    device: str | None = None
    threads: int | None = None  # None: one thread or every core, whichever trains faster now (engine/threads.py)
    paused: bool = False
    fit: FitSpace | None = None  # a time-budget preset's sizes to measure here before the run starts


def preset_of(args: argparse.Namespace, chars: int | None = None, default: str = DEFAULT_PRESET) -> str | None:
    """The preset a command's flags ask for: the one named, else `default` when no model flag is
    given; a preset with a smaller stand-in (`Preset.small_text`) gives way to it on a text of fewer
    than `chars` characters."""
    given = vars(args)
    name = given.get("preset")
    if name is None and not any(given.get(k) is not None for k in ("cell", "hidden", "layers", "embed")):
        name = default
    preset = PRESETS.get(name or "")
    if preset is not None and preset.small_text is not None and chars is not None and chars < SMALL_TEXT_CHARS:
        return preset.small_text
    return name


def configs_from_args(args: argparse.Namespace, chars: int | None = None,
                      default: str = DEFAULT_PRESET) -> tuple[ModelConfig, TrainConfig]:
    """Defaults, then the preset (see preset_of; a stand-in keeps the time budget of the preset it
    stands in for), then explicit flags."""
    given = vars(args)
    model, train = ModelConfig(), TrainConfig()
    if preset := preset_of(args, chars, default):
        model, train = apply_overrides(model, PRESETS[preset].model), apply_overrides(train, PRESETS[preset].train)
        asked = PRESETS.get(given.get("preset") or "")
        if asked is not None and asked.small_text == preset:
            train = apply_overrides(train, {"minutes": asked.train.get("minutes")})
    return (apply_overrides(model, {k: given.get(k) for k in MODEL_FLAGS}),
            apply_overrides(train, {k: given.get(k) for k in TRAIN_FLAGS}))


def preset_spec(spec: RunSpec, name: str) -> RunSpec:
    """A fresh run of the preset `name` on the spec's text: its smaller stand-in on a small text, and
    measured here first when the preset fits its size to the machine."""
    chars = text_size(spec.text) if spec.text else None
    model, train = configs_from_args(argparse.Namespace(preset=name), chars)
    preset = PRESETS[preset_of(argparse.Namespace(preset=name), chars)]
    return replace(spec, model=replace(model, vocab_size=spec.model.vocab_size), train=train, checkpoint=None,
                   fit=preset.fit)


def text_size(text: str) -> int:
    """About how many characters a text has, without reading it: a file's bytes (a UTF-8 character
    takes one or more), a built-in text's characters."""
    return text_length(text) if is_builtin(text) else os.path.getsize(text)


def explicit_train_flags(args: argparse.Namespace) -> dict[str, Any]:
    return {k: getattr(args, k) for k in TRAIN_FLAGS if getattr(args, k, None) is not None}


def spec_from_args(args: argparse.Namespace, checkpoint: str | None = None) -> RunSpec:
    """A checked RunSpec: a bad text or setting is a UserError here, before anything starts."""
    text = args.text or (None if checkpoint else DEFAULT_TEXT)
    chars = None if text is None else text_length(text)
    model, train = configs_from_args(args, chars)
    train.validate()
    if chars is not None and not checkpoint:  # a checkpoint brings its own batch and sequence length
        check_fits(chars, train.batch, train.seq, text_name(text))
    replace(model, vocab_size=1).validate()  # the vocabulary comes from the text later
    preset = PRESETS.get(preset_of(args, chars) or "")
    fitted = preset is not None and preset.fit is not None and not checkpoint and \
        all(getattr(args, k, None) is None for k in ("hidden", "precision"))  # a size given is a size kept
    threads = getattr(args, "threads", None)
    return RunSpec(text=text, model=model, train=train, checkpoint=checkpoint, device=args.device,
                   threads=None if threads is None else check_threads(threads),
                   paused=getattr(args, "paused", False),
                   fit=preset.fit if fitted else None)


def check_threads(threads: int) -> int:
    if threads < 1:
        raise UserError(f"threads must be a positive whole number, not {threads}")
    return threads


def build_trainer(spec: RunSpec, train_overrides: dict[str, Any] | None = None) -> Trainer:
    """A fresh Trainer for the spec, or the checkpointed run continued on the spec's text."""
    import torch

    from rnn_tui.engine.checkpoint import load_checkpoint, trainer_from_checkpoint
    from rnn_tui.engine.data import Corpus
    from rnn_tui.engine.threads import ThreadTuner, cores
    from rnn_tui.engine.training import Trainer

    torch.set_num_threads(spec.threads or cores())
    if spec.checkpoint:
        data = load_checkpoint(spec.checkpoint)
        corpus = checkpoint_corpus(spec.checkpoint, data, spec.text)
        trainer = trainer_from_checkpoint(data, corpus, spec.device, train_overrides)
    else:
        corpus = Corpus.load(spec.text or DEFAULT_TEXT)
        model, train = spec.model, spec.train
        if spec.fit is not None:
            from rnn_tui.engine.fit import fit

            model, train, _ = fit(model, train, spec.fit, corpus, spec.device)
        trainer = Trainer(model, train, corpus, spec.device)
    if spec.threads is None and trainer.device.type == "cpu":
        trainer.tuner = ThreadTuner()
    return trainer


def checkpoint_corpus(path: str, data: dict[str, Any], text: str | None) -> Corpus:
    """The text to continue a checkpointed run on: the one given, or else the one it was trained on,
    if that is still there unchanged. Every refusal names the text the run was trained on."""
    from rnn_tui.engine.checkpoint import checkpoint_text
    from rnn_tui.engine.data import Corpus, Vocab
    from rnn_tui.engine.texts import TextId

    saved = checkpoint_text(data)
    trained_on = f"{path} was trained on {saved.source} ({saved.chars:,} characters)" if saved else None
    if text is None:
        if saved is None:
            raise UserError(f"{path} does not record its text: give it with --text")
        try:
            now = TextId.read(saved.source)
        except UserError as exc:
            raise UserError(f"{trained_on}, which cannot be read now ({exc}); give another with --text") from None
        if now != saved:
            raise UserError(f"{trained_on}, which has changed since ({now.chars:,} characters now); "
                            f"to continue on it as it is, give --text {saved.source}")
        text = saved.source
    try:
        return Corpus.load(text, vocab=Vocab(data["vocab"]))
    except UserError as exc:
        raise UserError(f"{trained_on or path}; {text_name(text)} does not fit it: {exc}") from None
