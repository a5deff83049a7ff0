"""`rnn-tui` with no command: the playground, training as it opens."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    from rnn_tui.run.orphans import exit_with_server
    from rnn_tui.tui.launch import launch

    exit_with_server()
    return launch(args)
