"""How the CLI tells the person at the keyboard what went wrong: one line on stderr."""

from __future__ import annotations

import sys

from rnn_tui.engine.errors import UserError


def say(error: UserError) -> None:
    print(f"rnn-tui: error: {error}", file=sys.stderr, flush=True)
