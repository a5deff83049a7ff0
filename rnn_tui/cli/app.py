"""`rnn-tui` with no command: the playground, training as it opens."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    from rnn_tui.tui.launch import launch

    return launch(args)
