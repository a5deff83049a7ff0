"""`rnn-tui watch DIR`: the playground, read-only, on a run that `train --log DIR` writes."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    watch = sub.add_parser("watch", help="open the playground read-only on a run that train --log DIR writes")
    watch.add_argument("folder", metavar="DIR", help="the folder given to rnn-tui train --log")


def run(args: argparse.Namespace) -> int:
    from rnn_tui.tui.launch import launch_watch

    return launch_watch(args)
