"""The command line's parser: the app's flags, then one subcommand per module of this package."""

from __future__ import annotations

import argparse

from rnn_tui.cli import compare, inspect, lesson, ngram, race, sample, serve, train, watch
from rnn_tui.cli.flags import add_app_flags
from rnn_tui.engine.errors import UserError

COMMANDS = {"train": train, "sample": sample, "serve": serve, "watch": watch, "inspect": inspect, "race": race,
            "compare": compare, "lesson": lesson, "ngram": ngram}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage block
        raise UserError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="rnn-tui", description="A terminal playground for character-level RNN language models.")
    add_app_flags(parser)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    for command in COMMANDS.values():
        command.add_parser(sub)
    return parser
