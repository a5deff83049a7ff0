"""The command line's parser: the app's flags, then one subcommand per module of this package."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from rnn_tui.cli import compare, inspect, lesson, ngram, race, sample, serve, train, watch
from rnn_tui.cli.flags import add_app_flags
from rnn_tui.engine.errors import UserError

COMMANDS = {"train": train, "sample": sample, "serve": serve, "watch": watch, "inspect": inspect, "race": race,
            "compare": compare, "lesson": lesson, "ngram": ngram}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage block
        raise UserError(message)


class _Commands(argparse._SubParsersAction):
    """The subcommands, remembering the arguments from the command's name on."""

    command_line: list[str]  # set when a command is parsed

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        self.command_line = list(values)
        super().__call__(parser, namespace, values, option_string)


def build_parser() -> argparse.ArgumentParser:
    return _parser_and_commands()[0]


def _parser_and_commands() -> tuple[argparse.ArgumentParser, _Commands]:
    parser = _Parser(prog="rnn-tui", description="A terminal playground for character-level RNN language models.")
    add_app_flags(parser)
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, action=_Commands)
    for command in COMMANDS.values():
        command.add_parser(commands)
    return parser, commands


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line, with the flags given before a command read as if given right after its name:
    `rnn-tui --steps 5 train --out a.pt` is `rnn-tui train --steps 5 --out a.pt`. A flag given on
    both sides takes the later value, as one given twice does; one the command does not take is refused."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, commands = _parser_and_commands()
    args = parser.parse_args(argv)
    if args.command is None or len(commands.command_line) == len(argv):
        return args
    name, *after = commands.command_line
    before = argv[:len(argv) - len(commands.command_line)]
    try:
        return build_parser().parse_args([name, *before, *after])
    except UserError as exc:
        hint = f"a flag before '{name}' is read as one of its own: rnn-tui {name} --help lists them"
        raise UserError(f"{exc} ({hint})") from None
