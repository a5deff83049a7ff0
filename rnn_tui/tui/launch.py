"""From command-line flags to a running app: build the run, start the app, clean up."""

from __future__ import annotations

import argparse
import signal
from pathlib import Path

from textual.app import App

from rnn_tui.background import BackgroundTrainer, RunSpec
from rnn_tui.cli import DEFAULT_CHECKPOINT, configs_from_args
from rnn_tui.config import apply_overrides
from rnn_tui.texts import default_text_path, read_text


def spec_from_args(args: argparse.Namespace) -> RunSpec:
    text_path = Path(args.text) if args.text else default_text_path()
    read_text(text_path)  # a bad file is refused here, before the screen opens
    if not args.preset and not any(getattr(args, k, None) is not None for k in ("cell", "hidden", "layers", "embed")):
        args.preset = "tiny"  # the app's default: a model that visibly learns within a minute on a CPU
    model, train = configs_from_args(args)
    train.validate()
    model_check = apply_overrides(model, {"vocab_size": 1})
    model_check.validate()
    return RunSpec(text_path=str(text_path), model=model, train=train, checkpoint=args.checkpoint,
                   device=args.device, threads=args.threads or 1, paused=args.paused)


def quit_on_signals(app: App) -> None:
    """SIGTERM and SIGHUP (the terminal closed) quit as ctrl+q does: training stops, autosave runs."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: app.call_later(app.action_quit))


def launch(args: argparse.Namespace) -> int:
    from rnn_tui.tui.app import PlaygroundApp

    spec = spec_from_args(args)
    trainer = BackgroundTrainer(spec)  # its queues exist before the app takes the terminal
    app = PlaygroundApp(spec, trainer, checkpoint_path=args.checkpoint or DEFAULT_CHECKPOINT)
    quit_on_signals(app)
    try:
        app.run()
    finally:
        trainer.close()
    return 0
