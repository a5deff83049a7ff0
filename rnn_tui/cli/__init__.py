"""`rnn-tui` opens the playground; `rnn-tui train`, `sample`, `inspect` and `race` work headless,
`serve` puts the playground in a browser and `watch` opens it on a run another process writes.

Every error the user can cause ends as one line on stderr and exit status 2, no traceback.
"""

from __future__ import annotations

from collections.abc import Sequence

from rnn_tui.cli import app
from rnn_tui.cli.errors import say
from rnn_tui.cli.parser import COMMANDS, build_parser, parse_args
from rnn_tui.engine.errors import UserError

__all__ = ["build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parse_args(argv)
        return COMMANDS.get(args.command, app).run(args)
    except UserError as exc:
        say(exc)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
