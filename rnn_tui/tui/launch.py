"""From command-line flags to a running app: build the run, start the app, clean up."""

from __future__ import annotations

import argparse
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rnn_tui.run.process import BackgroundTrainer
from rnn_tui.run.spec import DEFAULT_CHECKPOINT, spec_from_args

if TYPE_CHECKING:
    from rnn_tui.tui.app import PlaygroundApp


def lessons_seen_marker() -> Path:
    """Present once the lessons have been opened: until then the title points to them."""
    state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state) / "rnn-tui" / "lessons-seen"


def quit_on_signals(app: PlaygroundApp, leave: Callable[[int], object] = os._exit) -> None:
    """SIGTERM quits as ctrl+q does: training stops, autosave runs. SIGHUP says the terminal is
    gone: training stops and autosave runs the same way, then the process leaves at once, since
    Textual's own shutdown writes to the terminal and, on a closed one, blocks for ever (seen with
    a killed tmux: a hung process holding its memory)."""

    async def hang_up() -> None:
        try:
            await app.shutdown()
        finally:
            leave(0)

    signal.signal(signal.SIGTERM, lambda *_: app.call_later(app.action_quit))
    signal.signal(signal.SIGHUP, lambda *_: app.call_later(hang_up))


def launch_watch(args: argparse.Namespace) -> int:
    """`rnn-tui watch DIR`: the playground, read-only, on a run that `rnn-tui train --log DIR` writes."""
    from rnn_tui.run.follow import LogFollower
    from rnn_tui.tui.app import PlaygroundApp

    spec = spec_from_args(args)
    follower = LogFollower(args.folder, spec)
    app = PlaygroundApp(spec, follower, watching=args.folder)
    quit_on_signals(app)
    try:
        app.run()
    finally:
        follower.close()
    return app.return_code or 0


def launch(args: argparse.Namespace) -> int:
    from rnn_tui.tui.app import PlaygroundApp

    spec = spec_from_args(args, checkpoint=args.checkpoint)  # a bad text or setting is refused before the screen opens
    trainer = BackgroundTrainer(spec)  # its queues exist before the app takes the terminal
    app = PlaygroundApp(spec, trainer, checkpoint_path=args.checkpoint or DEFAULT_CHECKPOINT,
                        hint_marker=lessons_seen_marker())
    quit_on_signals(app)
    try:
        app.run()
    finally:
        trainer.close()
    if (saved := app.training.autosaved) is not None:
        print(f"saved {saved.path} (step {saved.step:,})")
    return app.return_code or 0  # Textual sets 1 when the app crashed
